//! The C ABI on in-memory buffers: arguments, call order, wiping. No sockets and no peer
//! process, so these also run under Miri (`make test-miri`), which checks the unsafe code of this
//! module (engine placement, the pinned task, raw buffers) for undefined behaviour.

extern crate std;
use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::vec;
use std::vec::Vec;

use super::api::*;
use crate::error::*;

struct Mem {
    mem: *mut u8,
    layout: Layout,
    rx: Vec<u8>,
    tx: Vec<u8>,
    /// The handshake memory (u64s: aligned enough, see `handshake_mem`).
    hs: Vec<u64>,
}

/// Handshake memory for one engine, zeroed.
fn handshake_mem() -> Vec<u64> {
    assert!(ussl_handshake_mem_align() <= 8);
    vec![0u64; ussl_handshake_mem_size().div_ceil(8)]
}

impl Mem {
    fn new(rx: usize, tx: usize) -> Mem {
        let layout = Layout::from_size_align(ussl_engine_size(), ussl_engine_align()).unwrap();
        // SAFETY: non-zero size.
        let mem = unsafe { alloc_zeroed(layout) };
        Mem { mem, layout, rx: vec![0; rx], tx: vec![0; tx], hs: handshake_mem() }
    }

    fn new_client(&mut self, cfg: &UsslClientConfig) -> Result<*mut UsslEngine, i32> {
        self.new_client_at(self.mem, self.layout.size(), cfg)
    }

    fn new_client_at(&mut self, mem: *mut u8, len: usize, cfg: &UsslClientConfig) -> Result<*mut UsslEngine, i32> {
        let mut e = core::ptr::null_mut();
        let cfg = UsslClientConfig { handshake_mem: self.hs.as_mut_ptr().cast(), handshake_mem_len: self.hs.len() * 8, ..*cfg };
        // SAFETY: buffers owned by self, outliving the engine (freed in the tests first).
        let r = unsafe {
            ussl_client_new(mem.cast(), len, self.rx.as_mut_ptr(), self.rx.len(), self.tx.as_mut_ptr(), self.tx.len(), &cfg, &mut e)
        };
        if r == 0 { Ok(e) } else { Err(r) }
    }

    /// Frees the engine and checks that it wiped its memory and both buffers.
    fn free(&mut self, e: *mut UsslEngine) {
        // SAFETY: live engine, freed once.
        unsafe { ussl_engine_free(e) };
        // SAFETY: the engine memory, initialised (zeroed, then written by the engine).
        let mem = unsafe { core::slice::from_raw_parts(self.mem, self.layout.size()) };
        assert!(mem.iter().chain(&self.rx).chain(&self.tx).all(|&b| b == 0), "not wiped");
        assert!(self.hs.iter().all(|&w| w == 0), "handshake memory not wiped");
    }

    /// Takes all pending output, `step` bytes at a time; returns it.
    fn take_output(&mut self, e: *mut UsslEngine, step: usize) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let mut n = 0;
            // SAFETY: live engine.
            let p = unsafe { ussl_output(e, &mut n) };
            if n == 0 {
                assert!(p.is_null());
                return out;
            }
            let base = self.tx.as_ptr() as usize;
            assert!(p as usize >= base && p as usize + n <= base + self.tx.len());
            let k = n.min(step);
            // SAFETY: valid until the next engine call.
            out.extend_from_slice(unsafe { core::slice::from_raw_parts(p, k) });
            // SAFETY: live engine.
            unsafe { ussl_output_consume(e, k) };
        }
    }
}

impl Drop for Mem {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.mem, self.layout) };
    }
}

fn config(name: &'static [u8], ca: &'static [u8], verify: i32) -> UsslClientConfig {
    UsslClientConfig {
        server_name: if name.is_empty() { core::ptr::null() } else { name.as_ptr() },
        server_name_len: name.len(),
        ca: if ca.is_empty() { core::ptr::null() } else { ca.as_ptr() },
        ca_len: ca.len(),
        verify_mode: verify,
        now: 0,
        flags: USSL_FLAG_NO_TIME_CHECK,
        peer_cert: core::ptr::null_mut(),
        peer_cert_cap: 0,
        suites: core::ptr::null(),
        suites_len: 0,
        client_cert: core::ptr::null(),
        client_cert_len: 0,
        client_key: core::ptr::null(),
        client_key_len: 0,
        psk: core::ptr::null(),
        psk_len: 0,
        psk_identity: core::ptr::null(),
        psk_identity_len: 0,
        handshake_mem: core::ptr::null_mut(),
        handshake_mem_len: 0,
    }
}

#[test]
fn refuses_bad_arguments() {
    let mut m = Mem::new(USSL_RX_BUFFER_MIN, USSL_TX_BUFFER_MIN);
    let ok = config(b"localhost", b"", USSL_CERT_NONE);
    assert_eq!(m.new_client_at(m.mem, m.layout.size() - 1, &ok), Err(USSL_ERR_ARG));
    if ussl_engine_align() > 1 {
        // SAFETY: pointer arithmetic inside the allocation; never dereferenced (refused).
        let odd = unsafe { m.mem.add(1) };
        assert_eq!(m.new_client_at(odd, m.layout.size() - 1, &ok), Err(USSL_ERR_ARG));
    }
    let mut e = core::ptr::null_mut();
    // SAFETY: NULL arguments are refused before any access.
    let r = unsafe { ussl_client_new(core::ptr::null_mut(), 0, core::ptr::null_mut(), 0, core::ptr::null_mut(), 0, &ok, &mut e) };
    assert_eq!(r, USSL_ERR_ARG);
    let mut small = Mem::new(USSL_RX_BUFFER_MIN - 1, USSL_TX_BUFFER_MIN);
    assert_eq!(small.new_client(&ok), Err(USSL_ERR_BUFFER));
    assert_eq!(m.new_client(&config(b"localhost", b"", 3)), Err(USSL_ERR_ARG));
    assert_eq!(m.new_client(&config(b"local host", b"", USSL_CERT_NONE)), Err(USSL_ERR_SERVER_NAME));
    assert_eq!(m.new_client(&config(&[b'a'; 65], b"", USSL_CERT_NONE)), Err(USSL_ERR_SERVER_NAME));
    assert_eq!(m.new_client(&config(b"localhost", b"", USSL_CERT_REQUIRED)), Err(USSL_ERR_NO_CA));
    let pem = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
    assert_eq!(m.new_client(&config(b"localhost", pem, USSL_CERT_REQUIRED)), Err(USSL_ERR_CA_FORMAT));
    assert_eq!(m.new_client(&config(b"", &[0x30, 0x00], USSL_CERT_REQUIRED)), Err(USSL_ERR_SERVER_NAME));
}

#[test]
fn null_engine_is_refused() {
    let mut b = [0u8; 4];
    let mut n = 7;
    // SAFETY: a NULL engine is refused before any access.
    unsafe {
        assert_eq!(ussl_feed(core::ptr::null_mut(), b.as_ptr(), 4), 0);
        ussl_feed_eof(core::ptr::null_mut());
        assert!(ussl_output(core::ptr::null_mut(), &mut n).is_null());
        ussl_output_consume(core::ptr::null_mut(), 4);
        assert_eq!(ussl_handshake(core::ptr::null_mut()), USSL_ERR_ARG);
        assert_eq!(ussl_read(core::ptr::null_mut(), b.as_mut_ptr(), 4), USSL_ERR_ARG);
        assert_eq!(ussl_write(core::ptr::null_mut(), b.as_ptr(), 4), USSL_ERR_ARG);
        assert_eq!(ussl_pending_plaintext(core::ptr::null_mut()), 0);
        assert_eq!(ussl_close(core::ptr::null_mut()), USSL_ERR_ARG);
        assert_eq!(ussl_peer_cert_len(core::ptr::null_mut()), USSL_ERR_ARG);
        ussl_engine_free(core::ptr::null_mut());
        assert_eq!(ussl_pem_to_der(core::ptr::null_mut(), 4), USSL_ERR_ARG);
    }
}

/// ClientHello out in small pieces, a server that is not TLS, then every call after the
/// failure, then the wipe; then a second engine in the same memory, closed before the
/// server answered.
#[test]
fn garbage_from_the_server_then_reuse() {
    let mut m = Mem::new(USSL_RX_BUFFER_MIN, USSL_TX_BUFFER_MIN);
    let e = m.new_client(&config(b"localhost", b"", USSL_CERT_NONE)).unwrap();
    let hello = m.take_output(e, 7);
    assert_eq!(&hello[..3], &[0x16, 0x03, 0x01], "a handshake record");
    assert!(hello.len() > 100);
    // SAFETY: live engine.
    assert_eq!(unsafe { ussl_handshake(e) }, USSL_WANT_READ);
    let reply = b"HTTP/1.0 400 Bad Request\r\n\r\n";
    // SAFETY: live engine; `reply` valid for the call.
    assert_eq!(unsafe { ussl_feed(e, reply.as_ptr(), reply.len()) }, reply.len());
    // SAFETY: live engine.
    let code = unsafe { ussl_handshake(e) };
    assert!(code < 0 && code != USSL_WANT_READ && code != USSL_WANT_WRITE, "{code}");
    let mut buf = [0u8; 16];
    // SAFETY: live engine; buffers valid for their lengths.
    unsafe {
        assert_eq!(ussl_read(e, buf.as_mut_ptr(), buf.len()), code);
        assert_eq!(ussl_write(e, buf.as_ptr(), buf.len()), code);
        assert_eq!(ussl_feed(e, reply.as_ptr(), reply.len()), reply.len(), "discarded after failure");
        assert_eq!(ussl_handshake(e), code, "the first error stays");
        assert_eq!(ussl_close(e), USSL_OK);
    }
    m.take_output(e, usize::MAX);
    m.free(e);

    let e = m.new_client(&config(b"127.0.0.1", b"", USSL_CERT_NONE)).unwrap();
    // SAFETY: live engine; NULL data with length 0 is allowed for write.
    unsafe {
        assert_eq!(ussl_write(e, core::ptr::null(), 0), USSL_WANT_WRITE);
        assert_eq!(ussl_close(e), USSL_OK);
        assert_eq!(ussl_handshake(e), USSL_ERR_CLOSED);
        assert_eq!(ussl_write(e, b"x".as_ptr(), 1), USSL_ERR_CLOSED);
        assert_eq!(ussl_close(e), USSL_OK, "idempotent");
    }
    assert!(m.take_output(e, usize::MAX).is_empty(), "nothing sent after close");
    m.free(e);
}

/// A plaintext alert instead of a ServerHello: reported as the peer's alert.
#[test]
fn alert_instead_of_server_hello() {
    let mut m = Mem::new(USSL_RX_BUFFER_MIN, USSL_TX_BUFFER_MIN);
    let e = m.new_client(&config(b"localhost", b"", USSL_CERT_NONE)).unwrap();
    m.take_output(e, usize::MAX);
    let alert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40]; // fatal handshake_failure
    for b in alert {
        // SAFETY: live engine; one byte at a time.
        assert_eq!(unsafe { ussl_feed(e, &b, 1) }, 1);
    }
    // SAFETY: live engine.
    assert_eq!(unsafe { ussl_handshake(e) }, USSL_ERR_ALERT_RECEIVED_BASE - 40);
    m.free(e);
}

/// The same alert through the zero-copy input (ussl_input_buffer / ussl_input_commit), in
/// pieces; the region reported is the queue's free space, and a NULL engine gives none.
#[test]
fn alert_through_zero_copy_input() {
    let mut n = 7;
    // SAFETY: a NULL engine is refused before any access.
    unsafe {
        assert!(ussl_input_buffer(core::ptr::null_mut(), &mut n).is_null());
        assert_eq!(n, 0);
        assert_eq!(ussl_input_commit(core::ptr::null_mut(), 4), 0);
    }
    let mut m = Mem::new(USSL_RX_BUFFER_MIN, USSL_TX_BUFFER_MIN);
    let e = m.new_client(&config(b"localhost", b"", USSL_CERT_NONE)).unwrap();
    m.take_output(e, usize::MAX);
    let alert = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40]; // fatal handshake_failure
    for part in [&alert[..3], &alert[3..]] {
        let mut room = 0;
        // SAFETY: live engine.
        let p = unsafe { ussl_input_buffer(e, &mut room) };
        assert!(!p.is_null());
        assert_eq!(room, crate::io::CIPHER_IN_CAP, "the engine took everything before");
        // SAFETY: `p` is valid for `room` bytes until the next call on the engine.
        unsafe { core::ptr::copy_nonoverlapping(part.as_ptr(), p, part.len()) };
        // SAFETY: live engine; the bytes were written at `p`.
        assert_eq!(unsafe { ussl_input_commit(e, part.len()) }, part.len());
    }
    // SAFETY: live engine.
    assert_eq!(unsafe { ussl_handshake(e) }, USSL_ERR_ALERT_RECEIVED_BASE - 40);
    // SAFETY: live engine; after the failure input is discarded.
    assert_eq!(unsafe { ussl_input_commit(e, 3) }, 3);
    m.free(e);
}

#[test]
fn eof_during_the_handshake() {
    let mut m = Mem::new(USSL_RX_BUFFER_MIN, USSL_TX_BUFFER_MIN);
    let e = m.new_client(&config(b"localhost", b"", USSL_CERT_NONE)).unwrap();
    // EOF while the ClientHello is still unsent: the engine first wants it sent, then fails.
    // SAFETY: live engine.
    unsafe { ussl_feed_eof(e) };
    // SAFETY: live engine.
    assert_eq!(unsafe { ussl_handshake(e) }, USSL_WANT_WRITE);
    m.take_output(e, 100);
    // SAFETY: live engine.
    assert_eq!(unsafe { ussl_handshake(e) }, USSL_ERR_HANDSHAKE_EOF);
    m.free(e);
}

#[test]
fn pem_to_der_in_place() {
    let mut b = *b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    // SAFETY: `b` valid for reads and writes of its length.
    let n = unsafe { ussl_pem_to_der(b.as_mut_ptr(), b.len()) };
    assert_eq!(n, 5);
    assert_eq!(&b[..5], &[0x30, 0x03, 0x02, 0x01, 0x01]);
    let mut bad = *b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    // SAFETY: as above.
    assert_eq!(unsafe { ussl_pem_to_der(bad.as_mut_ptr(), bad.len()) }, USSL_ERR_CA_FORMAT);
}

#[test]
fn record_buffers_follow_the_fragment_length() {
    assert_eq!(ussl_rx_buffer_for_fragment(0), USSL_RX_BUFFER_FULL);
    assert_eq!(ussl_rx_buffer_for_fragment(16384), USSL_RX_BUFFER_FULL);
    assert_eq!(ussl_rx_buffer_for_fragment(4096), 4096 + 261);
    assert_eq!(ussl_rx_buffer_for_fragment(3000), 2048 + 261);
    assert_eq!(ussl_rx_buffer_for_fragment(1024), 1024 + 261);
    // 512-byte records: the receive buffer's floor.
    assert_eq!(ussl_rx_buffer_for_fragment(512), USSL_RX_BUFFER_MIN);
    assert_eq!(ussl_rx_buffer_for_fragment(1), USSL_RX_BUFFER_MIN);
    // The transmit buffer never outgrows the record the server was asked for.
    assert_eq!(ussl_tx_buffer_for(USSL_RX_BUFFER_FULL, 2048), 2048);
    assert_eq!(ussl_tx_buffer_for(4096 + 261, 8192), 4096 + 128);
    assert_eq!(ussl_tx_buffer_for(1024 + 261, 2048), 1024 + 128);
    assert_eq!(ussl_tx_buffer_for(USSL_RX_BUFFER_MIN, 2048), 512 + 128);
    assert_eq!(ussl_tx_buffer_for(USSL_RX_BUFFER_FULL, 100), USSL_TX_BUFFER_MIN);
    // Each pair is accepted by ussl_client_new.
    for f in [512, 1024, 2048, 4096, 16384] {
        let rx = ussl_rx_buffer_for_fragment(f);
        let mut m = Mem::new(rx, ussl_tx_buffer_for(rx, 2048));
        let e = m.new_client(&config(b"localhost", b"", USSL_CERT_NONE)).unwrap();
        m.free(e);
    }
}

#[test]
fn handshake_memory_is_required_and_checked() {
    let mut m = Mem::new(USSL_RX_BUFFER_MIN, USSL_TX_BUFFER_MIN);
    let mut hs = handshake_mem();
    let ok = config(b"localhost", b"", USSL_CERT_NONE);
    let mut e = core::ptr::null_mut();
    let mut try_with = |p: *mut u8, len: usize| {
        let cfg = UsslClientConfig { handshake_mem: p.cast(), handshake_mem_len: len, ..ok };
        // SAFETY: buffers owned by `m` and `hs`; every call here is refused before any access.
        unsafe { ussl_client_new(m.mem.cast(), m.layout.size(), m.rx.as_mut_ptr(), m.rx.len(), m.tx.as_mut_ptr(), m.tx.len(), &cfg, &mut e) }
    };
    assert_eq!(try_with(core::ptr::null_mut(), ussl_handshake_mem_size()), USSL_ERR_ARG);
    let p = hs.as_mut_ptr().cast::<u8>();
    assert_eq!(try_with(p, ussl_handshake_mem_size() - 1), USSL_ERR_ARG);
    if ussl_handshake_mem_align() > 1 {
        // SAFETY: inside the allocation; never dereferenced (refused).
        assert_eq!(try_with(unsafe { p.add(1) }, ussl_handshake_mem_size()), USSL_ERR_ARG);
    }
    // In use from creation until the engine is freed (no handshake ran here).
    let e = m.new_client(&ok).unwrap();
    // SAFETY: live engine.
    assert_eq!(unsafe { ussl_handshake_mem_in_use(e) }, 1);
    m.free(e);
    hs.clear();
}
