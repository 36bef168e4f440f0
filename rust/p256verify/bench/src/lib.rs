//! Benchmark entries for the emulated lx106 (rust/p256verify/p256verify.mk, `make bench-p256`):
//! one ECDSA P-256 verification of the RFC 6979 A.2.5 "sample" signature with
//! ussl-p256verify and with the RustCrypto p256 crate, plus failing cases as a sanity check;
//! then the constant-time ECDH (k*G and k*Q) for scalars of very different shapes, each run
//! `ECDH_REPS` times, which the harness requires to take the same number of instructions.
//!
//! No exported symbols (that would need `#[no_mangle]`): the entries are function pointers in
//! `BENCH_ENTRIES`, which the harness's linker script finds by its section name.
#![cfg_attr(target_os = "none", no_std)]
#![forbid(unsafe_code)]

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};
use ussl_p256verify::ecdh::EphemeralKey;

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

/// The harness (bench/harness.c) calls these in order and expects 0, non-zero, 0, non-zero,
/// then 0 for every ECDH entry.
#[used]
pub static BENCH_ENTRIES: [extern "C" fn() -> u32; 16] = [
    ours_valid, ours_flipped_hash, p256_valid, p256_flipped_hash,
    keygen0, keygen1, keygen2, keygen3, keygen4, keygen5,
    shared0, shared1, shared2, shared3, shared4, shared5,
];

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // A panic would be a bug; the harness's time limit catches the hang.
    loop {}
}
