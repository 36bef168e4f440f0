//! ussl-p256verify against the RustCrypto p256 crate (signer and second verifier), NIST CAVP
//! and RFC 6979 vectors, and constructed edge cases.

use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::bigint::ArrayEncoding;
use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use p256::elliptic_curve::{Field, PrimeField};
use p256::{AffinePoint, EncodedPoint, FieldBytes, ProjectivePoint, Scalar, U256};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use sha2::{Digest, Sha256};
use ussl_p256verify::{Error, parse_der_signature, verify_prehash, verify_prehash_der};

const N_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P_HEX: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

fn hex32(s: &str) -> [u8; 32] {
    let v = hex(s);
    v.try_into().expect("32 bytes")
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn key_bytes(vk: &VerifyingKey, compress: bool) -> Vec<u8> {
    vk.to_encoded_point(compress).as_bytes().to_vec()
}

fn rs(sig: &Signature) -> ([u8; 32], [u8; 32]) {
    let b = sig.to_bytes();
    (b[..32].try_into().unwrap(), b[32..].try_into().unwrap())
}

/// The p256 crate's verdict on raw (r, s).
fn reference_ok(key: &[u8], hash: &[u8; 32], r: &[u8; 32], s: &[u8; 32]) -> bool {
    let Ok(vk) = VerifyingKey::from_sec1_bytes(key) else { return false };
    let Ok(sig) = Signature::from_scalars(*r, *s) else { return false };
    vk.verify_prehash(hash, &sig).is_ok()
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    v[bit / 8] ^= 1 << (bit % 8);
    v
}

fn arr(v: Vec<u8>) -> [u8; 32] {
    v.try_into().unwrap()
}

/// Thousands of random keys and digests: valid signatures verify (uncompressed, compressed,
/// DER, high-s); one flipped bit in r, s, digest or key fails, and the p256 crate agrees.
#[test]
fn random_signatures_and_single_bit_flips() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0001);
    let count = 2000;
    for i in 0..count {
        let sk = SigningKey::random(&mut rng);
        let vk = *sk.verifying_key();
        let mut hash = [0u8; 32];
        rng.fill_bytes(&mut hash);
        let sig: Signature = sk.sign_prehash(&hash).unwrap();
        let (r, s) = rs(&sig);
        let key = key_bytes(&vk, false);
        let key_c = key_bytes(&vk, true);
        assert_eq!(verify_prehash(&key, &hash, &r, &s), Ok(()), "signature {i}");
        assert_eq!(verify_prehash(&key_c, &hash, &r, &s), Ok(()), "compressed key {i}");
        assert_eq!(verify_prehash_der(&key, &hash, sig.to_der().as_bytes()), Ok(()));
        // (r, n - s) is the same signature's other half: valid ECDSA too.
        let high_s = (-*sig.s()).to_repr();
        assert_eq!(verify_prehash(&key, &hash, &r, &high_s.into()), Ok(()));

        let bit = (rng.next_u32() % 256) as usize;
        for (what, r2, s2, h2) in [
            ("r", arr(flip(&r, bit)), s, hash),
            ("s", r, arr(flip(&s, bit)), hash),
            ("hash", r, s, arr(flip(&hash, bit))),
        ] {
            assert!(verify_prehash(&key, &h2, &r2, &s2).is_err(), "{what} bit {bit} of {i}");
            assert!(!reference_ok(&key, &h2, &r2, &s2));
        }
        let kbit = 8 + (rng.next_u32() % 512) as usize; // a bit of x or y
        let bad_key = flip(&key, kbit);
        assert!(verify_prehash(&bad_key, &hash, &r, &s).is_err(), "key bit {kbit} of {i}");
        let bad_key_c = flip(&key_c, 8 + (kbit % 256));
        assert!(verify_prehash(&bad_key_c, &hash, &r, &s).is_err());
        // The other y (parity bit flipped) is -Q: the signature must fail for it.
        let mut other_y = key_c.clone();
        other_y[0] ^= 1;
        assert_eq!(verify_prehash(&other_y, &hash, &r, &s), Err(Error::Mismatch));
    }
}

/// Every single bit of r, s and the digest, for a few signatures.
#[test]
fn every_bit_flip_fails() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0002);
    for _ in 0..3 {
        let sk = SigningKey::random(&mut rng);
        let key = key_bytes(sk.verifying_key(), false);
        let mut hash = [0u8; 32];
        rng.fill_bytes(&mut hash);
        let (r, s) = rs(&sk.sign_prehash(&hash).unwrap());
        for bit in 0..256 {
            assert!(verify_prehash(&key, &hash, &arr(flip(&r, bit)), &s).is_err());
            assert!(verify_prehash(&key, &hash, &r, &arr(flip(&s, bit))).is_err());
            assert!(verify_prehash(&key, &arr(flip(&hash, bit)), &r, &s).is_err());
        }
        for bit in 8..8 + 512 {
            assert!(verify_prehash(&flip(&key, bit), &hash, &r, &s).is_err());
        }
    }
}

/// Random (r, s) below n against a valid key: rejected, as by the p256 crate.
#[test]
fn random_garbage_signatures_rejected() {
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed_0003);
    let sk = SigningKey::random(&mut rng);
    let key = key_bytes(sk.verifying_key(), false);
    for _ in 0..300 {
        let (mut r, mut s, mut h) = ([0u8; 32], [0u8; 32], [0u8; 32]);
        rng.fill_bytes(&mut r);
        rng.fill_bytes(&mut s);
        rng.fill_bytes(&mut h);
        let ours = verify_prehash(&key, &h, &r, &s);
        assert!(ours.is_err());
        assert!(!reference_ok(&key, &h, &r, &s));
    }
}

/// NIST CAVP SigGen vectors (P-256, SHA-256).
#[test]
fn cavp_vectors() {
    let data = include_str!("data/cavp_siggen_p256_sha256.txt");
    let mut n = 0;
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split(' ').collect();
        let key = [vec![4u8], hex(f[0]), hex(f[1])].concat();
        let (m, r, s) = (hex32(f[2]), hex32(f[3]), hex32(f[4]));
        assert_eq!(verify_prehash(&key, &m, &r, &s), Ok(()), "{line}");
        assert_eq!(verify_prehash(&key, &arr(flip(&m, 0)), &r, &s), Err(Error::Mismatch));
        // The same key compressed by hand: 0x02 | (y odd).
        let y = hex(f[1]);
        let key_c = [vec![2 | (y[31] & 1)], hex(f[0])].concat();
        assert_eq!(verify_prehash(&key_c, &m, &r, &s), Ok(()));
        n += 1;
    }
    assert_eq!(n, 15);
}

/// RFC 6979 A.2.5 (P-256, SHA-256), messages "sample" and "test".
#[test]
fn rfc6979_vectors() {
    let key = [
        vec![4u8],
        hex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"),
        hex("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"),
    ]
    .concat();
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
        let h: [u8; 32] = Sha256::digest(msg.as_bytes()).into();
        assert_eq!(verify_prehash(&key, &h, &hex32(r), &hex32(s)), Ok(()));
        assert_eq!(verify_prehash(&key, &h, &hex32(s), &hex32(r)), Err(Error::Mismatch));
    }
}

fn sub_one(mut v: [u8; 32]) -> [u8; 32] {
    for b in v.iter_mut().rev() {
        let (x, borrow) = b.overflowing_sub(1);
        *b = x;
        if !borrow {
            break;
        }
    }
    v
}

#[test]
fn scalar_range() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let sk = SigningKey::random(&mut rng);
    let key = key_bytes(sk.verifying_key(), false);
    let hash = [0x42u8; 32];
    let (r, s) = rs(&sk.sign_prehash(&hash).unwrap());
    let n = hex32(N_HEX);
    for bad in [[0u8; 32], n, [0xff; 32], hex32(P_HEX)] {
        assert_eq!(verify_prehash(&key, &hash, &bad, &s), Err(Error::ScalarOutOfRange));
        assert_eq!(verify_prehash(&key, &hash, &r, &bad), Err(Error::ScalarOutOfRange));
    }
    // n - 1 is in range: a well-formed signature that does not match.
    let n1 = sub_one(n);
    for (r2, s2) in [(n1, s), (r, n1), (n1, n1)] {
        assert_eq!(verify_prehash(&key, &hash, &r2, &s2), Err(Error::Mismatch));
        assert!(!reference_ok(&key, &hash, &r2, &s2));
    }
}

fn scalar(v: u64) -> Scalar {
    Scalar::from(v)
}

/// A signature that is valid by construction for chosen u1 = e/s and u2 = r/s:
/// R = u1*G + u2*Q, r = x(R) mod n, s = r/u2, e = u1*s. None if R is infinity.
fn construct(q: &ProjectivePoint, u1: Scalar, u2: Scalar) -> Option<([u8; 32], [u8; 32], [u8; 32])> {
    let point = ProjectivePoint::GENERATOR * u1 + *q * u2;
    if point == ProjectivePoint::IDENTITY {
        return None;
    }
    let enc = point.to_affine().to_encoded_point(false);
    let r = <Scalar as Reduce<U256>>::reduce_bytes(enc.x().unwrap());
    let s = r * u2.invert().unwrap();
    let e = u1 * s;
    Some((e.to_repr().into(), r.to_repr().into(), s.to_repr().into()))
}

fn point_key(q: &ProjectivePoint) -> Vec<u8> {
    q.to_affine().to_encoded_point(false).as_bytes().to_vec()
}

/// Q = G, Q = -G, Q = 3G with small u1, u2 (sums that double, cancel to infinity at the end
/// or on the way), u1 = 0, and n - 1.
#[test]
fn constructed_edge_cases() {
    let g = ProjectivePoint::GENERATOR;
    let minus1 = -scalar(1);
    let smalls: Vec<Scalar> =
        [0u64, 1, 2, 3, 5, 7, 15, 16, 17, 63, 64, 65, 127].iter().map(|&v| scalar(v)).chain([minus1, minus1 - scalar(1), -scalar(63), -scalar(64)]).collect();
    let mut valid = 0;
    let mut infinity = 0;
    for q in [g, -g, g * scalar(3), g * minus1 * scalar(2)] {
        let key = point_key(&q);
        for &u1 in &smalls {
            for &u2 in &smalls {
                if u2 == Scalar::ZERO {
                    continue;
                }
                match construct(&q, u1, u2) {
                    Some((e, r, s)) => {
                        assert_eq!(verify_prehash(&key, &e, &r, &s), Ok(()), "u1 {u1:?} u2 {u2:?}");
                        assert!(reference_ok(&key, &e, &r, &s));
                        valid += 1;
                    }
                    None => {
                        // R is infinity: pick s = 1, r = u2, e = u1 (so u1, u2 as chosen).
                        let (e, r) = (u1.to_repr().into(), u2.to_repr().into());
                        let one = scalar(1).to_repr().into();
                        assert_eq!(verify_prehash(&key, &e, &r, &one), Err(Error::Mismatch));
                        assert!(!reference_ok(&key, &e, &r, &one));
                        infinity += 1;
                    }
                }
            }
        }
    }
    assert!(infinity >= 8 && valid > 500, "{valid} valid, {infinity} at infinity");

    // Random large u1, u2 with u1 = +-u2 and Q = +-G: the accumulator meets P + P and P - P.
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    for _ in 0..50 {
        let u = Scalar::random(&mut rng);
        for (q, u1) in [(g, u), (-g, u), (g, -u), (-g, -u), (g * scalar(2), u * scalar(2))] {
            let key = point_key(&q);
            match construct(&q, u1, u) {
                Some((e, r, s)) => assert_eq!(verify_prehash(&key, &e, &r, &s), Ok(())),
                None => {
                    let (e, r) = (u1.to_repr().into(), u.to_repr().into());
                    let one = scalar(1).to_repr().into();
                    assert_eq!(verify_prehash(&key, &e, &r, &one), Err(Error::Mismatch));
                }
            }
        }
    }
}

/// x(R) between n and p: r = x(R) - n must verify (the r + n branch of the final check).
#[test]
fn x_above_n() {
    let n = U256::from_be_hex(N_HEX);
    let mut x = n;
    let q = loop {
        x = x.wrapping_add(&U256::ONE);
        let xb: FieldBytes = x.to_be_byte_array();
        let enc = EncodedPoint::from_bytes([&[2u8][..], &xb[..]].concat()).unwrap();
        let p = AffinePoint::from_encoded_point(&enc);
        if bool::from(p.is_some()) {
            break ProjectivePoint::from(p.unwrap());
        }
    };
    let key = point_key(&q);
    // u1 = 0, u2 = 1: R = Q, so r = x - n, s = r, e = 0.
    let r: [u8; 32] = x.wrapping_sub(&n).to_be_byte_array().into();
    assert_eq!(verify_prehash(&key, &[0; 32], &r, &r), Ok(()));
    assert!(reference_ok(&key, &[0; 32], &r, &r));
    let x_bytes: [u8; 32] = x.to_be_byte_array().into();
    assert_eq!(verify_prehash(&key, &[0; 32], &x_bytes, &x_bytes), Err(Error::ScalarOutOfRange));
    // Same with the compressed key and a general (u1, u2).
    let (e, r, s) = construct(&q, scalar(0), scalar(1)).unwrap();
    assert_eq!(verify_prehash(&key, &e, &r, &s), Ok(()));
}

#[test]
fn invalid_public_keys() {
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let sk = SigningKey::random(&mut rng);
    let hash = [1u8; 32];
    let (r, s) = rs(&sk.sign_prehash(&hash).unwrap());
    let key = key_bytes(sk.verifying_key(), false);
    let key_c = key_bytes(sk.verifying_key(), true);
    let p = hex(P_HEX);
    let mut x_is_p = key.clone();
    x_is_p[1..33].copy_from_slice(&p);
    let mut y_is_p = key.clone();
    y_is_p[33..].copy_from_slice(&p);
    let mut y_plus_p = key.clone(); // y + p would not fit: use y = p + small instead
    y_plus_p[33..].copy_from_slice(&hex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"));
    let mut off_curve = key.clone();
    off_curve[64] ^= 1;
    let mut wrong_tag = key.clone();
    wrong_tag[0] = 0x06; // hybrid encoding: not accepted
    // A compressed x with no point on the curve.
    let mut no_root = key_c.clone();
    let mut found = false;
    for v in 0u8..=255 {
        no_root[32] = v;
        let enc = EncodedPoint::from_bytes(&no_root).unwrap();
        if bool::from(AffinePoint::from_encoded_point(&enc).is_none()) {
            found = true;
            break;
        }
    }
    assert!(found);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("infinity", vec![0]),
        ("truncated", key[..64].to_vec()),
        ("too long", [key.clone(), vec![0]].concat()),
        ("compressed truncated", key_c[..32].to_vec()),
        ("x = p", x_is_p),
        ("y = p", y_is_p),
        ("y = 2^256 - 1", [key[..33].to_vec(), vec![0xff; 32]].concat()),
        ("off curve", off_curve),
        ("hybrid tag", wrong_tag),
        ("compressed x without root", no_root),
        ("compressed x = p", [vec![2], p.clone()].concat()),
        ("all zero", vec![4; 65].iter().enumerate().map(|(i, &b)| if i == 0 { b } else { 0 }).collect()),
    ];
    let _ = y_plus_p;
    for (what, k) in cases {
        assert_eq!(verify_prehash(&k, &hash, &r, &s), Err(Error::InvalidPublicKey), "{what}");
        assert!(VerifyingKey::from_sec1_bytes(&k).is_err(), "{what}: p256 crate accepts it");
    }
}

#[test]
fn der_signatures() {
    let mut rng = ChaCha20Rng::seed_from_u64(17);
    let sk = SigningKey::random(&mut rng);
    let key = key_bytes(sk.verifying_key(), false);
    // Find signatures whose r needs a leading zero (top bit set) and whose s is short.
    let mut seen_padded = false;
    for i in 0..200u32 {
        let hash: [u8; 32] = Sha256::digest(i.to_be_bytes()).into();
        let sig: Signature = sk.sign_prehash(&hash).unwrap();
        let der = sig.to_der();
        let der = der.as_bytes();
        let (r, s) = parse_der_signature(der).unwrap();
        assert_eq!((r, s), rs(&sig));
        assert_eq!(verify_prehash_der(&key, &hash, der), Ok(()));
        seen_padded |= der[4] == 0;
        // Trailing garbage, truncation, wrong outer tag.
        let mut trailing = der.to_vec();
        trailing.push(0);
        assert_eq!(verify_prehash_der(&key, &hash, &trailing), Err(Error::MalformedSignature));
        assert_eq!(verify_prehash_der(&key, &hash, &der[..der.len() - 1]), Err(Error::MalformedSignature));
        let mut tag = der.to_vec();
        tag[0] = 0x31;
        assert_eq!(verify_prehash_der(&key, &hash, &tag), Err(Error::MalformedSignature));
    }
    assert!(seen_padded);
    let bad: &[&[u8]] = &[
        &[],
        &[0x30],
        &[0x30, 0x00],
        &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], // trailing inside
        &[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01],       // negative r
        &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01], // non-minimal r
        &[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01],             // empty r
        &[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], // non-minimal length
        &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01],       // s runs past the end
    ];
    for d in bad {
        assert_eq!(parse_der_signature(d), Err(Error::MalformedSignature), "{d:x?}");
    }
    // Well-formed DER, small values: parses, then fails verification (not a crash).
    let small = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01];
    assert_eq!(parse_der_signature(&small).unwrap().0[31], 1);
    assert_eq!(verify_prehash_der(&key, &[0; 32], &small), Err(Error::Mismatch));
    // 33-byte INTEGER with a real top byte: too large.
    let mut big = vec![0x30, 0x26, 0x02, 0x21, 0x01];
    big.extend([0u8; 32]);
    big.extend([0x02, 0x01, 0x01]);
    assert_eq!(parse_der_signature(&big), Err(Error::MalformedSignature));
}

/// Arbitrary bytes as key and DER signature: an error, never a panic.
#[test]
fn arbitrary_input_never_panics() {
    let mut rng = ChaCha20Rng::seed_from_u64(19);
    let sk = SigningKey::random(&mut rng);
    let good_key = key_bytes(sk.verifying_key(), false);
    let good_sig = sk.sign_prehash(&[3u8; 32]).map(|s: Signature| s.to_der().as_bytes().to_vec()).unwrap();
    for i in 0..3000 {
        let mut key = vec![0u8; (rng.next_u32() % 70) as usize];
        rng.fill_bytes(&mut key);
        if i % 3 == 0 && !key.is_empty() {
            key[0] = [2, 3, 4][(rng.next_u32() % 3) as usize]; // plausible SEC1 tags
        }
        let mut sig = good_sig.clone();
        match i % 4 {
            0 => sig.truncate((rng.next_u32() as usize) % (sig.len() + 1)),
            1 => {
                let n = sig.len();
                sig[(rng.next_u32() as usize) % n] = rng.next_u32() as u8;
            }
            2 => {
                sig = vec![0u8; (rng.next_u32() % 80) as usize];
                rng.fill_bytes(&mut sig);
            }
            _ => {}
        }
        // Odd i: the real key (so the signature paths run), even i: random key bytes.
        let k = if i % 2 == 0 { &key } else { &good_key };
        let res = verify_prehash_der(k, &[3u8; 32], &sig);
        if sig == good_sig && k == &good_key {
            assert_eq!(res, Ok(()));
        } else if k != &good_key {
            assert!(res.is_err()); // random bytes are (almost surely) no valid key
        }
    }
}
