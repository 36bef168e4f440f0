//! ECDSA verification over P-256 and P-384 (RustCrypto p256/p384) of a precomputed hash.
//!
//! `verify_p256` is the one entry point for P-256 so that a faster implementation can
//! replace it later without touching the callers.

use p256::ecdsa::signature::hazmat::PrehashVerifier;

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
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(pubkey_sec1).map_err(|_| Error::Malformed)?;
    let sig = p256::ecdsa::Signature::from_slice(&rs).map_err(|_| Error::BadSignature)?;
    key.verify_prehash(prehash, &sig).map_err(|_| Error::BadSignature)
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
