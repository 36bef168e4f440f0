//! ussl-p256verify's constant-time ECDH against the RustCrypto p256 crate: public keys and
//! shared secrets for random and edge scalars, refused scalars and refused peer shares.

use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use ussl_p256verify::ecdh::{EcdhError, EphemeralKey};

const N_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P_HEX: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

fn hex32(s: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect();
    v.try_into().expect("32 bytes")
}

/// Big-endian 32-byte a + d (d may be negative), wrapping.
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

fn one_bit(pos: usize) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[31 - pos / 8] = 1 << (pos % 8);
    k
}

/// Our key pair for k must equal the p256 crate's public key.
fn check_keygen(k: &[u8; 32]) -> EphemeralKey {
    let ours = EphemeralKey::from_scalar_bytes(k).expect("scalar in range");
    let theirs = SecretKey::from_bytes(k.into()).expect("p256 accepts it").public_key();
    assert_eq!(&ours.public_key()[..], theirs.to_encoded_point(false).as_bytes(), "k = {k:02x?}");
    ours
}

/// Our shared secret for (k, peer) must equal the p256 crate's.
fn check_dh(k: &[u8; 32], peer: &[u8]) {
    let ours = EphemeralKey::from_scalar_bytes(k).unwrap().diffie_hellman(peer).expect("valid peer");
    let sk = SecretKey::from_bytes(k.into()).unwrap();
    let pk = PublicKey::from_sec1_bytes(peer).unwrap();
    let theirs = p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
    assert_eq!(&ours.raw_secret_bytes()[..], &theirs.raw_secret_bytes()[..], "k = {k:02x?}");
}

fn edge_scalars() -> Vec<[u8; 32]> {
    let n = hex32(N_HEX);
    let mut v = vec![one_bit(0), add_small(&one_bit(0), 1), add_small(&one_bit(0), 2)];
    for d in 1..=20 {
        v.push(add_small(&n, -d)); // n-1 .. n-20: where signed windows would hit P == Q
    }
    for pos in 0..256 {
        v.push(one_bit(pos)); // every comb tooth and window position alone
    }
    v.push(add_small(&one_bit(255), -1)); // 255 ones
    v.push(hex32("ffffffff00000000ffffffffffffffffffffffffffffffffffffffffffffffff").map(|b| b & 0x7f)); // mostly ones
    v.push([0x55; 32]);
    v.push([0xaa; 32].map(|b| b & 0x7f));
    // Whole 52-bit comb columns empty or full.
    let mut sparse = [0u8; 32];
    sparse[31] = 1;
    sparse[0] = 0x80;
    v.push(sparse);
    v
}

#[test]
fn keygen_matches_p256_crate() {
    for k in edge_scalars() {
        check_keygen(&k);
    }
    let mut rng = ChaCha20Rng::seed_from_u64(0xecd4_0001);
    for _ in 0..300 {
        let mut k = [0u8; 32];
        rng.fill_bytes(&mut k);
        if SecretKey::from_bytes((&k).into()).is_err() {
            continue;
        }
        check_keygen(&k);
    }
}

#[test]
fn shared_secret_matches_p256_crate() {
    let mut rng = ChaCha20Rng::seed_from_u64(0xecd4_0002);
    for i in 0..200 {
        let a = EphemeralKey::generate(|b| rng.fill_bytes(b));
        let b = EphemeralKey::generate(|b| rng.fill_bytes(b));
        let ab = a.diffie_hellman(b.public_key()).unwrap();
        let ba = b.diffie_hellman(a.public_key()).unwrap();
        assert_eq!(ab.raw_secret_bytes(), ba.raw_secret_bytes(), "pair {i}");
        let sk = SecretKey::random(&mut rng);
        let mut k = [0u8; 32];
        k.copy_from_slice(&sk.to_bytes());
        check_dh(&k, b.public_key());
        check_dh(&k, sk.public_key().to_encoded_point(false).as_bytes()); // k * kG
    }
    // Edge scalars against a random peer, G itself and -G.
    let peer = SecretKey::random(&mut rng).public_key().to_encoded_point(false);
    let g = check_keygen(&one_bit(0));
    let minus_g = check_keygen(&add_small(&hex32(N_HEX), -1));
    for k in edge_scalars() {
        check_dh(&k, peer.as_bytes());
        check_dh(&k, g.public_key());
        check_dh(&k, minus_g.public_key());
    }
}

#[test]
fn scalars_out_of_range_refused() {
    let n = hex32(N_HEX);
    for k in [[0u8; 32], n, add_small(&n, 1), [0xff; 32], hex32(P_HEX)] {
        assert_eq!(EphemeralKey::from_scalar_bytes(&k).unwrap_err(), EcdhError::InvalidScalar);
    }
    // generate() rejects such candidates and takes the next one.
    let mut candidates = vec![[0u8; 32], n, [0xff; 32], one_bit(1)].into_iter();
    let key = EphemeralKey::generate(|b| *b = candidates.next().unwrap());
    assert_eq!(key.public_key(), check_keygen(&one_bit(1)).public_key());
    assert!(candidates.next().is_none());
}

#[test]
fn invalid_peer_shares_refused() {
    let mut rng = ChaCha20Rng::seed_from_u64(0xecd4_0003);
    let key = EphemeralKey::generate(|b| rng.fill_bytes(b));
    let peer = EphemeralKey::generate(|b| rng.fill_bytes(b));
    let good = *peer.public_key();
    assert!(key.diffie_hellman(&good).is_ok());
    let bad = |v: &[u8]| assert_eq!(key.diffie_hellman(v).err(), Some(EcdhError::InvalidPeerKey), "{v:02x?}");
    // Length and prefix.
    bad(&[]);
    bad(&[0x04]);
    bad(&good[..64]);
    bad(&[&good[..], &[0]].concat());
    bad(&[0x00]); // infinity's SEC1 encoding
    for prefix in [0x00, 0x02, 0x03, 0x05, 0x06, 0x07, 0xff] {
        let mut v = good;
        v[0] = prefix;
        bad(&v);
    }
    // Compressed shares are not TLS 1.3 key shares.
    let compressed = PublicKey::from_sec1_bytes(&good).unwrap().to_encoded_point(true);
    bad(compressed.as_bytes());
    // Not on the curve: every single-bit change of x or y.
    for bit in 8..8 + 512 {
        let mut v = good;
        v[bit / 8] ^= 1 << (bit % 8);
        bad(&v);
    }
    // Coordinates >= p: x = p, x = p + small, y = p, y replaced by y + p where that fits,
    // and all-ones coordinates.
    let p = hex32(P_HEX);
    for (xoff, coord) in [(1, p), (1, add_small(&p, 1)), (33, p), (1, [0xff; 32]), (33, [0xff; 32])] {
        let mut v = good;
        v[xoff..xoff + 32].copy_from_slice(&coord);
        bad(&v);
    }
    // (0, y): x = 0 is on the curve iff b is a square; either way, (0, 0) is not a point.
    let mut zero = [0u8; 65];
    zero[0] = 4;
    bad(&zero);
    // A point with x + p < 2^256 is rejected as x >= p even though x + p = x (mod p) is valid.
    let small_x = EphemeralKey::from_scalar_bytes(&one_bit(0)).unwrap();
    let mut v = *small_x.public_key();
    let gx: [u8; 32] = v[1..33].try_into().unwrap();
    let mut sum = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let s = gx[i] as u16 + p[i] as u16 + carry;
        sum[i] = s as u8;
        carry = s >> 8;
    }
    if carry == 0 {
        v[1..33].copy_from_slice(&sum);
        bad(&v);
    }
}
