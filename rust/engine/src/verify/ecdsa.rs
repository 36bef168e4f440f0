//! ECDSA verification of a precomputed hash: P-256 with the project's own variable-time
//! verifier (rust/p256verify: certificates and CertificateVerify are public data), P-384
//! with RustCrypto's p384 where the build has it.

#[cfg(feature = "p384")]
use p384::ecdsa::signature::hazmat::PrehashVerifier;

use super::Error;
use super::der::{self, Reader};

/// Ecdsa-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) -> r || s, each `N` bytes.
fn split_sig<const N: usize>(sig: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let mut r: Reader<'_> = der::only(sig, der::SEQUENCE).map_err(|_| Error::BadSignature)?;
    let a = r.expect(der::INTEGER).map_err(|_| Error::BadSignature)?;
    let b = r.expect(der::INTEGER).map_err(|_| Error::BadSignature)?;
    r.finish().map_err(|_| Error::BadSignature)?;
    der::int_to_fixed(a, &mut out[..N]).map_err(|_| Error::BadSignature)?;
    der::int_to_fixed(b, &mut out[N..2 * N]).map_err(|_| Error::BadSignature)
}

/// P-256: `pubkey_sec1` a SEC1 point, `prehash` the message digest (any SHA-2 length),
/// `sig` DER-encoded.
#[inline(never)]
pub fn verify_p256(pubkey_sec1: &[u8], prehash: &[u8], sig: &[u8]) -> Result<(), Error> {
    let mut rs = [0u8; 64];
    split_sig::<32>(sig, &mut rs)?;
    let (mut r, mut s) = ([0u8; 32], [0u8; 32]);
    r.copy_from_slice(&rs[..32]);
    s.copy_from_slice(&rs[32..]);
    // ECDSA uses the leftmost 256 bits of a longer digest (SEC 1 section 4.1.4).
    let mut e = [0u8; 32];
    let n = prehash.len().min(32);
    e[32 - n..].copy_from_slice(&prehash[..n]);
    use ussl_p256verify::Error as E;
    ussl_p256verify::verify_prehash(pubkey_sec1, &e, &r, &s).map_err(|err| match err {
        E::InvalidPublicKey => Error::Malformed,
        E::MalformedSignature | E::ScalarOutOfRange | E::Mismatch => Error::BadSignature,
    })
}

/// P-384, as `verify_p256`.
#[cfg(feature = "p384")]
#[inline(never)]
pub fn verify_p384(pubkey_sec1: &[u8], prehash: &[u8], sig: &[u8]) -> Result<(), Error> {
    let mut rs = [0u8; 96];
    split_sig::<48>(sig, &mut rs)?;
    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(pubkey_sec1).map_err(|_| Error::Malformed)?;
    let sig = p384::ecdsa::Signature::from_slice(&rs).map_err(|_| Error::BadSignature)?;
    key.verify_prehash(prehash, &sig).map_err(|_| Error::BadSignature)
}

/// P-384 support left out of this build (the `p384` feature).
#[cfg(not(feature = "p384"))]
pub fn verify_p384(_pubkey_sec1: &[u8], _prehash: &[u8], _sig: &[u8]) -> Result<(), Error> {
    Err(Error::Unsupported)
}
