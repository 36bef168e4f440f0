//! Test harness: drives the engine through its C ABI over a real TCP socket.
#![allow(dead_code)]

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::ffi::CStr;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ussl_engine::*;
use ussl_engine::error::*;

/// Certificates made by tests/certs/make-certs.sh, once per test binary.
pub fn certs() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("certs-{}", std::process::id()));
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/certs/make-certs.sh");
        let st = Command::new("sh").arg(&script).arg(&dir).status().expect("run make-certs.sh");
        assert!(st.success(), "make-certs.sh failed");
        dir
    })
    .clone()
}

/// Chains made by tests/certs/make-chains.sh, once per test binary.
pub fn chains() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("chains-{}", std::process::id()));
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/certs/make-chains.sh");
        let st = Command::new("sh").arg(&script).arg(&dir).status().expect("run make-chains.sh");
        assert!(st.success(), "make-chains.sh failed");
        dir
    })
    .clone()
}

pub fn cert(name: &str) -> Vec<u8> {
    std::fs::read(certs().join(name)).unwrap()
}

/// Starts the hostile TLS 1.3 peer (tests/hostile/tls13_peer.py; it exits when its stdin
/// closes): the process, stdin still attached, and the port it listens on.
pub fn start_hostile_peer() -> (Child, u16) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/hostile/tls13_peer.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg("--certs")
        .arg(certs())
        .arg("--exit-with-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start tests/hostile/tls13_peer.py (python3 with the cryptography package)");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let port = line
        .strip_prefix("PORT ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("tls13_peer.py did not start: {line:?}"));
    (child, port)
}

/// A port nobody listens on, never the same twice in this test binary: tests run in parallel
/// threads, and two servers started on one port made the loser's readiness probe reach the
/// winner's server (then "connection refused" once the winner's test ended).
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// `openssl s_server` on 127.0.0.1, killed on drop.
pub struct SServer {
    child: Child,
    pub port: u16,
}

impl SServer {
    pub fn start(extra: &[&str]) -> SServer {
        let dir = certs();
        SServer::start_with(&dir.join("server.pem"), &dir.join("server.key"), None, extra)
    }

    /// s_server with a given leaf, key and (optional) chain file of intermediates.
    pub fn start_with(cert: &Path, key: &Path, chain: Option<&Path>, extra: &[&str]) -> SServer {
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("openssl")
                .args(["s_server", "-tls1_3", "-www", "-accept"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("-cert")
                .arg(cert)
                .arg("-key")
                .arg(key)
                .args(chain.map(|c| vec![std::ffi::OsStr::new("-cert_chain"), c.as_os_str()]).unwrap_or_default())
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn openssl s_server");
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_secs(5) {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // port taken: try another
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return SServer { child, port };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("openssl s_server did not start");
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn msg(code: i32) -> String {
    // SAFETY: ussl_error_message returns static NUL-terminated text.
    unsafe { CStr::from_ptr(ussl_error_message(code)) }.to_str().unwrap().to_owned()
}

pub struct Opts {
    pub server_name: Option<&'static str>,
    pub ca: Option<Vec<u8>>,
    pub verify: i32,
    pub rx: usize,
    pub tx: usize,
    /// Bytes fed per ussl_feed call and consumed per ussl_output_consume call.
    pub step: usize,
    /// Clock handed to the engine (unix seconds).
    pub now: i64,
    pub flags: u32,
    /// Size of the buffer for the server's leaf certificate (0: none).
    pub peer_cert_cap: usize,
    /// Cipher suites to offer (IANA code points; empty: the engine's default list).
    pub suites: Vec<u16>,
    /// Client certificate chain (DER list) and key (DER) for mutual TLS.
    pub client_cert: Option<Vec<u8>>,
    pub client_key: Option<Vec<u8>>,
    /// External PSK and identity (static test data).
    pub psk: Option<(&'static [u8], &'static [u8])>,
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

impl Default for Opts {
    fn default() -> Self {
        Opts { server_name: Some("localhost"), ca: None, verify: USSL_CERT_NONE, rx: 16640, tx: 2048, step: 4096, now: unix_now(), flags: 0, peer_cert_cap: 0, suites: Vec::new(), client_cert: None, client_key: None, psk: None }
    }
}

pub struct Client {
    mem: *mut u8,
    layout: Layout,
    rx: Vec<u8>,
    tx: Vec<u8>,
    ca: Vec<u8>,
    peer: Vec<u8>,
    client_cert: Vec<u8>,
    client_key: Vec<u8>,
    /// The handshake memory (u64s: aligned enough); wiped once the handshake ended.
    hs: Vec<u64>,
    e: *mut UsslEngine,
    pub sock: TcpStream,
    step: usize,
    /// Socket bytes not yet accepted by ussl_feed.
    backlog: Vec<u8>,
    pub bytes_in: usize,
    /// Bytes written to the socket.
    pub bytes_out: usize,
    pub feeds: usize,
}

impl Client {
    /// Creates the engine; Err(code) if ussl_client_new refused.
    pub fn new(sock: TcpStream, o: Opts) -> Result<Client, i32> {
        sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let layout = Layout::from_size_align(ussl_engine_size(), ussl_engine_align()).unwrap();
        // SAFETY: non-zero size layout.
        let mem = unsafe { alloc_zeroed(layout) };
        let mut rx = vec![0u8; o.rx];
        let mut tx = vec![0u8; o.tx];
        let ca = o.ca.unwrap_or_default();
        let name = o.server_name.unwrap_or("");
        let mut peer = vec![0u8; o.peer_cert_cap];
        let client_cert = o.client_cert.unwrap_or_default();
        let client_key = o.client_key.unwrap_or_default();
        let ptr = |v: &Vec<u8>| if v.is_empty() { std::ptr::null() } else { v.as_ptr() };
        assert!(ussl_handshake_mem_align() <= 8);
        let mut hs = vec![0u64; ussl_handshake_mem_size().div_ceil(8)];
        let cfg = UsslClientConfig {
            handshake_mem: hs.as_mut_ptr().cast(),
            handshake_mem_len: hs.len() * 8,
            server_name: if name.is_empty() { std::ptr::null() } else { name.as_ptr() },
            server_name_len: name.len(),
            ca: if ca.is_empty() { std::ptr::null() } else { ca.as_ptr() },
            ca_len: ca.len(),
            verify_mode: o.verify,
            now: o.now,
            flags: o.flags,
            peer_cert: if peer.is_empty() { std::ptr::null_mut() } else { peer.as_mut_ptr() },
            peer_cert_cap: peer.len(),
            suites: if o.suites.is_empty() { std::ptr::null() } else { o.suites.as_ptr() },
            suites_len: o.suites.len(),
            client_cert: ptr(&client_cert),
            client_cert_len: client_cert.len(),
            client_key: ptr(&client_key),
            client_key_len: client_key.len(),
            psk: o.psk.map_or(std::ptr::null(), |p| if p.0.is_empty() { std::ptr::null() } else { p.0.as_ptr() }),
            psk_len: o.psk.map_or(0, |p| p.0.len()),
            psk_identity: o.psk.map_or(std::ptr::null(), |p| if p.1.is_empty() { std::ptr::null() } else { p.1.as_ptr() }),
            psk_identity_len: o.psk.map_or(0, |p| p.1.len()),
        };
        let mut e = std::ptr::null_mut();
        // SAFETY: all buffers live in the returned Client until Drop frees the engine.
        let r = unsafe {
            ussl_client_new(mem.cast(), layout.size(), rx.as_mut_ptr(), rx.len(), tx.as_mut_ptr(), tx.len(), &cfg, &mut e)
        };
        if r != 0 {
            // SAFETY: allocated above with this layout.
            unsafe { dealloc(mem, layout) };
            return Err(r);
        }
        Ok(Client {
            mem,
            layout,
            rx,
            tx,
            ca,
            peer,
            client_cert,
            client_key,
            hs,
            e,
            sock,
            step: o.step,
            backlog: Vec::new(),
            bytes_in: 0,
            bytes_out: 0,
            feeds: 0,
        })
    }

    /// A server connection (ussl_server_new) on an accepted socket: `chain` DER
    /// certificates back to back, `key` DER; Err(code) if refused.
    pub fn new_server(sock: TcpStream, chain: &[u8], key: &[u8], suites: &[u16], rx: usize, tx: usize) -> Result<Client, i32> {
        Client::new_server_verifying(sock, chain, key, suites, rx, tx, USSL_CERT_NONE, &[])
    }

    /// As `new_server`, asking for a client certificate (`verify`: USSL_CERT_*) checked
    /// against `ca` (DER).
    #[allow(clippy::too_many_arguments)]
    pub fn new_server_verifying(
        sock: TcpStream,
        chain: &[u8],
        key: &[u8],
        suites: &[u16],
        rx: usize,
        tx: usize,
        verify: i32,
        ca: &[u8],
    ) -> Result<Client, i32> {
        sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let layout = Layout::from_size_align(ussl_engine_size(), ussl_engine_align()).unwrap();
        // SAFETY: non-zero size layout.
        let mem = unsafe { alloc_zeroed(layout) };
        let mut rx = vec![0u8; rx];
        let mut tx = vec![0u8; tx];
        let client_cert = chain.to_vec();
        let client_key = key.to_vec();
        let ca = ca.to_vec();
        let mut hs = vec![0u64; ussl_handshake_mem_size().div_ceil(8)];
        let cfg = UsslServerConfig {
            verify_mode: verify,
            ca: if ca.is_empty() { std::ptr::null() } else { ca.as_ptr() },
            ca_len: ca.len(),
            now: unix_now(),
            flags: 0,
            handshake_mem: hs.as_mut_ptr().cast(),
            handshake_mem_len: hs.len() * 8,
            cert: client_cert.as_ptr(),
            cert_len: client_cert.len(),
            key: client_key.as_ptr(),
            key_len: client_key.len(),
            suites: if suites.is_empty() { std::ptr::null() } else { suites.as_ptr() },
            suites_len: suites.len(),
        };
        let mut e = std::ptr::null_mut();
        // SAFETY: all buffers live in the returned Client until Drop frees the engine.
        let r = unsafe {
            ussl_server_new(mem.cast(), layout.size(), rx.as_mut_ptr(), rx.len(), tx.as_mut_ptr(), tx.len(), &cfg, &mut e)
        };
        if r != 0 {
            // SAFETY: allocated above with this layout.
            unsafe { dealloc(mem, layout) };
            return Err(r);
        }
        Ok(Client {
            mem,
            layout,
            rx,
            tx,
            ca,
            peer: Vec::new(),
            client_cert,
            client_key,
            hs,
            e,
            sock,
            step: 4096,
            backlog: Vec::new(),
            bytes_in: 0,
            bytes_out: 0,
            feeds: 0,
        })
    }

    /// Sends all pending output to the socket (in `step`-sized pieces).
    pub fn pump(&mut self) {
        loop {
            let mut len = 0usize;
            // SAFETY: live engine.
            let p = unsafe { ussl_output(self.e, &mut len) };
            if len == 0 {
                return;
            }
            let n = len.min(self.step);
            // SAFETY: ussl_output's bytes are valid until the next engine call.
            let data = unsafe { std::slice::from_raw_parts(p, n) };
            if self.sock.write_all(data).is_err() {
                // Peer gone: drop the output so the engine can go on.
            } else {
                self.bytes_out += n;
            }
            // SAFETY: live engine.
            unsafe { ussl_output_consume(self.e, n) };
        }
    }

    /// Feeds the backlog, reading from the socket first if it is empty. False on EOF.
    pub fn feed(&mut self) -> bool {
        if self.backlog.is_empty() {
            let mut buf = [0u8; 4096];
            match self.sock.read(&mut buf) {
                Ok(0) | Err(_) => {
                    // SAFETY: live engine.
                    unsafe { ussl_feed_eof(self.e) };
                    return false;
                }
                Ok(n) => {
                    self.bytes_in += n;
                    self.backlog.extend_from_slice(&buf[..n]);
                }
            }
        }
        let n = self.backlog.len().min(self.step);
        // SAFETY: live engine; the slice is valid for the call.
        let took = unsafe { ussl_feed(self.e, self.backlog.as_ptr(), n) };
        self.feeds += 1;
        assert!(took <= n);
        self.backlog.drain(..took);
        true
    }

    pub fn handshake(&mut self) -> Result<(), i32> {
        let t0 = Instant::now();
        let mut eof = false;
        loop {
            assert!(t0.elapsed() < Duration::from_secs(30), "handshake hangs");
            // SAFETY: live engine.
            let r = unsafe { ussl_handshake(self.e) };
            self.pump();
            match r {
                0 => {
                    self.assert_handshake_mem_released();
                    return Ok(());
                }
                USSL_WANT_WRITE => {}
                USSL_WANT_READ => {
                    assert!(!eof, "WANT_READ after EOF: the engine must fail instead");
                    eof = !self.feed();
                }
                err => {
                    self.assert_handshake_mem_released();
                    return Err(err);
                }
            }
        }
    }

    /// Once the handshake ended (either way) the engine is done with its handshake memory
    /// and has wiped it: the caller may free it.
    pub fn assert_handshake_mem_released(&self) {
        // SAFETY: live engine.
        assert_eq!(unsafe { ussl_handshake_mem_in_use(self.e) }, 0, "handshake memory still in use after the handshake");
        assert!(self.hs.iter().all(|&w| w == 0), "handshake memory not wiped after the handshake");
    }

    pub fn write_all(&mut self, mut data: &[u8]) -> Result<(), i32> {
        while !data.is_empty() {
            // SAFETY: live engine.
            let r = unsafe { ussl_write(self.e, data.as_ptr(), data.len()) };
            self.pump();
            match r {
                n if n > 0 => data = &data[n as usize..],
                USSL_WANT_WRITE => {}
                USSL_WANT_READ => {
                    self.feed();
                }
                err => return Err(err),
            }
        }
        Ok(())
    }

    /// Reads until close_notify (Ok) or an error (Err with the data so far).
    pub fn read_to_end(&mut self) -> Result<Vec<u8>, (i32, Vec<u8>)> {
        let mut out = Vec::new();
        let mut buf = [0u8; 700];
        let t0 = Instant::now();
        loop {
            assert!(t0.elapsed() < Duration::from_secs(30), "read hangs");
            // SAFETY: live engine.
            let r = unsafe { ussl_read(self.e, buf.as_mut_ptr(), buf.len()) };
            self.pump();
            match r {
                0 => return Ok(out),
                n if n > 0 => out.extend_from_slice(&buf[..n as usize]),
                USSL_WANT_READ => {
                    self.feed();
                }
                USSL_WANT_WRITE => {}
                err => return Err((err, out)),
            }
        }
    }

    pub fn pending(&self) -> usize {
        // SAFETY: live engine.
        unsafe { ussl_pending_plaintext(self.e) }
    }

    pub fn close(&mut self) -> i32 {
        loop {
            // SAFETY: live engine.
            let r = unsafe { ussl_close(self.e) };
            self.pump();
            if r != USSL_WANT_WRITE {
                return r;
            }
        }
    }

    /// The server's leaf certificate as recorded by the engine (Err: ussl_peer_cert_len's code).
    pub fn peer_cert(&self) -> Result<Vec<u8>, i32> {
        // SAFETY: live engine.
        let n = unsafe { ussl_peer_cert_len(self.e) };
        if n < 0 { Err(n) } else { Ok(self.peer[..n as usize].to_vec()) }
    }

    pub fn engine(&self) -> *mut UsslEngine {
        self.e
    }

    pub fn rx_buffer(&self) -> &[u8] {
        &self.rx
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: live engine; freed once.
        unsafe { ussl_engine_free(self.e) };
        let wiped = self.rx.iter().chain(self.tx.iter()).all(|&b| b == 0) && self.hs.iter().all(|&w| w == 0);
        // SAFETY: the engine memory is ours again after ussl_engine_free.
        let mem = unsafe { std::slice::from_raw_parts(self.mem, self.layout.size()) };
        let wiped = wiped && mem.iter().all(|&b| b == 0);
        // SAFETY: allocated in new() with this layout.
        unsafe { dealloc(self.mem, self.layout) };
        if !std::thread::panicking() {
            assert!(wiped, "ussl_engine_free must wipe engine memory and record buffers");
        }
    }
}

pub fn connect(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).unwrap()
}

/// Handshake + GET / against s_server -www; returns the response.
pub fn get(c: &mut Client) -> Vec<u8> {
    c.handshake().unwrap_or_else(|e| panic!("handshake failed: {e} {}", msg(e)));
    c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    match c.read_to_end() {
        Ok(v) => v,
        Err((code, v)) => panic!("read failed: {code} {} after {} bytes", msg(code), v.len()),
    }
}

pub fn assert_s_server_page(resp: &[u8]) {
    let text = String::from_utf8_lossy(resp);
    assert!(text.starts_with("HTTP/1.0 200"), "response: {}", &text[..text.len().min(200)]);
    assert!(text.contains("Ciphers"), "no cipher list in s_server page");
    assert!(text.contains("TLS_AES_128_GCM_SHA256"), "negotiated suite missing");
}
