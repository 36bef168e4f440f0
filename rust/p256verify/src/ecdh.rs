//! Constant-time ECDH on P-256 (the TLS 1.3 key share), on the same 13-bit-limb field as
//! the verifier. Nothing branches on or indexes memory with the secret scalar or the points
//! derived from it: fixed windows, tables scanned whole with masks, infinity kept as a mask,
//! inversion by a fixed exponent. Secrets are zeroized when dropped.
//!
//! * k*G: a comb of 5 teeth 52 bits apart (src/g_comb.rs, 31 affine points, 2,480 bytes of
//!   32-bit words, flash-safe): 52 doublings and 52 mixed additions.
//! * k*Q: fixed 4-bit windows over 1Q..15Q (computed per call from the public Q): 252
//!   doublings and 63 additions.
//!
//! Why the incomplete addition formulas are enough (k in [1, n-1], G and Q of prime order n):
//! before each addition the accumulator is a*P and the added point t*P with integers
//! a, t >= 0 and a + t <= k < n (window: a = 16 * (the bits of k above the window), t < 16;
//! comb: per 52-bit block, a has the block's upper bits doubled and t at most one bit).
//! So a*P = +-t*P only if a = t = 0 (the window's a is a multiple of 16 above t unless 0; the
//! comb's a and t differ in every block unless both are 0): exactly the cases where the
//! accumulator or the added point is infinity, which `CtPoint::add_masked` selects around.
//!
//! On the emulated lx106 (`make bench-p256`): a key pair (k*G) about 2.44 M instructions and
//! 2.5 KB of stack, a shared secret (k*Q) about 6.44 M and 4.5 KB; about 10.8 KB of code of
//! its own plus the table. `make test-ecdh-ct` requires both to take the same instruction
//! count for scalars of very different shapes.

use zeroize::Zeroize;

use crate::ct_point::{CtPoint, eq_mask, pack, scan};
use crate::field::{Fe, Limbs, be_bytes_to_words, limbs_to_be_bytes};
use crate::g_comb::{COMB_SPACING, COMB_TEETH, G_COMB};
use crate::point::{Affine, Jacobian};
use crate::scalar::{self, Words};

/// Why a key or a key agreement was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcdhError {
    /// The scalar is 0 or not below the group order n.
    InvalidScalar,
    /// The peer's share is not an uncompressed SEC1 point on P-256 (length, 0x04 prefix,
    /// coordinates below p, curve equation).
    InvalidPeerKey,
    /// The shared point is infinity (cannot happen for a valid key; checked anyway).
    PointAtInfinity,
}

/// An ephemeral key pair: the secret scalar and its uncompressed SEC1 public key.
pub struct EphemeralKey {
    secret: EphemeralSecret,
    public: [u8; 65],
}

/// The secret scalar alone (what a connection keeps once its key share is sent).
pub struct EphemeralSecret {
    scalar: Words,
}

/// The x-coordinate of k*Q, big-endian: the ECDHE shared secret of TLS 1.3.
pub struct SharedSecret([u8; 32]);

impl SharedSecret {
    pub fn raw_secret_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Drop for SharedSecret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Drop for EphemeralSecret {
    fn drop(&mut self) {
        self.scalar.zeroize();
    }
}

impl core::fmt::Debug for EphemeralSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("EphemeralSecret { .. }")
    }
}

impl core::fmt::Debug for EphemeralKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EphemeralKey").field("public", &self.public).finish_non_exhaustive()
    }
}

impl EphemeralKey {
    /// A fresh key: 32 bytes from `fill` until they are a scalar in [1, n-1] (rejection
    /// sampling; a candidate is refused with probability about 2^-32).
    pub fn generate(mut fill: impl FnMut(&mut [u8; 32])) -> EphemeralKey {
        loop {
            let mut bytes = [0u8; 32];
            fill(&mut bytes);
            let key = EphemeralKey::from_scalar_bytes(&bytes);
            bytes.zeroize();
            if let Ok(key) = key {
                return key;
            }
        }
    }

    /// The key pair of a given big-endian scalar, which must be in [1, n-1].
    pub fn from_scalar_bytes(bytes: &[u8; 32]) -> Result<EphemeralKey, EcdhError> {
        let mut k = be_bytes_to_words(bytes);
        // Accept/refuse is the only thing revealed about a candidate (a refused one is never
        // used); the comparison itself runs over all words.
        if !scalar_in_range(&k) {
            k.zeroize();
            return Err(EcdhError::InvalidScalar);
        }
        let mut key = EphemeralKey { secret: EphemeralSecret { scalar: k }, public: [0; 65] };
        k.zeroize();
        key.public = public_key_of(&key.secret.scalar);
        Ok(key)
    }

    /// Uncompressed SEC1 encoding (0x04 || x || y), as sent in the key_share.
    pub fn public_key(&self) -> &[u8; 65] {
        &self.public
    }

    /// x(k*Q) for the peer's uncompressed SEC1 share Q, after checking Q.
    pub fn diffie_hellman(&self, peer_sec1: &[u8]) -> Result<SharedSecret, EcdhError> {
        self.secret.diffie_hellman(peer_sec1)
    }

    /// The secret without the 65-byte public key.
    pub fn into_secret(self) -> EphemeralSecret {
        self.secret
    }
}

impl EphemeralSecret {
    /// x(k*Q) for the peer's uncompressed SEC1 share Q, after checking Q.
    pub fn diffie_hellman(&self, peer_sec1: &[u8]) -> Result<SharedSecret, EcdhError> {
        let q = decode_uncompressed(peer_sec1)?;
        let mut table = [[0u32; 30]; 15];
        q_multiples(&q, &mut table);
        let mut p = var_mul(&self.scalar, &table);
        let inf = p.z.is_zero_mask();
        let mut x = to_affine_x(&p);
        p.zeroize_point();
        let out = SharedSecret(limbs_to_be_bytes(&x));
        wipe_limbs(&mut x);
        // Whether the result is infinity is public: the handshake fails on it.
        if inf != 0 {
            return Err(EcdhError::PointAtInfinity);
        }
        Ok(out)
    }
}

/// 1 <= k < n, evaluated over all words with arithmetic only: the borrow of k - n runs
/// through 16-bit halves (`overflowing_sub` compiles to compare-and-branch on the lx106).
/// Only the verdict is revealed, and a refused candidate is never used.
pub(crate) fn scalar_in_range(k: &Words) -> bool {
    let mut nonzero = 0;
    let mut borrow: i32 = 0; // 0 or -1
    for i in 0..8 {
        nonzero |= k[i];
        for sh in [0, 16] {
            let d = ((k[i] >> sh) & 0xffff) as i32 - ((scalar::N[i] >> sh) & 0xffff) as i32 + borrow;
            borrow = d >> 16;
        }
    }
    // k - n borrows exactly when k < n.
    let below_n = core::hint::black_box(borrow) != 0;
    core::hint::black_box(nonzero) != 0 && below_n
}

/// Uncompressed SEC1 encoding of k*G for a scalar k in [1, n-1] (constant time; also the
/// public key of a signing key, src/sign.rs).
#[inline(never)]
pub(crate) fn public_key_of(k: &Words) -> [u8; 65] {
    let mut p = base_mul(k);
    let (mut x, mut y) = to_affine(&p);
    p.zeroize_point();
    let mut public = [0u8; 65];
    public[0] = 0x04;
    public[1..33].copy_from_slice(&limbs_to_be_bytes(&x));
    public[33..].copy_from_slice(&limbs_to_be_bytes(&y));
    wipe_limbs(&mut x);
    wipe_limbs(&mut y);
    public
}

/// Bit i of k (0 for i >= 256); i is a public position.
#[inline(always)]
fn bit(k: &Words, i: usize) -> u32 {
    if i < 256 { (k[i / 32] >> (i % 32)) & 1 } else { 0 }
}

/// k*G by the comb: for j = 51 down to 0, acc = 2acc + (sum of bit i*52+j of k times
/// 2^(i*52) G), the sum read from G_COMB by a masked scan.
#[inline(never)]
pub(crate) fn base_mul(k: &Words) -> CtPoint {
    let mut acc = CtPoint::ZERO;
    let mut acc_inf: u16 = 0xffff;
    let mut t = CtPoint::ZERO;
    for j in (0..COMB_SPACING).rev() {
        if j != COMB_SPACING - 1 {
            acc.double_in_place(); // (doubling the initial infinity would be wasted work)
        }
        let mut digit = 0;
        for i in 0..COMB_TEETH {
            digit |= bit(k, i * COMB_SPACING + j) << i;
        }
        t = scan(&G_COMB, digit);
        acc.add_masked(&mut acc_inf, &t, eq_mask(digit, 0) as u16, true);
    }
    // The last point read (the table entry names the scalar's bits); the digits and masks
    // are overwritten words of this frame.
    t.zeroize_point();
    acc
}

/// k*Q with fixed 4-bit windows, most significant first; table[d - 1] = d*Q.
#[inline(never)]
fn var_mul(k: &Words, table: &[[u32; 30]; 15]) -> CtPoint {
    let mut acc = CtPoint::ZERO;
    let mut acc_inf: u16 = 0xffff;
    let mut t = CtPoint::ZERO;
    for w in (0..64).rev() {
        if w != 63 {
            for _ in 0..4 {
                acc.double_in_place();
            }
        }
        let digit = (k[w / 8] >> (4 * (w % 8))) & 0xf;
        t = scan(table, digit);
        acc.add_masked(&mut acc_inf, &t, eq_mask(digit, 0) as u16, false);
    }
    t.zeroize_point();
    acc
}

/// 1Q, 2Q, ..., 15Q, packed for `scan`. Q is public: the verifier's variable-time
/// arithmetic is fine here (no multiple of Q below 16 is infinity, n being prime).
#[inline(never)]
fn q_multiples(q: &Affine, table: &mut [[u32; 30]; 15]) {
    let q1 = Jacobian::from_affine(q);
    let mut m = q1;
    for e in table.iter_mut() {
        *e = pack(&CtPoint { x: m.x, y: m.y, z: m.z });
        m.add_in_place(&q1);
    }
}

/// Affine coordinates (canonical limbs) of a non-infinity point.
#[inline(never)]
fn to_affine(p: &CtPoint) -> (Limbs, Limbs) {
    let zi = p.z.invert_ct();
    let zi2 = zi.sqr();
    let x = p.x.mul(&zi2).canonical_ct();
    let y = p.y.mul(&zi2).mul(&zi).canonical_ct();
    (x, y)
}

#[inline(never)]
pub(crate) fn to_affine_x(p: &CtPoint) -> Limbs {
    p.x.mul(&p.z.invert_ct().sqr()).canonical_ct()
}

/// 0x04 || x || y with x, y < p on the curve (TLS 1.3 allows only uncompressed shares).
#[inline(never)]
fn decode_uncompressed(sec1: &[u8]) -> Result<Affine, EcdhError> {
    let bad = EcdhError::InvalidPeerKey;
    let [0x04, rest @ ..] = sec1 else { return Err(bad) };
    if rest.len() != 64 {
        return Err(bad);
    }
    let coord = |b: &[u8]| -> Result<Fe, EcdhError> {
        let bytes: &[u8; 32] = b.try_into().map_err(|_| bad)?;
        Fe::from_be_bytes(bytes).ok_or(bad)
    };
    let p = Affine { x: coord(&rest[..32])?, y: coord(&rest[32..])? };
    if p.is_on_curve() { Ok(p) } else { Err(bad) }
}

/// One out-of-line copy of the volatile stores (inlined, each wipe is 20 of them).
#[inline(never)]
pub(crate) fn wipe_limbs(l: &mut Limbs) {
    l.zeroize();
}

impl CtPoint {
    #[inline(never)]
    pub(crate) fn zeroize_point(&mut self) {
        self.x.0.zeroize();
        self.y.0.zeroize();
        self.z.0.zeroize();
    }
}
