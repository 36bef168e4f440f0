//! ussl: TLS 1.3 cipher suites chosen at run time.
//!
//! 0.19.0 fixed one suite per connection type (`TlsConnection<_, Aes128GcmSha256>`): the
//! ClientHello offered that suite only, and supporting three meant compiling the whole
//! connection three times. Here the ClientHello offers a list from `TlsConfig`, the
//! transcript runs every candidate hash until the ServerHello names the suite, and the key
//! schedule and record protection dispatch on the chosen suite with buffers sized for the
//! largest (SHA-384: 48 bytes, AES-256: 32-byte keys).
//!
//! AES-256-GCM-SHA384 and ChaCha20-Poly1305-SHA256 are Cargo features (`aes256gcm-sha384`,
//! `chacha20poly1305-sha256`) so that a flash-starved build can leave them out.

use core::ops::Deref;

use aes_gcm::aead::{AeadInPlace, Buffer, KeyInit};
use aes_gcm::Aes128Gcm;
use generic_array::GenericArray;
use hmac::{Mac, SimpleHmac};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::TlsError;

/// Longest hash (SHA-384), and so longest secret, of the suites built in.
pub const MAX_HASH_LEN: usize = 48;
/// Longest AEAD key (AES-256, ChaCha20).
pub const MAX_KEY_LEN: usize = 32;
/// Every TLS 1.3 AEAD here has a 12-byte nonce and a 16-byte tag.
pub const IV_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// A TLS 1.3 cipher suite (RFC 8446 appendix B.4) that this build can negotiate.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Suite {
    Aes128GcmSha256,
    #[cfg(feature = "aes256gcm-sha384")]
    Aes256GcmSha384,
    #[cfg(feature = "chacha20poly1305-sha256")]
    Chacha20Poly1305Sha256,
}

impl Suite {
    /// Every suite built in, in the default preference order (AES-128-GCM first: the
    /// cheapest handshake; then ChaCha20-Poly1305; then AES-256-GCM).
    pub const ALL: &'static [Suite] = &[
        Suite::Aes128GcmSha256,
        #[cfg(feature = "chacha20poly1305-sha256")]
        Suite::Chacha20Poly1305Sha256,
        #[cfg(feature = "aes256gcm-sha384")]
        Suite::Aes256GcmSha384,
    ];

    /// The IANA code point (0x1301...).
    #[must_use]
    pub const fn code_point(self) -> u16 {
        match self {
            Suite::Aes128GcmSha256 => 0x1301,
            #[cfg(feature = "aes256gcm-sha384")]
            Suite::Aes256GcmSha384 => 0x1302,
            #[cfg(feature = "chacha20poly1305-sha256")]
            Suite::Chacha20Poly1305Sha256 => 0x1303,
        }
    }

    /// The suite with this code point, if it is built in.
    #[must_use]
    pub fn from_code_point(code: u16) -> Option<Suite> {
        Suite::ALL.iter().copied().find(|s| s.code_point() == code)
    }

    #[must_use]
    pub const fn hash(self) -> HashKind {
        match self {
            #[cfg(feature = "aes256gcm-sha384")]
            Suite::Aes256GcmSha384 => HashKind::Sha384,
            _ => HashKind::Sha256,
        }
    }

    #[must_use]
    pub const fn key_len(self) -> usize {
        match self {
            Suite::Aes128GcmSha256 => 16,
            #[allow(unreachable_patterns)]
            _ => 32,
        }
    }
}

/// The hash of a suite (transcript, HKDF, Finished).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HashKind {
    Sha256,
    #[cfg(feature = "aes256gcm-sha384")]
    Sha384,
}

impl HashKind {
    #[must_use]
    pub const fn len(self) -> usize {
        match self {
            HashKind::Sha256 => 32,
            #[cfg(feature = "aes256gcm-sha384")]
            HashKind::Sha384 => 48,
        }
    }

    /// Hash("") (RFC 8446 section 7.1, Derive-Secret(., "derived", "")): constants, cheaper
    /// in flash than hashing nothing (the handshakes fail if one is wrong).
    pub(crate) fn empty(self) -> HashOut {
        const SHA256_EMPTY: [u8; 32] = [
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
            0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
        ];
        #[cfg(feature = "aes256gcm-sha384")]
        const SHA384_EMPTY: [u8; 48] = [
            0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e, 0xb1, 0xb1, 0xe3, 0x6a,
            0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43, 0x4c, 0x0c, 0xc7, 0xbf, 0x63, 0xf6, 0xe1, 0xda,
            0x27, 0x4e, 0xde, 0xbf, 0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a, 0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b,
        ];
        match self {
            HashKind::Sha256 => HashOut::from_slice(&SHA256_EMPTY),
            #[cfg(feature = "aes256gcm-sha384")]
            HashKind::Sha384 => HashOut::from_slice(&SHA384_EMPTY),
        }
    }
}

/// A hash or secret of up to 48 bytes; wiped when dropped (it often holds key material).
#[derive(Clone)]
pub struct HashOut {
    bytes: [u8; MAX_HASH_LEN],
    len: u8,
}

impl HashOut {
    /// `data` must be at most 48 bytes (longer input is cut: callers pass digests).
    #[must_use]
    pub fn from_slice(data: &[u8]) -> Self {
        let n = data.len().min(MAX_HASH_LEN);
        let mut bytes = [0; MAX_HASH_LEN];
        bytes[..n].copy_from_slice(&data[..n]);
        Self { bytes, len: n as u8 }
    }

    pub(crate) fn zero(len: usize) -> Self {
        Self { bytes: [0; MAX_HASH_LEN], len: len.min(MAX_HASH_LEN) as u8 }
    }
}

impl Deref for HashOut {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl Drop for HashOut {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

/// What embedded-tls needs of a transcript hash.
pub trait Transcript: Clone {
    fn update(&mut self, data: &[u8]);
    fn finalize(self) -> HashOut;
    /// The digest so far, the transcript going on. Clones only the running hash (not the
    /// whole enum, which is sized for both): this sits on the engine stack during the
    /// handshake.
    fn snapshot(&self) -> HashOut {
        self.clone().finalize()
    }
    /// Keeps only the hash `kind` (the ServerHello's suite); an error if that one is not run.
    fn select(&mut self, kind: HashKind) -> Result<(), TlsError>;
}

/// The handshake transcript. Until the ServerHello names the suite every hash the offered
/// suites may need runs side by side (the ClientHello must be in each); then one is kept.
#[derive(Clone)]
pub enum TranscriptHash {
    #[cfg(feature = "aes256gcm-sha384")]
    Both(Sha256, sha2::Sha384),
    Sha256(Sha256),
    #[cfg(feature = "aes256gcm-sha384")]
    Sha384(sha2::Sha384),
}

impl TranscriptHash {
    #[must_use]
    pub fn new() -> Self {
        #[cfg(feature = "aes256gcm-sha384")]
        return TranscriptHash::Both(Sha256::new(), sha2::Sha384::new());
        #[cfg(not(feature = "aes256gcm-sha384"))]
        return TranscriptHash::Sha256(Sha256::new());
    }
}

impl Default for TranscriptHash {
    fn default() -> Self {
        Self::new()
    }
}

impl Transcript for TranscriptHash {
    fn update(&mut self, data: &[u8]) {
        match self {
            #[cfg(feature = "aes256gcm-sha384")]
            TranscriptHash::Both(a, b) => {
                Digest::update(a, data);
                Digest::update(b, data);
            }
            TranscriptHash::Sha256(h) => Digest::update(h, data),
            #[cfg(feature = "aes256gcm-sha384")]
            TranscriptHash::Sha384(h) => Digest::update(h, data),
        }
    }

    /// The digest of the hash kept. Before the ServerHello (never asked for by the
    /// handshake then) the SHA-256 one.
    fn finalize(self) -> HashOut {
        match self {
            #[cfg(feature = "aes256gcm-sha384")]
            TranscriptHash::Both(h, _) => HashOut::from_slice(&h.finalize()),
            TranscriptHash::Sha256(h) => HashOut::from_slice(&h.finalize()),
            #[cfg(feature = "aes256gcm-sha384")]
            TranscriptHash::Sha384(h) => HashOut::from_slice(&h.finalize()),
        }
    }

    fn snapshot(&self) -> HashOut {
        match self {
            #[cfg(feature = "aes256gcm-sha384")]
            TranscriptHash::Both(h, _) => HashOut::from_slice(&h.clone().finalize()),
            TranscriptHash::Sha256(h) => HashOut::from_slice(&h.clone().finalize()),
            #[cfg(feature = "aes256gcm-sha384")]
            TranscriptHash::Sha384(h) => HashOut::from_slice(&h.clone().finalize()),
        }
    }

    fn select(&mut self, kind: HashKind) -> Result<(), TlsError> {
        let next = match (core::mem::replace(self, TranscriptHash::Sha256(Sha256::new())), kind) {
            #[cfg(feature = "aes256gcm-sha384")]
            (TranscriptHash::Both(h, _), HashKind::Sha256) => TranscriptHash::Sha256(h),
            #[cfg(feature = "aes256gcm-sha384")]
            (TranscriptHash::Both(_, h), HashKind::Sha384) => TranscriptHash::Sha384(h),
            (TranscriptHash::Sha256(h), HashKind::Sha256) => TranscriptHash::Sha256(h),
            #[cfg(feature = "aes256gcm-sha384")]
            (TranscriptHash::Sha384(h), HashKind::Sha384) => TranscriptHash::Sha384(h),
            #[allow(unreachable_patterns)]
            _ => return Err(TlsError::InvalidCipherSuite),
        };
        *self = next;
        Ok(())
    }
}

/// HMAC(key, parts...) with the hash `kind`.
pub(crate) fn hmac(kind: HashKind, key: &[u8], parts: &[&[u8]]) -> Result<HashOut, TlsError> {
    fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Result<HashOut, TlsError> {
        let mut m = <M as Mac>::new_from_slice(key).map_err(|_| TlsError::CryptoError)?;
        for p in parts {
            m.update(p);
        }
        Ok(HashOut::from_slice(&m.finalize().into_bytes()))
    }
    match kind {
        HashKind::Sha256 => run::<SimpleHmac<Sha256>>(key, parts),
        #[cfg(feature = "aes256gcm-sha384")]
        HashKind::Sha384 => run::<SimpleHmac<sha2::Sha384>>(key, parts),
    }
}

/// Whether `tag` is HMAC(key, msg), compared in constant time (one HMAC instance per hash
/// in flash: this reuses `hmac`).
pub(crate) fn hmac_verify(kind: HashKind, key: &[u8], msg: &[u8], tag: &[u8]) -> Result<bool, TlsError> {
    let mac = hmac(kind, key, &[msg])?;
    if mac.len() != tag.len() {
        return Ok(false);
    }
    let diff = mac.iter().zip(tag).fold(0u8, |d, (a, b)| d | (a ^ b));
    Ok(core::hint::black_box(diff) == 0)
}

/// HKDF-Expand-Label(secret, label, context, out.len()) (RFC 8446 section 7.1). Every
/// output here is at most one hash long, so HKDF-Expand is the single block T(1).
pub(crate) fn expand_label(
    kind: HashKind,
    secret: &[u8],
    label: &[u8],
    context: &[u8],
    out: &mut [u8],
) -> Result<(), TlsError> {
    if out.len() > kind.len() || label.len() > 12 || context.len() > MAX_HASH_LEN {
        return Err(TlsError::InternalError);
    }
    let len = (out.len() as u16).to_be_bytes();
    let t1 = hmac(
        kind,
        secret,
        &[
            &len,
            &[6 + label.len() as u8],
            b"tls13 ",
            label,
            &[context.len() as u8],
            context,
            &[1],
        ],
    )?;
    out.copy_from_slice(&t1[..out.len()]);
    Ok(())
}

/// Derive-Secret: HKDF-Expand-Label(secret, label, transcript hash, Hash.length).
pub(crate) fn derive_secret(kind: HashKind, secret: &[u8], label: &[u8], context: &[u8]) -> Result<HashOut, TlsError> {
    let mut out = HashOut::zero(kind.len());
    expand_label(kind, secret, label, context, &mut out.bytes[..kind.len()])?;
    Ok(out)
}

/// The AEAD of `suite`, keyed for one record (key expansion per record, as 0.19.0 did:
/// no expanded key schedule lives in the connection between records).
pub(crate) fn seal(suite: Suite, key: &[u8], nonce: &[u8; IV_LEN], aad: &[u8], buf: &mut dyn Buffer) -> Result<(), TlsError> {
    fn run<A: KeyInit + AeadInPlace>(key: &[u8], nonce: &[u8; IV_LEN], aad: &[u8], buf: &mut dyn Buffer) -> Result<(), TlsError> {
        let a = A::new_from_slice(key).map_err(|_| TlsError::InternalError)?;
        a.encrypt_in_place(GenericArray::from_slice(nonce), aad, buf)
            .map_err(|_| TlsError::InvalidApplicationData)
    }
    let key = &key[..suite.key_len()];
    match suite {
        Suite::Aes128GcmSha256 => run::<Aes128Gcm>(key, nonce, aad, buf),
        #[cfg(feature = "aes256gcm-sha384")]
        Suite::Aes256GcmSha384 => run::<aes_gcm::Aes256Gcm>(key, nonce, aad, buf),
        #[cfg(feature = "chacha20poly1305-sha256")]
        Suite::Chacha20Poly1305Sha256 => run::<chacha20poly1305::ChaCha20Poly1305>(key, nonce, aad, buf),
    }
}

/// Opens a record in place (tag checked before any plaintext is released).
pub(crate) fn open(suite: Suite, key: &[u8], nonce: &[u8; IV_LEN], aad: &[u8], buf: &mut dyn Buffer) -> Result<(), TlsError> {
    fn run<A: KeyInit + AeadInPlace>(key: &[u8], nonce: &[u8; IV_LEN], aad: &[u8], buf: &mut dyn Buffer) -> Result<(), TlsError> {
        let a = A::new_from_slice(key).map_err(|_| TlsError::InternalError)?;
        a.decrypt_in_place(GenericArray::from_slice(nonce), aad, buf)
            .map_err(|_| TlsError::CryptoError)
    }
    let key = &key[..suite.key_len()];
    match suite {
        Suite::Aes128GcmSha256 => run::<Aes128Gcm>(key, nonce, aad, buf),
        #[cfg(feature = "aes256gcm-sha384")]
        Suite::Aes256GcmSha384 => run::<aes_gcm::Aes256Gcm>(key, nonce, aad, buf),
        #[cfg(feature = "chacha20poly1305-sha256")]
        Suite::Chacha20Poly1305Sha256 => run::<chacha20poly1305::ChaCha20Poly1305>(key, nonce, aad, buf),
    }
}
