//! ECDSA P-256 signature verification for small CPUs without a 32x32->64 multiplier (the
//! ESP8266's lx106): field arithmetic on 13-bit limbs with 32-bit products only (see `field`),
//! no 64-bit products anywhere, no allocation, no `unsafe`.
//!
//! **Variable time** verification: every input of a signature verification is public (key,
//! hash, signature), so the verifier branches and indexes tables on them. The constant-time
//! parts are `ecdh` (the TLS key share) and `sign` (ECDSA signing with RFC 6979 nonces, for
//! client certificates): their own point code (`ct_point`), the branch-free field operations
//! (`Fe::select`, `canonical_ct`, `is_zero_mask`, `invert_ct`) and arithmetic mod n
//! (`scalar_ct`); keep secrets away from everything else.
//!
//! u1*G + u2*Q is computed with one shared chain of doublings (Shamir's trick): u1 in
//! width-7 NAF against a const table of 32 affine odd multiples of G (2,560 bytes of 32-bit
//! words, safe in the ESP8266's flash), u2 in width-5 NAF against 8 Jacobian odd multiples of
//! Q computed per call. The final check needs no inversion: x(R) = r (mod n) is tested as
//! X = r*Z^2 or X = (r + n)*Z^2 (mod p).
//!
//! On the emulated lx106 (`make bench-p256`): about 6.0 M instructions and 3.8 KB of stack per
//! verification. The G table (`g_table::G_ODD_MULTIPLES`, section `.rodata.*G_ODD_MULTIPLES`)
//! is only read with 32-bit loads, so a linker script may place it in flash (irom0) even where
//! the rest of Rust's rodata must stay in DRAM.
#![no_std]
#![forbid(unsafe_code)]
// What runs once per verification (scalar inverse and products, NAF recoding, decoding) is
// built for size, the field and point arithmetic for speed (the crate's opt-level 3).
#![feature(optimize_attribute)]

mod ct_point;
pub mod ecdh;
mod fe_mul;
mod field;
mod g_comb;
mod g_table;
mod point;
mod scalar;
mod scalar_ct;
pub mod sign;

#[cfg(test)]
extern crate std;
#[cfg(test)]
mod tests;

use field::{Fe, be_bytes_to_words, unpack};
use g_table::{G_ODD_MULTIPLES, G_WINDOW};
use point::{Affine, Jacobian};

/// Why a verification failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The public key is not a valid SEC1 encoding of a point on P-256 (or is infinity).
    InvalidPublicKey,
    /// The DER signature is malformed.
    MalformedSignature,
    /// r or s is zero or not below the group order n.
    ScalarOutOfRange,
    /// Well-formed, but the signature does not match the key and hash.
    Mismatch,
}

/// Window of the NAF for the per-call multiples of Q (8 points: Q, 3Q, ..., 15Q).
const Q_WINDOW: u32 = 5;

/// Verifies an ECDSA P-256 signature (r, s big-endian) over a 32-byte message digest.
/// `pubkey_sec1`: uncompressed (0x04 || x || y) or compressed (0x02/0x03 || x) SEC1 point.
pub fn verify_prehash(pubkey_sec1: &[u8], prehash: &[u8; 32], r: &[u8; 32], s: &[u8; 32]) -> Result<(), Error> {
    let q = decode_point(pubkey_sec1)?;
    let r = be_bytes_to_words(r);
    let s = be_bytes_to_words(s);
    for v in [&r, &s] {
        if scalar::is_zero(v) || scalar::ge(v, &scalar::N) {
            return Err(Error::ScalarOutOfRange);
        }
    }
    let (u1, u2) = u1_u2(prehash, &r, &s);
    // Initialized in place (a struct literal would be built and then copied: twice the stack).
    let mut work = Work { naf1: [0; 257], naf2: [0; 257] };
    let mut q_mult = [Jacobian::INFINITY; 1 << (Q_WINDOW - 2)];
    let sum = double_mul(&u1, &u2, &q, &mut work, &mut q_mult);
    if !sum.infinity && x_matches(&sum, &r) { Ok(()) } else { Err(Error::Mismatch) }
}

/// u1 = e/s and u2 = r/s (mod n), e the digest as an integer mod n (SHA-256 fits P-256's
/// 256-bit order: no truncation). Not inlined: its temporaries stay off the caller's frame.
#[inline(never)]
#[optimize(size)]
fn u1_u2(prehash: &[u8; 32], r: &scalar::Words, s: &scalar::Words) -> (scalar::Words, scalar::Words) {
    let e = scalar::reduce(&be_bytes_to_words(prehash));
    let w = scalar::invert_vartime(s);
    (scalar::mul_mod(&e, &w), scalar::mul_mod(r, &w))
}

/// x(R) mod n == r  <=>  x(R) == r or x(R) == r + n (when r + n < p), with x(R) = X/Z^2:
/// compared as X == r*Z^2, no inversion.
#[inline(never)]
#[optimize(size)]
fn x_matches(sum: &Jacobian, r: &scalar::Words) -> bool {
    let z2 = sum.z.sqr();
    if Fe::from_words(r).mul(&z2).equals(&sum.x) {
        return true;
    }
    let (rn, carry) = scalar::add(r, &scalar::N);
    !carry && !scalar::ge(&rn, &field::P_WORDS) && Fe::from_words(&rn).mul(&z2).equals(&sum.x)
}

/// Verifies a DER-encoded signature (SEQUENCE { INTEGER r, INTEGER s }, as in X.509 and
/// TLS CertificateVerify) over a 32-byte digest.
pub fn verify_prehash_der(pubkey_sec1: &[u8], prehash: &[u8; 32], sig_der: &[u8]) -> Result<(), Error> {
    let (r, s) = parse_der_signature(sig_der)?;
    verify_prehash(pubkey_sec1, prehash, &r, &s)
}

/// DER signature to (r, s) as 32-byte big-endian values. Strict DER: definite minimal
/// lengths, minimal positive INTEGERs, no trailing bytes.
#[optimize(size)]
pub fn parse_der_signature(der: &[u8]) -> Result<([u8; 32], [u8; 32]), Error> {
    let (body, rest) = der_tlv(der, 0x30)?;
    if !rest.is_empty() {
        return Err(Error::MalformedSignature);
    }
    let (r, body) = der_tlv(body, 0x02)?;
    let (s, body) = der_tlv(body, 0x02)?;
    if !body.is_empty() {
        return Err(Error::MalformedSignature);
    }
    Ok((der_uint32(r)?, der_uint32(s)?))
}

/// One DER element with the given tag: (contents, what follows). Lengths up to 255.
fn der_tlv(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), Error> {
    let bad = Error::MalformedSignature;
    let (&t, rest) = input.split_first().ok_or(bad)?;
    let (&l0, rest) = rest.split_first().ok_or(bad)?;
    if t != tag {
        return Err(bad);
    }
    let (len, rest) = match l0 {
        0..=0x7f => (l0 as usize, rest),
        0x81 => {
            let (&l1, rest) = rest.split_first().ok_or(bad)?;
            if l1 < 0x80 {
                return Err(bad); // not minimal
            }
            (l1 as usize, rest)
        }
        _ => return Err(bad),
    };
    if rest.len() < len {
        return Err(bad);
    }
    Ok(rest.split_at(len))
}

/// Contents of a DER INTEGER that must be positive and fit 32 bytes, left-padded.
fn der_uint32(v: &[u8]) -> Result<[u8; 32], Error> {
    let bad = Error::MalformedSignature;
    match v {
        [] => return Err(bad),
        [b0, ..] if b0 & 0x80 != 0 => return Err(bad), // negative
        [0, b1, ..] if b1 & 0x80 == 0 => return Err(bad), // non-minimal
        _ => {}
    }
    let v = if v[0] == 0 && v.len() > 1 { &v[1..] } else { v };
    if v.len() > 32 {
        return Err(bad);
    }
    let mut out = [0u8; 32];
    out[32 - v.len()..].copy_from_slice(v);
    Ok(out)
}

/// SEC1 point decoding with the curve check (compressed points: y from a square root).
#[inline(never)]
#[optimize(size)]
fn decode_point(sec1: &[u8]) -> Result<Affine, Error> {
    let bad = Error::InvalidPublicKey;
    let coord = |b: &[u8]| -> Result<Fe, Error> {
        let bytes: &[u8; 32] = b.try_into().map_err(|_| bad)?;
        Fe::from_be_bytes(bytes).ok_or(bad)
    };
    match sec1 {
        [0x04, rest @ ..] if rest.len() == 64 => {
            let p = Affine { x: coord(&rest[..32])?, y: coord(&rest[32..])? };
            if p.is_on_curve() { Ok(p) } else { Err(bad) }
        }
        [tag @ (0x02 | 0x03), rest @ ..] if rest.len() == 32 => {
            let x = coord(rest)?;
            let y = point::curve_rhs(&x).sqrt().ok_or(bad)?;
            let y = if y.is_odd() == (*tag == 0x03) { y } else { y.neg() };
            Ok(Affine { x, y })
        }
        _ => Err(bad),
    }
}

/// Odd multiple |d|*G of the const table (d odd, |d| < 2^(G_WINDOW-1)), negated for d < 0.
fn g_multiple(d: i8) -> Affine {
    let e = &G_ODD_MULTIPLES[(d.unsigned_abs() as usize) >> 1];
    let p = Affine { x: unpack(&e[..10]), y: unpack(&e[10..]) };
    if d < 0 { p.neg() } else { p }
}

/// u1*G + u2*Q. Not inlined, and its large tables come from the caller: LLVM's Xtensa backend
/// fails ("cannot scavenge register") on functions with both a frame over 1 KiB and high
/// register pressure.
#[inline(never)]
fn double_mul(u1: &scalar::Words, u2: &scalar::Words, q: &Affine, work: &mut Work, q_mult: &mut QMultiples) -> Jacobian {
    scalar::wnaf(u1, G_WINDOW, &mut work.naf1);
    scalar::wnaf(u2, Q_WINDOW, &mut work.naf2);
    q_multiples(q, q_mult);
    let mut acc = Jacobian::INFINITY;
    for i in (0..257).rev() {
        acc.double_in_place();
        let d1 = work.naf1[i];
        if d1 != 0 {
            acc.add_affine_in_place(&g_multiple(d1));
        }
        let d2 = work.naf2[i];
        if d2 != 0 {
            let m = &q_mult[(d2.unsigned_abs() as usize) >> 1];
            if d2 > 0 {
                acc.add_in_place(m);
            } else {
                acc.add_in_place(&m.neg());
            }
        }
    }
    acc
}

/// Scratch of `double_mul`: the two NAFs.
struct Work {
    naf1: [i8; 257],
    naf2: [i8; 257],
}

/// Q, 3Q, 5Q, ..., 15Q.
type QMultiples = [Jacobian; 1 << (Q_WINDOW - 2)];

#[inline(never)]
fn q_multiples(q: &Affine, out: &mut QMultiples) {
    out[0] = Jacobian::from_affine(q);
    let q2 = out[0].double();
    for i in 1..out.len() {
        out[i] = out[i - 1].add(&q2);
    }
}
