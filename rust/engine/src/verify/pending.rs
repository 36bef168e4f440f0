//! ECDSA checks deferred to the end of the handshake.
//!
//! The certificate callbacks run deep inside embedded-tls's handshake (about 2.5 KiB of the
//! engine stack is in use there), and an ECDSA verification needs about 4 KiB more:
//! together more than the ESP8266's 6 KiB engine stack leaves after interrupt headroom. So the chain and CertificateVerify
//! callbacks only record what an ECDSA check needs (key, digest, signature: small) and the
//! connection task runs the checks right after the handshake returns, on a shallow stack,
//! before the connection counts as established (no application data flows before).
//! RSA checks (about 2.3 KiB, 4096-bit keys included) run at once.

use super::Error;
use super::ecdsa;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Curve {
    P256,
    P384,
}

/// One recorded ECDSA check.
struct Job {
    curve: Curve,
    /// The server's CertificateVerify (else a certificate signature in the chain).
    cert_verify: bool,
    key_len: u8,
    digest_len: u8,
    sig_len: u8,
    key: [u8; 97],
    digest: [u8; 48],
    /// DER Ecdsa-Sig-Value.
    sig: [u8; 104],
}

/// Most checks: every certificate signature of the longest chain, plus CertificateVerify.
const MAX_JOBS: usize = super::chain::MAX_DEPTH + 1;

pub struct Pending {
    jobs: heapless::Vec<Job, MAX_JOBS>,
}

impl Pending {
    pub const fn new() -> Self {
        Self { jobs: heapless::Vec::new() }
    }

    /// Records a check; fails at once on sizes no valid signature has.
    pub fn push(&mut self, curve: Curve, key: &[u8], digest: &[u8], sig: &[u8], cert_verify: bool) -> Result<(), Error> {
        let bad = if cert_verify { Error::BadCertVerify } else { Error::BadSignature };
        if curve == Curve::P384 && !cfg!(feature = "p384") {
            return Err(Error::Unsupported);
        }
        if key.len() > 97 || digest.len() > 48 {
            return Err(Error::Malformed);
        }
        if sig.len() > 104 {
            return Err(bad);
        }
        let mut job = Job {
            curve,
            cert_verify,
            key_len: key.len() as u8,
            digest_len: digest.len() as u8,
            sig_len: sig.len() as u8,
            key: [0; 97],
            digest: [0; 48],
            sig: [0; 104],
        };
        job.key[..key.len()].copy_from_slice(key);
        job.digest[..digest.len()].copy_from_slice(digest);
        job.sig[..sig.len()].copy_from_slice(sig);
        self.jobs.push(job).map_err(|_| Error::ChainTooLong)
    }

    /// Runs (and forgets) every recorded check, in order.
    #[inline(never)]
    pub fn run(&mut self) -> Result<(), Error> {
        let mut result = Ok(());
        for j in &self.jobs {
            let (k, d, s) = (&j.key[..j.key_len.into()], &j.digest[..j.digest_len.into()], &j.sig[..j.sig_len.into()]);
            let r = match j.curve {
                Curve::P256 => ecdsa::verify_p256(k, d, s),
                Curve::P384 => ecdsa::verify_p384(k, d, s),
            };
            if let Err(e) = r {
                result = Err(if e == Error::BadSignature && j.cert_verify { Error::BadCertVerify } else { e });
                break;
            }
        }
        self.jobs.clear();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::hazmat::PrehashSigner;

    #[test]
    fn deferred_checks_report_which_signature_failed() {
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pk = sk.verifying_key().to_encoded_point(false);
        let digest = [0x42u8; 32];
        let sig: p256::ecdsa::Signature = sk.sign_prehash(&digest).unwrap();
        let der = sig.to_der();
        let mut p = Pending::new();
        p.push(Curve::P256, pk.as_bytes(), &digest, der.as_bytes(), false).unwrap();
        p.push(Curve::P256, pk.as_bytes(), &digest, der.as_bytes(), true).unwrap();
        assert_eq!(p.run(), Ok(()));
        // The CertificateVerify over another transcript: BadCertVerify; in the chain: BadSignature.
        let other = [0x43u8; 32];
        p.push(Curve::P256, pk.as_bytes(), &other, der.as_bytes(), true).unwrap();
        assert_eq!(p.run(), Err(Error::BadCertVerify));
        p.push(Curve::P256, pk.as_bytes(), &other, der.as_bytes(), false).unwrap();
        assert_eq!(p.run(), Err(Error::BadSignature));
        // Garbage signature and oversize inputs fail cleanly.
        p.push(Curve::P256, pk.as_bytes(), &digest, &[0x30, 0x02, 0x02, 0x00], false).unwrap();
        assert_eq!(p.run(), Err(Error::BadSignature));
        assert_eq!(p.push(Curve::P256, &[4; 98], &digest, der.as_bytes(), false), Err(Error::Malformed));
        assert_eq!(p.push(Curve::P256, pk.as_bytes(), &digest, &[0; 105], true), Err(Error::BadCertVerify));
        for _ in 0..MAX_JOBS {
            p.push(Curve::P256, pk.as_bytes(), &digest, der.as_bytes(), false).unwrap();
        }
        assert_eq!(p.push(Curve::P256, pk.as_bytes(), &digest, der.as_bytes(), false), Err(Error::ChainTooLong));
    }
}
