//! Unit tests of the internals against simple references (shift-and-add modular products on
//! 32-bit words, Python-independent recomputation of the G table).

use crate::field::{Fe, Limbs, P, P_WORDS, words_to_limbs};
use crate::point::{Affine, Jacobian};
use crate::scalar::{self, N, Words};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u32 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
    fn words(&mut self) -> Words {
        let mut w = [0u32; 8];
        for x in w.iter_mut() {
            *x = self.next();
        }
        // Some structured values: runs of ones and zeros stress carries.
        match self.next() % 8 {
            0 => w[self.next() as usize % 8] = 0xffff_ffff,
            1 => w[self.next() as usize % 8] = 0,
            _ => {}
        }
        w
    }
}

fn ge(a: &Words, b: &Words) -> bool {
    scalar::ge(a, b)
}

/// Reference: a mod m for any 256-bit a (m > 2^255: at most one subtraction).
fn ref_reduce(a: &Words, m: &Words) -> Words {
    if ge(a, m) { scalar::sub(a, m).0 } else { *a }
}

fn ref_add(a: &Words, b: &Words, m: &Words) -> Words {
    let (s, c) = scalar::add(a, b);
    if c || ge(&s, m) { scalar::sub(&s, m).0 } else { s }
}

fn ref_sub(a: &Words, b: &Words, m: &Words) -> Words {
    let (d, borrow) = scalar::sub(a, b);
    if borrow { scalar::add(&d, m).0 } else { d }
}

/// Reference product mod m by double-and-add (a, b reduced).
fn ref_mul(a: &Words, b: &Words, m: &Words) -> Words {
    let mut acc = [0u32; 8];
    for i in (0..256).rev() {
        acc = ref_add(&acc, &acc, m);
        if (b[i / 32] >> (i % 32)) & 1 == 1 {
            acc = ref_add(&acc, a, m);
        }
    }
    acc
}

fn limbs_value_words(l: &Limbs) -> Words {
    let mut w = [0u32; 8];
    for i in 0..20 {
        for bit in 0..13 {
            let pos = 13 * i + bit;
            if (l[i] >> bit) & 1 == 1 {
                assert!(pos < 256);
                w[pos / 32] |= 1 << (pos % 32);
            }
        }
    }
    w
}

fn plain(a: &Fe) -> Words {
    limbs_value_words(&a.canonical())
}

fn check_invariant(a: &Fe) {
    for (i, &l) in a.0.iter().enumerate() {
        assert!(l < 0x2000, "limb {i} = {l:#x}");
    }
    assert!(a.0[19] < 0x400, "value not below 2^257");
}

#[test]
fn constants() {
    assert_eq!(limbs_value_words(&P), P_WORDS);
    assert_eq!(plain(&crate::field::ONE), {
        let mut one = [0u32; 8];
        one[0] = 1;
        one
    });
    let b = crate::field::B;
    assert_eq!(plain(&b)[7], 0x5ac6_35d8);
}

#[test]
fn field_ops_match_reference() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let specials: [Words; 5] = [
        [0; 8],
        [1, 0, 0, 0, 0, 0, 0, 0],
        ref_sub(&[0; 8], &[1, 0, 0, 0, 0, 0, 0, 0], &P_WORDS), // p - 1
        [0xffff_ffff; 8],                                      // 2^256 - 1 (unreduced input)
        P_WORDS,                                               // p itself (unreduced)
    ];
    for iter in 0..3000 {
        let (a, b) = if iter < 25 { (specials[iter / 5], specials[iter % 5]) } else { (rng.words(), rng.words()) };
        let (fa, fb) = (Fe::from_words(&a), Fe::from_words(&b));
        check_invariant(&fa);
        let (ra, rb) = (ref_reduce(&a, &P_WORDS), ref_reduce(&b, &P_WORDS));
        assert_eq!(plain(&fa), ra);
        let lin31 = ref_sub(&ref_mul(&ra, &[3, 0, 0, 0, 0, 0, 0, 0], &P_WORDS), &rb, &P_WORDS);
        let lin18 = ref_sub(&ra, &ref_mul(&rb, &[8, 0, 0, 0, 0, 0, 0, 0], &P_WORDS), &P_WORDS);
        let lin84 = ref_sub(
            &ref_mul(&ra, &[8, 0, 0, 0, 0, 0, 0, 0], &P_WORDS),
            &ref_mul(&rb, &[4, 0, 0, 0, 0, 0, 0, 0], &P_WORDS),
            &P_WORDS,
        );
        let ops: [(Fe, Words); 9] = [
            (fa.lin::<3, 1>(&fb), lin31),
            (fa.lin::<1, 8>(&fb), lin18),
            (fa.lin::<8, 4>(&fb), lin84),
            (fa.mul(&fb), ref_mul(&ra, &rb, &P_WORDS)),
            (fa.sqr(), ref_mul(&ra, &ra, &P_WORDS)),
            (fa.add(&fb), ref_add(&ra, &rb, &P_WORDS)),
            (fa.sub(&fb), ref_sub(&ra, &rb, &P_WORDS)),
            (fa.mul_small(8), ref_mul(&ra, &[8, 0, 0, 0, 0, 0, 0, 0], &P_WORDS)),
            (fa.neg(), ref_sub(&[0; 8], &ra, &P_WORDS)),
        ];
        for (k, (got, want)) in ops.iter().enumerate() {
            check_invariant(got);
            assert_eq!(plain(got), *want, "op {k} on {a:x?} {b:x?}");
        }
        assert_eq!(fa.equals(&fb), ra == rb);
        assert_eq!(fa.is_zero(), ra == [0; 8]);
    }
}

/// Long chains of operations keep the invariant (limbs, value < 2^257) and the value,
/// including from the largest values the invariant allows.
#[test]
fn chained_ops_stay_in_bounds() {
    let mut rng = Rng(42);
    let mut top = [0x1fffi32; 20];
    top[19] = 0x3ff; // 2^257 - 1, the largest value an Fe may hold
    let top = Fe(crate::field::narrow(&top));
    // Its plain value, by an independent route: 2^257 - 1 = (2^256 - 1 - p) + (2^256 - p) (mod p),
    // divided by the Montgomery factor 2^260 (times the inverse of 2^260 computed by Fermat).
    let two256_minus_p = scalar::sub(&[0; 8], &P_WORDS).0;
    let raw = ref_add(&ref_sub(&[0xffff_ffff; 8], &P_WORDS, &[0xffff_ffff; 8]), &two256_minus_p, &P_WORDS);
    let mut r_inv = [0u32; 8];
    r_inv[0] = 1;
    for _ in 0..260 {
        // halve mod p
        let (s, c) = if r_inv[0] & 1 == 1 { scalar::add(&r_inv, &P_WORDS) } else { (r_inv, false) };
        for i in 0..8 {
            let hi = if i == 7 { c as u32 } else { s[i + 1] };
            r_inv[i] = (s[i] >> 1) | (hi << 31);
        }
    }
    let top_plain = ref_mul(&raw, &r_inv, &P_WORDS);
    assert_eq!(plain(&top), top_plain);
    for (got, want) in [
        (top.mul(&top), ref_mul(&top_plain, &top_plain, &P_WORDS)),
        (top.sqr(), ref_mul(&top_plain, &top_plain, &P_WORDS)),
        (top.add(&top), ref_add(&top_plain, &top_plain, &P_WORDS)),
        (top.sub(&top), [0; 8]),
        (Fe::ZERO.sub(&top), ref_sub(&[0; 8], &top_plain, &P_WORDS)),
        (top.mul_small(8), ref_mul(&top_plain, &[8, 0, 0, 0, 0, 0, 0, 0], &P_WORDS)),
        (top.lin::<8, 8>(&top), [0; 8]),
        (Fe::ZERO.lin::<8, 8>(&top), ref_sub(&[0; 8], &ref_mul(&top_plain, &[8, 0, 0, 0, 0, 0, 0, 0], &P_WORDS), &P_WORDS)),
    ] {
        check_invariant(&got);
        assert_eq!(plain(&got), want);
    }
    let (mut x, mut xr) = (top, top_plain);
    for _ in 0..20000 {
        let w = rng.words();
        let (y, yr) = (Fe::from_words(&w), ref_reduce(&w, &P_WORDS));
        match rng.next() % 7 {
            5 => (x, xr) = (x.lin::<8, 8>(&y), ref_sub(&ref_mul(&xr, &[8, 0, 0, 0, 0, 0, 0, 0], &P_WORDS), &ref_mul(&yr, &[8, 0, 0, 0, 0, 0, 0, 0], &P_WORDS), &P_WORDS)),
            6 => (x, xr) = (x.lin::<0, 8>(&y), ref_sub(&[0; 8], &ref_mul(&yr, &[8, 0, 0, 0, 0, 0, 0, 0], &P_WORDS), &P_WORDS)),
            0 => (x, xr) = (x.mul(&y), ref_mul(&xr, &yr, &P_WORDS)),
            1 => (x, xr) = (x.sqr(), ref_mul(&xr, &xr, &P_WORDS)),
            2 => (x, xr) = (x.add(&y), ref_add(&xr, &yr, &P_WORDS)),
            3 => (x, xr) = (x.sub(&y), ref_sub(&xr, &yr, &P_WORDS)),
            _ => (x, xr) = (x.mul_small(3), ref_add(&xr, &ref_add(&xr, &xr, &P_WORDS), &P_WORDS)),
        }
        check_invariant(&x);
        assert_eq!(plain(&x), xr);
    }
}

#[test]
fn inverse_and_sqrt() {
    let mut rng = Rng(7);
    for _ in 0..50 {
        let a = Fe::from_words(&rng.words());
        let inv = a.invert();
        if a.is_zero() {
            continue;
        }
        assert!(a.mul(&inv).equals(&crate::field::ONE));
        let sq = a.sqr();
        let r = sq.sqrt().expect("a square has a root");
        assert!(r.equals(&a) || r.equals(&a.neg()));
        // -a^2 is a non-square since p = 3 mod 4.
        assert!(sq.neg().sqrt().is_none());
    }
}

#[test]
fn scalar_ops_match_reference() {
    let mut rng = Rng(99);
    for _ in 0..300 {
        let a = ref_reduce(&rng.words(), &N);
        let b = ref_reduce(&rng.words(), &N);
        assert_eq!(scalar::mul_mod(&a, &b), ref_mul(&a, &b, &N));
        if scalar::is_zero(&a) {
            continue;
        }
        let inv = scalar::invert_vartime(&a);
        assert_eq!(ref_mul(&a, &inv, &N), [1, 0, 0, 0, 0, 0, 0, 0]);
    }
    let n_minus_1 = scalar::sub(&N, &[1, 0, 0, 0, 0, 0, 0, 0]).0;
    assert_eq!(scalar::invert_vartime(&n_minus_1), n_minus_1);
    assert_eq!(scalar::invert_vartime(&[1, 0, 0, 0, 0, 0, 0, 0]), [1, 0, 0, 0, 0, 0, 0, 0]);
}

/// The NAF digits rebuild the scalar and respect the width.
#[test]
fn wnaf_rebuilds_scalar() {
    let mut rng = Rng(5);
    for iter in 0..500 {
        let k = if iter == 0 { [0xffff_ffff; 8] } else { rng.words() };
        for w in [5u32, 7] {
            let mut naf = [0i8; 257];
            scalar::wnaf(&k, w, &mut naf);
            // Horner from the top: acc = 2*acc + d, as a signed 288-bit value in i64 limbs.
            let mut acc = [0i64; 9];
            let mut last_nonzero: Option<usize> = None;
            for i in (0..257).rev() {
                let mut carry = 0i64;
                for limb in acc.iter_mut() {
                    let v = *limb * 2 + carry;
                    *limb = v & 0xffff_ffff;
                    carry = v >> 32;
                }
                acc[0] += naf[i] as i64;
                let d = naf[i] as i32;
                if d != 0 {
                    assert!(d % 2 != 0 && d.abs() < (1 << (w - 1)));
                    if let Some(j) = last_nonzero {
                        assert!(j - i >= w as usize);
                    }
                    last_nonzero = Some(i);
                }
            }
            let mut carry = 0i64;
            let mut got = [0u32; 9];
            for (g, limb) in got.iter_mut().zip(acc) {
                let v = limb + carry;
                *g = (v & 0xffff_ffff) as u32;
                carry = v >> 32;
            }
            assert_eq!(&got[..8], &k[..]);
            assert_eq!(got[8], 0);
        }
    }
}

/// The checked-in G table equals multiples computed here with the crate's point arithmetic.
#[test]
fn g_table_matches_point_arithmetic() {
    let g = crate::g_multiple(1);
    assert!(g.is_on_curve());
    let gj = Jacobian::from_affine(&g);
    let g2 = gj.double();
    let mut m = gj;
    for k in 0..crate::G_ODD_MULTIPLES.len() {
        let t = crate::g_multiple(2 * k as i8 + 1);
        assert!(t.is_on_curve());
        let zi = m.z.invert();
        let z2 = zi.sqr();
        let x = m.x.mul(&z2);
        let y = m.y.mul(&z2).mul(&zi);
        assert!(x.equals(&t.x) && y.equals(&t.y), "entry {k}");
        let neg = crate::g_multiple(-(2 * k as i8 + 1));
        assert!(neg.y.add(&t.y).is_zero());
        m = m.add(&g2);
    }
}

#[test]
fn point_special_cases() {
    let g = crate::g_multiple(1);
    let gj = Jacobian::from_affine(&g);
    // G + G through add() equals double(); G + (-G) is infinity, both for add and add_affine.
    let twice = gj.add(&gj);
    let dbl = gj.double();
    assert!(same_point(&twice, &dbl));
    assert!(gj.add(&gj.neg()).infinity);
    assert!(gj.add_affine(&g.neg()).infinity);
    assert!(same_point(&gj.add_affine(&g), &dbl));
    assert!(same_point(&Jacobian::INFINITY.add(&gj), &gj));
    assert!(same_point(&gj.add(&Jacobian::INFINITY), &gj));
    assert!(Jacobian::INFINITY.double().infinity);
    // A point with Z != 1 plus the affine point equal to it.
    let three = dbl.add(&gj);
    let three_aff = to_affine(&three);
    assert!(same_point(&three.add_affine(&three_aff), &three.double()));
    assert!(three.add_affine(&three_aff.neg()).infinity);
    let off = Affine { x: g.x, y: g.y.add(&crate::field::ONE) };
    assert!(!off.is_on_curve());
}

fn to_affine(p: &Jacobian) -> Affine {
    let zi = p.z.invert();
    let z2 = zi.sqr();
    Affine { x: p.x.mul(&z2), y: p.y.mul(&z2).mul(&zi) }
}

fn same_point(a: &Jacobian, b: &Jacobian) -> bool {
    if a.infinity || b.infinity {
        return a.infinity == b.infinity;
    }
    let (pa, pb) = (to_affine(a), to_affine(b));
    pa.x.equals(&pb.x) && pa.y.equals(&pb.y)
}

#[test]
fn limbs_roundtrip() {
    let mut rng = Rng(3);
    for _ in 0..100 {
        let w = rng.words();
        assert_eq!(limbs_value_words(&words_to_limbs(&w)), w);
    }
}

/// The branch-free operations of ECDH agree with their variable-time counterparts.
#[test]
fn constant_time_field_ops() {
    let mut rng = Rng(11);
    let mut values = [Fe::ZERO; 204];
    for v in values.iter_mut().skip(4) {
        *v = Fe::from_words(&rng.words());
    }
    // Zero in its loose forms (0, p; 0 - 0 is 4p folded) and -1, near p.
    values[1] = Fe(crate::field::narrow(&P));
    values[2] = Fe::ZERO.sub(&Fe::ZERO);
    values[3] = crate::field::ONE.neg();
    for a in &values {
        assert_eq!(a.canonical_ct(), a.canonical());
        assert_eq!(a.is_zero_mask() == 0xffff, a.is_zero());
        assert!(a.is_zero_mask() == 0 || a.is_zero_mask() == 0xffff);
        let inv = a.invert_ct();
        check_invariant(&inv);
        assert!(inv.equals(&a.invert()), "fixed chain != p-2 exponent");
        if !a.is_zero() {
            assert!(a.mul(&inv).equals(&crate::field::ONE));
        }
        let b = Fe::from_words(&rng.words());
        assert_eq!(Fe::select(0xffff, a, &b).0, a.0);
        assert_eq!(Fe::select(0, a, &b).0, b.0);
        let bytes = crate::field::limbs_to_be_bytes(&a.canonical());
        assert_eq!(crate::field::be_bytes_to_words(&bytes), plain(a));
    }
}

/// The comb table is what its doc says: entry b - 1 = sum of 2^(52 i) G over the bits of b.
#[test]
fn comb_table_matches_point_arithmetic() {
    use crate::g_comb::{COMB_SPACING, COMB_TEETH, G_COMB};
    let g = Jacobian::from_affine(&g_affine());
    let mut teeth = [g; COMB_TEETH];
    for i in 1..COMB_TEETH {
        teeth[i] = teeth[i - 1];
        for _ in 0..COMB_SPACING {
            teeth[i] = teeth[i].double();
        }
    }
    for b in 1..(1 << COMB_TEETH) {
        let mut acc = Jacobian::INFINITY;
        for (i, t) in teeth.iter().enumerate() {
            if b >> i & 1 == 1 {
                acc = acc.add(t);
            }
        }
        let e = &G_COMB[b - 1];
        let want = to_affine(&acc);
        assert!(crate::field::unpack(&e[..10]).equals(&want.x) && crate::field::unpack(&e[10..]).equals(&want.y));
    }
}

fn g_affine() -> Affine {
    let e = &crate::g_table::G_ODD_MULTIPLES[0];
    Affine { x: crate::field::unpack(&e[..10]), y: crate::field::unpack(&e[10..]) }
}
