//! ussl-p256verify's constant-time signer against the RustCrypto p256 crate (RFC 6979 in both:
//! the signatures must be byte-identical, and each verifier must accept ours), the RFC 6979
//! A.2.5 vectors through the public API, edge keys and refused keys.

use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, VerifyingKey};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};
use ussl_p256verify::sign::{SignError, SigningKey};
use ussl_p256verify::verify_prehash;

const N_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

fn hex32(s: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect();
    v.try_into().expect("32 bytes")
}

/// Big-endian a + d (d may be negative), wrapping.
fn add_small(a: &[u8; 32], d: i64) -> [u8; 32] {
    let mut out = *a;
    let mut carry = d as i128;
    for i in (0..32).rev() {
        let v = out[i] as i128 + carry;
        out[i] = v.rem_euclid(256) as u8;
        carry = v.div_euclid(256);
    }
    out
}

/// The digest mod n (a 256-bit value is below 2n: one subtraction at most).
fn reduced(z: &[u8; 32]) -> [u8; 32] {
    let n = hex32(N_HEX);
    if z[..] < n[..] {
        return *z;
    }
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let v = z[i] as i16 - n[i] as i16 - borrow;
        out[i] = v.rem_euclid(256) as u8;
        borrow = (v < 0) as i16;
    }
    out
}

/// Signs with both, compares, and has both verifiers check ours.
fn check(d: &[u8; 32], digest: &[u8; 32]) {
    let ours = SigningKey::from_bytes(d).expect("key in range");
    let theirs = p256::ecdsa::SigningKey::from_bytes(d.into()).expect("p256 accepts the key");
    let public = ours.public_key();
    assert_eq!(&public[..], theirs.verifying_key().to_encoded_point(false).as_bytes(), "public key, d = {d:02x?}");
    let sig = ours.sign_prehash(digest);
    // p256 0.13 (ecdsa 0.16) seeds RFC 6979 with the digest unreduced, against RFC 6979's
    // bits2octets (RustCrypto/elliptic-curves#1100, fixed in RustCrypto/signatures#777):
    // for a digest >= n its nonce differs. The same digest reduced gives it the RFC's nonce
    // and the same s (z only enters mod n).
    let reference: Signature = theirs.sign_prehash(&reduced(digest)).unwrap();
    assert_eq!(&sig[..], &reference.to_bytes()[..], "d = {d:02x?}, digest = {digest:02x?}");
    let (r, s) = sig.split_at(32);
    let (r, s): ([u8; 32], [u8; 32]) = (r.try_into().unwrap(), s.try_into().unwrap());
    assert_eq!(verify_prehash(&public, digest, &r, &s), Ok(()));
    let vk = VerifyingKey::from_sec1_bytes(&public).unwrap();
    vk.verify_prehash(digest, &Signature::from_scalars(r, s).unwrap()).expect("p256 verifies ours");
    // And not for another digest.
    let mut other = *digest;
    other[0] ^= 0x80;
    assert!(verify_prehash(&public, &other, &r, &s).is_err());
}

#[test]
fn rfc6979_a25_through_the_public_api() {
    let key = SigningKey::from_bytes(&hex32("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")).unwrap();
    for (msg, r, s) in [
        (
            "sample",
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
        ),
        (
            "test",
            "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
            "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
        ),
    ] {
        let digest: [u8; 32] = Sha256::digest(msg).into();
        let sig = key.sign_prehash(&digest);
        assert_eq!(sig[..32], hex32(r), "{msg}");
        assert_eq!(sig[32..], hex32(s), "{msg}");
    }
}

#[test]
fn random_keys_and_messages_match_p256() {
    let mut rng = ChaCha20Rng::seed_from_u64(6979);
    for i in 0..300 {
        let mut d = [0u8; 32];
        rng.fill_bytes(&mut d);
        if SigningKey::from_bytes(&d).is_err() {
            continue; // >= n: about 2^-32
        }
        let mut msg = vec![0u8; (i * 7) % 200];
        rng.fill_bytes(&mut msg);
        let digest: [u8; 32] = Sha256::digest(&msg).into();
        check(&d, &digest);
    }
}

#[test]
fn edge_keys_and_digests() {
    let n = hex32(N_HEX);
    let mut keys = vec![add_small(&[0; 32], 1), add_small(&[0; 32], 2), add_small(&n, -1), add_small(&n, -2)];
    for pos in [0, 1, 51, 52, 103, 104, 155, 156, 207, 208, 255] {
        let mut k = [0u8; 32];
        k[31 - pos / 8] = 1 << (pos % 8);
        keys.push(k);
    }
    keys.push([0x55; 32]);
    let mut top_ones = [0xff; 32];
    top_ones[0] = 0x7f; // 2^255 - 1
    keys.push(top_ones);
    let digests = [[0u8; 32], [0xff; 32], n, add_small(&n, 1), add_small(&n, -1), [0x5a; 32]];
    for d in &keys {
        for z in &digests {
            check(d, z);
        }
    }
}

#[test]
fn refused_keys() {
    let n = hex32(N_HEX);
    for bad in [[0u8; 32], n, add_small(&n, 1), add_small(&n, 0x1000), [0xff; 32]] {
        assert_eq!(SigningKey::from_bytes(&bad).unwrap_err(), SignError::InvalidKey, "{bad:02x?}");
        assert!(p256::ecdsa::SigningKey::from_bytes((&bad).into()).is_err());
    }
}
