//! The embedded-tls crypto provider: our CSPRNG plus, optionally, our certificate verifier
//! (see `verify`).

use embedded_tls::{Aes128GcmSha256, CryptoProvider, TlsError, TlsVerifier};
use rand_core::CryptoRngCore;

use crate::rng::EngineRng;
use crate::verify::Verifier;

/// The only cipher suite offered.
pub type Suite = Aes128GcmSha256;

/// Lives only for the handshake (a local of the connection task around `open`).
///
/// Handed to embedded-tls as `&mut EngineProvider`: `open` takes its context by value and
/// its future keeps two copies of it, so passing the provider itself (with the verifier's
/// copy of the leaf key) by value would cost its size twice more.
pub struct EngineProvider<'a> {
    pub rng: EngineRng,
    /// None: certificates are neither checked nor recorded (CERT_NONE, no peer-cert buffer).
    pub verifier: Option<Verifier<'a>>,
}

impl CryptoProvider for EngineProvider<'_> {
    type CipherSuite = Suite;
    type Signature = [u8; 64];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Suite>, TlsError> {
        self.verifier.as_mut().ok_or(TlsError::Unimplemented)
    }
}
