//! Fuzzing entry point (feature `fuzzing`): the verifier as the handshake drives it, without
//! the handshake: the server's certificate list, then its CertificateVerify, then the
//! deferred ECDSA checks.

use core::cell::Cell;

use embedded_tls::{CertificateVerifyRef, SignatureScheme};

use super::{Report, Settings, Verifier};

/// The schemes the verifier distinguishes (anything else is one it does not support).
fn scheme(code: u16) -> SignatureScheme {
    match code {
        0x0403 => SignatureScheme::EcdsaSecp256r1Sha256,
        0x0503 => SignatureScheme::EcdsaSecp384r1Sha384,
        0x0804 => SignatureScheme::RsaPssRsaeSha256,
        0x0805 => SignatureScheme::RsaPssRsaeSha384,
        0x0806 => SignatureScheme::RsaPssRsaeSha512,
        0x0401 => SignatureScheme::RsaPkcs1Sha256,
        _ => SignatureScheme::Ed25519,
    }
}

/// Checks `chain` (leaf first) against `anchors` for `host` at `now`, then a
/// CertificateVerify (`scheme`, `signature`) over `transcript_hash`. Ok, or the error code.
pub fn check(
    chain: &[&[u8]],
    anchors: &[u8],
    host: &str,
    now: Option<i64>,
    transcript_hash: &[u8],
    cv_scheme: u16,
    signature: &[u8],
) -> Result<(), i32> {
    let (code, leaf_len) = (Cell::new(0), Cell::new(0));
    let settings = Settings { check: true, anchors, host, now, peer_is_client: false };
    let mut leaf = [0u8; 2048];
    let mut v = Verifier::new(settings, Report { code: &code, peer_cert_len: &leaf_len }, Some(&mut leaf));
    if let Err(e) = v.check_chain(chain) {
        return Err(e.code());
    }
    let n = transcript_hash.len().min(super::MAX_HASH);
    v.transcript[..n].copy_from_slice(&transcript_hash[..n]);
    v.transcript_len = n as u8;
    let cv = CertificateVerifyRef { signature_scheme: scheme(cv_scheme), signature };
    if let Err(e) = v.check_verify(&cv) {
        return Err(e.code());
    }
    v.finish()
}
