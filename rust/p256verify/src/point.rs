//! Points of P-256 (y^2 = x^3 - 3x + b) in Jacobian coordinates (x = X/Z^2, y = Y/Z^3), with
//! the special cases (infinity, P + P, P + -P) handled by branching: the inputs are public.

use crate::field::{B, Fe};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Affine {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Jacobian {
    pub(crate) x: Fe,
    pub(crate) y: Fe,
    pub(crate) z: Fe,
    pub(crate) infinity: bool,
}

impl Affine {
    /// y^2 == x^3 - 3x + b
    pub(crate) fn is_on_curve(&self) -> bool {
        self.y.sqr().equals(&curve_rhs(&self.x))
    }

    pub(crate) fn neg(&self) -> Affine {
        Affine { x: self.x, y: self.y.neg() }
    }
}

/// x^3 - 3x + b
pub(crate) fn curve_rhs(x: &Fe) -> Fe {
    x.sqr().sub(&crate::field::ONE.mul_small(3)).mul(x).add(&B)
}

impl Jacobian {
    pub(crate) const INFINITY: Jacobian =
        Jacobian { x: Fe::ZERO, y: Fe::ZERO, z: Fe::ZERO, infinity: true };

    pub(crate) fn from_affine(p: &Affine) -> Jacobian {
        Jacobian { x: p.x, y: p.y, z: crate::field::ONE, infinity: false }
    }

    pub(crate) fn neg(&self) -> Jacobian {
        Jacobian { y: self.y.neg(), ..*self }
    }

    /// 2P with a = -3 (3M + 5S): delta = Z^2, gamma = Y^2, beta = X*gamma,
    /// alpha = 3(X - delta)(X + delta), X3 = alpha^2 - 8beta,
    /// Z3 = (Y + Z)^2 - gamma - delta, Y3 = alpha(4beta - X3) - 8gamma^2.
    /// No point of P-256 has y = 0 (prime order), so 2P is infinity only if P is.
    /// In place and not inlined: its temporaries live in its own frame, not the caller's.
    #[inline(never)]
    pub(crate) fn double_in_place(&mut self) {
        if self.infinity {
            return;
        }
        let delta = self.z.sqr();
        let gamma = self.y.sqr();
        let beta = self.x.mul(&gamma);
        let alpha = self.x.lin::<3, 3>(&delta).mul(&self.x.add(&delta));
        self.z = self.y.add(&self.z).sqr().sub(&gamma.add(&delta));
        self.x = alpha.sqr().lin::<1, 8>(&beta);
        self.y = alpha.mul(&beta.lin::<4, 1>(&self.x)).lin::<1, 8>(&gamma.sqr());
    }

    pub(crate) fn double(&self) -> Jacobian {
        let mut r = *self;
        r.double_in_place();
        r
    }

    /// P += Q, both Jacobian (12M + 4S).
    #[inline(always)]
    pub(crate) fn add_in_place(&mut self, q: &Jacobian) {
        if self.add_unless_equal(q) == Sum::NeedsDoubling {
            self.double_in_place();
        }
    }

    /// P += Q unless P == Q. Not inlined, and the doubling for P == Q is left to the caller,
    /// so that this frame and the doubling's are never on the stack together.
    #[inline(never)]
    fn add_unless_equal(&mut self, q: &Jacobian) -> Sum {
        if q.infinity {
            return Sum::Done;
        }
        if self.infinity {
            *self = *q;
            return Sum::Done;
        }
        let z1z1 = self.z.sqr();
        let z2z2 = q.z.sqr();
        let u1 = self.x.mul(&z2z2);
        let u2 = q.x.mul(&z1z1);
        let s1 = self.y.mul(&q.z).mul(&z2z2);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let z1z2 = self.z.mul(&q.z);
        self.finish_add(&u1, &u2, &s1, &s2, &z1z2)
    }

    pub(crate) fn add(&self, q: &Jacobian) -> Jacobian {
        let mut r = *self;
        r.add_in_place(q);
        r
    }

    /// P += Q for an affine Q (8M + 3S).
    #[inline(always)]
    pub(crate) fn add_affine_in_place(&mut self, q: &Affine) {
        if self.add_affine_unless_equal(q) == Sum::NeedsDoubling {
            self.double_in_place();
        }
    }

    #[inline(never)]
    fn add_affine_unless_equal(&mut self, q: &Affine) -> Sum {
        if self.infinity {
            *self = Jacobian::from_affine(q);
            return Sum::Done;
        }
        let z1z1 = self.z.sqr();
        let u2 = q.x.mul(&z1z1);
        let s2 = q.y.mul(&self.z).mul(&z1z1);
        let (u1, s1, z1) = (self.x, self.y, self.z);
        self.finish_add(&u1, &u2, &s1, &s2, &z1)
    }

    #[cfg(test)]
    pub(crate) fn add_affine(&self, q: &Affine) -> Jacobian {
        let mut r = *self;
        r.add_affine_in_place(q);
        r
    }

    /// The common tail: H = U2 - U1, R = S2 - S1, X3 = R^2 - H^3 - 2U1H^2,
    /// Y3 = R(U1H^2 - X3) - S1H^3, Z3 = Z1Z2H. Ordered so that few temporaries are live at
    /// once (each is 80 bytes of stack).
    #[inline(always)]
    fn finish_add(&mut self, u1: &Fe, u2: &Fe, s1: &Fe, s2: &Fe, z1z2: &Fe) -> Sum {
        let h = u2.sub(u1);
        let r = s2.sub(s1);
        if h.is_zero() {
            // Same x: P == Q (double) or P == -Q (infinity).
            if r.is_zero() {
                return Sum::NeedsDoubling;
            }
            *self = Jacobian::INFINITY;
            return Sum::Done;
        }
        let z3 = z1z2.mul(&h);
        let h2 = h.sqr();
        let v = u1.mul(&h2);
        let h3 = h2.mul(&h);
        let s1h3 = s1.mul(&h3);
        let x3 = r.sqr().sub(&h3.add(&v.add(&v)));
        self.y = r.mul(&v.sub(&x3)).sub(&s1h3);
        self.x = x3;
        self.z = z3;
        Sum::Done
    }
}

/// Outcome of an addition that leaves the P == Q case to its caller.
#[derive(PartialEq, Eq)]
enum Sum {
    Done,
    NeedsDoubling,
}
