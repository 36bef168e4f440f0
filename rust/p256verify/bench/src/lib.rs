//! Benchmark entries for the emulated lx106 (rust/p256verify/p256verify.mk, `make bench-p256`):
//! one ECDSA P-256 verification of the RFC 6979 A.2.5 "sample" signature with
//! ussl-p256verify and with the RustCrypto p256 crate, plus failing cases as a sanity check.
//!
//! No exported symbols (that would need `#[no_mangle]`): the entries are function pointers in
//! `BENCH_ENTRIES`, which the harness's linker script finds by its section name.
#![cfg_attr(target_os = "none", no_std)]
#![forbid(unsafe_code)]

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{Signature, VerifyingKey};

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

/// The harness (bench/harness.c) calls these in order and expects 0, non-zero, 0, non-zero.
#[used]
pub static BENCH_ENTRIES: [extern "C" fn() -> u32; 4] = [ours_valid, ours_flipped_hash, p256_valid, p256_flipped_hash];

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // A panic would be a bug; the harness's time limit catches the hang.
    loop {}
}
