//! The embedded-tls crypto provider: our CSPRNG plus, optionally, our certificate verifier
//! (see `verify`).

use embedded_tls::{CryptoProvider, Tls13Suites, TlsError, TlsVerifier};
use rand_core::CryptoRngCore;

use crate::rng::EngineRng;
use crate::verify::Verifier;

/// The connection's suite parameter: the suite itself is negotiated at run time from the
/// list in the config (`embedded_tls::suite`).
pub type Suites = Tls13Suites;

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
    type CipherSuite = Suites;
    type Signature = [u8; 64];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Suites>, TlsError> {
        self.verifier.as_mut().ok_or(TlsError::Unimplemented)
    }
}
