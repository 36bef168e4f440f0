//! Constant-time arithmetic modulo the group order n, for the secret side of signing
//! (src/sign.rs): the private key, the nonce and its inverse. Same shape as the field
//! (20 limbs of 13 bits, 32-bit products only, so nothing calls `__muldi3` on the lx106),
//! but n has no special form: a generic Montgomery multiplication (R = 2^260) with the
//! reduction factor from -n^-1 mod 2^13, one multiply-accumulate pass per limb of a (CIOS).
//!
//! Every value here is fully reduced (below n) between operations: the last step of each
//! operation is a subtraction of n kept or dropped by a mask, never a branch. Nothing
//! branches on or indexes memory with the values; the exponent of the inversion is the
//! public n - 2, so its windows may be read with branches and indexes.

use crate::field::{narrow, words_to_limbs};
use crate::scalar::{N, Words};

const MASK: u32 = 0x1fff;

/// 20 limbs of 13 bits, least significant first, each in 0..2^13 (stored in 16 bits so the
/// inversion's table of powers costs 40 bytes an entry).
pub(crate) type SLimbs = [u16; 20];

/// Limbs as 32-bit words, for the constants: the ESP8266's flash (where rodata lives)
/// answers only 32-bit loads, 16-bit ones trap into an emulation (boards/ESP8266_USSL/
/// ussl_flashload.c), far too slow for the inner loop of a multiplication.
type WideLimbs = [u32; 20];

const fn wide(l: &[i32; 20]) -> WideLimbs {
    let mut w = [0u32; 20];
    let mut i = 0;
    while i < 20 {
        w[i] = l[i] as u32;
        i += 1;
    }
    w
}

/// n as limbs.
const NL: WideLimbs = wide(&words_to_limbs(&N));

/// -n^-1 mod 2^13 (Newton's iteration for the inverse of the odd low word, then negated).
const N0INV: u32 = {
    let n0 = N[0];
    let mut inv = n0; // correct to 3 bits (n0 * n0 = 1 mod 8)
    let mut i = 0;
    while i < 5 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(n0.wrapping_mul(inv)));
        i += 1;
    }
    inv.wrapping_neg() & MASK
};

/// 2^k mod n for the constants (compile time only; 2^256 < 2n, so each doubling needs at
/// most one subtraction).
const fn pow2_mod_n(k: u32) -> Words {
    let mut v = [0u32; 8];
    v[0] = 1;
    let mut i = 0;
    while i < k {
        let mut d = [0u32; 8];
        let mut carry = 0u32;
        let mut j = 0;
        while j < 8 {
            d[j] = (v[j] << 1) | carry;
            carry = v[j] >> 31;
            j += 1;
        }
        // d >= n (or it overflowed) -> subtract n
        let mut ge = carry != 0;
        if !ge {
            ge = true;
            let mut j = 8;
            while j > 0 {
                j -= 1;
                if d[j] != N[j] {
                    ge = d[j] > N[j];
                    break;
                }
            }
        }
        if ge {
            let mut borrow = 0u64;
            let mut j = 0;
            while j < 8 {
                let t = (d[j] as u64).wrapping_sub(N[j] as u64).wrapping_sub(borrow);
                d[j] = t as u32;
                borrow = (t >> 63) & 1;
                j += 1;
            }
        }
        v = d;
        i += 1;
    }
    v
}

/// R^2 mod n = 2^520 mod n: a Montgomery product with it brings a value into Montgomery form.
const R2: WideLimbs = wide(&words_to_limbs(&pow2_mod_n(520)));

/// Plain 1: a Montgomery product with it takes a value out of Montgomery form.
#[cfg(test)]
const PLAIN_ONE: SLimbs = {
    let mut l = [0u16; 20];
    l[0] = 1;
    l
};

/// Normalized limbs of a value below 2n to the value mod n: t - n is computed with its
/// borrow, and a mask (not a branch) keeps t or t - n.
#[inline(never)]
#[optimize(size)]
fn sub_n_masked(t: &[u32; 20]) -> SLimbs {
    let mut d = [0u32; 20];
    let mut borrow: i32 = 0;
    for i in 0..20 {
        let v = t[i] as i32 - NL[i] as i32 + borrow;
        d[i] = v as u32 & MASK;
        borrow = v >> 13; // 0 or -1
    }
    // borrow is -1 when t < n (keep t), 0 when t >= n (take t - n). Opaque to LLVM, which
    // would otherwise branch on a value it knows is 0 or -1.
    let keep = core::hint::black_box(borrow) as u32;
    let mut r = [0u16; 20];
    for i in 0..20 {
        r[i] = ((t[i] & keep) | (d[i] & !keep)) as u16;
    }
    r
}

/// Montgomery product a*b/2^260 mod n, fully reduced. Built for size (a rolled loop of
/// about 9 k instructions on the lx106; unrolled at opt-level 3: half the instructions for
/// 644 more bytes of flash, which the ESP8266 budget does not have to spare). a below 2^256, b below n (or the
/// other way round): the sum before the last subtraction stays below (a*b + 2^260*n)/2^260
/// < 2n.
#[inline(never)]
#[optimize(size)]
pub(crate) fn mont_mul(a: &SLimbs, b: &SLimbs) -> SLimbs {
    let mut t = [0u32; 21];
    for i in 0..20 {
        let ai = a[i] as u32;
        let t0 = t[0] + ai * b[0] as u32;
        // Makes t0 + m*n[0] divisible by 2^13; the low limb drops out with the shift.
        let m = t0.wrapping_mul(N0INV) & MASK;
        let mut c = (t0 + m * NL[0]) >> 13;
        for j in 1..20 {
            // At most 2^13 + 2*(2^13-1)^2 + 2^15: no overflow.
            let v = t[j] + ai * b[j] as u32 + m * NL[j] + c;
            t[j - 1] = v & MASK;
            c = v >> 13;
        }
        let v = t[20] + c;
        t[19] = v & MASK;
        t[20] = v >> 13;
    }
    // t < 2n < 2^257: t[20] is 0 here.
    let mut low = [0u32; 20];
    low.copy_from_slice(&t[..20]);
    sub_n_masked(&low)
}

/// (a + b) mod n for a, b below n.
#[inline(never)]
#[optimize(size)]
pub(crate) fn add(a: &SLimbs, b: &SLimbs) -> SLimbs {
    let mut t = [0u32; 20];
    let mut c = 0;
    for i in 0..20 {
        let v = a[i] as u32 + b[i] as u32 + c;
        t[i] = v & MASK;
        c = v >> 13;
    }
    // a + b < 2n < 2^257 fits 20 limbs: c is 0 here.
    sub_n_masked(&t)
}

/// A value below 2^256 (little-endian words, e.g. a secret scalar) into Montgomery form,
/// reduced mod n.
#[optimize(size)]
pub(crate) fn to_mont(w: &Words) -> SLimbs {
    // Through black_box: read as words, not folded into a 16-bit constant (see `WideLimbs`).
    let r2 = core::hint::black_box(&R2);
    let mut b = [0u16; 20];
    for i in 0..20 {
        b[i] = r2[i] as u16;
    }
    mont_mul(&narrow(&words_to_limbs(w)), &b)
}

/// A value below 2^256 as limbs, not reduced (a Montgomery factor of another product).
#[optimize(size)]
pub(crate) fn from_words(w: &Words) -> SLimbs {
    narrow(&words_to_limbs(w))
}

/// Out of Montgomery form: the plain value, below n (signing gets out of it by the product
/// with a plain factor instead).
#[cfg(test)]
#[optimize(size)]
pub(crate) fn from_mont(a: &SLimbs) -> SLimbs {
    mont_mul(a, &PLAIN_ONE)
}

/// n - 2, the inversion's exponent (n's low word ends in ...2551: no borrow).
const E: Words = {
    let mut e = N;
    e[0] -= 2;
    e
};

/// The sliding windows of up to 4 bits over n - 2, from the top: the first window's odd
/// digit, then per window (squarings before it, its odd digit), then trailing squarings.
/// Computed at compile time, so the inversion is a fixed sequence of operations.
/// Steps are packed as squarings << 8 | digit: 32-bit words (see `WideLimbs`).
struct Windows {
    first: u8,
    steps: [u32; 64],
    len: usize,
    tail: u8,
}

const fn e_bit(i: i32) -> u32 {
    (E[i as usize / 32] >> (i as u32 % 32)) & 1
}

const WINDOWS: Windows = {
    let mut w = Windows { first: 0, steps: [0; 64], len: 0, tail: 0 };
    let mut started = false;
    let mut pending: u8 = 0; // squarings owed before the next window's product
    let mut i: i32 = 255;
    while i >= 0 {
        if e_bit(i) == 0 {
            pending += 1;
            i -= 1;
            continue;
        }
        // The longest window of at most 4 bits from i down that ends in a one.
        let mut lo = if i >= 3 { i - 3 } else { 0 };
        while e_bit(lo) == 0 {
            lo += 1;
        }
        let mut digit = 0u32;
        let mut j = i;
        while j >= lo {
            digit = (digit << 1) | e_bit(j);
            j -= 1;
        }
        if started {
            w.steps[w.len] = ((pending as u32 + (i - lo + 1) as u32) << 8) | (digit >> 1);
            w.len += 1;
        } else {
            w.first = (digit >> 1) as u8;
            started = true;
        }
        pending = 0;
        i = lo - 1;
    }
    w.tail = pending;
    w
};

/// x^(n-2) = x^-1 (Fermat: n is prime), in Montgomery form in and out; 0 maps to 0.
///
/// Sliding windows of up to 4 bits over the public exponent (`WINDOWS`): a table of x, x^3,
/// ..., x^15 (8 products), then 252 squarings and 50 products. The windows depend on n
/// alone, so the sequence of operations and the table entry read at each step are the same
/// for every x.
#[inline(never)]
#[optimize(size)]
pub(crate) fn invert(x: &SLimbs) -> SLimbs {
    let mut odd = [[0u16; 20]; 8]; // odd[i] = x^(2i+1)
    odd[0] = *x;
    let x2 = mont_mul(x, x);
    for i in 1..8 {
        odd[i] = mont_mul(&odd[i - 1], &x2);
    }
    let mut acc = odd[WINDOWS.first as usize];
    for &step in &WINDOWS.steps[..WINDOWS.len] {
        for _ in 0..step >> 8 {
            acc = mont_mul(&acc, &acc);
        }
        acc = mont_mul(&acc, &odd[(step & 0xff) as usize]);
    }
    for _ in 0..WINDOWS.tail {
        acc = mont_mul(&acc, &acc);
    }
    wipe(&mut odd);
    acc
}

/// The table of powers of the secret (one out-of-line copy of the volatile stores).
#[inline(never)]
#[optimize(size)]
fn wipe(t: &mut [[u16; 20]; 8]) {
    use zeroize::Zeroize;
    for e in t.iter_mut() {
        e.zeroize();
    }
}

/// Limbs (below 2^256) to little-endian words.
#[optimize(size)]
pub(crate) fn to_words(l: &SLimbs) -> Words {
    let mut w = [0u32; 8];
    for i in 0..20 {
        let bit = 13 * i;
        let (word, sh) = (bit / 32, bit % 32);
        w[word] |= (l[i] as u32) << sh;
        if sh > 19 && word < 7 {
            w[word + 1] |= (l[i] as u32) >> (32 - sh);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(hex: &str) -> Words {
        let mut w = [0u32; 8];
        for i in 0..8 {
            w[7 - i] = u32::from_str_radix(&hex[8 * i..8 * i + 8], 16).unwrap();
        }
        w
    }

    /// The window table rebuilds n - 2.
    #[test]
    fn windows_spell_the_exponent() {
        // Big-endian bits of the exponent as the windows give them.
        let mut bits = std::vec::Vec::new();
        let push = |bits: &mut std::vec::Vec<u32>, digit: u32, width: usize| {
            for j in (0..width).rev() {
                bits.push((digit >> j) & 1);
            }
        };
        let first = 2 * WINDOWS.first as u32 + 1;
        push(&mut bits, first, 32 - first.leading_zeros() as usize);
        let mut squarings = 0;
        for &step in &WINDOWS.steps[..WINDOWS.len] {
            let (sq, d) = (step >> 8, step & 0xff);
            let digit = 2 * d + 1;
            let width = 32 - digit.leading_zeros() as usize;
            push(&mut bits, 0, sq as usize - width);
            push(&mut bits, digit, width);
            squarings += sq as u32;
        }
        push(&mut bits, 0, WINDOWS.tail as usize);
        squarings += WINDOWS.tail as u32;
        assert_eq!(bits.len(), 256);
        let mut w = [0u32; 8];
        for (i, b) in bits.iter().rev().enumerate() {
            w[i / 32] |= b << (i % 32);
        }
        assert_eq!(w, E);
        assert_eq!(squarings as usize, 256 - (32 - first.leading_zeros() as usize));
        std::println!("inversion: {squarings} squarings, {} products after the table", WINDOWS.len);
    }

    #[test]
    fn constants() {
        assert_eq!((N[0].wrapping_mul(N0INV) + 1) & MASK, 0);
        assert_eq!(to_words(&NL.map(|x| x as u16)), N);
        // R2 by the variable-time reference: 2^520 mod n via mul_mod.
        let mut r = [0u32; 8];
        r[0] = 1;
        for _ in 0..520 {
            r = crate::scalar::mul_mod(&r, &{
                let mut two = [0u32; 8];
                two[0] = 2;
                two
            });
        }
        assert_eq!(to_words(&R2.map(|x| x as u16)), r);
    }

    #[test]
    fn products_and_inverses_match_the_reference() {
        let vals = [
            words("0000000000000000000000000000000000000000000000000000000000000001"),
            words("0000000000000000000000000000000000000000000000000000000000000002"),
            words("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550"),
            words("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f"),
            words("7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
            words("8000000000000000000000000000000000000000000000000000000000000000"),
            words("5555555555555555555555555555555555555555555555555555555555555555"),
            words("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"),
        ];
        for a in &vals {
            for b in &vals {
                let ours = to_words(&from_mont(&mont_mul(&to_mont(a), &to_mont(b))));
                assert_eq!(ours, crate::scalar::mul_mod(a, b));
                let sum = to_words(&add(&from_mont(&to_mont(a)), &from_mont(&to_mont(b))));
                let (s, carry) = crate::scalar::add(a, b);
                let s = if carry || crate::scalar::ge(&s, &N) { crate::scalar::sub(&s, &N).0 } else { s };
                assert_eq!(sum, s);
            }
            let inv = to_words(&from_mont(&invert(&to_mont(a))));
            assert_eq!(inv, crate::scalar::invert_vartime(a));
        }
        // Values at or above n reduce on the way in.
        let n_plus_1 = words("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632552");
        assert_eq!(to_words(&from_mont(&to_mont(&n_plus_1))), vals[0]);
        assert_eq!(to_words(&from_mont(&to_mont(&N))), [0; 8]);
        assert_eq!(to_words(&invert(&[0; 20])), [0; 8]);
    }
}
