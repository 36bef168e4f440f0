//! Constant-time point arithmetic for ECDH (src/ecdh.rs): Jacobian coordinates with no
//! infinity flag and no branch on the coordinates. The formulas are the incomplete ones of
//! src/point.rs; the callers keep infinity as a mask and only ever add points whose sum is
//! not an exceptional case (ecdh.rs says why), selecting the result with masks instead.

use crate::field::{Fe, ONE, unpack};

/// A point (X/Z^2, Y/Z^3); Z = 0 stands for infinity, tracked by the caller's mask.
#[derive(Clone, Copy)]
pub(crate) struct CtPoint {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
    pub(crate) z: Fe,
}

/// 0xffff_ffff if a == b, else 0, without a branch. Both steps go through `black_box`:
/// LLVM recognizes `(x | -x) >> 31` as `x != 0` and the lx106 backend branches on it, and a
/// mask it knows is 0 or all ones turns `v & mask` into a select, i.e. a branch that skips
/// work for a zero mask (the lx106 bench's constant-time check caught both).
#[inline(always)]
pub(crate) fn eq_mask(a: u32, b: u32) -> u32 {
    let x = a ^ b;
    // (x | -x) has its top bit set exactly when x != 0; the arithmetic shift spreads it.
    let nz = core::hint::black_box(x | x.wrapping_neg());
    core::hint::black_box(!((nz as i32 >> 31) as u32))
}

impl CtPoint {
    pub(crate) const ZERO: CtPoint = CtPoint { x: Fe::ZERO, y: Fe::ZERO, z: Fe::ZERO };

    /// `a` where mask is all ones, `b` where it is zero.
    #[inline(always)]
    pub(crate) fn select(mask: u16, a: &CtPoint, b: &CtPoint) -> CtPoint {
        CtPoint { x: Fe::select(mask, &a.x, &b.x), y: Fe::select(mask, &a.y, &b.y), z: Fe::select(mask, &a.z, &b.z) }
    }

    /// 2P, a = -3 (3M + 5S), as `Jacobian::double_in_place` without its infinity branch:
    /// Z = 0 stays Z = 0.
    #[inline(never)]
    pub(crate) fn double_in_place(&mut self) {
        let delta = self.z.sqr();
        let gamma = self.y.sqr();
        let beta = self.x.mul(&gamma);
        let alpha = self.x.lin::<3, 3>(&delta).mul(&self.x.add(&delta));
        self.z = self.y.add(&self.z).sqr().sub(&gamma.add(&delta));
        self.x = alpha.sqr().lin::<1, 8>(&beta);
        self.y = alpha.mul(&beta.lin::<4, 1>(&self.x)).lin::<1, 8>(&gamma.sqr());
    }

    /// P + Q (12M + 4S), valid when P != +-Q and neither is infinity.
    #[inline(never)]
    pub(crate) fn add_in_place(&mut self, q: &CtPoint) {
        let z1z1 = self.z.sqr();
        let z2z2 = q.z.sqr();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let z1z2 = self.z.mul(&q.z);
        self.finish_add(&u1, &u2, &s1, &s2, &z1z2);
    }

    /// P + (x2, y2) affine (8M + 3S), same validity as `add_in_place`.
    #[inline(never)]
    pub(crate) fn add_affine_in_place(&mut self, x2: &Fe, y2: &Fe) {
        let z1z1 = self.z.sqr();
        let u2 = x2.mul(&z1z1);
        let s2 = y2.mul(&self.z).mul(&z1z1);
        let (u1, s1, z1) = (self.x, self.y, self.z);
        self.finish_add(&u1, &u2, &s1, &s2, &z1);
    }

    /// H = U2 - U1, R = S2 - S1, X3 = R^2 - H^3 - 2U1H^2, Y3 = R(U1H^2 - X3) - S1H^3,
    /// Z3 = Z1Z2H.
    #[inline(always)]
    fn finish_add(&mut self, u1: &Fe, u2: &Fe, s1: &Fe, s2: &Fe, z1z2: &Fe) {
        let h = u2.sub(u1);
        let r = s2.sub(s1);
        let z3 = z1z2.mul(&h);
        let h2 = h.sqr();
        let v = u1.mul(&h2);
        let h3 = h2.mul(&h);
        let s1h3 = s1.mul(&h3);
        let x3 = r.sqr().sub(&h3.add(&v.add(&v)));
        self.y = r.mul(&v.sub(&x3)).sub(&s1h3);
        self.x = x3;
        self.z = z3;
    }

    /// acc += T where either may be infinity (masks all ones): the sum is computed
    /// unconditionally, then replaced by T when acc is infinity and by acc when T is.
    #[inline(never)]
    pub(crate) fn add_masked(&mut self, acc_inf: &mut u16, t: &CtPoint, t_inf: u16, t_affine: bool) {
        let before = *self;
        if t_affine {
            // `t_affine` is a constant of the caller (fixed-base or variable-base), not data.
            self.add_affine_in_place(&t.x, &t.y);
        } else {
            self.add_in_place(t);
        }
        *self = CtPoint::select(*acc_inf, t, self);
        *self = CtPoint::select(t_inf, &before, self);
        *acc_inf &= t_inf;
    }
}

/// Packs a point as 30 words (two 13-bit limbs per word), the layout the masked scans read.
pub(crate) fn pack(p: &CtPoint) -> [u32; 30] {
    let mut w = [0u32; 30];
    for (k, fe) in [&p.x, &p.y, &p.z].into_iter().enumerate() {
        for i in 0..10 {
            w[10 * k + i] = fe.0[2 * i] as u32 | (fe.0[2 * i + 1] as u32) << 16;
        }
    }
    w
}

/// Entry `digit - 1` of a table of packed points (all zero for digit 0), reading every
/// entry and keeping one with a mask: neither the branches nor the addresses depend on
/// the digit. `N` is 20 (affine x, y; z = 1 is set here) or 30 (Jacobian).
#[inline(never)]
pub(crate) fn scan<const N: usize>(table: &[[u32; N]], digit: u32) -> CtPoint {
    let mut acc = [0u32; 30];
    for (i, e) in table.iter().enumerate() {
        let m = eq_mask(i as u32 + 1, digit);
        for w in 0..N {
            acc[w] |= e[w] & m;
        }
    }
    let z = if N == 20 { ONE } else { unpack(&acc[20..30]) };
    CtPoint { x: unpack(&acc[..10]), y: unpack(&acc[10..20]), z }
}
