//! Benchmark entries for the emulated lx106 (rust/p256verify/p256verify.mk, `make bench-p256`):
//! one ECDSA P-256 verification of the RFC 6979 A.2.5 "sample" signature with
//! ussl-p256verify and with the RustCrypto p256 crate, plus failing cases as a sanity check;
//! then the constant-time ECDH (k*G and k*Q) for scalars of very different shapes, each run
//! `ECDH_REPS` times, which the harness requires to take the same number of instructions;
//! then signing, with nonces of very different shapes (the same requirement) and with the
//! RFC 6979 nonce.
//!
//! No exported symbols (that would need `#[no_mangle]`): the entries are function pointers in
//! `BENCH_ENTRIES`, which the harness's linker script finds by its section name.
#![cfg_attr(target_os = "none", no_std)]
#![forbid(unsafe_code)]

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use ussl_p256verify::ecdh::EphemeralKey;
use ussl_p256verify::sign::SigningKey;

const KEY: [u8; 65] = concat_bytes(
    &[0x04],
    &hex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"),
    &hex("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"),
);
/// SHA-256("sample")
const HASH: [u8; 32] = hex("af2bdbe1aa9b6ec1e2ade1d694f41fc71a831d0268e9891562113d8a62add1bf");
const R: [u8; 32] = hex("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716");
const S: [u8; 32] = hex("f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");

const fn hex(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        _ => c - b'a' + 10,
    }
}

const fn concat_bytes(a: &[u8; 1], x: &[u8; 32], y: &[u8; 32]) -> [u8; 65] {
    let mut out = [0u8; 65];
    out[0] = a[0];
    let mut i = 0;
    while i < 32 {
        out[1 + i] = x[i];
        out[33 + i] = y[i];
        i += 1;
    }
    out
}

fn flipped(v: &[u8; 32]) -> [u8; 32] {
    let mut v = *v;
    v[31] ^= 1;
    v
}

/// 0 = verified, 1.. = the error.
fn ours(hash: &[u8; 32]) -> u32 {
    match ussl_p256verify::verify_prehash(&KEY, hash, &R, &S) {
        Ok(()) => 0,
        Err(e) => 1 + e as u32,
    }
}

fn theirs(hash: &[u8; 32]) -> u32 {
    let Ok(key) = VerifyingKey::from_sec1_bytes(&KEY) else { return 10 };
    let Ok(sig) = Signature::from_scalars(R, S) else { return 11 };
    match key.verify_prehash(hash, &sig) {
        Ok(()) => 0,
        Err(_) => 12,
    }
}

extern "C" fn ours_valid() -> u32 {
    ours(core::hint::black_box(&HASH))
}
extern "C" fn ours_flipped_hash() -> u32 {
    ours(&flipped(core::hint::black_box(&HASH)))
}
extern "C" fn p256_valid() -> u32 {
    theirs(core::hint::black_box(&HASH))
}
extern "C" fn p256_flipped_hash() -> u32 {
    theirs(&flipped(core::hint::black_box(&HASH)))
}


/// Runs of each ECDH entry: CCOUNT steps by 25 instructions, so 25 identical runs measure
/// one run to the instruction (the harness's constant-time check, bench/harness.c).
pub const ECDH_REPS: u32 = 25;

/// The RFC 6979 key above is the peer share Q. Scalars and expected x(k*G), x(k*Q), from
/// affine arithmetic in Python (independent of both Rust implementations).
const ECDH_CASES: [([u8; 32], [u8; 32], [u8; 32]); 6] = [
    // one
    (hex("0000000000000000000000000000000000000000000000000000000000000001"), hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"), hex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6")),
    // n_minus_1
    (hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"), hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"), hex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6")),
    // ones
    (hex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), hex("c1d17269e46e387acbe299ec2cc9cc2dada3f05e4cf412f2ad946b700aa2613a"), hex("048aa5e3aa9a53bcc89777ef3b155f21f141029fdc50b18f019a03200ca3f677")),
    // top_bit
    (hex("8000000000000000000000000000000000000000000000000000000000000000"), hex("77b20a912e6b23135066e911891524bc4efe3560e3e92350b52dec8f375f2b54"), hex("9271a7c7fac38945e0d541b59119c878a3811f3832945c3ca31749363e7e33ae")),
    // alternating
    (hex("5555555555555555555555555555555555555555555555555555555555555555"), hex("57e977f6db7e33c3fe7acf2842ed987009caf56d458682fca447b7d3d762ab34"), hex("ee131a9e94c987701e26b468a39d838b47de62fd189a436d0fb0f1980fb7c4d0")),
    // random
    (hex("3c1f5a97e0d2b4681e9f7c25ab40d3e6f1827c5d9e03ab64c8f17e2d5b9a0c41"), hex("bd0d720cb2ae2cca8cf5415afac4a45d6cf01b7f72ef1406323516c4e8604442"), hex("90e5fc9337f3413774adabd6655f7f43e56865b3b4c96ac7e5f3da1a3431b40d")),
];

/// k*G, ECDH_REPS times: 0 if every public key has the expected x.
fn ecdh_keygen(case: usize) -> u32 {
    let (k, xg, _) = core::hint::black_box(&ECDH_CASES[case]);
    let mut bad = 0;
    for _ in 0..ECDH_REPS {
        match EphemeralKey::from_scalar_bytes(k) {
            Ok(key) => bad |= (key.public_key()[1..33] != xg[..]) as u32,
            Err(_) => bad |= 2,
        }
    }
    bad
}

/// x(k*Q), ECDH_REPS times, after making the key pair once (the harness subtracts one
/// k*G run of the same case for the per-multiplication figure).
fn ecdh_shared(case: usize) -> u32 {
    let (k, _, xq) = core::hint::black_box(&ECDH_CASES[case]);
    let Ok(key) = EphemeralKey::from_scalar_bytes(k) else { return 2 };
    let mut bad = 0;
    for _ in 0..ECDH_REPS {
        match key.diffie_hellman(core::hint::black_box(&KEY)) {
            Ok(s) => bad |= (s.raw_secret_bytes() != xq) as u32,
            Err(_) => bad |= 4,
        }
    }
    bad
}

macro_rules! ecdh_entries {
    ($($keygen:ident, $shared:ident = $case:expr;)*) => {
        $(
            extern "C" fn $keygen() -> u32 { ecdh_keygen($case) }
            extern "C" fn $shared() -> u32 { ecdh_shared($case) }
        )*
    };
}
ecdh_entries! {
    keygen0, shared0 = 0;
    keygen1, shared1 = 1;
    keygen2, shared2 = 2;
    keygen3, shared3 = 3;
    keygen4, shared4 = 4;
    keygen5, shared5 = 5;
}

/// Runs of each signing entry (same reasoning as `ECDH_REPS`).
pub const SIGN_REPS: u32 = 25;

/// Signing the digest `HASH`: (d, nonce k, expected r, s) for nonces of very different
/// shapes, and (d, expected r, s) with the RFC 6979 nonce (the first is RFC 6979 A.2.5
/// "sample"), from tools/sign_cases.py (Python integers, independent of the Rust code).
const SIGN_NONCE_CASES: [([u8; 32], [u8; 32], [u8; 32], [u8; 32]); 6] = [
    // one
    (hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"), hex("0000000000000000000000000000000000000000000000000000000000000001"), hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"), hex("085ad2f43fa823879973e3daba869cca70cd714c7a2b81900c2ab4f0978f5b41")),
    // n_minus_1
    (hex("5555555555555555555555555555555555555555555555555555555555555555"), hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"), hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"), hex("8052ae9e3791a83c8972505e8e4209537339ca23c9714829aa5e96c916a7b98a")),
    // ones
    (hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"), hex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), hex("c1d17269e46e387acbe299ec2cc9cc2dada3f05e4cf412f2ad946b700aa2613a"), hex("ebe883a188bc681dc867c8ec7259d79058b94fa7a909c36f2db7caecfa25d29a")),
    // top_bit
    (hex("0000000000000000000000000000000000000000000000000000000000000001"), hex("8000000000000000000000000000000000000000000000000000000000000000"), hex("77b20a912e6b23135066e911891524bc4efe3560e3e92350b52dec8f375f2b54"), hex("a7cf96557f2c7b55240820e9347b8866b16b876be77bf4f0ad2a0c5605b45078")),
    // alternating
    (hex("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), hex("5555555555555555555555555555555555555555555555555555555555555555"), hex("57e977f6db7e33c3fe7acf2842ed987009caf56d458682fca447b7d3d762ab34"), hex("3e89c3af054a16931ca6971ab9ff7a10bddedaf8470571507c392fa5d51e921f")),
    // random
    (hex("3c1f5a97e0d2b4681e9f7c25ab40d3e6f1827c5d9e03ab64c8f17e2d5b9a0c41"), hex("9a0c41e2d5b93c1f5a97e0d2b4681e9f7c25ab40d3e6f1827c5d9e03ab64c8f1"), hex("ccde03b5590f5a6be90dc31ffd22bf6c3c6991122d3ee3c4f8d66c65063e4957"), hex("66b79caf7084d952672b6e906ca3ffbe1a11ae9adf121f3c564baa95a78f55c3")),
];
const SIGN_RFC6979_CASES: [([u8; 32], [u8; 32], [u8; 32]); 3] = [
    // rfc6979_a25
    (hex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"), hex("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"), hex("f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8")),
    // small
    (hex("0000000000000000000000000000000000000000000000000000000000000002"), hex("97569c6112a79ad900149760bc633fa7d0cfcc8c87d31bc4eef69faec8d6a206"), hex("c72c3e8b4a182f53db2bc9b306e21932ecb52acd12d0c65ef27ac5967f4ae4f2")),
    // large
    (hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f"), hex("85716323458ededd330fb49aecac78a392e142526c02e0b48f69aa92dbfbb5d4"), hex("e54d32868ff75de3e86e06b402241845dcf78d2358288e4745a19ebde86b4325")),
];

/// d, k chosen: sign SIGN_REPS times, 0 if every signature is the expected one.
fn sign_nonce(case: usize) -> u32 {
    let (d, k, r, s) = core::hint::black_box(&SIGN_NONCE_CASES[case]);
    let Ok(key) = SigningKey::from_bytes(d) else { return 2 };
    let mut bad = 0;
    for _ in 0..SIGN_REPS {
        match key.sign_prehash_with_nonce(k, core::hint::black_box(&HASH)) {
            Some(sig) => bad |= (sig[..32] != r[..] || sig[32..] != s[..]) as u32,
            None => bad |= 4,
        }
    }
    bad
}

/// The whole signature, RFC 6979 nonce included, SIGN_REPS times.
fn sign_rfc6979(case: usize) -> u32 {
    let (d, r, s) = core::hint::black_box(&SIGN_RFC6979_CASES[case]);
    let Ok(key) = SigningKey::from_bytes(d) else { return 2 };
    let mut bad = 0;
    for _ in 0..SIGN_REPS {
        let sig = key.sign_prehash(core::hint::black_box(&HASH));
        bad |= (sig[..32] != r[..] || sig[32..] != s[..]) as u32;
    }
    bad
}

macro_rules! sign_entries {
    ($($f:ident = $g:ident($case:expr);)*) => {
        $( extern "C" fn $f() -> u32 { $g($case) } )*
    };
}
sign_entries! {
    sign_k0 = sign_nonce(0);
    sign_k1 = sign_nonce(1);
    sign_k2 = sign_nonce(2);
    sign_k3 = sign_nonce(3);
    sign_k4 = sign_nonce(4);
    sign_k5 = sign_nonce(5);
    sign_rfc0 = sign_rfc6979(0);
    sign_rfc1 = sign_rfc6979(1);
    sign_rfc2 = sign_rfc6979(2);
}

/// The harness (bench/harness.c) calls these in order and expects 0, non-zero, 0, non-zero,
/// then 0 for every ECDH and signing entry.
#[used]
pub static BENCH_ENTRIES: [extern "C" fn() -> u32; 25] = [
    ours_valid, ours_flipped_hash, p256_valid, p256_flipped_hash,
    keygen0, keygen1, keygen2, keygen3, keygen4, keygen5,
    shared0, shared1, shared2, shared3, shared4, shared5,
    sign_k0, sign_k1, sign_k2, sign_k3, sign_k4, sign_k5,
    sign_rfc0, sign_rfc1, sign_rfc2,
];

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // A panic would be a bug; the harness's time limit catches the hang.
    loop {}
}
