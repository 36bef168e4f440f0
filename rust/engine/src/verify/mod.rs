//! Our own X.509 certificate verifier for embedded-tls (`TlsVerifier`): chains of ECDSA
//! P-256/P-384 and RSA (PKCS#1 v1.5, 2048-4096 bits) certificates to one of several trust
//! anchors, validity dates, CA constraints, key usage, the server name (subjectAltName), and
//! the server's TLS 1.3 CertificateVerify (ECDSA, RSA-PSS).
//!
//! No allocation: certificates are read in place; what must outlive the Certificate message
//! (the leaf's public key, the transcript hash) is copied into the verifier.

mod cert;
mod chain;
pub mod der;
mod ecdsa;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod name;
mod pending;
mod rsa;
mod time;

use core::cell::Cell;

use embedded_tls::{
    CertificateEntryRef, CertificateRef, CertificateVerifyRef, MAX_CERTIFICATE_ENTRIES, SignatureScheme, TlsCipherSuite,
    TlsError, TlsVerifier,
};
use embedded_tls::Transcript;

use crate::error;
use cert::{HashAlg, PublicKey};

/// True if `buf` is one or more DER certificates (SEQUENCEs) back to back, nothing else.
pub fn is_der_list(buf: &[u8]) -> bool {
    let mut r = der::Reader::new(buf);
    let mut n = 0;
    while !r.is_empty() {
        match r.read() {
            Ok(t) if t.tag == der::SEQUENCE => n += 1,
            _ => return false,
        }
    }
    n > 0
}

/// The P-256 public key (uncompressed SEC1 point) of a DER certificate; None for other keys.
#[cfg(feature = "client-cert")]
pub fn leaf_public_key(cert_der: &[u8]) -> Result<Option<&[u8]>, Error> {
    match cert::Cert::parse(cert_der)?.key {
        PublicKey::P256(k) => Ok(Some(k)),
        _ => Ok(None),
    }
}

/// True if `name` is an IPv4 or IPv6 literal (checked against iPAddress SANs, not sent as SNI).
pub fn is_ip_literal(name: &str) -> bool {
    name::Host::new(name).is_ip()
}

/// Why a certificate (or the server's CertificateVerify) was rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Error {
    UnknownCa,
    Expired,
    NotYetValid,
    Hostname,
    BadSignature,
    BadCertVerify,
    Unsupported,
    Malformed,
    NotCa,
    KeyUsage,
    ClockNotSet,
    ChainTooLong,
    NoCertificate,
}

impl Error {
    /// The C ABI error code.
    pub fn code(self) -> i32 {
        match self {
            Error::UnknownCa => error::USSL_ERR_CERT_UNKNOWN_CA,
            Error::Expired => error::USSL_ERR_CERT_EXPIRED,
            Error::NotYetValid => error::USSL_ERR_CERT_NOT_YET_VALID,
            Error::Hostname => error::USSL_ERR_CERT_HOSTNAME,
            Error::BadSignature => error::USSL_ERR_CERT_SIGNATURE,
            Error::BadCertVerify => error::USSL_ERR_CERT_VERIFY_SIGNATURE,
            Error::Unsupported => error::USSL_ERR_CERT_UNSUPPORTED,
            Error::Malformed => error::USSL_ERR_CERT_PARSE,
            Error::NotCa => error::USSL_ERR_CERT_NOT_CA,
            Error::KeyUsage => error::USSL_ERR_CERT_KEY_USAGE,
            Error::ClockNotSet => error::USSL_ERR_CLOCK_NOT_SET,
            Error::ChainTooLong => error::USSL_ERR_CERT_TOO_LARGE,
            Error::NoCertificate => error::USSL_ERR_CERT_VERIFY,
        }
    }
}

/// Kind of the leaf's public key kept for the CertificateVerify message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    None,
    P256,
    P384,
    Rsa,
}

/// The leaf's public key (SEC1 point or RSA modulus in `bytes[..len]`), written in place
/// (no 512-byte temporaries on the engine stack).
struct LeafKey {
    kind: KeyKind,
    len: u16,
    e: u32,
    bytes: [u8; 512],
}

impl LeafKey {
    fn bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Longest transcript hash kept (SHA-384 suites included).
const MAX_HASH: usize = 48;

/// What the verifier reports back to the connection.
pub struct Report<'a> {
    /// Set to the error code when the peer is rejected.
    pub code: &'a Cell<i32>,
    /// Leaf length copied into the caller's buffer (or USSL_ERR_BUFFER when it did not fit).
    pub peer_cert_len: &'a Cell<i32>,
}

/// Verifier configuration (from the C config).
pub struct Settings<'a> {
    /// Verify the chain and the name; false only records the leaf (getpeercert).
    pub check: bool,
    pub anchors: &'a [u8],
    pub host: &'a str,
    /// Current unix time; None: the caller opted out of the validity check.
    pub now: Option<i64>,
    /// The peer is a client (our server checks its certificate): clientAuth, no name, the
    /// client's CertificateVerify context.
    pub peer_is_client: bool,
}

pub struct Verifier<'a> {
    settings: Settings<'a>,
    report: Report<'a>,
    peer_cert: Option<&'a mut [u8]>,
    key: LeafKey,
    transcript: [u8; MAX_HASH],
    transcript_len: u8,
    /// ECDSA checks to run once the handshake returns (see `pending`).
    later: pending::Pending,
}

impl<'a> Verifier<'a> {
    pub fn new(settings: Settings<'a>, report: Report<'a>, peer_cert: Option<&'a mut [u8]>) -> Self {
        let key = LeafKey { kind: KeyKind::None, len: 0, e: 0, bytes: [0; 512] };
        Self { settings, report, peer_cert, key, transcript: [0; MAX_HASH], transcript_len: 0, later: pending::Pending::new() }
    }

    fn fail(&self, e: Error) -> TlsError {
        self.report.code.set(e.code());
        match e {
            Error::BadCertVerify => TlsError::InvalidSignature,
            _ => TlsError::InvalidCertificate,
        }
    }

    fn check_chain(&mut self, list: &[&[u8]]) -> Result<(), Error> {
        let now = match self.settings.now {
            Some(t) if t < time::CLOCK_FLOOR => return Err(Error::ClockNotSet),
            n => n,
        };
        let policy = chain::Policy { anchors: self.settings.anchors, now, host: (!self.settings.peer_is_client).then(|| name::Host::new(self.settings.host)) };
        let leaf = chain::verify(list, &policy, &mut self.later)?;
        let (kind, bytes, e) = match leaf.key {
            PublicKey::P256(k) => (KeyKind::P256, k, 0),
            PublicKey::P384(k) => (KeyKind::P384, k, 0),
            PublicKey::Rsa { n, e } => (KeyKind::Rsa, &n[n.iter().position(|&b| b != 0).unwrap_or(n.len())..], e),
        };
        if bytes.len() > self.key.bytes.len() {
            return Err(Error::Unsupported);
        }
        self.key.bytes[..bytes.len()].copy_from_slice(bytes);
        self.key.len = bytes.len() as u16;
        self.key.e = e;
        self.key.kind = kind;
        Ok(())
    }

    /// Runs the deferred ECDSA checks (chain and CertificateVerify). Call it when the
    /// handshake returned successfully, before anything else: Err means the peer is rejected
    /// (the error code is also recorded in the report).
    pub fn finish(&mut self) -> Result<(), i32> {
        self.later.run().map_err(|e| {
            self.report.code.set(e.code());
            e.code()
        })
    }

    /// Our server checks a client's chain (DER certificates, leaf first); `transcript` is
    /// the hash through the client's Certificate (what its CertificateVerify signs). Err: the
    /// error code (also in the report).
    #[cfg(feature = "server")]
    pub fn check_client_chain(&mut self, list: &[&[u8]], transcript: &[u8]) -> Result<(), Error> {
        if transcript.len() > MAX_HASH {
            return Err(Error::Unsupported);
        }
        self.check_chain(list).inspect_err(|e| self.report.code.set(e.code()))?;
        self.transcript[..transcript.len()].copy_from_slice(transcript);
        self.transcript_len = transcript.len() as u8;
        Ok(())
    }

    /// The client's CertificateVerify (scheme code point and signature), after
    /// `check_client_chain`; ECDSA is deferred to `finish`.
    #[cfg(feature = "server")]
    pub fn check_client_verify(&mut self, scheme: u16, signature: &[u8]) -> Result<(), Error> {
        let signature_scheme = match scheme {
            0x0403 => SignatureScheme::EcdsaSecp256r1Sha256,
            0x0503 => SignatureScheme::EcdsaSecp384r1Sha384,
            0x0804 => SignatureScheme::RsaPssRsaeSha256,
            0x0805 => SignatureScheme::RsaPssRsaeSha384,
            0x0806 => SignatureScheme::RsaPssRsaeSha512,
            _ => return Err(Error::Unsupported),
        };
        if self.key.kind == KeyKind::None {
            return Err(Error::NoCertificate);
        }
        self.check_verify(&CertificateVerifyRef { signature_scheme, signature })
            .inspect_err(|e| self.report.code.set(e.code()))
    }

    fn check_verify(&mut self, v: &CertificateVerifyRef<'_>) -> Result<(), Error> {
        let context: &[u8] =
            if self.settings.peer_is_client { b"TLS 1.3, client CertificateVerify\0" } else { b"TLS 1.3, server CertificateVerify\0" };
        let th = &self.transcript[..usize::from(self.transcript_len)];
        let parts: [&[u8]; 3] = [&[0x20; 64], context, th];
        let mut h = [0u8; 64];
        let k = self.key.bytes();
        let r = match (v.signature_scheme, self.key.kind) {
            (SignatureScheme::EcdsaSecp256r1Sha256, KeyKind::P256) => {
                let n = rsa::digest(HashAlg::Sha256, &parts, &mut h);
                self.later.push(pending::Curve::P256, k, &h[..n], v.signature, true)
            }
            (SignatureScheme::EcdsaSecp384r1Sha384, KeyKind::P384) => {
                let n = rsa::digest(HashAlg::Sha384, &parts, &mut h);
                self.later.push(pending::Curve::P384, k, &h[..n], v.signature, true)
            }
            (
                s @ (SignatureScheme::RsaPssRsaeSha256 | SignatureScheme::RsaPssRsaeSha384 | SignatureScheme::RsaPssRsaeSha512),
                KeyKind::Rsa,
            ) => {
                let hash = match s {
                    SignatureScheme::RsaPssRsaeSha256 => HashAlg::Sha256,
                    SignatureScheme::RsaPssRsaeSha384 => HashAlg::Sha384,
                    _ => HashAlg::Sha512,
                };
                let hl = rsa::digest(hash, &parts, &mut h);
                rsa::verify_pss(k, self.key.e, v.signature, hash, &h[..hl])
            }
            (
                SignatureScheme::EcdsaSecp256r1Sha256
                | SignatureScheme::EcdsaSecp384r1Sha384
                | SignatureScheme::RsaPssRsaeSha256
                | SignatureScheme::RsaPssRsaeSha384
                | SignatureScheme::RsaPssRsaeSha512,
                _,
            ) => Err(Error::BadCertVerify), // scheme of another key type
            _ => Err(Error::Unsupported),
        };
        r.map_err(|e| if e == Error::BadSignature { Error::BadCertVerify } else { e })
    }
}

impl<S: TlsCipherSuite> TlsVerifier<S> for Verifier<'_> {
    fn set_hostname_verification(&mut self, _hostname: &str) -> Result<(), TlsError> {
        // The name comes from our own settings (also for IP literals, which are not sent as SNI).
        Ok(())
    }

    fn verify_certificate(&mut self, transcript: &S::Hash, cert: CertificateRef<'_>) -> Result<(), TlsError> {
        let mut list: heapless::Vec<&[u8], MAX_CERTIFICATE_ENTRIES> = heapless::Vec::new();
        for e in &cert.entries {
            match e {
                CertificateEntryRef::X509(d) => {
                    let _ = list.push(d);
                }
                CertificateEntryRef::RawPublicKey(_) => return Err(self.fail(Error::Unsupported)),
            }
        }
        if let (Some(buf), Some(leaf)) = (self.peer_cert.as_deref_mut(), list.first()) {
            if leaf.len() <= buf.len() {
                buf[..leaf.len()].copy_from_slice(leaf);
                self.report.peer_cert_len.set(leaf.len() as i32);
            } else {
                self.report.peer_cert_len.set(error::USSL_ERR_BUFFER);
            }
        }
        if !self.settings.check {
            return Ok(());
        }
        if let Err(e) = self.check_chain(&list) {
            return Err(self.fail(e));
        }
        let digest = transcript.snapshot();
        if digest.len() > MAX_HASH {
            return Err(self.fail(Error::Unsupported));
        }
        self.transcript[..digest.len()].copy_from_slice(&digest);
        self.transcript_len = digest.len() as u8;
        Ok(())
    }

    fn verify_signature(&mut self, verify: CertificateVerifyRef<'_>) -> Result<(), TlsError> {
        if !self.settings.check {
            return Ok(());
        }
        if self.key.kind == KeyKind::None {
            return Err(self.fail(Error::NoCertificate));
        }
        self.check_verify(&verify).map_err(|e| self.fail(e))
    }
}
