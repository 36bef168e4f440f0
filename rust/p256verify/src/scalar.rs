//! Integers modulo the group order n, as eight little-endian 32-bit words. Only a handful of
//! operations per verification (one inverse, two products), so plain shift-and-add code with
//! no multiplications at all: a few tens of thousands of instructions in total.

/// The order of the P-256 base point.
pub(crate) const N: [u32; 8] = [
    0xfc63_2551, 0xf3b9_cac2, 0xa717_9e84, 0xbce6_faad, 0xffff_ffff, 0xffff_ffff, 0, 0xffff_ffff,
];

pub(crate) type Words = [u32; 8];

pub(crate) fn is_zero(a: &Words) -> bool {
    a.iter().all(|&w| w == 0)
}

/// a >= b
pub(crate) fn ge(a: &Words, b: &Words) -> bool {
    for i in (0..8).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// a + b as words and the carry out.
pub(crate) fn add(a: &Words, b: &Words) -> (Words, bool) {
    let mut r = [0u32; 8];
    let mut carry = false;
    for i in 0..8 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(carry as u32);
        r[i] = s2;
        carry = c1 | c2;
    }
    (r, carry)
}

/// a - b as words (wrapping) and the borrow out.
pub(crate) fn sub(a: &Words, b: &Words) -> (Words, bool) {
    let mut r = [0u32; 8];
    let mut borrow = false;
    for i in 0..8 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow as u32);
        r[i] = d2;
        borrow = b1 | b2;
    }
    (r, borrow)
}

/// (a + b) mod n for a, b < n.
fn add_mod(a: &Words, b: &Words) -> Words {
    let (s, carry) = add(a, b);
    if carry || ge(&s, &N) { sub(&s, &N).0 } else { s }
}

/// (a - b) mod n for a, b < n.
fn sub_mod(a: &Words, b: &Words) -> Words {
    let (d, borrow) = sub(a, b);
    if borrow { add(&d, &N).0 } else { d }
}

/// a / 2 mod n (n is odd: an odd a becomes (a + n) / 2, computed with the 257th bit).
fn half_mod(a: &Words) -> Words {
    let (s, top) = if a[0] & 1 == 1 { add(a, &N) } else { (*a, false) };
    shr1(&s, top)
}

fn shr1(a: &Words, top: bool) -> Words {
    let mut r = [0u32; 8];
    for i in 0..8 {
        let hi = if i == 7 { top as u32 } else { a[i + 1] };
        r[i] = (a[i] >> 1) | (hi << 31);
    }
    r
}

/// Any 256-bit value reduced mod n (2^256 < 2n: one subtraction at most).
pub(crate) fn reduce(a: &Words) -> Words {
    if ge(a, &N) { sub(a, &N).0 } else { *a }
}

/// a * b mod n for a, b < n, by double-and-add over the bits of b.
#[inline(never)]
#[optimize(size)]
pub(crate) fn mul_mod(a: &Words, b: &Words) -> Words {
    let mut acc = [0u32; 8];
    for i in (0..256).rev() {
        acc = add_mod(&acc, &acc);
        if (b[i / 32] >> (i % 32)) & 1 == 1 {
            acc = add_mod(&acc, a);
        }
    }
    acc
}

/// a^-1 mod n for 0 < a < n, by the binary extended Euclidean algorithm (variable time:
/// a is public). Invariants: x1*a = u and x2*a = v (mod n).
#[inline(never)]
#[optimize(size)]
pub(crate) fn invert_vartime(a: &Words) -> Words {
    let mut one = [0u32; 8];
    one[0] = 1;
    let (mut u, mut v) = (*a, N);
    let (mut x1, mut x2) = (one, [0u32; 8]);
    while u != one && v != one {
        while u[0] & 1 == 0 {
            u = shr1(&u, false);
            x1 = half_mod(&x1);
        }
        while v[0] & 1 == 0 {
            v = shr1(&v, false);
            x2 = half_mod(&x2);
        }
        if ge(&u, &v) {
            u = sub(&u, &v).0;
            x1 = sub_mod(&x1, &x2);
        } else {
            v = sub(&v, &u).0;
            x2 = sub_mod(&x2, &x1);
        }
    }
    if u == one { x1 } else { x2 }
}

/// Width-w NAF of a 256-bit scalar: digits odd in -(2^(w-1)-1)..=2^(w-1)-1 or zero, at most
/// one non-zero digit in any w consecutive ones. 257 digits (the top one may carry out).
#[inline(never)]
#[optimize(size)]
pub(crate) fn wnaf(k: &Words, w: u32, out: &mut [i8; 257]) {
    out.fill(0);
    // 9 words: room for the carry out of the top word.
    let mut d = [0u32; 9];
    d[..8].copy_from_slice(k);
    let window = 1i32 << w;
    let mut i = 0;
    while i < 257 {
        if d[0] & 1 == 0 {
            shr_n(&mut d, 1);
            i += 1;
            continue;
        }
        let mut digit = (d[0] & (window as u32 - 1)) as i32;
        if digit >= window / 2 {
            digit -= window;
        }
        out[i] = digit as i8;
        // d -= digit (d becomes divisible by 2^w)
        if digit > 0 {
            sub_small(&mut d, digit as u32);
        } else {
            add_small(&mut d, (-digit) as u32);
        }
        let step = w.min(257 - i as u32);
        shr_n(&mut d, step);
        i += step as usize;
    }
}

fn shr_n(d: &mut [u32; 9], n: u32) {
    for i in 0..9 {
        let hi = if i == 8 { 0 } else { d[i + 1] };
        d[i] = (d[i] >> n) | (hi << (32 - n));
    }
}

fn sub_small(d: &mut [u32; 9], v: u32) {
    let (r, mut borrow) = d[0].overflowing_sub(v);
    d[0] = r;
    let mut i = 1;
    while borrow && i < 9 {
        let (r, b) = d[i].overflowing_sub(1);
        d[i] = r;
        borrow = b;
        i += 1;
    }
}

fn add_small(d: &mut [u32; 9], v: u32) {
    let (r, mut carry) = d[0].overflowing_add(v);
    d[0] = r;
    let mut i = 1;
    while carry && i < 9 {
        let (r, c) = d[i].overflowing_add(1);
        d[i] = r;
        carry = c;
        i += 1;
    }
}
