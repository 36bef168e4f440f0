//! Shared harness of the fuzz targets: reading fuzzer bytes, and an engine driven through the
//! C ABI exactly as the MicroPython shim drives it, with the ABI's promises checked on every
//! call (a broken promise panics, which libFuzzer reports as a crash).

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::ffi::CStr;

use ussl_engine::error::*;
use ussl_engine::*;

pub mod server;

/// Reads fuzzer bytes front to back; past the end everything reads as zero/empty.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (a, b) = self.data.split_at(n);
        self.data = b;
        a
    }

    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }

    pub fn u16(&mut self) -> u16 {
        let b = self.bytes(2);
        b.iter().fold(0u16, |a, &x| (a << 8) | u16::from(x))
    }

    pub fn i64(&mut self) -> i64 {
        let mut v = [0u8; 8];
        let b = self.bytes(8);
        v[..b.len()].copy_from_slice(b);
        i64::from_le_bytes(v)
    }

    /// A big-endian u16 length, then that many bytes.
    pub fn section(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.bytes(n)
    }
}

/// A server_flight input: how the client is set up, then the server's bytes as separate
/// reads. The format of fuzz/seeds/flight.bin and of fuzz/corpus/server_flight/*.
pub struct Flight<'a> {
    pub flags: u8,
    pub now: i64,
    pub ca: &'a [u8],
    pub chunks: Vec<&'a [u8]>,
}

/// Flight flags.
pub const F_VERIFY: u8 = 1;
pub const F_NO_TIME: u8 = 2;
pub const F_SMALL_RX: u8 = 4;
pub const F_PEER_CERT: u8 = 8;
/// The harness is the server (`server::Server`): it answers with its own ServerHello, and
/// each chunk is [kind][content]: kind 0xFF is the server's correct Finished, 0xFE sends
/// the content as raw bytes, any other kind is the inner content type of one record
/// encrypted under the current server keys.
pub const F_ENCRYPT: u8 = 16;

impl<'a> Flight<'a> {
    pub fn parse(data: &'a [u8]) -> Flight<'a> {
        let mut i = Input::new(data);
        let (flags, now, ca) = (i.u8(), i.i64(), i.section());
        let mut chunks = Vec::new();
        while !i.is_empty() {
            chunks.push(i.section());
        }
        Flight { flags, now, ca, chunks }
    }

    pub fn encode(flags: u8, now: i64, ca: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut v = vec![flags];
        v.extend_from_slice(&now.to_le_bytes());
        for s in std::iter::once(ca).chain(chunks.iter().map(|c| c.as_slice())) {
            v.extend_from_slice(&(s.len() as u16).to_be_bytes());
            v.extend_from_slice(s);
        }
        v
    }

    /// The engine configuration the flight was recorded with (flags may vary it).
    pub fn config(&self) -> Config<'a> {
        Config {
            server_name: b"localhost",
            ca: if self.flags & F_VERIFY != 0 { self.ca } else { &[] },
            verify: if self.flags & F_VERIFY != 0 { USSL_CERT_REQUIRED } else { USSL_CERT_NONE },
            rx: if self.flags & F_SMALL_RX != 0 { 4096 + 261 } else { USSL_RX_BUFFER_FULL },
            tx: 2048,
            now: self.now,
            flags: if self.flags & F_NO_TIME != 0 { USSL_FLAG_NO_TIME_CHECK } else { 0 },
            peer_cert_cap: if self.flags & F_PEER_CERT != 0 { 2048 } else { 0 },
        }
    }
}

/// The recorded handshake (fuzz/capture-seeds.sh): `USSL_FUZZ_FLIGHT` names a fresh capture
/// (what `make fuzz` passes), else the committed one.
pub fn recorded_flight() -> &'static [u8] {
    static F: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    F.get_or_init(|| match std::env::var_os("USSL_FUZZ_FLIGHT") {
        Some(p) => std::fs::read(p).expect("USSL_FUZZ_FLIGHT"),
        None => include_bytes!("../seeds/flight.bin").to_vec(),
    })
}

pub struct Config<'a> {
    pub server_name: &'a [u8],
    pub ca: &'a [u8],
    pub verify: i32,
    pub rx: usize,
    pub tx: usize,
    pub now: i64,
    pub flags: u32,
    pub peer_cert_cap: usize,
}

/// Message of a code returned by the engine; a code without its own message is a bug.
pub fn check_code(r: i32) {
    // SAFETY: ussl_error_message returns static NUL-terminated text.
    let m = unsafe { CStr::from_ptr(ussl_error_message(r)) };
    assert!(!m.is_empty());
    assert!(r >= 0 || m != c"unknown error", "code {r} has no message");
}

/// An engine in heap memory, freed (and its wipe checked) on drop.
pub struct Engine {
    mem: *mut u8,
    layout: Layout,
    rx: Vec<u8>,
    tx: Vec<u8>,
    ca: Vec<u8>,
    peer: Vec<u8>,
    /// The handshake memory (u64s: aligned enough).
    hs: Vec<u64>,
    e: *mut UsslEngine,
    /// The code of the first failure: the engine must keep reporting it.
    pub failed: Option<i32>,
    pub established: bool,
    pub plaintext: usize,
}

impl Engine {
    pub fn new(c: &Config<'_>) -> Result<Engine, i32> {
        let mut eng = Engine::create(c)?;
        eng.drain(usize::MAX);
        Ok(eng)
    }

    /// For the capture tool: the ClientHello goes to `sink` instead of being dropped.
    pub fn new_with_output(c: &Config<'_>, sink: impl FnMut(&[u8])) -> Engine {
        let mut eng = Engine::create(c).expect("ussl_client_new");
        eng.send(sink);
        eng
    }

    /// Hands all pending output to `sink`.
    pub fn send(&mut self, mut sink: impl FnMut(&[u8])) {
        loop {
            let n = self.output_len();
            if n == 0 {
                return;
            }
            let mut len = 0;
            // SAFETY: live engine; the bytes stay valid until the next engine call.
            let p = unsafe { ussl_output(self.e, &mut len) };
            // SAFETY: checked by output_len to lie in the tx buffer.
            sink(unsafe { std::slice::from_raw_parts(p, len) });
            // SAFETY: live engine.
            unsafe { ussl_output_consume(self.e, len) };
        }
    }

    /// `feed`, with the output going to `sink`.
    pub fn feed_sending(&mut self, mut data: &[u8], mut sink: impl FnMut(&[u8])) -> bool {
        for _ in 0..1000 {
            if data.is_empty() {
                return true;
            }
            // SAFETY: live engine; `data` valid for the call.
            let n = unsafe { ussl_feed(self.e, data.as_ptr(), data.len()) };
            data = &data[n..];
            self.send(&mut sink);
            if n == 0 {
                self.read(4096);
            }
        }
        false
    }

    /// The engine with its ClientHello still pending.
    pub fn create(c: &Config<'_>) -> Result<Engine, i32> {
        let layout = Layout::from_size_align(ussl_engine_size(), ussl_engine_align()).unwrap();
        // SAFETY: non-zero size layout.
        let mem = unsafe { alloc_zeroed(layout) };
        let mut rx = vec![0u8; c.rx];
        let mut tx = vec![0u8; c.tx];
        let ca = c.ca.to_vec();
        let mut peer = vec![0u8; c.peer_cert_cap];
        assert!(ussl_handshake_mem_align() <= 8);
        let mut hs = vec![0u64; ussl_handshake_mem_size().div_ceil(8)];
        let cfg = UsslClientConfig {
            handshake_mem: hs.as_mut_ptr().cast(),
            handshake_mem_len: hs.len() * 8,
            server_name: if c.server_name.is_empty() { std::ptr::null() } else { c.server_name.as_ptr() },
            server_name_len: c.server_name.len(),
            ca: if ca.is_empty() { std::ptr::null() } else { ca.as_ptr() },
            ca_len: ca.len(),
            verify_mode: c.verify,
            now: c.now,
            flags: c.flags,
            peer_cert: if peer.is_empty() { std::ptr::null_mut() } else { peer.as_mut_ptr() },
            peer_cert_cap: peer.len(),
            suites: std::ptr::null(),
            suites_len: 0,
            client_cert: std::ptr::null(),
            client_cert_len: 0,
            client_key: std::ptr::null(),
            client_key_len: 0,
            psk: std::ptr::null(),
            psk_len: 0,
            psk_identity: std::ptr::null(),
            psk_identity_len: 0,
        };
        let mut e = std::ptr::null_mut();
        // SAFETY: every buffer lives in the returned Engine (Vec heap memory does not move)
        // until Drop frees the engine.
        let r = unsafe {
            ussl_client_new(mem.cast(), layout.size(), rx.as_mut_ptr(), rx.len(), tx.as_mut_ptr(), tx.len(), &cfg, &mut e)
        };
        if r != 0 {
            check_code(r);
            // SAFETY: allocated above with this layout.
            unsafe { dealloc(mem, layout) };
            return Err(r);
        }
        let mut eng = Engine { mem, layout, rx, tx, ca, peer, hs, e, failed: None, established: false, plaintext: 0 };
        assert!(eng.output_len() > 0, "no ClientHello after ussl_client_new");
        Ok(eng)
    }

    pub fn raw(&self) -> *mut UsslEngine {
        self.e
    }

    pub fn rx_len(&self) -> usize {
        self.rx.len()
    }

    /// Pending output length, checking that it lies inside the transmit buffer.
    pub fn output_len(&mut self) -> usize {
        let mut len = usize::MAX;
        // SAFETY: live engine, `len` valid for a write.
        let p = unsafe { ussl_output(self.e, &mut len) };
        assert!(len != usize::MAX, "ussl_output did not set len");
        if len == 0 {
            assert!(p.is_null());
            return 0;
        }
        let base = self.tx.as_ptr() as usize;
        assert!(p as usize >= base && p as usize + len <= base + self.tx.len(), "output outside the tx buffer");
        len
    }

    /// Sends (drops) up to `max` bytes of output per step until none is left or `max` is 0.
    pub fn drain(&mut self, max: usize) {
        for _ in 0..10_000 {
            let n = self.output_len().min(max);
            if n == 0 {
                return;
            }
            // SAFETY: live engine.
            unsafe { ussl_output_consume(self.e, n) };
        }
        panic!("output never ends");
    }

    /// Checks a result code against the engine's state: errors are known codes, and once
    /// failed the engine keeps its first error.
    pub fn note(&mut self, r: i32) -> i32 {
        check_code(r);
        if r < 0 && ![USSL_WANT_READ, USSL_WANT_WRITE, USSL_ERR_CLOSED, USSL_ERR_ARG].contains(&r) {
            match self.failed {
                None => self.failed = Some(r),
                Some(f) => assert_eq!(f, r, "error code changed"),
            }
        }
        r
    }

    pub fn handshake(&mut self) -> i32 {
        // SAFETY: live engine.
        let r = unsafe { ussl_handshake(self.e) };
        if r == 0 {
            self.established = true;
            assert!(self.failed.is_none(), "established after a failure");
            // SAFETY: live engine.
            assert_eq!(unsafe { ussl_handshake_mem_in_use(self.e) }, 0, "handshake memory in use once established");
            assert!(self.hs.iter().all(|&w| w == 0), "handshake memory not wiped once established");
        }
        self.note(r)
    }

    /// Feeds `data` completely, reading plaintext and sending output whenever the engine
    /// stops taking bytes. False if the engine stopped taking bytes for good.
    pub fn feed(&mut self, mut data: &[u8]) -> bool {
        let mut stuck = 0;
        while !data.is_empty() {
            // SAFETY: live engine; `data` valid for the call.
            let n = unsafe { ussl_feed(self.e, data.as_ptr(), data.len()) };
            assert!(n <= data.len());
            data = &data[n..];
            self.drain(usize::MAX);
            if n == 0 {
                let got = self.read(4096);
                stuck = if got > 0 { 0 } else { stuck + 1 };
                if stuck > 2 {
                    return false;
                }
            }
        }
        true
    }

    pub fn feed_eof(&mut self) {
        // SAFETY: live engine.
        unsafe { ussl_feed_eof(self.e) };
    }

    /// Reads up to `len` bytes; returns the count (0 on anything else).
    pub fn read(&mut self, len: usize) -> usize {
        let mut buf = vec![0u8; len.max(1)];
        // SAFETY: live engine; `buf` valid for `len` bytes.
        let r = self.note(unsafe { ussl_read(self.e, buf.as_mut_ptr(), len) });
        assert!(r <= len as i32);
        if r > 0 {
            // Other calls may have finished the handshake; it must be finished now.
            // Never while the handshake is still running. (After a failure or a close the
            // engine cannot tell whether it had been established: data received before
            // either is still returned.)
            if !self.established {
                // SAFETY: live engine.
                let h = unsafe { ussl_handshake(self.e) };
                assert!(h != USSL_WANT_READ && h != USSL_WANT_WRITE, "plaintext during the handshake ({h})");
                self.established |= h == 0;
            }
            self.plaintext += r as usize;
        }
        r.max(0) as usize
    }

    pub fn write(&mut self, data: &[u8]) -> i32 {
        // SAFETY: live engine; `data` valid for the call (NULL with length 0 allowed).
        let p = if data.is_empty() { std::ptr::null() } else { data.as_ptr() };
        let r = self.note(unsafe { ussl_write(self.e, p, data.len()) });
        assert!(r <= data.len() as i32);
        r
    }

    pub fn close(&mut self) -> i32 {
        // SAFETY: live engine.
        let r = unsafe { ussl_close(self.e) };
        self.note(r)
    }

    pub fn pending(&mut self) -> usize {
        // SAFETY: live engine.
        unsafe { ussl_pending_plaintext(self.e) }
    }

    pub fn peer_cert_len(&mut self) -> i32 {
        // SAFETY: live engine.
        let r = unsafe { ussl_peer_cert_len(self.e) };
        assert!(r == USSL_ERR_BUFFER || (0..=self.peer.len() as i32).contains(&r));
        r
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: live engine, freed once here; its memory is released after.
        unsafe { ussl_engine_free(self.e) };
        let wiped = |b: &[u8]| b.iter().all(|&x| x == 0);
        // SAFETY: `mem` holds `layout.size()` initialised bytes (zeroed at allocation).
        let mem = unsafe { std::slice::from_raw_parts(self.mem, self.layout.size()) };
        let ok = wiped(&self.rx) && wiped(&self.tx) && wiped(mem) && self.hs.iter().all(|&w| w == 0);
        let _ = &self.ca;
        // SAFETY: allocated in `new` with this layout; the engine is gone.
        unsafe { dealloc(self.mem, self.layout) };
        if !std::thread::panicking() {
            assert!(ok, "ussl_engine_free left bytes in the engine, the record buffers or the handshake memory");
        }
    }
}

/// Replays a flight: the server's reads in order, the client's handshake, one request and
/// its answer, then EOF and close. Returns (established, first failure, plaintext bytes).
pub fn replay(f: &Flight<'_>) -> Option<(bool, Option<i32>, usize)> {
    let mut eng = Engine::create(&f.config()).ok()?;
    let mut hello = Vec::new();
    eng.send(|b| hello.extend_from_slice(b));
    let mut wrote = false;
    if f.flags & F_ENCRYPT != 0 {
        let (mut srv, sh) = server::Server::hello(&hello, &[0x42; 32]).expect("ClientHello without a P-256 share");
        let mut go = step(&mut eng, &sh, &mut wrote);
        for c in &f.chunks {
            if !go {
                break;
            }
            let bytes = match c.split_first() {
                None => Vec::new(),
                Some((0xFF, _)) => srv.finished(),
                Some((0xFE, raw)) => raw.to_vec(),
                Some((&kind, content)) => srv.record(kind, content),
            };
            go = step(&mut eng, &bytes, &mut wrote);
        }
    } else {
        for c in &f.chunks {
            if !step(&mut eng, c, &mut wrote) {
                break;
            }
        }
    }
    eng.feed_eof();
    while eng.read(4096) > 0 {}
    eng.handshake();
    for _ in 0..8 {
        if eng.close() != USSL_WANT_WRITE {
            break;
        }
        eng.drain(usize::MAX);
    }
    eng.drain(usize::MAX);
    Some((eng.established, eng.failed, eng.plaintext))
}

/// One read from the server, then what the shim would do: handshake, request once
/// established, read what there is. False once the engine takes no more bytes.
fn step(eng: &mut Engine, bytes: &[u8], wrote: &mut bool) -> bool {
    if !eng.feed(bytes) {
        return false;
    }
    if !eng.established {
        eng.handshake();
    }
    if eng.established && !*wrote {
        *wrote = eng.write(b"GET / HTTP/1.0\r\n\r\n") > 0;
        eng.drain(usize::MAX);
    }
    while eng.read(4096) > 0 {}
    eng.pending();
    eng.peer_cert_len();
    true
}
