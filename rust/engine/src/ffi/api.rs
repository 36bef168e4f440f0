//! Exported functions (the header `ussl_engine.h` is generated from this file by cbindgen).

use core::ffi::c_char;

use cty::{int32_t, int64_t, size_t, uint8_t, uint16_t, uint32_t};
use embedded_tls::{MaxFragmentLength, Suite};

use super::engine::{self, ENGINE_ALIGN, ENGINE_SIZE, HANDSHAKE_MEM_ALIGN, HANDSHAKE_MEM_SIZE};
pub use super::engine::UsslEngine;
use crate::driver::{MAX_SERVER_NAME, Params};
use crate::error::*;
use crate::io::Phase;
use crate::{pem, rng};

/// Receive record buffer that holds any TLS record (16 KiB plaintext + 256 B expansion).
pub const USSL_RX_BUFFER_FULL: usize = 16640;
/// Smallest receive buffer accepted. Below USSL_RX_BUFFER_FULL the engine asks the server
/// for a smaller max_fragment_length (RFC 6066); servers that ignore it then fail with
/// USSL_ERR_RECORD_TOO_LARGE.
pub const USSL_RX_BUFFER_MIN: usize = 1024;
/// Smallest transmit record buffer accepted (the ClientHello must fit).
pub const USSL_TX_BUFFER_MIN: usize = 512;
/// Record expansion embedded-tls reserves in the transmit buffer.
const TX_OVERHEAD: usize = 128;

/// Client parameters. Pointers may be NULL (with length 0).
#[repr(C)]
pub struct UsslClientConfig {
    /// Server name (not NUL-terminated): sent as SNI, and checked against the certificate
    /// when verifying. At most 64 bytes.
    pub server_name: *const uint8_t,
    pub server_name_len: size_t,
    /// Trust anchors: one or more DER certificates back to back (a PEM bundle converted
    /// with ussl_pem_to_der). Must stay valid and unchanged until ussl_engine_free.
    pub ca: *const uint8_t,
    pub ca_len: size_t,
    /// USSL_CERT_NONE (0): no verification. USSL_CERT_OPTIONAL (1): verify if a CA is
    /// given. USSL_CERT_REQUIRED (2): a CA and a server name are required. When verifying,
    /// the chain, the validity dates, the CA constraints and the name (subjectAltName) are
    /// checked and the handshake fails with the reason (USSL_ERR_CERT_*) otherwise.
    pub verify_mode: int32_t,
    /// Current time, unix seconds, for the validity dates. A time before the engine was
    /// built means "clock not set" (USSL_ERR_CLOCK_NOT_SET) unless USSL_FLAG_NO_TIME_CHECK.
    pub now: int64_t,
    /// USSL_FLAG_* bits.
    pub flags: uint32_t,
    /// Optional buffer (NULL: none) that receives the server's leaf certificate (DER)
    /// during the handshake, for getpeercert; see ussl_peer_cert_len. Must stay valid until
    /// the handshake completed (ussl_handshake returned 0) or failed: the engine does not
    /// touch it afterwards.
    pub peer_cert: *mut uint8_t,
    pub peer_cert_cap: size_t,
    /// Optional client certificate chain for mutual TLS (NULL: none): DER certificates back
    /// to back, leaf first, sent when the server asks for a certificate. Needs `client_key`.
    /// Both must stay valid and unchanged until ussl_engine_free; check them first with
    /// ussl_client_auth_check (ussl_client_new refuses what it refuses).
    pub client_cert: *const uint8_t,
    pub client_cert_len: size_t,
    /// The leaf's private key, DER: SEC1 ECPrivateKey or PKCS#8, P-256 only. Read only while
    /// signing; the engine keeps no copy. The caller wipes it when done.
    pub client_key: *const uint8_t,
    pub client_key_len: size_t,
    /// Optional TLS 1.3 external pre-shared key (NULL: none), offered with `psk_identity`
    /// (psk_dhe_ke: ECDHE still runs). Both must stay valid until ussl_engine_free.
    /// Under USSL_CERT_REQUIRED a PSK stands in for the CA: the server must accept the PSK,
    /// and certificates it sends instead are refused (USSL_ERR_CERT_UNKNOWN_CA) unless a CA
    /// is given too.
    pub psk: *const uint8_t,
    pub psk_len: size_t,
    pub psk_identity: *const uint8_t,
    pub psk_identity_len: size_t,
    /// Cipher suites to offer, most preferred first, as IANA code points (USSL_SUITE_*);
    /// NULL or 0 entries: every suite built in (ussl_cipher_suites), in that order. A code
    /// point not built in (or more than 3 entries) gives USSL_ERR_CIPHER_SUITE; duplicates
    /// are offered once.
    pub suites: *const uint16_t,
    pub suites_len: size_t,
    /// Memory for what only the handshake needs (ussl_handshake_mem_size() bytes, aligned to
    /// ussl_handshake_mem_align()); required. Must stay valid and untouched while
    /// ussl_handshake_mem_in_use says true (it is false once the handshake ended, either way,
    /// and after ussl_engine_free); the engine wipes it before saying false, and the caller
    /// may then free it: an established connection holds only ussl_engine_size() bytes.
    pub handshake_mem: *mut core::ffi::c_void,
    pub handshake_mem_len: size_t,
}

/// TLS_AES_128_GCM_SHA256 (always built in).
pub const USSL_SUITE_AES_128_GCM_SHA256: u16 = 0x1301;
/// TLS_AES_256_GCM_SHA384 (Cargo feature aes256gcm-sha384).
pub const USSL_SUITE_AES_256_GCM_SHA384: u16 = 0x1302;
/// TLS_CHACHA20_POLY1305_SHA256 (Cargo feature chacha20poly1305-sha256).
pub const USSL_SUITE_CHACHA20_POLY1305_SHA256: u16 = 0x1303;

/// The cipher suites this engine has, in its default preference order: writes up to `cap`
/// code points to `out` (may be NULL with cap 0) and returns how many there are.
///
/// # Safety
/// `out` is NULL or valid for `cap` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_cipher_suites(out: *mut uint16_t, cap: size_t) -> size_t {
    let all = Suite::ALL;
    if !out.is_null() {
        for (i, s) in all.iter().take(cap).enumerate() {
            // SAFETY: caller contract: `out` holds `cap` entries, i < cap.
            unsafe { out.add(i).write(s.code_point()) };
        }
    }
    all.len()
}

/// IANA name (NUL-terminated, static) of a suite this engine has, or NULL.
#[unsafe(no_mangle)]
pub extern "C" fn ussl_cipher_suite_name(code: uint16_t) -> *const c_char {
    match Suite::from_code_point(code) {
        Some(s) => crate::suites::name(s).as_ptr(),
        None => core::ptr::null(),
    }
}

/// The code point of the suite named `name` (IANA, e.g. "TLS_AES_256_GCM_SHA384", or
/// mbedTLS's "TLS1-3-AES-256-GCM-SHA384"; not NUL-terminated) if it is built in, else 0.
///
/// # Safety
/// `name` is NULL or valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_cipher_suite_from_name(name: *const uint8_t, len: size_t) -> uint16_t {
    // SAFETY: caller contract.
    let Some(n) = (unsafe { bytes(name, len) }) else { return 0 };
    crate::suites::from_name(n).map_or(0, Suite::code_point)
}

/// The suite the server chose (IANA code point), 0 before its ServerHello.
///
/// # Safety
/// `e` from ussl_client_new and not freed (or NULL: 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_cipher_suite(e: *mut UsslEngine) -> uint16_t {
    if e.is_null() {
        return 0;
    }
    // SAFETY: caller contract.
    unsafe { engine::io(e) }.suite.get()
}

/// Longest pre-shared key and identity accepted (bytes).
pub const USSL_MAX_PSK: usize = 64;
pub const USSL_MAX_PSK_IDENTITY: usize = 128;

/// flags: do not check the certificates' validity dates (for devices without a clock).
pub const USSL_FLAG_NO_TIME_CHECK: u32 = 1;

/// Bytes of memory ussl_client_new needs for the engine.
#[unsafe(no_mangle)]
pub extern "C" fn ussl_engine_size() -> size_t {
    ENGINE_SIZE
}

/// Bytes of the handshake memory (UsslClientConfig::handshake_mem).
#[unsafe(no_mangle)]
pub extern "C" fn ussl_handshake_mem_size() -> size_t {
    HANDSHAKE_MEM_SIZE
}

/// Alignment the handshake memory needs.
#[unsafe(no_mangle)]
pub extern "C" fn ussl_handshake_mem_align() -> size_t {
    HANDSHAKE_MEM_ALIGN
}

/// Whether the engine still uses its handshake memory (1) or not (0): 0 once the handshake
/// ended (succeeded or failed, the memory wiped), when the caller may free it.
///
/// # Safety
/// `e` is NULL or a live engine from ussl_client_new.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_handshake_mem_in_use(e: *const UsslEngine) -> int32_t {
    // SAFETY: caller contract.
    int32_t::from(!e.is_null() && unsafe { engine::handshake_mem_in_use(e) })
}

/// Alignment ussl_client_new needs for the engine memory.
#[unsafe(no_mangle)]
pub extern "C" fn ussl_engine_align() -> size_t {
    ENGINE_ALIGN
}

/// Receive buffer size that works with any server: one full TLS record (16640).
/// Smaller buffers down to USSL_RX_BUFFER_MIN are accepted, see there.
#[unsafe(no_mangle)]
pub extern "C" fn ussl_min_rx_buffer() -> size_t {
    USSL_RX_BUFFER_FULL
}

/// Smallest transmit buffer accepted. Each record sent carries at most
/// tx_len - 128 bytes of plaintext.
#[unsafe(no_mangle)]
pub extern "C" fn ussl_min_tx_buffer() -> size_t {
    USSL_TX_BUFFER_MIN
}

/// Receive buffer for records of at most `fragment` plaintext bytes: 512, 1024, 2048 or
/// 4096 (the max_fragment_length values of RFC 6066, which the engine then asks the server
/// for); 0 or 16384 and above: one full TLS record (USSL_RX_BUFFER_FULL). Other values are
/// rounded down to one of those, 512 at least. Never below USSL_RX_BUFFER_MIN.
#[unsafe(no_mangle)]
pub extern "C" fn ussl_rx_buffer_for_fragment(fragment: size_t) -> size_t {
    if fragment == 0 || fragment >= 16384 {
        return USSL_RX_BUFFER_FULL;
    }
    let f = [4096, 2048, 1024].into_iter().find(|&f| fragment >= f).unwrap_or(512);
    (f + RX_EXPANSION).max(USSL_RX_BUFFER_MIN)
}

/// Transmit buffer for a receive buffer of `rx_len` bytes: `wanted`, but no larger than a
/// record of the fragment length `rx_len` makes the engine ask for (bytes beyond it would
/// never be used), and at least ussl_min_tx_buffer().
#[unsafe(no_mangle)]
pub extern "C" fn ussl_tx_buffer_for(rx_len: size_t, wanted: size_t) -> size_t {
    let cap = max_fragment(rx_len).map_or(usize::MAX, |m| fragment_len(m) + TX_OVERHEAD);
    wanted.min(cap).max(USSL_TX_BUFFER_MIN)
}

/// Ciphertext expansion allowed for beyond a record's plaintext (RFC 8446 section 5.2:
/// 256) plus the 5-byte record header.
const RX_EXPANSION: usize = 256 + 5;

fn max_fragment(rx_len: usize) -> Option<MaxFragmentLength> {
    if rx_len >= USSL_RX_BUFFER_FULL {
        None
    } else if rx_len >= 4096 + RX_EXPANSION {
        Some(MaxFragmentLength::Bits12)
    } else if rx_len >= 2048 + RX_EXPANSION {
        Some(MaxFragmentLength::Bits11)
    } else if rx_len >= 1024 + RX_EXPANSION {
        Some(MaxFragmentLength::Bits10)
    } else {
        Some(MaxFragmentLength::Bits9)
    }
}

fn fragment_len(m: MaxFragmentLength) -> usize {
    match m {
        MaxFragmentLength::Bits9 => 512,
        MaxFragmentLength::Bits10 => 1024,
        MaxFragmentLength::Bits11 => 2048,
        MaxFragmentLength::Bits12 => 4096,
    }
}

/// # Safety
/// `p` is NULL or valid for `len` bytes for `'a`.
unsafe fn bytes<'a>(p: *const u8, len: usize) -> Option<&'a [u8]> {
    if p.is_null() || len == 0 {
        None
    } else {
        // SAFETY: caller contract.
        Some(unsafe { core::slice::from_raw_parts(p, len) })
    }
}

/// The suites to offer (empty: the engine's default list); None if one is not built in.
///
/// # Safety
/// `p` is NULL or valid for `len` reads.
unsafe fn suite_list(p: *const u16, len: usize) -> Option<heapless::Vec<Suite, 3>> {
    let mut list = heapless::Vec::new();
    if p.is_null() || len == 0 {
        return Some(list);
    }
    // SAFETY: caller contract.
    let codes = unsafe { core::slice::from_raw_parts(p, len) };
    for &c in codes {
        let s = Suite::from_code_point(c)?;
        if !list.contains(&s) {
            list.push(s).ok()?;
        }
    }
    Some(list)
}

/// Creates a TLS client in caller memory and starts the handshake (the ClientHello is
/// ready in ussl_output on return).
///
/// `mem` (ussl_engine_size() bytes, aligned to ussl_engine_align()), `rx` (the receive
/// record buffer, ussl_min_rx_buffer() bytes recommended), `tx` (the transmit record
/// buffer, at least ussl_min_tx_buffer() bytes) and the CA that `cfg` points to must stay
/// valid, unmoved and otherwise untouched until ussl_engine_free. The server name is
/// copied. Returns 0 and sets `*out`, or USSL_ERR_ARG / USSL_ERR_BUFFER / USSL_ERR_ENTROPY
/// / USSL_ERR_NO_CA / USSL_ERR_SERVER_NAME / USSL_ERR_CA_FORMAT.
///
/// # Safety
/// See above; all pointers must be valid for the given lengths.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_client_new(
    mem: *mut core::ffi::c_void,
    mem_len: size_t,
    rx: *mut uint8_t,
    rx_len: size_t,
    tx: *mut uint8_t,
    tx_len: size_t,
    cfg: *const UsslClientConfig,
    out: *mut *mut UsslEngine,
) -> int32_t {
    if out.is_null() {
        return USSL_ERR_ARG;
    }
    // SAFETY: same contract.
    let e = match unsafe { client_place(mem, mem_len, rx, rx_len, tx, tx_len, cfg) } {
        Ok(e) => e,
        Err(code) => return code,
    };
    // The first poll (ClientHello, key share) runs from this small frame: the checks and
    // the parameters above stay in `client_place`'s, which is gone by now.
    // SAFETY: `e` was just placed.
    unsafe { engine::run(e) };
    // SAFETY: checked non-NULL.
    unsafe { *out = e };
    USSL_OK
}

/// The checks of `ussl_client_new` and the placing of the engine (not inlined: see there).
///
/// # Safety
/// As for `ussl_client_new`.
#[inline(never)]
unsafe fn client_place(
    mem: *mut core::ffi::c_void,
    mem_len: size_t,
    rx: *mut uint8_t,
    rx_len: size_t,
    tx: *mut uint8_t,
    tx_len: size_t,
    cfg: *const UsslClientConfig,
) -> Result<*mut UsslEngine, int32_t> {
    if mem.is_null() || rx.is_null() || tx.is_null() || cfg.is_null() {
        return Err(USSL_ERR_ARG);
    }
    if mem_len < ENGINE_SIZE || (mem as usize) % ENGINE_ALIGN != 0 {
        return Err(USSL_ERR_ARG);
    }
    if rx_len < USSL_RX_BUFFER_MIN || tx_len < USSL_TX_BUFFER_MIN {
        return Err(USSL_ERR_BUFFER);
    }
    // SAFETY: checked non-NULL; the caller passes a valid config.
    let cfg = unsafe { &*cfg };
    let hs = cfg.handshake_mem;
    if hs.is_null() || cfg.handshake_mem_len < HANDSHAKE_MEM_SIZE || (hs as usize) % HANDSHAKE_MEM_ALIGN != 0 {
        return Err(USSL_ERR_ARG);
    }
    let mode = cfg.verify_mode;
    if !(USSL_CERT_NONE..=USSL_CERT_REQUIRED).contains(&mode) {
        return Err(USSL_ERR_ARG);
    }
    // SAFETY: caller contract on cfg's pointers; the name is copied below.
    let name = unsafe { bytes(cfg.server_name, cfg.server_name_len) };
    let mut server_name = heapless::String::<MAX_SERVER_NAME>::new();
    if let Some(name) = name {
        // ':' for IPv6 literals.
        let ok = name.iter().all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(b))
            && core::str::from_utf8(name).is_ok_and(|s| server_name.push_str(s).is_ok());
        if !ok {
            return Err(USSL_ERR_SERVER_NAME);
        }
    }
    // SAFETY: caller contract: both stay valid and unchanged until ussl_engine_free.
    let psk = match unsafe { (bytes(cfg.psk, cfg.psk_len), bytes(cfg.psk_identity, cfg.psk_identity_len)) } {
        (None, None) => None,
        (Some(key), Some(id)) if key.len() <= USSL_MAX_PSK && id.len() <= USSL_MAX_PSK_IDENTITY => Some((key, id)),
        _ => return Err(USSL_ERR_ARG),
    };
    // SAFETY: caller contract: the CA stays valid and unchanged until ussl_engine_free.
    let ca: Option<&'static [u8]> = unsafe { bytes(cfg.ca, cfg.ca_len) };
    let mut ca = if mode == USSL_CERT_NONE { None } else { ca };
    if let Some(ca) = ca {
        if pem::looks_like_pem(ca) || !crate::verify::is_der_list(ca) {
            return Err(USSL_ERR_CA_FORMAT);
        }
        if server_name.is_empty() {
            return Err(USSL_ERR_SERVER_NAME);
        }
    } else if mode == USSL_CERT_REQUIRED {
        if psk.is_none() {
            return Err(USSL_ERR_NO_CA);
        }
        // The PSK authenticates the server; no anchors, so a certificate flight (the server
        // ignoring the PSK) fails verification instead of going unchecked.
        ca = Some(&[]);
    }
    // SAFETY: caller contract on cfg's pointers (read here only, copied into `suites`).
    let Some(suites) = (unsafe { suite_list(cfg.suites, cfg.suites_len) }) else { return Err(USSL_ERR_CIPHER_SUITE) };
    let Some(seed) = rng::seed_from_platform() else { return Err(USSL_ERR_ENTROPY) };
    let max_fragment = max_fragment(rx_len);
    // Without fragmentation of our writes by embedded-tls, keep our records within the
    // negotiated fragment length.
    let tx_used = match max_fragment {
        Some(m) => tx_len.min(fragment_len(m) + TX_OVERHEAD),
        None => tx_len,
    };
    let now = if cfg.flags & USSL_FLAG_NO_TIME_CHECK != 0 { None } else { Some(cfg.now) };
    // SAFETY: caller contract: the buffer stays valid, and is not otherwise accessed, until
    // ussl_engine_free.
    let peer_cert: Option<&'static mut [u8]> = if cfg.peer_cert.is_null() || cfg.peer_cert_cap == 0 {
        None
    } else {
        Some(unsafe { core::slice::from_raw_parts_mut(cfg.peer_cert, cfg.peer_cert_cap) })
    };
    // SAFETY: caller contract: both stay valid and unchanged until ussl_engine_free.
    let client = match unsafe { (bytes(cfg.client_cert, cfg.client_cert_len), bytes(cfg.client_key, cfg.client_key_len)) } {
        (None, None) => None,
        (Some(chain), Some(key)) => match crate::client_auth::check(chain, key) {
            Ok(()) => Some(crate::provider::ClientAuth { chain, key }),
            Err(e) => return Err(e.code()),
        },
        _ => return Err(USSL_ERR_ARG),
    };
    let params = Params { server_name, ca, now, peer_cert, seed, max_fragment, suites, client, psk };
    // SAFETY: checked size/alignment above; buffer and lifetime contract from the caller.
    Ok(unsafe { engine::place(mem.cast(), rx, rx_len, tx, tx_len, tx_used, hs.cast(), params) })
}

/// Server parameters (feature `server`). Pointers may be NULL (with length 0) where said.
#[repr(C)]
pub struct UsslServerConfig {
    /// Our certificate chain: DER certificates back to back, leaf first (a PEM bundle
    /// converted with ussl_pem_to_der). The leaf's key must be P-256. Must stay valid and
    /// unchanged until ussl_engine_free.
    pub cert: *const uint8_t,
    pub cert_len: size_t,
    /// The leaf's private key, DER (SEC1 or PKCS#8, P-256); same lifetime. Read only while
    /// signing; the engine keeps no copy.
    pub key: *const uint8_t,
    pub key_len: size_t,
    /// Cipher suites we accept, most preferred first (USSL_SUITE_*; NULL: every suite built
    /// in, in the default order). We choose by our order among the client's.
    pub suites: *const uint16_t,
    pub suites_len: size_t,
    /// Client certificates: USSL_CERT_NONE (0) asks for none; USSL_CERT_OPTIONAL (1) asks
    /// and checks one if sent; USSL_CERT_REQUIRED (2) asks and refuses a client without one
    /// (alert certificate_required). Checked against `ca` (DER certificates back to back,
    /// required for 1 and 2, same lifetime as `cert`): chain, dates (`now`, unless
    /// USSL_FLAG_NO_TIME_CHECK in `flags`), CA constraints, clientAuth, CertificateVerify.
    /// A refused certificate fails the handshake with its USSL_ERR_CERT_* reason.
    pub verify_mode: int32_t,
    pub ca: *const uint8_t,
    pub ca_len: size_t,
    pub now: int64_t,
    pub flags: uint32_t,
    /// Handshake memory as in UsslClientConfig (ussl_handshake_mem_size() bytes, required):
    /// holds the client-certificate verifier; released the same way (ussl_handshake_mem_in_use
    /// says 0 once the handshake ended, when `cert`, `key` and `ca` may be freed too).
    pub handshake_mem: *mut core::ffi::c_void,
    pub handshake_mem_len: size_t,
}

/// Creates a TLS 1.3 server connection in caller memory (feature `server`; otherwise
/// USSL_ERR_UNSUPPORTED). Memory and buffers as for ussl_client_new; then the same calls drive it: feed what the
/// client sends, ussl_handshake until 0, ussl_read/ussl_write/ussl_close, ussl_engine_free.
/// Returns 0 and sets `*out`, or USSL_ERR_ARG / USSL_ERR_BUFFER / USSL_ERR_ENTROPY /
/// USSL_ERR_CIPHER_SUITE / USSL_ERR_NO_CA / USSL_ERR_CA_FORMAT / USSL_ERR_CLIENT_CERT /
/// USSL_ERR_CLIENT_KEY* (the chain or key refused, as ussl_client_auth_check refuses them).
///
/// # Safety
/// As for ussl_client_new.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_server_new(
    mem: *mut core::ffi::c_void,
    mem_len: size_t,
    rx: *mut uint8_t,
    rx_len: size_t,
    tx: *mut uint8_t,
    tx_len: size_t,
    cfg: *const UsslServerConfig,
    out: *mut *mut UsslEngine,
) -> int32_t {
    #[cfg(feature = "server")]
    {
        if out.is_null() || mem.is_null() || rx.is_null() || tx.is_null() || cfg.is_null() {
            return USSL_ERR_ARG;
        }
        if mem_len < ENGINE_SIZE || (mem as usize) % ENGINE_ALIGN != 0 {
            return USSL_ERR_ARG;
        }
        if rx_len < USSL_RX_BUFFER_MIN || tx_len < USSL_TX_BUFFER_MIN {
            return USSL_ERR_BUFFER;
        }
        // SAFETY: checked non-NULL; the caller passes a valid config.
        let cfg = unsafe { &*cfg };
        // SAFETY: caller contract: both stay valid and unchanged until ussl_engine_free.
        let (Some(chain), Some(key)) = (unsafe { bytes(cfg.cert, cfg.cert_len) }, unsafe { bytes(cfg.key, cfg.key_len) }) else {
            return USSL_ERR_ARG;
        };
        if let Err(e) = crate::client_auth::check(chain, key) {
            return e.code();
        }
        // SAFETY: caller contract on the suite list (copied).
        let Some(suites) = (unsafe { suite_list(cfg.suites, cfg.suites_len) }) else { return USSL_ERR_CIPHER_SUITE };
        let Some(seed) = rng::seed_from_platform() else { return USSL_ERR_ENTROPY };
        let mode = cfg.verify_mode;
        if !(USSL_CERT_NONE..=USSL_CERT_REQUIRED).contains(&mode) {
            return USSL_ERR_ARG;
        }
        let hs = cfg.handshake_mem;
        if hs.is_null() || cfg.handshake_mem_len < HANDSHAKE_MEM_SIZE || (hs as usize) % HANDSHAKE_MEM_ALIGN != 0 {
            return USSL_ERR_ARG;
        }
        let client_auth = if mode == USSL_CERT_NONE {
            None
        } else {
            // SAFETY: caller contract: the CA stays valid and unchanged until ussl_engine_free.
            let Some(ca) = (unsafe { bytes(cfg.ca, cfg.ca_len) }) else { return USSL_ERR_NO_CA };
            if pem::looks_like_pem(ca) || !crate::verify::is_der_list(ca) {
                return USSL_ERR_CA_FORMAT;
            }
            let now = if cfg.flags & USSL_FLAG_NO_TIME_CHECK != 0 { None } else { Some(cfg.now) };
            Some(crate::server::ClientAuthPolicy { ca, required: mode == USSL_CERT_REQUIRED, now })
        };
        let params = crate::server::ServerParams { chain, key, seed, suites, client_auth, hs: None };
        // SAFETY: checked size/alignment above; buffer and lifetime contract from the caller.
        let e = unsafe { engine::place_server(mem.cast(), rx, rx_len, tx, tx_len, hs.cast(), params) };
        // SAFETY: just placed.
        unsafe { engine::run(e) };
        // SAFETY: checked non-NULL.
        unsafe { *out = e };
        USSL_OK
    }
    #[cfg(not(feature = "server"))]
    {
        let _ = (mem, mem_len, rx, rx_len, tx, tx_len, cfg, out);
        USSL_ERR_UNSUPPORTED
    }
}

/// Gives the engine bytes received from the socket. Returns how many were accepted
/// (the rest must be fed again later, after the engine made room, e.g. after ussl_read).
/// Once the connection failed or closed, everything is accepted and discarded.
///
/// # Safety
/// `e` from ussl_client_new and not freed; `data` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_feed(e: *mut UsslEngine, data: *const uint8_t, len: size_t) -> size_t {
    if e.is_null() {
        return 0;
    }
    // SAFETY: caller contract.
    let Some(data) = (unsafe { bytes(data, len) }) else { return 0 };
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    let mut taken = 0;
    while taken < data.len() {
        if matches!(io.phase(), Phase::Failed | Phase::Closed) {
            return data.len();
        }
        let n = io.cipher_in.borrow_mut().push(&data[taken..]);
        taken += n;
        let before = io.progress();
        // SAFETY: caller contract.
        unsafe { engine::run(e) };
        if n == 0 && io.progress() == before {
            break;
        }
    }
    taken
}

/// Zero-copy input, the alternative to ussl_feed: where the caller may write ciphertext
/// read from the socket in place, and how much (`*len`; 0 while the engine's input queue is
/// full, until the engine made room, e.g. after ussl_read). Then ussl_input_commit with the
/// count written. The region stays valid until the next call on this engine. NULL (and 0)
/// for a NULL engine.
///
/// # Safety
/// `e` from ussl_client_new and not freed; `len` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_input_buffer(e: *mut UsslEngine, len: *mut size_t) -> *mut uint8_t {
    if len.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: caller contract.
    unsafe { len.write(0) };
    if e.is_null() {
        return core::ptr::null_mut();
    }
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    // No borrow of the queue is held between engine calls (see io.rs), so this one succeeds.
    let (off, n) = io.cipher_in.borrow().spare();
    // SAFETY: caller contract (`len` valid).
    unsafe { len.write(n) };
    // The free region of the ring inside the engine's memory (which does not move): the C
    // side writes there before ussl_input_commit, while no Rust reference covers it.
    crate::io::ByteQueue::storage(io.cipher_in.as_ptr()).wrapping_add(off)
}

/// Appends the `n` bytes written at ussl_input_buffer's region (at most its length) to the
/// engine's input and runs the engine, as ussl_feed does. Returns how many were taken.
///
/// # Safety
/// `e` from ussl_client_new and not freed; the bytes written as ussl_input_buffer said.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_input_commit(e: *mut UsslEngine, n: size_t) -> size_t {
    if e.is_null() {
        return 0;
    }
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    if matches!(io.phase(), Phase::Failed | Phase::Closed) {
        return n; // discarded, as ussl_feed does
    }
    let taken = io.cipher_in.borrow_mut().commit(n);
    // SAFETY: caller contract.
    unsafe { engine::run(e) };
    taken
}

/// Tells the engine the peer closed TCP (recv returned 0). During the handshake this
/// fails the connection with USSL_ERR_HANDSHAKE_EOF; after it, reads return
/// USSL_ERR_EOF unless close_notify was received (then 0).
///
/// # Safety
/// `e` from ussl_client_new and not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_feed_eof(e: *mut UsslEngine) {
    if e.is_null() {
        return;
    }
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    io.eof.set(true);
    io.bump();
    // SAFETY: caller contract.
    unsafe { engine::run(e) };
}

/// Ciphertext waiting to be sent: returns its address and sets `*len` (0: nothing to
/// send). The bytes stay valid until the next call into the engine. After sending some
/// of them, call ussl_output_consume. Call this after every other call.
///
/// # Safety
/// `e` from ussl_client_new and not freed; `len` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_output(e: *mut UsslEngine, len: *mut size_t) -> *const uint8_t {
    if e.is_null() || len.is_null() {
        return core::ptr::null();
    }
    // SAFETY: caller contract.
    let (p, n) = unsafe { engine::io(e) }.out.pending();
    // SAFETY: checked non-NULL; caller contract.
    unsafe { *len = n };
    if n == 0 { core::ptr::null() } else { p }
}

/// Reports that `n` bytes of ussl_output were sent to the socket; the engine continues
/// (the next record, if any, then shows in ussl_output).
///
/// # Safety
/// `e` from ussl_client_new and not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_output_consume(e: *mut UsslEngine, n: size_t) {
    if e.is_null() || n == 0 {
        return;
    }
    // SAFETY: caller contract.
    unsafe { engine::io(e) }.out.consume(n);
    // SAFETY: caller contract.
    unsafe { engine::run(e) };
}

fn want(io: &crate::io::Io) -> i32 {
    if io.out.pending().1 > 0 { USSL_WANT_WRITE } else { USSL_WANT_READ }
}

/// Advances the handshake: 0 once established, USSL_WANT_WRITE (send ussl_output),
/// USSL_WANT_READ (feed socket bytes), or an error code (ussl_error_message).
///
/// # Safety
/// `e` from ussl_client_new and not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_handshake(e: *mut UsslEngine) -> int32_t {
    if e.is_null() {
        return USSL_ERR_ARG;
    }
    // SAFETY: caller contract.
    unsafe { engine::run(e) };
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    match io.phase() {
        Phase::Established => USSL_OK,
        Phase::Failed => io.code(),
        Phase::Closed => USSL_ERR_CLOSED,
        Phase::Handshake => want(io),
    }
}

/// Reads decrypted data into `buf`: n > 0 bytes, 0 when the peer sent close_notify,
/// USSL_WANT_READ (feed more; also during the handshake) / USSL_WANT_WRITE (during the
/// handshake), or an error code. Data received before an error is returned first.
///
/// # Safety
/// `e` from ussl_client_new and not freed; `buf` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_read(e: *mut UsslEngine, buf: *mut uint8_t, len: size_t) -> int32_t {
    if e.is_null() || buf.is_null() {
        return USSL_ERR_ARG;
    }
    // Results are int32_t: read at most i32::MAX bytes.
    let len = len.min(i32::MAX as usize);
    // SAFETY: caller contract.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, len) };
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    let mut got = 0;
    loop {
        // SAFETY: caller contract.
        unsafe { engine::run(e) };
        let n = io.plain_out.borrow_mut().pop(&mut buf[got..]);
        got += n;
        if n == 0 || got == len {
            break;
        }
        io.bump();
    }
    if got > 0 || len == 0 {
        return got as i32;
    }
    match io.phase() {
        Phase::Failed => io.code(),
        Phase::Closed => USSL_ERR_CLOSED,
        Phase::Handshake => want(io),
        Phase::Established if io.peer_closed.get() => 0,
        Phase::Established => USSL_WANT_READ,
    }
}

/// Encrypts and queues `buf`: returns the number of bytes accepted (> 0; they will be
/// sent, drain ussl_output), USSL_WANT_WRITE (nothing accepted until output is sent),
/// USSL_WANT_READ (handshake in progress), or an error code.
///
/// # Safety
/// `e` from ussl_client_new and not freed; `buf` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_write(e: *mut UsslEngine, buf: *const uint8_t, len: size_t) -> int32_t {
    if e.is_null() || (buf.is_null() && len > 0) {
        return USSL_ERR_ARG;
    }
    let len = len.min(i32::MAX as usize);
    // SAFETY: caller contract.
    let data = unsafe { bytes(buf, len) }.unwrap_or(&[]);
    // SAFETY: caller contract.
    unsafe { engine::run(e) };
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    match io.phase() {
        Phase::Failed => return io.code(),
        Phase::Closed => return USSL_ERR_CLOSED,
        Phase::Handshake => return want(io),
        Phase::Established if io.close_requested.get() || io.peer_closed.get() => return USSL_ERR_CLOSED,
        Phase::Established => {}
    }
    if data.is_empty() {
        return 0;
    }
    let mut taken = 0;
    while taken < data.len() {
        let n = io.plain_in.borrow_mut().push(&data[taken..]);
        if n == 0 {
            break;
        }
        taken += n;
        io.bump();
        // SAFETY: caller contract.
        unsafe { engine::run(e) };
    }
    io.flush_requested.set(true);
    io.bump();
    // SAFETY: caller contract.
    unsafe { engine::run(e) };
    if taken > 0 {
        taken as i32
    } else if io.phase() == Phase::Failed {
        io.code()
    } else {
        USSL_WANT_WRITE
    }
}

/// Decrypted bytes ready to read without more input (for poll/select).
///
/// # Safety
/// `e` from ussl_client_new and not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_pending_plaintext(e: *mut UsslEngine) -> size_t {
    if e.is_null() {
        return 0;
    }
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    io.plain_out.borrow().len() + io.decrypted_left.get()
}

/// Closes the connection: sends close_notify after all accepted data. Returns 0 when
/// done (drain ussl_output once more), USSL_WANT_WRITE while output must be sent first,
/// or the error code of a failure that happened meanwhile. Before the handshake
/// finished, or after a failure, it just stops the engine and returns 0.
///
/// # Safety
/// `e` from ussl_client_new and not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_close(e: *mut UsslEngine) -> int32_t {
    if e.is_null() {
        return USSL_ERR_ARG;
    }
    // SAFETY: caller contract.
    let io = unsafe { engine::io(e) };
    match io.phase() {
        Phase::Closed | Phase::Failed => USSL_OK,
        Phase::Handshake => {
            // SAFETY: caller contract.
            unsafe { engine::stop(e) };
            io.set_phase(Phase::Closed);
            USSL_OK
        }
        Phase::Established => {
            io.close_requested.set(true);
            io.flush_requested.set(true);
            io.bump();
            // SAFETY: caller contract.
            unsafe { engine::run(e) };
            match io.phase() {
                Phase::Closed => USSL_OK,
                Phase::Failed => io.code(),
                _ => USSL_WANT_WRITE,
            }
        }
    }
}

/// Ends the engine: drops the connection state and wipes the engine memory and both
/// record buffers (keys, plaintext). The caller may then reuse or release them.
///
/// # Safety
/// `e` from ussl_client_new and not freed; invalid afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_engine_free(e: *mut UsslEngine) {
    if e.is_null() {
        return;
    }
    // SAFETY: caller contract.
    unsafe { engine::destroy(e) };
}

/// The server's leaf certificate: its DER length in the config's peer_cert buffer (> 0,
/// once the server's Certificate message arrived), 0 if none was received (or no buffer
/// was given), USSL_ERR_BUFFER if it was larger than peer_cert_cap (nothing copied).
///
/// # Safety
/// `e` from ussl_client_new and not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_peer_cert_len(e: *mut UsslEngine) -> int32_t {
    if e.is_null() {
        return USSL_ERR_ARG;
    }
    // SAFETY: caller contract.
    unsafe { engine::io(e) }.peer_cert_len.get()
}

/// Static NUL-terminated English text for a return code.
#[unsafe(no_mangle)]
pub extern "C" fn ussl_error_message(code: int32_t) -> *const c_char {
    message(code).as_ptr()
}

/// The in-place PEM converters' buffer: non-NULL, non-empty, and short enough that its
/// length fits the i32 they return.
///
/// # Safety
/// `buf` valid for reads and writes of `len` bytes (when non-NULL).
unsafe fn pem_buffer<'a>(buf: *mut uint8_t, len: size_t) -> Option<&'a mut [u8]> {
    if buf.is_null() || len == 0 || len > i32::MAX as usize {
        return None;
    }
    // SAFETY: caller contract.
    Some(unsafe { core::slice::from_raw_parts_mut(buf, len) })
}

/// Converts every PEM CERTIFICATE block in `buf` (one certificate or a bundle) to DER in
/// place: the DER certificates end up back to back at the start of `buf`. Returns the
/// total DER length, or USSL_ERR_CA_FORMAT (no certificate, bad base64, not DER).
///
/// # Safety
/// `buf` valid for reads and writes of `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_pem_to_der(buf: *mut uint8_t, len: size_t) -> int32_t {
    // SAFETY: caller contract.
    let Some(buf) = (unsafe { pem_buffer(buf, len) }) else { return USSL_ERR_ARG };
    match pem::pem_bundle_to_der_in_place(buf) {
        Some(n) if crate::verify::is_der_list(&buf[..n]) => n as i32,
        _ => USSL_ERR_CA_FORMAT,
    }
}

/// Checks a client certificate chain (DER certificates back to back, leaf first) and its
/// private key (DER, SEC1 or PKCS#8; PEM converted with ussl_pem_to_der) for
/// UsslClientConfig: 0, or USSL_ERR_CLIENT_CERT / USSL_ERR_CLIENT_KEY /
/// USSL_ERR_CLIENT_KEY_RSA / USSL_ERR_CLIENT_KEY_TYPE / USSL_ERR_CLIENT_KEY_MISMATCH, or
/// USSL_ERR_NO_CLIENT_CERTS when the engine was built without client certificates.
///
/// # Safety
/// `cert` valid for `cert_len` bytes, `key` for `key_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_client_auth_check(
    cert: *const uint8_t,
    cert_len: size_t,
    key: *const uint8_t,
    key_len: size_t,
) -> int32_t {
    // SAFETY: caller contract.
    let (Some(chain), Some(key)) = (unsafe { bytes(cert, cert_len) }, unsafe { bytes(key, key_len) }) else {
        return USSL_ERR_ARG;
    };
    match crate::client_auth::check(chain, key) {
        Ok(()) => USSL_OK,
        Err(e) => e.code(),
    }
}

/// Converts a PEM private key ("PRIVATE KEY", "EC PRIVATE KEY"; the first key block of the
/// text) to DER in place: returns the DER length, or USSL_ERR_CLIENT_KEY (no key block, bad
/// base64, or an encrypted key), USSL_ERR_ARG.
///
/// # Safety
/// `buf` valid for reads and writes of `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ussl_pem_key_to_der(buf: *mut uint8_t, len: size_t) -> int32_t {
    // SAFETY: caller contract.
    let Some(buf) = (unsafe { pem_buffer(buf, len) }) else { return USSL_ERR_ARG };
    match pem::pem_key_to_der_in_place(buf) {
        Some(n) => n as i32,
        None => USSL_ERR_CLIENT_KEY,
    }
}
