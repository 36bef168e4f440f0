//! Arithmetic modulo p = 2^256 - 2^224 + 2^192 + 2^96 - 1, shaped for a CPU whose fast
//! multiply gives only the low 32 bits of a 32x32 product (the ESP8266's lx106).
//!
//! An element is 20 limbs of 13 bits (260 bits) in Montgomery form x*2^260 mod p. A product of
//! two limbs has 26 bits and a column of 20 of them stays below 2^31, so a multiplication is
//! 400 `mull`s and additions, with no 64-bit arithmetic. Since p = -1 mod 2^13, the Montgomery
//! factor of each reduction step is the column's low 13 bits, and adding m*p is four shifted
//! additions (the exponents of p), folded into the column sums (src/fe_mul.rs).
//!
//! Invariant of every `Fe`: limbs in 0..2^13 and value below 2^257 (so below 2p); results of
//! every operation keep it. Only `canonical` reduces fully.

pub(crate) use crate::fe_mul::{mont_mul, mont_sqr};

/// 20 limbs of 13 bits, least significant first, as computed on (signed so carries can go
/// negative).
pub(crate) type Limbs = [i32; 20];
/// The same limbs as stored in an `Fe`: 16 bits each (40 bytes per element, so the points and
/// temporaries of a verification stay small on the ESP8266's 8 KiB stack).
pub(crate) type Stored = [u16; 20];

pub(crate) const fn narrow(l: &Limbs) -> Stored {
    let mut s = [0u16; 20];
    let mut i = 0;
    while i < 20 {
        s[i] = l[i] as u16;
        i += 1;
    }
    s
}

#[inline(always)]
pub(crate) fn widen(s: &Stored) -> Limbs {
    let mut l = [0i32; 20];
    for i in 0..20 {
        l[i] = s[i] as i32;
    }
    l
}

const MASK: i32 = 0x1fff;

/// p as little-endian 32-bit words.
pub(crate) const P_WORDS: [u32; 8] = [
    0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0, 0, 0, 1, 0xffff_ffff,
];
/// The curve's b coefficient as little-endian words.
const B_WORDS: [u32; 8] = [
    0x27d2_604b, 0x3bce_3c3e, 0xcc53_b0f6, 0x651d_06b0, 0x7698_86bc, 0xb3eb_bd55, 0xaa3a_93e7, 0x5ac6_35d8,
];

pub(crate) const P: Limbs = words_to_limbs(&P_WORDS);
/// 4p with every limb but the top one raised by 2^13 - 1 (borrowed from its upper neighbour),
/// so that 4p - b has no negative limb for any `Fe` b.
const FOUR_P_BORROWED: Limbs = {
    let mut four = [0u32; 8];
    let mut i = 0;
    let mut carry = 0;
    while i < 8 {
        four[i] = (P_WORDS[i] << 2) | carry;
        carry = P_WORDS[i] >> 30;
        i += 1;
    }
    // 4p < 2^258: the top two bits land above word 7; limb 19 holds bits 247..259.
    let mut l = words_to_limbs(&four);
    l[19] |= (carry as i32) << (256 - 247);
    l[0] += MASK + 1;
    let mut i = 1;
    while i < 19 {
        l[i] += MASK;
        i += 1;
    }
    l[19] -= 1;
    l
};
/// 2^520 mod p: Montgomery form of 2^260, turns a plain value into Montgomery form.
const R2: Stored = narrow(&words_to_limbs(&pow2_mod_p(520)));
/// Montgomery forms of 1 and of b.
pub(crate) const ONE: Fe = Fe(narrow(&words_to_limbs(&pow2_mod_p(260))));
pub(crate) const B: Fe = Fe(narrow(&words_to_limbs(&mul_pow2_mod_p(B_WORDS, 260))));

/// Little-endian 32-bit words (a value below 2^256) to 13-bit limbs.
pub(crate) const fn words_to_limbs(w: &[u32; 8]) -> Limbs {
    let mut l = [0i32; 20];
    let mut i = 0;
    while i < 20 {
        let bit = 13 * i;
        let (word, sh) = (bit / 32, bit % 32);
        let mut v = w[word] >> sh;
        if sh > 19 && word < 7 {
            v |= w[word + 1] << (32 - sh);
        }
        l[i] = (v & 0x1fff) as i32;
        i += 1;
    }
    l
}

const fn ge_words(a: &[u32; 8], b: &[u32; 8]) -> bool {
    let mut i = 8;
    while i > 0 {
        i -= 1;
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// (a + b) mod p for a, b < p (compile-time helper for the constants).
const fn add_mod_p(a: &[u32; 8], b: &[u32; 8]) -> [u32; 8] {
    let mut s = [0u32; 8];
    let mut carry = 0u64;
    let mut i = 0;
    while i < 8 {
        let t = a[i] as u64 + b[i] as u64 + carry;
        s[i] = t as u32;
        carry = t >> 32;
        i += 1;
    }
    if carry != 0 || ge_words(&s, &P_WORDS) {
        let mut borrow = 0i64;
        let mut i = 0;
        while i < 8 {
            let t = s[i] as i64 - P_WORDS[i] as i64 + borrow;
            s[i] = t as u32;
            borrow = t >> 32;
            i += 1;
        }
    }
    s
}

const fn mul_pow2_mod_p(mut v: [u32; 8], k: u32) -> [u32; 8] {
    let mut i = 0;
    while i < k {
        v = add_mod_p(&v, &v);
        i += 1;
    }
    v
}

const fn pow2_mod_p(k: u32) -> [u32; 8] {
    let mut one = [0u32; 8];
    one[0] = 1;
    mul_pow2_mod_p(one, k)
}

/// Field element in Montgomery form (see the module docs for the invariant).
/// 4-byte aligned so that copies are ten word moves, not a memcpy call of 16-bit halves.
#[derive(Clone, Copy, Debug)]
#[repr(align(4))]
pub(crate) struct Fe(pub(crate) Stored);

/// Brings a sum/difference (non-negative value, limbs below 2^18) back under the invariant:
/// the bits from 2^256 up are folded with 2^256 = 2^224 - 2^192 - 2^96 + 1 (mod p),
/// then one carry pass.
#[inline(always)]
fn fold(mut t: Limbs) -> Fe {
    let h = t[19] >> 9;
    t[19] &= 0x1ff;
    t[0] += h;
    t[7] -= h << 5; // 2^96 = 2^(13*7 + 5)
    t[14] -= h << 10; // 2^192 = 2^(13*14 + 10)
    t[17] += h << 3; // 2^224 = 2^(13*17 + 3)
    for i in 0..19 {
        t[i + 1] += t[i] >> 13;
        t[i] &= MASK;
    }
    Fe(narrow(&t))
}

impl Fe {
    pub(crate) const ZERO: Fe = Fe([0; 20]);

    #[inline(never)]
    pub(crate) fn add(&self, b: &Fe) -> Fe {
        let mut t = widen(&self.0);
        for i in 0..20 {
            t[i] += b.0[i] as i32;
        }
        fold(t)
    }

    #[inline(never)]
    pub(crate) fn sub(&self, b: &Fe) -> Fe {
        let mut t = widen(&self.0);
        for i in 0..20 {
            t[i] += FOUR_P_BORROWED[i] - b.0[i] as i32;
        }
        fold(t)
    }

    /// self * k for a small k (at most 8).
    #[inline(never)]
    pub(crate) fn mul_small(&self, k: i32) -> Fe {
        let mut t = widen(&self.0);
        for x in t.iter_mut() {
            *x *= k;
        }
        fold(t)
    }

    /// KA*self - KB*b for small constants (at most 8): one pass instead of two or three.
    #[inline(never)]
    pub(crate) fn lin<const KA: i32, const KB: i32>(&self, b: &Fe) -> Fe {
        const { assert!(KA >= 0 && KA <= 8 && KB >= 0 && KB <= 8) };
        let mut t = widen(&self.0);
        for i in 0..20 {
            t[i] = KA * t[i] + KB * (FOUR_P_BORROWED[i] - b.0[i] as i32);
        }
        fold(t)
    }

    pub(crate) fn neg(&self) -> Fe {
        Fe::ZERO.sub(self)
    }

    #[inline(always)]
    pub(crate) fn mul(&self, b: &Fe) -> Fe {
        Fe(mont_mul(&self.0, &b.0))
    }

    #[inline(always)]
    pub(crate) fn sqr(&self) -> Fe {
        Fe(mont_sqr(&self.0))
    }

    /// The fully reduced value (plain, not Montgomery form) as normalized limbs.
    pub(crate) fn canonical(&self) -> Limbs {
        let mut one = [0u16; 20];
        one[0] = 1;
        reduce_below_p(widen(&mont_mul(&self.0, &one)))
    }

    /// Fully reduced Montgomery form: equal elements have equal limbs.
    fn reduced(&self) -> Limbs {
        reduce_below_p(widen(&self.0))
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.reduced() == [0; 20]
    }

    pub(crate) fn equals(&self, b: &Fe) -> bool {
        self.reduced() == b.reduced()
    }

    /// Big-endian 32 bytes; None if the value is not below p.
    pub(crate) fn from_be_bytes(bytes: &[u8; 32]) -> Option<Fe> {
        let w = be_bytes_to_words(bytes);
        if ge_words(&w, &P_WORDS) {
            return None;
        }
        Some(Fe(mont_mul(&narrow(&words_to_limbs(&w)), &R2)))
    }

    /// Plain value (below 2^256) to Montgomery form.
    pub(crate) fn from_words(w: &[u32; 8]) -> Fe {
        Fe(mont_mul(&narrow(&words_to_limbs(w)), &R2))
    }

    /// Least significant bit of the canonical value.
    pub(crate) fn is_odd(&self) -> bool {
        self.canonical()[0] & 1 == 1
    }

    /// self^e (variable time: e is public here).
    pub(crate) fn pow_vartime(&self, e: &[u32; 8]) -> Fe {
        let mut acc = ONE;
        for i in (0..256).rev() {
            acc = acc.sqr();
            if (e[i / 32] >> (i % 32)) & 1 == 1 {
                acc = acc.mul(self);
            }
        }
        acc
    }

    /// Square root if there is one: p = 3 mod 4, so a candidate is self^((p+1)/4).
    pub(crate) fn sqrt(&self) -> Option<Fe> {
        // (p + 1) / 4 = 2^254 - 2^222 + 2^190 + 2^94
        const E: [u32; 8] = [0, 0, 0x4000_0000, 0, 0, 0x4000_0000, 0xc000_0000, 0x3fff_ffff];
        let r = self.pow_vartime(&E);
        r.sqr().equals(self).then_some(r)
    }

    /// Inverse by Fermat (self^(p-2)); zero maps to zero.
    #[cfg(test)]
    pub(crate) fn invert(&self) -> Fe {
        let mut e = P_WORDS;
        e[0] -= 2;
        self.pow_vartime(&e)
    }
}

/// Constant-time operations, for the secret side of ECDH (src/ecdh.rs): no branch and no
/// memory index depends on the values. `mask` arguments are 0 or 0xffff.
impl Fe {
    /// `a` where mask is all ones, `b` where it is zero. Not inlined: six copies per point
    /// addition would cost kilobytes of flash.
    #[inline(never)]
    pub(crate) fn select(mask: u16, a: &Fe, b: &Fe) -> Fe {
        // Opaque to LLVM, which would otherwise branch on a mask it knows is 0 or all ones.
        let mask = core::hint::black_box(mask);
        let mut r = [0u16; 20];
        for i in 0..20 {
            r[i] = (a.0[i] & mask) | (b.0[i] & !mask);
        }
        Fe(r)
    }

    /// Fully reduced plain value, without branches (see `canonical`): the Montgomery
    /// reduction of self*1 is at most p, so one masked subtraction of p is enough.
    pub(crate) fn canonical_ct(&self) -> Limbs {
        let mut one = [0u16; 20];
        one[0] = 1;
        let t = widen(&mont_mul(&self.0, &one));
        let mut d = [0i32; 20];
        let mut borrow = 0;
        for i in 0..20 {
            let v = t[i] - P[i] + borrow;
            d[i] = v & MASK;
            borrow = v >> 13;
        }
        // borrow is -1 when t < p (keep t), 0 when t >= p (take t - p).
        let keep = core::hint::black_box(borrow);
        let mut r = [0i32; 20];
        for i in 0..20 {
            r[i] = (t[i] & keep) | (d[i] & !keep);
        }
        r
    }

    /// 0xffff if the element is zero (mod p), else 0, without branches.
    pub(crate) fn is_zero_mask(&self) -> u16 {
        let c = self.canonical_ct();
        let mut acc = 0;
        for x in c {
            acc |= x;
        }
        // acc is in 0..2^13: acc - 1 is negative exactly when acc == 0 (opaque to LLVM,
        // which would compare and branch).
        ((core::hint::black_box(acc) - 1) >> 16) as u16
    }

    /// Inverse by Fermat, self^(p-2), with a fixed chain of 255 squarings and 13
    /// multiplications (no branch on the value; zero maps to zero).
    /// p - 2 = 2^256 - 2^224 + 2^192 + 2^96 - 3: from the top, 32 ones, 31 zeros, a one,
    /// 96 zeros, 94 ones, then 01.
    #[inline(never)]
    pub(crate) fn invert_ct(&self) -> Fe {
        // t_k = self^(2^k - 1)
        let t1 = *self;
        let t2 = sqr_n(&t1, 1).mul(&t1);
        let t4 = sqr_n(&t2, 2).mul(&t2);
        let t8 = sqr_n(&t4, 4).mul(&t4);
        let t16 = sqr_n(&t8, 8).mul(&t8);
        let t32 = sqr_n(&t16, 16).mul(&t16);
        let mut r = sqr_n(&t32, 32).mul(&t1); // 32 ones, 31 zeros, 1
        r = sqr_n(&r, 96); // 96 zeros
        r = sqr_n(&r, 32).mul(&t32); // 94 ones: 32 + 32 + 16 + 8 + 4 + 2
        r = sqr_n(&r, 32).mul(&t32);
        r = sqr_n(&r, 16).mul(&t16);
        r = sqr_n(&r, 8).mul(&t8);
        r = sqr_n(&r, 4).mul(&t4);
        r = sqr_n(&r, 2).mul(&t2);
        sqr_n(&r, 2).mul(&t1) // 01
    }
}

/// x^(2^n): n squarings, a loop of its own (unrolled into `invert_ct` it took 5 KB of flash).
#[inline(never)]
fn sqr_n(x: &Fe, n: u32) -> Fe {
    let mut r = *x;
    for _ in 0..n {
        r = r.sqr();
    }
    r
}

/// Normalized limbs (0..2^13, value below 2^256) to 32 big-endian bytes; fixed shifts only.
#[inline(never)]
pub(crate) fn limbs_to_be_bytes(l: &Limbs) -> [u8; 32] {
    let mut w = [0u32; 8];
    for i in 0..20 {
        let bit = 13 * i;
        let (word, sh) = (bit / 32, bit % 32);
        w[word] |= (l[i] as u32) << sh;
        if sh > 19 && word < 7 {
            w[word + 1] |= (l[i] as u32) >> (32 - sh);
        }
    }
    let mut out = [0u8; 32];
    for i in 0..8 {
        out[28 - 4 * i..32 - 4 * i].copy_from_slice(&w[i].to_be_bytes());
    }
    out
}

/// Normalized limbs of a value below 2p to the value mod p.
fn reduce_below_p(t: Limbs) -> Limbs {
    let mut ge = true;
    for i in (0..20).rev() {
        if t[i] != P[i] {
            ge = t[i] > P[i];
            break;
        }
    }
    if !ge {
        return t;
    }
    let mut r = [0i32; 20];
    let mut borrow = 0;
    for i in 0..20 {
        let d = t[i] - P[i] + borrow;
        r[i] = d & MASK;
        borrow = d >> 13;
    }
    r
}

pub(crate) fn be_bytes_to_words(b: &[u8; 32]) -> [u32; 8] {
    let mut w = [0u32; 8];
    for i in 0..8 {
        w[i] = u32::from_be_bytes([b[28 - 4 * i], b[29 - 4 * i], b[30 - 4 * i], b[31 - 4 * i]]);
    }
    w
}

/// A packed table entry (two 13-bit limbs per word) to limbs.
#[inline(always)]
pub(crate) fn unpack(words: &[u32]) -> Fe {
    let mut l = [0u16; 20];
    for i in 0..10 {
        l[2 * i] = words[i] as u16;
        l[2 * i + 1] = (words[i] >> 16) as u16;
    }
    Fe(l)
}
