//! Constant-time ECDSA P-256 signing with deterministic nonces (RFC 6979, HMAC-SHA-256): what
//! a TLS client signs its CertificateVerify with.
//!
//! * nonce k: RFC 6979 section 3.2 from the private key and the digest (HMAC_DRBG); a
//!   candidate outside [1, n-1] or one giving r = 0 or s = 0 is skipped as the RFC says;
//! * r = x(k*G) mod n with the ECDH code's constant-time comb (src/ecdh.rs, `base_mul`) and
//!   fixed-exponent field inversion;
//! * s = k^-1 (z + r*d) mod n in src/scalar_ct.rs: Montgomery products with masked final
//!   subtractions, k^-1 as k^(n-2) over the public exponent's fixed windows.
//!
//! Nothing branches on or indexes memory with d, k or values derived from them; what is
//! revealed is public anyway (r, s, the digest, whether a candidate nonce was refused, which
//! happens with probability about 2^-32). The key, the nonce, the DRBG state and the
//! intermediates are wiped once used. s is not normalized to the lower half (TLS does not
//! ask it). The result equals the RustCrypto p256 crate's `sign_prehash` (0.13) for digests
//! below n; for the others that version seeds RFC 6979 with the unreduced digest, against
//! the RFC's bits2octets (tests/sign.rs).
//!
//! On the emulated lx106 (`make bench-p256`): about 5.36 M instructions and 2.8 KB of stack
//! per signature (k*G 2.44 M, the inversion of k and the other products mod n about 2.75 M,
//! the RFC 6979 nonce 0.17 M); `make test-ecdh-ct` requires the same instruction count for
//! nonces and keys of very different shapes. The signing code is built for size (the
//! scalar products included): with client certificates the ESP8266 build is close to its
//! flash budget (README, "Cipher suites").

use zeroize::Zeroize;

use crate::ecdh::{base_mul, public_key_of, scalar_in_range, to_affine_x, wipe_limbs};
use crate::field::{be_bytes_to_words, limbs_to_be_bytes};
use crate::scalar::{self, Words};
use crate::scalar_ct::{self, SLimbs};

/// Why a private key was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignError {
    /// The private scalar is 0 or not below the group order n.
    InvalidKey,
}

/// A P-256 private key d in [1, n-1]. Wiped when dropped.
pub struct SigningKey {
    d: Words,
}

impl Drop for SigningKey {
    #[optimize(size)]
    fn drop(&mut self) {
        wipe_words(&mut self.d);
    }
}

impl core::fmt::Debug for SigningKey {
    #[optimize(size)]
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SigningKey { .. }")
    }
}

impl SigningKey {
    /// The key of a big-endian scalar (as in SEC1's ECPrivateKey), which must be in [1, n-1].
    #[optimize(size)]
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<SigningKey, SignError> {
        let mut d = be_bytes_to_words(bytes);
        if !scalar_in_range(&d) {
            wipe_words(&mut d);
            return Err(SignError::InvalidKey);
        }
        let key = SigningKey { d };
        wipe_words(&mut d);
        Ok(key)
    }

    /// Uncompressed SEC1 encoding of the public key d*G (0x04 || x || y), constant time.
    #[optimize(size)]
    pub fn public_key(&self) -> [u8; 65] {
        public_key_of(&self.d)
    }

    /// ECDSA signature (r || s, big-endian) of a message with SHA-256 (ecdsa_secp256r1_sha256
    /// of TLS 1.3) and the RFC 6979 nonce.
    #[optimize(size)]
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.sign_prehash(&sha256(msg))
    }

    /// ECDSA signature (r || s, big-endian) of a 32-byte digest (e.g. SHA-256 of the
    /// message), with the RFC 6979 nonce.
    #[optimize(size)]
    pub fn sign_prehash(&self, digest: &[u8; 32]) -> [u8; 64] {
        // bits2int(h1) mod n: a 256-bit digest needs no truncation.
        let z = scalar::reduce(&be_bytes_to_words(digest));
        let mut x = words_to_be_bytes(&self.d);
        let mut nonces = Rfc6979::new(&x, &words_to_be_bytes(&z));
        wipe_bytes(&mut x);
        loop {
            let mut k = be_bytes_to_words(&nonces.next_candidate());
            if scalar_in_range(&k) {
                if let Some(sig) = sign_with_nonce(&self.d, &k, &z) {
                    wipe_words(&mut k);
                    return sig;
                }
            }
            wipe_words(&mut k);
        }
    }

    /// The signature of a digest with a given nonce k in [1, n-1] (None: k out of range, or
    /// r or s zero). Only for the lx106 bench's constant-time check (nonces of chosen
    /// shapes): a nonce used twice, or known, gives the private key away.
    #[cfg(feature = "hazmat-nonce")]
    #[optimize(size)]
    pub fn sign_prehash_with_nonce(&self, nonce: &[u8; 32], digest: &[u8; 32]) -> Option<[u8; 64]> {
        let mut k = be_bytes_to_words(nonce);
        let sig = if scalar_in_range(&k) {
            sign_with_nonce(&self.d, &k, &scalar::reduce(&be_bytes_to_words(digest)))
        } else {
            None
        };
        wipe_words(&mut k);
        sig
    }
}

/// (r, s) for the nonce k in [1, n-1] and the reduced digest z; None when r or s is 0 (the
/// caller takes the next nonce).
#[inline(never)]
#[optimize(size)]
pub(crate) fn sign_with_nonce(d: &Words, k: &Words, z: &Words) -> Option<[u8; 64]> {
    let mut p = base_mul(k);
    let mut x = to_affine_x(&p);
    p.zeroize_point();
    // r is public: the variable-time reduction is fine.
    let r = scalar::reduce(&be_bytes_to_words(&limbs_to_be_bytes(&x)));
    wipe_limbs(&mut x);
    if scalar::is_zero(&r) {
        return None;
    }
    let mut km = scalar_ct::to_mont(k); // k*R
    let mut kinv = scalar_ct::invert(&km); // k^-1*R
    let mut dl = scalar_ct::from_words(d);
    let mut rd = scalar_ct::mont_mul(&scalar_ct::to_mont(&r), &dl); // (r*R)*d/R = r*d
    let mut sum = scalar_ct::add(&scalar_ct::from_words(z), &rd);
    let s = scalar_ct::to_words(&scalar_ct::mont_mul(&kinv, &sum)); // k^-1*(z + r*d)
    wipe(&mut [&mut km, &mut kinv, &mut dl, &mut rd, &mut sum]);
    if scalar::is_zero(&s) {
        return None;
    }
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&words_to_be_bytes(&r));
    sig[32..].copy_from_slice(&words_to_be_bytes(&s));
    Some(sig)
}

/// Out-of-line wipes over slices: zeroize's volatile stores, inlined on fixed-size arrays,
/// cost two instructions per byte of flash (hundreds of bytes per buffer).
#[inline(never)]
#[optimize(size)]
fn wipe_bytes(b: &mut [u8]) {
    b.zeroize();
}

#[inline(never)]
#[optimize(size)]
fn wipe_words(w: &mut [u32]) {
    w.zeroize();
}

#[inline(never)]
#[optimize(size)]
fn wipe(v: &mut [&mut SLimbs]) {
    for l in v.iter_mut() {
        l.zeroize();
    }
}

#[optimize(size)]
fn words_to_be_bytes(w: &Words) -> [u8; 32] {
    let mut out = [0u8; 32];
    for i in 0..8 {
        out[28 - 4 * i..32 - 4 * i].copy_from_slice(&w[i].to_be_bytes());
    }
    out
}

/// HMAC-SHA-256 of the concatenated `parts` under a 32-byte key, on sha2's block function
/// (the generic `hmac`/`digest` wrappers, instantiated here at opt-level 3, make LLVM's
/// Xtensa backend fail to allocate registers; and their state could not be wiped).
#[inline(never)]
#[optimize(size)]
fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut pad = [0u8; 64];
    for (p, k) in pad.iter_mut().zip(key) {
        *p = k ^ 0x36;
    }
    pad[32..].fill(0x36);
    let mut h = Sha256Stream::new();
    h.update(&pad);
    for p in parts {
        h.update(p);
    }
    let mut inner = h.finish();
    for p in pad.iter_mut() {
        *p ^= 0x36 ^ 0x5c;
    }
    let mut h = Sha256Stream::new();
    h.update(&pad);
    h.update(&inner);
    wipe_bytes(&mut pad);
    wipe_bytes(&mut inner);
    h.finish()
}

/// SHA-256 over sha2's `compress256`, for the short messages of `hmac`. Wipes its state.
struct Sha256Stream {
    state: [u32; 8],
    buf: [u8; 64],
    /// Bytes taken so far.
    len: u32,
}

impl Sha256Stream {
    #[optimize(size)]
    fn new() -> Self {
        const IV: [u32; 8] =
            [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
        Sha256Stream { state: IV, buf: [0; 64], len: 0 }
    }

    #[inline(never)]
    #[optimize(size)]
    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let at = (self.len % 64) as usize;
            let n = data.len().min(64 - at);
            self.buf[at..at + n].copy_from_slice(&data[..n]);
            self.len += n as u32;
            data = &data[n..];
            if at + n == 64 {
                self.block();
            }
        }
    }

    #[optimize(size)]
    fn block(&mut self) {
        let block = sha2::digest::generic_array::GenericArray::from_slice(&self.buf);
        sha2::compress256(&mut self.state, core::slice::from_ref(block));
    }

    /// Padding (0x80, zeros, the length in bits) and the digest.
    #[optimize(size)]
    fn finish(mut self) -> [u8; 32] {
        // 0x80, then zeros up to 8 bytes short of a block boundary, then the length in bits
        // (32 bits are plenty here: the upper half of the 64-bit field is zero). The padding
        // is built on the stack: a constant would be rodata, read byte-wise from flash.
        let mut pad = [0u8; 68];
        pad[0] = 0x80;
        let bits = self.len << 3;
        let used = (self.len % 64) as usize;
        let n = if used < 56 { 56 - used } else { 120 - used };
        self.update(&pad[..n + 4]);
        self.update(&bits.to_be_bytes());
        let mut out = [0u8; 32];
        for i in 0..8 {
            out[4 * i..4 * i + 4].copy_from_slice(&self.state[i].to_be_bytes());
        }
        out
    }
}

/// SHA-256 of a message (what the signer hashes with `SigningKey::sign`).
#[optimize(size)]
pub fn sha256(msg: &[u8]) -> [u8; 32] {
    let mut h = Sha256Stream::new();
    h.update(msg);
    h.finish()
}

impl Drop for Sha256Stream {
    #[optimize(size)]
    fn drop(&mut self) {
        wipe_words(&mut self.state);
        wipe_bytes(&mut self.buf);
    }
}

/// The nonce generator of RFC 6979 section 3.2 for qlen = hlen = 256 (one HMAC block per
/// candidate). Wiped when dropped.
pub(crate) struct Rfc6979 {
    k: [u8; 32],
    v: [u8; 32],
    fresh: bool,
}

impl Drop for Rfc6979 {
    #[optimize(size)]
    fn drop(&mut self) {
        wipe_bytes(&mut self.k);
        wipe_bytes(&mut self.v);
    }
}

impl Rfc6979 {
    /// Steps b to g: x = int2octets(d), h = bits2octets(digest).
    #[optimize(size)]
    pub(crate) fn new(x: &[u8; 32], h: &[u8; 32]) -> Rfc6979 {
        let mut g = Rfc6979 { k: [0; 32], v: [1; 32], fresh: true };
        for sep in [0x00u8, 0x01] {
            g.k = hmac(&g.k, &[&g.v, &[sep], x, h]);
            g.v = hmac(&g.k, &[&g.v]);
        }
        g
    }

    /// Step h: the next candidate T (bits2int(T) is the nonce if it is in [1, n-1]); after
    /// the first, K = HMAC_K(V || 0x00), V = HMAC_K(V) come first (h.3).
    #[optimize(size)]
    pub(crate) fn next_candidate(&mut self) -> [u8; 32] {
        if !self.fresh {
            self.k = hmac(&self.k, &[&self.v, &[0x00]]);
            self.v = hmac(&self.k, &[&self.v]);
        }
        self.fresh = false;
        self.v = hmac(&self.k, &[&self.v]);
        self.v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    /// RFC 6979 A.2.5: P-256 with SHA-256, messages "sample" and "test": the nonce k itself
    /// (the generator) and the signature.
    #[test]
    fn rfc6979_a25_nonces_and_signatures() {
        use sha2::{Digest, Sha256};
        let x = h32("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
        let key = SigningKey::from_bytes(&x).unwrap();
        let public = key.public_key();
        assert_eq!(public[0], 0x04);
        assert_eq!(public[1..33], h32("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"));
        assert_eq!(public[33..], h32("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"));
        let cases = [
            (
                "sample",
                "a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60",
                "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
                "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
            ),
            (
                "test",
                "d16b6ae827f17175e040871a1c7ec3500192c4c92677336ec2537acaee0008e0",
                "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
                "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
            ),
        ];
        for (msg, k, r, s) in cases {
            let digest: [u8; 32] = Sha256::digest(msg.as_bytes()).into();
            let z = scalar::reduce(&be_bytes_to_words(&digest));
            let mut g = Rfc6979::new(&x, &words_to_be_bytes(&z));
            assert_eq!(g.next_candidate(), h32(k), "{msg}: nonce");
            let sig = key.sign_prehash(&digest);
            assert_eq!(&sig[..32], &h32(r), "{msg}: r");
            assert_eq!(&sig[32..], &h32(s), "{msg}: s");
            let direct = sign_with_nonce(&key.d, &be_bytes_to_words(&h32(k)), &z).unwrap();
            assert_eq!(direct, sig);
        }
    }

    #[test]
    fn refused_keys() {
        let n = words_to_be_bytes(&scalar::N);
        assert_eq!(SigningKey::from_bytes(&[0; 32]).unwrap_err(), SignError::InvalidKey);
        assert_eq!(SigningKey::from_bytes(&n).unwrap_err(), SignError::InvalidKey);
        let mut n1 = n;
        n1[31] += 1;
        assert_eq!(SigningKey::from_bytes(&n1).unwrap_err(), SignError::InvalidKey);
        assert_eq!(SigningKey::from_bytes(&[0xff; 32]).unwrap_err(), SignError::InvalidKey);
        let mut n_minus_1 = n;
        n_minus_1[31] -= 1;
        assert!(SigningKey::from_bytes(&n_minus_1).is_ok());
        let mut one = [0u8; 32];
        one[31] = 1;
        assert!(SigningKey::from_bytes(&one).is_ok());
    }

    /// HMAC-SHA-256 against Python's hmac module: a 32-byte key, messages on both sides of
    /// the padding's block boundaries (55, 56, 64 and 97 bytes after the key block).
    #[test]
    fn hmac_sha256() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let msg: [u8; 97] = core::array::from_fn(|i| (i * 7) as u8);
        let cases = [
            (0, "d38b42096d80f45f826b44a9d5607de72496a415d3f4a1a8c88e3bb9da8dc1cb"),
            (55, "ef3cd5285b72cc9a950e0031eedfca28c93cffdb14ca948f2932fb4d31fd0b7e"),
            (56, "4a0342cdc5a480d2d487b4c69b9611a2b796e8dd9acf8295f92123473098ebdc"),
            (64, "014883ee52a054030c349a728526f93606a65fddcdc3b48a78c09bd021ba4996"),
            (97, "2b3d516944718f72119a532f2546d41f12de25aa9d9ab8c7e80558477e809eda"),
        ];
        for (len, want) in cases {
            assert_eq!(hmac(&key, &[&msg[..len]]), h32(want), "{len}");
        }
        for len in 0..=msg.len() {
            use sha2::Digest;
            let want: [u8; 32] = sha2::Sha256::digest(&msg[..len]).into();
            assert_eq!(sha256(&msg[..len]), want, "{len}");
        }
        // Split parts give the same MAC as one part.
        assert_eq!(hmac(&key, &[&msg[..10], &msg[10..60], &msg[60..]]), hmac(&key, &[&msg[..]]));
    }

    /// The retry path (h.3): a generator keeps producing distinct candidates.
    #[test]
    fn later_candidates_differ() {
        let mut g = Rfc6979::new(&[7; 32], &[9; 32]);
        let a = g.next_candidate();
        let b = g.next_candidate();
        let c = g.next_candidate();
        assert!(a != b && b != c && a != c);
    }
}
