//! Client certificates (mutual TLS): the private key (P-256, SEC1 or PKCS#8 DER) and our
//! CertificateVerify signature.
//!
//! The key stays in caller memory as DER; the secret scalar is copied out only while signing
//! (or checking) and wiped right after (`Zeroizing`, and ussl-p256verify's SigningKey wipes
//! itself on drop). Signing is ussl-p256verify's constant-time ECDSA with RFC 6979 nonces
//! (`ussl_p256verify::sign`: the ECDH key share's k*G and field code, a few KB of flash where
//! the p256 crate's signing arithmetic did not fit the ESP8266's budget).

// Without the feature only `check` (refusing) and `DerSig` (the provider's signature type)
// are used; the parser stays compiled (and unit-tested) but unlinked.
#![cfg_attr(not(feature = "client-cert"), allow(dead_code))]

use zeroize::Zeroizing;

use crate::error;
use crate::verify::der::{self, Reader};

const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// rsaEncryption and id-RSASSA-PSS share this prefix.
const OID_RSA_PREFIX: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];

/// Why a client key or certificate chain was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyError {
    /// Not a SEC1 / PKCS#8 private key we can read (or an encrypted one).
    Malformed,
    /// An RSA key (PKCS#1 or PKCS#8).
    Rsa,
    /// Another key type or curve.
    Unsupported,
    /// The certificates are not DER (or the leaf cannot be read).
    BadCert,
    /// The key is not the one of the leaf certificate.
    Mismatch,
    /// Built without the `client-cert` feature.
    #[cfg(not(feature = "client-cert"))]
    Unavailable,
}

impl KeyError {
    pub fn code(self) -> i32 {
        match self {
            KeyError::Malformed => error::USSL_ERR_CLIENT_KEY,
            KeyError::Rsa => error::USSL_ERR_CLIENT_KEY_RSA,
            KeyError::Unsupported => error::USSL_ERR_CLIENT_KEY_TYPE,
            KeyError::BadCert => error::USSL_ERR_CLIENT_CERT,
            KeyError::Mismatch => error::USSL_ERR_CLIENT_KEY_MISMATCH,
            #[cfg(not(feature = "client-cert"))]
            KeyError::Unavailable => error::USSL_ERR_NO_CLIENT_CERTS,
        }
    }
}

impl From<crate::verify::Error> for KeyError {
    fn from(_: crate::verify::Error) -> Self {
        KeyError::Malformed
    }
}

/// The P-256 secret scalar (big-endian, 32 bytes) of a DER private key: SEC1 ECPrivateKey
/// ("EC PRIVATE KEY") or PKCS#8 PrivateKeyInfo / OneAsymmetricKey ("PRIVATE KEY").
pub fn p256_scalar(key: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut r = der::only(key, der::SEQUENCE)?;
    let version = r.expect(der::INTEGER)?;
    match (version, r.peek_tag()) {
        // SEC1: version 1, then the key as an OCTET STRING.
        ([1], Some(der::OCTET_STRING)) => sec1(r, true),
        // PKCS#8 (v1 or v2): AlgorithmIdentifier, then the SEC1 key in an OCTET STRING.
        ([0] | [1], Some(der::SEQUENCE)) => {
            let mut alg = Reader::new(r.expect(der::SEQUENCE)?);
            let oid = alg.expect(der::OID)?;
            if oid.starts_with(OID_RSA_PREFIX) {
                return Err(KeyError::Rsa);
            }
            if oid != OID_EC_PUBLIC_KEY || alg.optional(der::OID)? != Some(OID_P256) {
                return Err(KeyError::Unsupported);
            }
            let mut inner = der::only(r.expect(der::OCTET_STRING)?, der::SEQUENCE)?;
            if inner.expect(der::INTEGER)? != [1] {
                return Err(KeyError::Malformed);
            }
            sec1(inner, false)
        }
        // PKCS#1 RSAPrivateKey: version 0, then the modulus.
        ([0], Some(der::INTEGER)) => Err(KeyError::Rsa),
        _ => Err(KeyError::Malformed),
    }
}

/// The rest of a SEC1 ECPrivateKey after its version: privateKey, [0] curve, [1] public key.
/// `own_params`: the curve, if named, is named here (not by an enclosing PKCS#8).
fn sec1(mut r: Reader<'_>, own_params: bool) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let secret = r.expect(der::OCTET_STRING)?;
    if let Some(params) = r.optional(der::explicit(0))? {
        let mut p = Reader::new(params);
        if p.expect(der::OID).ok() != Some(OID_P256) {
            return Err(KeyError::Unsupported);
        }
    }
    // Without parameters the size tells: a 32-byte scalar is P-256 (SEC1 uses a fixed width).
    if secret.len() != 32 {
        return Err(if own_params && secret.len() > 32 { KeyError::Unsupported } else { KeyError::Malformed });
    }
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(secret);
    Ok(out)
}

/// A DER-encoded ECDSA signature (Ecdsa-Sig-Value), as TLS 1.3 sends it.
pub struct DerSig {
    buf: [u8; 72],
    len: u8,
}

impl AsRef<[u8]> for DerSig {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..usize::from(self.len)]
    }
}

impl DerSig {
    /// Encodes r || s (32 bytes each, big-endian).
    pub fn from_rs(rs: &[u8; 64]) -> Self {
        let mut body = [0u8; 70];
        let mut n = 0;
        for half in [&rs[..32], &rs[32..]] {
            let skip = half.iter().take_while(|&&b| b == 0).count().min(31);
            let v = &half[skip..];
            let pad = usize::from(v[0] & 0x80 != 0);
            body[n] = der::INTEGER;
            body[n + 1] = (v.len() + pad) as u8;
            body[n + 2] = 0;
            n += 2 + pad;
            body[n..n + v.len()].copy_from_slice(v);
            n += v.len();
        }
        let mut buf = [0u8; 72];
        buf[0] = der::SEQUENCE;
        buf[1] = n as u8;
        buf[2..2 + n].copy_from_slice(&body[..n]);
        DerSig { buf, len: (n + 2) as u8 }
    }
}

/// Checks a client chain (DER certificates back to back, leaf first) and its key: the key
/// must be a P-256 key we can sign with, and the leaf's public key must be its own.
#[cfg(feature = "client-cert")]
pub fn check(chain: &[u8], key: &[u8]) -> Result<(), KeyError> {
    if !crate::verify::is_der_list(chain) {
        return Err(KeyError::BadCert);
    }
    let signer = Signer::new(key)?;
    let leaf = der::Reader::new(chain).read().map_err(|_| KeyError::BadCert)?;
    let ours = signer.0.public_key();
    match crate::verify::leaf_public_key(leaf.raw) {
        Ok(Some(k)) if k == &ours[..] => Ok(()),
        Ok(_) => Err(KeyError::Mismatch),
        Err(_) => Err(KeyError::BadCert),
    }
}

/// Without the `client-cert` feature nothing can sign: every client chain is refused.
#[cfg(not(feature = "client-cert"))]
pub fn check(_chain: &[u8], _key: &[u8]) -> Result<(), KeyError> {
    Err(KeyError::Unavailable)
}

/// Signs our CertificateVerify (ecdsa_secp256r1_sha256).
#[cfg(feature = "client-cert")]
pub struct Signer(ussl_p256verify::sign::SigningKey);

#[cfg(feature = "client-cert")]
impl Signer {
    pub fn new(key_der: &[u8]) -> Result<Self, KeyError> {
        let scalar = p256_scalar(key_der)?;
        // Refuses 0 and values >= n.
        ussl_p256verify::sign::SigningKey::from_bytes(&scalar).map(Signer).map_err(|_| KeyError::Malformed)
    }
}

#[cfg(feature = "client-cert")]
impl signature::Signer<DerSig> for Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<DerSig, signature::Error> {
        // SHA-256 of the message, RFC 6979 nonce.
        Ok(DerSig::from_rs(&self.0.sign(msg)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_signature_encoding() {
        let mut rs = [0u8; 64];
        rs[0] = 0x80; // r needs a leading zero
        rs[32 + 2] = 0x01; // s has two leading zero bytes
        let sig = DerSig::from_rs(&rs);
        let b = sig.as_ref();
        assert_eq!(&b[..5], &[0x30, 2 + 33 + 2 + 30, 0x02, 33, 0x00]);
        assert_eq!(&b[5 + 32..5 + 32 + 3], &[0x02, 30, 0x01]);
        assert_eq!(b.len(), 2 + 35 + 32);
        // All zero: each INTEGER keeps one byte.
        assert_eq!(DerSig::from_rs(&[0; 64]).as_ref(), &[0x30, 6, 2, 1, 0, 2, 1, 0]);
    }

    #[test]
    fn garbage_keys_are_refused() {
        assert_eq!(p256_scalar(&[]), Err(KeyError::Malformed));
        assert_eq!(p256_scalar(&[0x30, 0x03, 0x02, 0x01, 0x05]), Err(KeyError::Malformed));
        // PKCS#1 RSA shape: version 0 then an INTEGER.
        assert_eq!(p256_scalar(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x05]), Err(KeyError::Rsa));
    }
}
