//! The embedded-tls crypto provider: our CSPRNG plus, optionally, a certificate verifier.
//!
//! Without a verifier embedded-tls skips certificate checks (CERT_NONE). With one, the
//! chain is checked against the single CA (ECDSA P-256/SHA-256) by embedded-tls's `rustpki`
//! verifier, plus the server name. Certificate validity dates are not checked (no clock).

use embedded_tls::pki::CertVerifier;
use embedded_tls::{
    Aes128GcmSha256, Certificate, CertificateRef, CertificateVerifyRef, CryptoProvider, NoClock,
    TlsError, TlsVerifier,
};
use rand_core::CryptoRngCore;

use crate::error;
use crate::io::Io;
use crate::rng::EngineRng;

/// The only cipher suite offered.
pub type Suite = Aes128GcmSha256;

/// Bytes of the server's certificate list the verifier can keep (between the Certificate
/// and CertificateVerify messages).
pub(crate) const MAX_CERT_CHAIN: usize = 2048;

/// Verifies against one CA and records why it rejected a peer into [`Io::verify_code`].
pub struct CaVerifier {
    inner: CertVerifier<'static, Suite, NoClock, MAX_CERT_CHAIN>,
    io: &'static Io,
}

impl CaVerifier {
    pub fn new(ca_der: &'static [u8], io: &'static Io) -> Self {
        Self { inner: CertVerifier::new(Certificate::X509(ca_der)), io }
    }

    fn record<T>(&self, r: Result<T, TlsError>) -> Result<T, TlsError> {
        if let Err(e) = &r {
            self.io.verify_code.set(error::from_verifier(*e));
        }
        r
    }
}

impl TlsVerifier<Suite> for CaVerifier {
    fn set_hostname_verification(&mut self, hostname: &str) -> Result<(), TlsError> {
        self.inner.set_hostname_verification(hostname)
    }

    fn verify_certificate(
        &mut self,
        transcript: &<Suite as embedded_tls::TlsCipherSuite>::Hash,
        cert: CertificateRef,
    ) -> Result<(), TlsError> {
        let r = self.inner.verify_certificate(transcript, cert);
        self.record(r)
    }

    fn verify_signature(&mut self, verify: CertificateVerifyRef) -> Result<(), TlsError> {
        let r = self.inner.verify_signature(verify);
        self.record(r)
    }
}

/// Lives only for the handshake (a local of the connection task around `open`).
///
/// Handed to embedded-tls as `&mut EngineProvider`: `open` takes its context by value and
/// its future keeps two copies of it, so passing the provider itself (with the verifier's
/// 2 KiB certificate buffer) by value would cost its size twice more.
pub struct EngineProvider {
    pub rng: EngineRng,
    pub verifier: Option<CaVerifier>,
}

impl CryptoProvider for EngineProvider {
    type CipherSuite = Suite;
    type Signature = [u8; 64];

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Suite>, TlsError> {
        self.verifier.as_mut().ok_or(TlsError::Unimplemented)
    }
}
