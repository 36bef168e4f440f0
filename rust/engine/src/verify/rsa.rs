//! RSA signature verification on fixed-size u32 limb arrays (public data only, so plain
//! variable-time code): Montgomery modular exponentiation, PKCS#1 v1.5 and PSS (EMSA-PSS with
//! MGF1, salt length = hash length) encodings (RFC 8017).

use sha2::digest::{Digest, FixedOutputReset};
use sha2::{Sha256, Sha384, Sha512};

use super::Error;
use super::cert::HashAlg;

/// Largest modulus: 4096 bits.
const MAX_LIMBS: usize = 128;
/// Smallest modulus accepted: 2048 bits.
const MIN_BITS: usize = 2048;

type Limbs = [u32; MAX_LIMBS];

/// A number as `len` little-endian limbs (the rest zero).
struct Modulus {
    n: Limbs,
    len: usize,
    /// -n^-1 mod 2^32
    n0: u32,
    bits: usize,
}

/// Big-endian bytes -> little-endian limbs, `len` limbs.
fn load(out: &mut Limbs, be: &[u8], len: usize) {
    out.fill(0);
    for (i, &b) in be.iter().rev().enumerate() {
        out[i / 4] |= u32::from(b) << (8 * (i % 4));
    }
    debug_assert!(be.len() <= len * 4);
}

/// Byte `i` (big-endian, of `k` bytes) of a limb number.
fn byte_at(x: &Limbs, k: usize, i: usize) -> u8 {
    let j = k - 1 - i;
    (x[j / 4] >> (8 * (j % 4))) as u8
}

fn geq(a: &[u32], b: &[u32]) -> bool {
    for i in (0..a.len()).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

fn sub_in_place(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0u64;
    for i in 0..a.len() {
        let d = u64::from(a[i]).wrapping_sub(u64::from(b[i])).wrapping_sub(borrow);
        a[i] = d as u32;
        borrow = (d >> 63) & 1;
    }
}

impl Modulus {
    fn new(n_be: &[u8]) -> Result<Self, Error> {
        let n_be = &n_be[n_be.iter().position(|&b| b != 0).unwrap_or(n_be.len())..];
        if n_be.is_empty() {
            return Err(Error::Unsupported);
        }
        let bits = n_be.len() * 8 - n_be.first().map_or(8, |b| b.leading_zeros() as usize);
        if !(MIN_BITS..=MAX_LIMBS * 32).contains(&bits) || n_be[n_be.len() - 1] & 1 == 0 {
            return Err(Error::Unsupported);
        }
        let len = bits.div_ceil(32);
        let mut n = [0u32; MAX_LIMBS];
        load(&mut n, n_be, len);
        // Newton's iteration for n[0]^-1 mod 2^32 (n odd): each step doubles the correct bits.
        let mut inv = 1u32;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        Ok(Self { n, len, n0: inv.wrapping_neg(), bits })
    }

    /// t[..len] = a * b / R mod n (CIOS; a, b < n). `t` has len + 2 limbs.
    fn mul(&self, a: &[u32], b: &[u32], t: &mut [u32]) {
        let l = self.len;
        let n = &self.n[..l];
        let t = &mut t[..l + 2];
        t.fill(0);
        for &bi in &b[..l] {
            let mut c = 0u64;
            for j in 0..l {
                let s = u64::from(t[j]) + u64::from(a[j]) * u64::from(bi) + c;
                t[j] = s as u32;
                c = s >> 32;
            }
            let s = u64::from(t[l]) + c;
            t[l] = s as u32;
            t[l + 1] = (s >> 32) as u32;
            let m = t[0].wrapping_mul(self.n0);
            let s = u64::from(t[0]) + u64::from(m) * u64::from(n[0]);
            let mut c = s >> 32;
            for j in 1..l {
                let s = u64::from(t[j]) + u64::from(m) * u64::from(n[j]) + c;
                t[j - 1] = s as u32;
                c = s >> 32;
            }
            let s = u64::from(t[l]) + c;
            t[l - 1] = s as u32;
            t[l] = t[l + 1] + (s >> 32) as u32;
        }
        if t[l] != 0 || geq(&t[..l], n) {
            sub_in_place(&mut t[..l], n);
        }
    }

    /// x = 2x mod n (x < n).
    fn double(&self, x: &mut [u32]) {
        let l = self.len;
        let mut carry = 0u32;
        for v in &mut x[..l] {
            let top = *v >> 31;
            *v = (*v << 1) | carry;
            carry = top;
        }
        if carry != 0 || geq(&x[..l], &self.n[..l]) {
            sub_in_place(&mut x[..l], &self.n[..l]);
        }
    }

    /// out = R^2 mod n, R = 2^(32 len), without division: R mod n by doublings from
    /// 2^(bits-1) < n, then the Montgomery form of 2 raised to 32 len by square-and-double
    /// (doubling a Montgomery form doubles the number it stands for).
    fn r_squared(&self, out: &mut [u32], t: &mut [u32]) {
        let l = self.len;
        out.fill(0);
        out[(self.bits - 1) / 32] = 1 << ((self.bits - 1) % 32);
        // 32 l - bits + 1 doublings give R mod n = mont(1); one more gives mont(2).
        for _ in 0..(32 * l - self.bits + 2) {
            self.double(out);
        }
        let e = 32 * l; // mont(2^(32 l)) = R * R mod n
        let top = usize::BITS - 1 - e.leading_zeros();
        for i in (0..top).rev() {
            self.mul(&*out, &*out, t);
            out[..l].copy_from_slice(&t[..l]);
            if (e >> i) & 1 == 1 {
                self.double(out);
            }
        }
    }

    /// x = s^e mod n (limbs); fails unless s has the modulus' byte length and s < n.
    /// Scratch: three limb arrays on the stack (about 1.5 KiB for 4096-bit keys).
    fn public_op(&self, sig: &[u8], e: u32, x: &mut Limbs) -> Result<(), Error> {
        let l = self.len;
        if sig.len() != self.bits.div_ceil(8) {
            return Err(Error::BadSignature);
        }
        let mut ms = [0u32; MAX_LIMBS];
        let mut t = [0u32; MAX_LIMBS + 2];
        load(&mut ms, sig, l);
        if geq(&ms[..l], &self.n[..l]) {
            return Err(Error::BadSignature);
        }
        self.r_squared(&mut x[..], &mut t);
        // ms = s R mod n (Montgomery form of s)
        self.mul(&ms, &x[..], &mut t);
        ms[..l].copy_from_slice(&t[..l]);
        x[..l].copy_from_slice(&ms[..l]);
        // Left-to-right square-and-multiply over e's bits below the top one.
        let top = u32::BITS - 1 - e.leading_zeros();
        for i in (0..top).rev() {
            self.mul(&x[..], &x[..], &mut t);
            x[..l].copy_from_slice(&t[..l]);
            if (e >> i) & 1 == 1 {
                self.mul(&x[..], &ms, &mut t);
                x[..l].copy_from_slice(&t[..l]);
            }
        }
        // Out of Montgomery form: x * 1 / R.
        ms.fill(0);
        ms[0] = 1;
        self.mul(&x[..], &ms, &mut t);
        x[..l].copy_from_slice(&t[..l]);
        Ok(())
    }
}

/// DigestInfo prefixes (RFC 8017 section 9.2, note 1).
fn digest_info(h: HashAlg) -> &'static [u8] {
    match h {
        HashAlg::Sha256 => &[0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20],
        HashAlg::Sha384 => &[0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30],
        HashAlg::Sha512 => &[0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40],
    }
}

fn check_e(e: u32) -> Result<(), Error> {
    // Odd and at least 3 (65537 in practice).
    if e < 3 || e & 1 == 0 { Err(Error::Unsupported) } else { Ok(()) }
}

/// RSASSA-PKCS1-v1_5 verification of `digest` (made with `hash`).
#[inline(never)]
pub fn verify_pkcs1(n: &[u8], e: u32, sig: &[u8], hash: HashAlg, digest: &[u8]) -> Result<(), Error> {
    check_e(e)?;
    let m = Modulus::new(n)?;
    let mut x = [0u32; MAX_LIMBS];
    m.public_op(sig, e, &mut x)?;
    // EM = 00 01 FF..FF 00 DigestInfo digest, compared byte by byte from the limbs.
    let k = m.bits.div_ceil(8);
    let di = digest_info(hash);
    let t_len = di.len() + digest.len();
    let ps = k - 3 - t_len; // k >= 256 > 3 + 83
    let expect = |i: usize| -> u8 {
        match i {
            0 => 0,
            1 => 1,
            _ if i < 2 + ps => 0xff,
            _ if i == 2 + ps => 0,
            _ if i < 3 + ps + di.len() => di[i - 3 - ps],
            _ => digest[i - 3 - ps - di.len()],
        }
    };
    let mut diff = 0u8;
    for i in 0..k {
        diff |= byte_at(&x, k, i) ^ expect(i);
    }
    if diff == 0 { Ok(()) } else { Err(Error::BadSignature) }
}

/// The three hashes behind one interface, for MGF1 and the PSS check.
enum AnyHash {
    S256(Sha256),
    S384(Sha384),
    S512(Sha512),
}

impl AnyHash {
    fn new(h: HashAlg) -> Self {
        match h {
            HashAlg::Sha256 => AnyHash::S256(Sha256::new()),
            HashAlg::Sha384 => AnyHash::S384(Sha384::new()),
            HashAlg::Sha512 => AnyHash::S512(Sha512::new()),
        }
    }

    fn update(&mut self, d: &[u8]) {
        match self {
            AnyHash::S256(h) => Digest::update(h, d),
            AnyHash::S384(h) => Digest::update(h, d),
            AnyHash::S512(h) => Digest::update(h, d),
        }
    }

    /// Writes the digest into `out[..len]`, resets; returns len.
    fn finish_into(&mut self, out: &mut [u8; 64]) -> usize {
        match self {
            AnyHash::S256(h) => {
                out[..32].copy_from_slice(&h.finalize_fixed_reset());
                32
            }
            AnyHash::S384(h) => {
                out[..48].copy_from_slice(&h.finalize_fixed_reset());
                48
            }
            AnyHash::S512(h) => {
                out[..64].copy_from_slice(&h.finalize_fixed_reset());
                64
            }
        }
    }
}

/// Hashes `parts` with `hash` into `out`; returns the digest length.
#[inline(never)]
pub fn digest(hash: HashAlg, parts: &[&[u8]], out: &mut [u8; 64]) -> usize {
    let mut h = AnyHash::new(hash);
    for p in parts {
        h.update(p);
    }
    h.finish_into(out)
}

/// RSASSA-PSS verification (RFC 8017 9.1.2) of `m_hash`, MGF1 with the same hash, salt
/// length = hash length (what TLS 1.3 requires for rsa_pss_rsae_*).
#[inline(never)]
pub fn verify_pss(n: &[u8], e: u32, sig: &[u8], hash: HashAlg, m_hash: &[u8]) -> Result<(), Error> {
    check_e(e)?;
    let m = Modulus::new(n)?;
    let mut x = [0u32; MAX_LIMBS];
    m.public_op(sig, e, &mut x)?;
    let k = m.bits.div_ceil(8);
    let em_bits = m.bits - 1;
    let em_len = em_bits.div_ceil(8);
    // The integer is k bytes; EM is its last em_len bytes (the first is 0 when em_len < k).
    let off = k - em_len;
    if off == 1 && byte_at(&x, k, 0) != 0 {
        return Err(Error::BadSignature);
    }
    let em = |i: usize| byte_at(&x, k, off + i);
    let h_len = m_hash.len();
    let s_len = h_len;
    if em_len < h_len + s_len + 2 || em(em_len - 1) != 0xbc {
        return Err(Error::BadSignature);
    }
    let db_len = em_len - h_len - 1;
    let top_mask = 0xffu8 >> (8 * em_len - em_bits);
    if em(0) & !top_mask != 0 {
        return Err(Error::BadSignature);
    }
    // H is EM[db_len .. db_len + h_len].
    let mut h_bytes = [0u8; 64];
    for (i, b) in h_bytes[..h_len].iter_mut().enumerate() {
        *b = em(db_len + i);
    }
    // DB = maskedDB xor MGF1(H): must be zeros, 0x01, then the salt, which goes straight
    // into M' = 00*8 || mHash || salt.
    let mut mgf = AnyHash::new(hash);
    let mut m_prime = AnyHash::new(hash);
    m_prime.update(&[0u8; 8]);
    m_prime.update(m_hash);
    let mut block = [0u8; 64];
    let mut counter = 0u32;
    let ps_len = db_len - s_len - 1;
    let mut bad = false;
    let mut i = 0;
    while i < db_len {
        mgf.update(&h_bytes[..h_len]);
        mgf.update(&counter.to_be_bytes());
        counter += 1;
        let blen = mgf.finish_into(&mut block);
        for &mb in &block[..blen] {
            if i == db_len {
                break;
            }
            let mut d = em(i) ^ mb;
            if i == 0 {
                d &= top_mask;
            }
            if i < ps_len {
                bad |= d != 0;
            } else if i == ps_len {
                bad |= d != 1;
            } else {
                m_prime.update(&[d]);
            }
            i += 1;
        }
    }
    let mut h2 = [0u8; 64];
    m_prime.finish_into(&mut h2);
    if bad || h2[..h_len] != h_bytes[..h_len] { Err(Error::BadSignature) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_limits() {
        let mut n = [0xffu8; 256];
        assert!(Modulus::new(&n).is_ok());
        n[255] = 0xfe; // even
        assert_eq!(Modulus::new(&n).err(), Some(Error::Unsupported));
        assert_eq!(Modulus::new(&[0xff; 128]).err(), Some(Error::Unsupported)); // 1024 bits
        assert_eq!(Modulus::new(&[0xff; 513]).err(), Some(Error::Unsupported));
        assert_eq!(Modulus::new(&[]).err(), Some(Error::Unsupported));
    }

    #[test]
    fn montgomery_matches_schoolbook_on_small_values() {
        // n = 2^2047 + 1159 style odd modulus; check x^3 by e = 3 against repeated mul.
        let mut n_be = [0u8; 256];
        n_be[0] = 0x80;
        n_be[255] = 0x01;
        n_be[254] = 0x04;
        let m = Modulus::new(&n_be).unwrap();
        // s = 2: 2^3 = 8 (no reduction).
        let mut s = [0u8; 256];
        s[255] = 2;
        let mut x = [0u32; MAX_LIMBS];
        m.public_op(&s, 3, &mut x).unwrap();
        assert_eq!(x[0], 8);
        assert!(x[1..].iter().all(|&v| v == 0));
        // s = 2^1024: s^2 = 2^2048 = 2 * 2^2047 = 2 (n - 0x0401) ... = -2 * 0x0401 + 2n mod n
        let mut s = [0u8; 256];
        s[127] = 1; // byte index 127 of 256 => 2^(8*128) = 2^1024
        m.public_op(&s, 3, &mut x).unwrap();
        // 2^3072 mod n computed independently below by doubling.
        let mut y = [0u32; MAX_LIMBS];
        y[0] = 1;
        for _ in 0..3072 {
            m.double(&mut y);
        }
        assert_eq!(x, y);
    }

    /// Signs `msg` with a fresh RSA-2048 key through the openssl CLI; returns (n, sig).
    fn openssl_sign(dir: &std::path::Path, pss: bool, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
        use std::process::Command;
        let key = dir.join("k.pem");
        let run = |args: &[&str]| assert!(Command::new("openssl").args(args).output().unwrap().status.success());
        if !key.exists() {
            run(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.to_str().unwrap()]);
        }
        std::fs::write(dir.join("m"), msg).unwrap();
        let mut args = vec!["dgst", "-sha256", "-sign", key.to_str().unwrap()];
        if pss {
            args.extend(["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]);
        }
        let sig_path = dir.join("s");
        let m_path = dir.join("m");
        args.extend(["-out", sig_path.to_str().unwrap(), m_path.to_str().unwrap()]);
        run(&args);
        let out = Command::new("openssl").args(["rsa", "-in", key.to_str().unwrap(), "-noout", "-modulus"]).output().unwrap();
        let hex = String::from_utf8(out.stdout).unwrap();
        let hex = hex.trim().trim_start_matches("Modulus=");
        let n = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        (n, std::fs::read(sig_path).unwrap())
    }

    #[test]
    fn pkcs1_and_pss_against_openssl() {
        let dir = std::env::temp_dir().join(format!("ussl-rsa-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let msg = b"TLS 1.3, server CertificateVerify test message";
        let mut h = [0u8; 64];
        let hl = digest(HashAlg::Sha256, &[msg], &mut h);
        for pss in [false, true] {
            let (n, mut sig) = openssl_sign(&dir, pss, msg);
            let check = |sig: &[u8], h: &[u8]| {
                if pss { verify_pss(&n, 65537, sig, HashAlg::Sha256, h) } else { verify_pkcs1(&n, 65537, sig, HashAlg::Sha256, h) }
            };
            assert_eq!(check(&sig, &h[..hl]), Ok(()), "pss={pss}");
            // Another digest, a flipped signature bit, a wrong length: all rejected.
            let mut other = h;
            other[0] ^= 1;
            assert_eq!(check(&sig, &other[..hl]), Err(Error::BadSignature));
            assert_eq!(check(&sig[1..], &h[..hl]), Err(Error::BadSignature));
            sig[100] ^= 0x10;
            assert_eq!(check(&sig, &h[..hl]), Err(Error::BadSignature));
            // s >= n is refused before any arithmetic.
            assert_eq!(check(&n, &h[..hl]), Err(Error::BadSignature));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
