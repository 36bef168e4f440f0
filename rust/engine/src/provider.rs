//! The embedded-tls crypto provider: our CSPRNG plus, optionally, our certificate verifier
//! (see `verify`).

use embedded_tls::{CryptoProvider, Tls13Suites, TlsError, TlsVerifier};
#[cfg(feature = "client-cert")]
use embedded_tls::{Certificate, SignatureScheme};
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
    /// Our certificate chain and key, if the caller gave one (mutual TLS).
    pub client: Option<ClientAuth<'a>>,
}

/// A client chain (DER certificates back to back, leaf first) and its private key (DER),
/// both in caller memory, checked by `client_auth::check` when the engine was created.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "client-cert"), allow(dead_code))] // never made without the feature
pub struct ClientAuth<'a> {
    pub chain: &'a [u8],
    pub key: &'a [u8],
}

impl CryptoProvider for EngineProvider<'_> {
    type CipherSuite = Suites;
    type Signature = crate::client_auth::DerSig;

    fn rng(&mut self) -> impl CryptoRngCore {
        &mut self.rng
    }

    fn verifier(&mut self) -> Result<&mut impl TlsVerifier<Suites>, TlsError> {
        self.verifier.as_mut().ok_or(TlsError::Unimplemented)
    }

    /// With a client certificate, the deferred ECDSA checks of the server (see
    /// verify::pending) run now: we authenticate only to a verified server.
    fn before_client_auth(&mut self) -> Result<(), TlsError> {
        match (&self.client, self.verifier.as_mut()) {
            (Some(_), Some(v)) => v.finish().map_err(|_| TlsError::InvalidCertificate),
            _ => Ok(()),
        }
    }

    #[cfg(feature = "client-cert")]
    fn client_cert(&mut self) -> Option<Certificate<impl AsRef<[u8]>>> {
        self.client.map(|c| Certificate::X509(c.chain))
    }

    #[cfg(feature = "client-cert")]
    fn signer(&mut self) -> Result<(impl signature::SignerMut<Self::Signature>, SignatureScheme), TlsError> {
        let c = self.client.as_ref().ok_or(TlsError::Unimplemented)?;
        let signer = crate::client_auth::Signer::new(c.key).map_err(|_| TlsError::InternalError)?;
        Ok((signer, SignatureScheme::EcdsaSecp256r1Sha256))
    }
}
