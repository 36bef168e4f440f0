//! Cipher suites: each one forced by a real server (`openssl s_server -ciphersuites`,
//! `gnutls-serv --priority`), data both ways, preference order, refusal of a suite we did
//! not offer.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use ussl_engine::error::*;
use ussl_engine::*;

const ALL: [(u16, &str, &str); 3] = [
    (USSL_SUITE_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", "AES-128-GCM"),
    (USSL_SUITE_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", "AES-256-GCM"),
    (USSL_SUITE_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", "CHACHA20-POLY1305"),
];

fn negotiated(c: &Client) -> u16 {
    // SAFETY: live engine.
    unsafe { ussl_cipher_suite(c.engine()) }
}

fn suite_name(code: u16) -> Option<String> {
    let p = ussl_cipher_suite_name(code);
    // SAFETY: NULL or static NUL-terminated text.
    (!p.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(p) }.to_str().unwrap().to_owned())
}

/// Sends `lines` of `len` bytes each to an echo peer that reverses lines (`s_server -rev`)
/// and checks every reversed line comes back: several full records each way.
fn reverse_echo(c: &mut Client, lines: usize, len: usize) {
    for i in 0..lines {
        let line: Vec<u8> = (0..len).map(|j| b'a' + ((i * 7 + j * 13) % 26) as u8).collect();
        let mut out = line.clone();
        out.push(b'\n');
        c.write_all(&out).unwrap_or_else(|e| panic!("write: {}", msg(e)));
        let mut want = line.clone();
        want.reverse();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        let t0 = Instant::now();
        while got.len() < len + 1 {
            assert!(t0.elapsed() < Duration::from_secs(20), "echo timed out after {} bytes", got.len());
            // SAFETY: live engine, buffer valid for its length.
            let n = unsafe { ussl_read(c.engine(), buf.as_mut_ptr(), buf.len()) };
            if n > 0 {
                got.extend_from_slice(&buf[..n as usize]);
            } else if n == USSL_WANT_READ {
                c.pump();
                assert!(c.feed(), "peer closed during echo");
            } else if n == USSL_WANT_WRITE {
                c.pump();
            } else {
                panic!("read: {}", msg(n));
            }
        }
        assert_eq!(&got[..len], &want[..], "line {i} not echoed reversed");
    }
}

#[test]
fn names_and_list() {
    let n = unsafe { ussl_cipher_suites(std::ptr::null_mut(), 0) };
    assert_eq!(n, 3);
    let mut list = [0u16; 3];
    assert_eq!(unsafe { ussl_cipher_suites(list.as_mut_ptr(), 3) }, 3);
    // Default preference: AES-128-GCM, ChaCha20-Poly1305, AES-256-GCM.
    assert_eq!(list, [0x1301, 0x1303, 0x1302]);
    for (code, name, _) in ALL {
        assert_eq!(suite_name(code).as_deref(), Some(name));
    }
    assert_eq!(suite_name(0x1304), None); // TLS_AES_128_CCM_SHA256: not built
    assert_eq!(suite_name(0), None);
}

#[test]
fn each_suite_forced_by_openssl() {
    for (code, name, _) in ALL {
        let srv = SServer::start(&["-ciphersuites", name]);
        let mut c = Client::new(connect(srv.port), Opts::default()).unwrap();
        assert_eq!(negotiated(&c), 0, "no suite before the ServerHello");
        let page = get(&mut c);
        assert_eq!(negotiated(&c), code, "{name}");
        let text = String::from_utf8_lossy(&page);
        assert!(text.contains(&format!("Cipher is {name}")), "{name}: {}", &text[..text.len().min(400)]);
        assert_eq!(c.close(), 0);
    }
}

#[test]
fn each_suite_data_both_ways_and_verified() {
    for (code, name, _) in ALL {
        let srv = SServer::start(&["-ciphersuites", name, "-rev"]);
        let o = Opts { ca: Some(cert("ca.der")), verify: USSL_CERT_REQUIRED, ..Opts::default() };
        let mut c = Client::new(connect(srv.port), o).unwrap();
        c.handshake().unwrap_or_else(|e| panic!("{name}: {}", msg(e)));
        assert_eq!(negotiated(&c), code);
        // 3 lines of 6000 bytes: records split across our 2 KiB tx buffer and s_server's.
        reverse_echo(&mut c, 3, 6000);
    }
}

#[test]
fn only_the_offered_suite_is_used() {
    // The server takes any suite; we offer one: that one is negotiated.
    for (code, name, _) in ALL {
        let srv = SServer::start(&[]);
        let o = Opts { suites: vec![code], ..Opts::default() };
        let mut c = Client::new(connect(srv.port), o).unwrap();
        let page = get(&mut c);
        assert_eq!(negotiated(&c), code, "{name}");
        assert!(String::from_utf8_lossy(&page).contains(&format!("Cipher is {name}")));
    }
}

#[test]
fn our_preference_order_is_sent() {
    // s_server follows the client's order unless told otherwise (-serverpref).
    for order in [[0x1303, 0x1301, 0x1302], [0x1302, 0x1303, 0x1301], [0x1301, 0x1302, 0x1303]] {
        let srv = SServer::start(&[]);
        let o = Opts { suites: order.to_vec(), ..Opts::default() };
        let mut c = Client::new(connect(srv.port), o).unwrap();
        c.handshake().unwrap();
        assert_eq!(negotiated(&c), order[0], "{order:x?}");
    }
}

#[test]
fn server_restricted_to_a_suite_we_disabled_fails_clearly() {
    for (code, name, _) in ALL {
        let srv = SServer::start(&["-ciphersuites", name]);
        let others: Vec<u16> = ALL.iter().map(|s| s.0).filter(|&c| c != code).collect();
        let o = Opts { suites: others, ..Opts::default() };
        let mut c = Client::new(connect(srv.port), o).unwrap();
        let e = c.handshake().unwrap_err();
        assert_eq!(e, USSL_ERR_ALERT_RECEIVED_BASE - 40, "{name}: {}", msg(e));
        assert_eq!(msg(e), "TLS alert from peer: handshake_failure");
        assert_eq!(negotiated(&c), 0);
    }
}

#[test]
fn unknown_suites_in_the_config_are_refused() {
    let srv = SServer::start(&[]);
    for bad in [vec![0x1304], vec![0x1301, 0x00ff], vec![0x1301, 0x1302, 0x1303, 0x1305]] {
        let o = Opts { suites: bad.clone(), ..Opts::default() };
        assert_eq!(Client::new(connect(srv.port), o).err(), Some(USSL_ERR_CIPHER_SUITE), "{bad:x?}");
    }
    // Duplicates are offered once (and so still fit).
    let o = Opts { suites: vec![0x1303, 0x1303, 0x1301, 0x1303], ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    c.handshake().unwrap();
    assert_eq!(negotiated(&c), 0x1303);
    assert!(msg(USSL_ERR_CIPHER_SUITE).starts_with("cipher suite not offered"));
}

/// `gnutls-serv` (Debian gnutls-bin) on 127.0.0.1 with a priority string; killed on drop.
struct GnutlsServ {
    child: Child,
    port: u16,
}

impl GnutlsServ {
    fn start(cert: &Path, key: &Path, priority: &str) -> GnutlsServ {
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new("gnutls-serv")
                .args(["--http", "--port", &port.to_string(), "--priority", priority])
                .arg("--x509certfile")
                .arg(cert)
                .arg("--x509keyfile")
                .arg(key)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("gnutls-serv (Debian package gnutls-bin; make deps installs it)");
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_secs(5) {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    // Keep its stdout drained (it logs every connection).
                    let out = child.stdout.take().unwrap();
                    std::thread::spawn(move || for _ in BufReader::new(out).lines() {});
                    return GnutlsServ { child, port };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("gnutls-serv did not start");
    }
}

impl Drop for GnutlsServ {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Only TLS 1.3 with the one cipher (GnuTLS names), every group/signature GnuTLS has.
fn gnutls_priority(cipher: &str) -> String {
    format!("NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+{cipher}")
}

fn gnutls_get(srv: &GnutlsServ, ca: &str) -> (u16, String) {
    let o = Opts { ca: Some(cert(ca)), verify: USSL_CERT_REQUIRED, ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    c.handshake().unwrap_or_else(|e| panic!("handshake: {}", msg(e)));
    c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let page = match c.read_to_end() {
        Ok(v) => v,
        // gnutls-serv --http may hang up without close_notify after the page.
        Err((USSL_ERR_EOF, v)) => v,
        Err((code, v)) => panic!("read failed: {} after {} bytes", msg(code), v.len()),
    };
    (negotiated(&c), String::from_utf8_lossy(&page).into_owned())
}

#[test]
fn each_suite_against_gnutls_ecdsa_and_rsa() {
    let dir = certs();
    for (leaf, key, ca) in [("server.pem", "server.key", "ca.der"), ("rsa-server.pem", "rsa-server.key", "rsa-ca.der")] {
        for (code, name, gnutls) in ALL {
            let srv = GnutlsServ::start(&dir.join(leaf), &dir.join(key), &gnutls_priority(gnutls));
            let (got, page) = gnutls_get(&srv, ca);
            assert_eq!(got, code, "{leaf} {name}");
            assert!(page.starts_with("HTTP/1.0 200"), "{leaf} {name}: {}", &page[..page.len().min(200)]);
            // The page gnutls-serv builds names the cipher of this session.
            assert!(page.contains(gnutls), "{leaf} {name}: page does not name {gnutls}");
        }
    }
}

#[test]
fn gnutls_restricted_to_a_suite_we_disabled_fails_clearly() {
    let dir = certs();
    let srv = GnutlsServ::start(&dir.join("server.pem"), &dir.join("server.key"), &gnutls_priority("CHACHA20-POLY1305"));
    let o = Opts { suites: vec![USSL_SUITE_AES_128_GCM_SHA256, USSL_SUITE_AES_256_GCM_SHA384], ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    let e = c.handshake().unwrap_err();
    assert_eq!(msg(e), "TLS alert from peer: handshake_failure", "{e}");
}

/// The hostile peer (tests/hostile/tls13_peer.py), scenario "wrong-suite": its ServerHello
/// names a suite missing from our list.
#[test]
fn server_choosing_a_suite_we_did_not_offer_is_refused() {
    let (mut child, port) = start_hostile_peer();
    // Offered: AES-128 only -> the peer names AES-256; AES-128 + AES-256 -> ChaCha20;
    // everything -> TLS_AES_128_CCM_SHA256 (not built). All refused at the ServerHello.
    for offer in [vec![0x1301], vec![0x1301, 0x1302], vec![]] {
        let mut sock = connect(port);
        std::io::Write::write_all(&mut sock, b"wrong-suite\n").unwrap();
        let mut c = Client::new(sock, Opts { suites: offer.clone(), ..Opts::default() }).unwrap();
        let e = c.handshake().unwrap_err();
        assert_eq!(e, USSL_ERR_CIPHER_SUITE, "{offer:x?}: {}", msg(e));
        assert_eq!(negotiated(&c), 0, "{offer:x?}");
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A Python `ssl` TLS 1.3 server limited to one suite. Python's `ssl` has no call for TLS 1.3
/// suites (`set_ciphers` covers TLS 1.2 and older), so the limit comes from an OpenSSL
/// configuration file (`Ciphersuites` in the system_default section, read through
/// OPENSSL_CONF when the context is created). It echoes each line and then reports the
/// suite it negotiated (`SUITE <name>`).
struct PySuiteServer {
    child: Child,
    port: u16,
}

const PY_ECHO: &str = r#"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(4)
print(ls.getsockname()[1], flush=True)
while True:
    c, _ = ls.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True)
        f = t.makefile("rb")
        for line in f:
            if line == b"BYE\n":
                t.sendall(b"SUITE " + t.cipher()[0].encode() + b"\n")
                break
            t.sendall(line)
        t.close()
    except (OSError, ssl.SSLError):
        c.close()
"#;

impl PySuiteServer {
    fn start(suite: &str) -> PySuiteServer {
        let dir = certs();
        let conf = dir.join(format!("openssl-{suite}.cnf"));
        std::fs::write(
            &conf,
            format!(
                "openssl_conf = c\n[c]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nCiphersuites = {suite}\n"
            ),
        )
        .unwrap();
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(PY_ECHO)
            .arg(dir.join("server.pem"))
            .arg(dir.join("server.key"))
            .env("OPENSSL_CONF", &conf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| panic!("python server did not start: {line:?}"));
        PySuiteServer { child, port }
    }
}

impl Drop for PySuiteServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_line(c: &mut Client) -> Vec<u8> {
    let mut got = Vec::new();
    let mut b = [0u8; 1];
    let t0 = Instant::now();
    while !got.ends_with(b"\n") {
        assert!(t0.elapsed() < Duration::from_secs(10), "no line: {:?}", String::from_utf8_lossy(&got));
        // SAFETY: live engine, one-byte buffer.
        match unsafe { ussl_read(c.engine(), b.as_mut_ptr(), 1) } {
            1 => got.push(b[0]),
            USSL_WANT_READ => {
                c.pump();
                assert!(c.feed(), "peer closed");
            }
            USSL_WANT_WRITE => c.pump(),
            e => panic!("read: {}", msg(e)),
        }
    }
    got
}

#[test]
fn each_suite_against_python_ssl() {
    for (code, name, _) in ALL {
        let srv = PySuiteServer::start(name);
        let mut c = Client::new(connect(srv.port), Opts::default()).unwrap();
        c.handshake().unwrap_or_else(|e| panic!("{name}: {}", msg(e)));
        assert_eq!(negotiated(&c), code, "{name}");
        let big: Vec<u8> = (0..5000).map(|i| b'A' + (i % 26) as u8).chain([b'\n']).collect();
        for line in [&b"hello\n"[..], &big] {
            c.write_all(line).unwrap();
            assert_eq!(read_line(&mut c), line, "{name}: echo");
        }
        c.write_all(b"BYE\n").unwrap();
        assert_eq!(String::from_utf8(read_line(&mut c)).unwrap(), format!("SUITE {name}\n"));
        // Our list without the server's one suite: refused by the server.
        let others: Vec<u16> = ALL.iter().map(|s| s.0).filter(|&c| c != code).collect();
        let mut c = Client::new(connect(srv.port), Opts { suites: others, ..Opts::default() }).unwrap();
        assert_eq!(msg(c.handshake().unwrap_err()), "TLS alert from peer: handshake_failure", "{name}");
    }
}
