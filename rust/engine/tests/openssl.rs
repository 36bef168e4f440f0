//! The engine against a real `openssl s_server` (TLS 1.3) and against broken peers.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::*;
use ussl_engine::error::*;
use ussl_engine::*;

#[test]
fn get_without_verification() {
    let srv = SServer::start(&[]);
    let mut c = Client::new(connect(srv.port), Opts::default()).unwrap();
    let resp = get(&mut c);
    assert_s_server_page(&resp);
    assert_eq!(c.close(), 0);
}

#[test]
fn get_with_verification_and_right_ca() {
    let srv = SServer::start(&[]);
    let o = Opts { ca: Some(cert("ca.der")), verify: USSL_CERT_REQUIRED, ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    assert_s_server_page(&get(&mut c));
}

#[test]
fn wrong_ca_fails_verification() {
    let srv = SServer::start(&[]);
    let o = Opts { ca: Some(cert("other-ca.der")), verify: USSL_CERT_REQUIRED, ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    let e = c.handshake().unwrap_err();
    assert_eq!(e, USSL_ERR_CERT_UNKNOWN_CA, "{}", msg(e));
    assert!(msg(e).starts_with("certificate verification failed"));
    // The failure is sticky.
    let mut buf = [0u8; 8];
    assert_eq!(unsafe { ussl_read(c.engine(), buf.as_mut_ptr(), 8) }, USSL_ERR_CERT_UNKNOWN_CA);
}

#[test]
fn wrong_hostname_fails_verification() {
    let srv = SServer::start(&[]);
    let o = Opts {
        server_name: Some("example.com"),
        ca: Some(cert("ca.der")),
        verify: USSL_CERT_REQUIRED,
        ..Opts::default()
    };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    assert_eq!(c.handshake().unwrap_err(), USSL_ERR_CERT_HOSTNAME);
}

#[test]
fn pem_ca_is_converted_in_place() {
    let mut pem = cert("ca.pem");
    let n = unsafe { ussl_pem_to_der(pem.as_mut_ptr(), pem.len()) };
    assert!(n > 0, "{}", msg(n));
    assert_eq!(&pem[..n as usize], &cert("ca.der")[..]);
    let srv = SServer::start(&[]);
    pem.truncate(n as usize);
    let o = Opts { ca: Some(pem), verify: USSL_CERT_REQUIRED, ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    assert_s_server_page(&get(&mut c));
}

#[test]
fn configuration_errors_are_reported() {
    let srv = SServer::start(&[]);
    let req = |ca: Option<Vec<u8>>, name: Option<&'static str>| Opts { ca, server_name: name, verify: USSL_CERT_REQUIRED, ..Opts::default() };
    assert_eq!(Client::new(connect(srv.port), req(None, Some("localhost"))).err(), Some(USSL_ERR_NO_CA));
    assert_eq!(Client::new(connect(srv.port), req(Some(cert("ca.pem")), Some("localhost"))).err(), Some(USSL_ERR_CA_FORMAT));
    assert_eq!(Client::new(connect(srv.port), req(Some(cert("ca.der")), None)).err(), Some(USSL_ERR_SERVER_NAME));
    let small = Opts { rx: 100, ..Opts::default() };
    assert_eq!(Client::new(connect(srv.port), small).err(), Some(USSL_ERR_BUFFER));
    let bad_mode = Opts { verify: 7, ..Opts::default() };
    assert_eq!(Client::new(connect(srv.port), bad_mode).err(), Some(USSL_ERR_ARG));
    assert_eq!(msg(USSL_ERR_NO_CA), "CERT_REQUIRED needs a CA certificate (cadata)");
}

#[test]
fn one_byte_at_a_time() {
    let srv = SServer::start(&[]);
    let o = Opts { ca: Some(cert("ca.der")), verify: USSL_CERT_REQUIRED, step: 1, ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    let resp = get(&mut c);
    assert_s_server_page(&resp);
    // Every received byte went through its own ussl_feed call.
    assert!(c.feeds >= c.bytes_in, "feeds {} < bytes {}", c.feeds, c.bytes_in);
}

#[test]
fn small_receive_buffer_negotiates_max_fragment_length() {
    let srv = SServer::start(&[]);
    let o = Opts { rx: 1024, tx: 1024, ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    let resp = get(&mut c);
    assert!(resp.len() > 1024, "page should span several 512-byte records: {}", resp.len());
    assert_s_server_page(&resp);
}

#[test]
fn alert_from_peer_is_reported() {
    // The server only accepts AES-256: it must refuse our AES-128-only hello.
    let srv = SServer::start(&["-ciphersuites", "TLS_AES_256_GCM_SHA384"]);
    let o = Opts { suites: vec![USSL_SUITE_AES_128_GCM_SHA256], ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    let e = c.handshake().unwrap_err();
    assert_eq!(msg(e), "TLS alert from peer: handshake_failure");
}

/// A plain TCP peer that runs `f` on the accepted connection.
fn tcp_peer(f: impl FnOnce(std::net::TcpStream) + Send + 'static) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((s, _)) = l.accept() {
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            f(s);
        }
    });
    port
}

#[test]
fn http_server_garbage_is_an_invalid_record() {
    let port = tcp_peer(|mut s| {
        let mut b = [0u8; 512];
        let _ = s.read(&mut b);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        std::thread::sleep(Duration::from_millis(200));
    });
    let mut c = Client::new(connect(port), Opts::default()).unwrap();
    let e = c.handshake().unwrap_err();
    assert_eq!(e, USSL_ERR_INVALID_RECORD, "{}", msg(e));
    assert_eq!(msg(e), "invalid TLS record (peer is not speaking TLS?)");
}

#[test]
fn peer_closing_before_server_hello_fails_cleanly() {
    let port = tcp_peer(|mut s| {
        let mut b = [0u8; 512];
        let _ = s.read(&mut b);
    });
    let mut c = Client::new(connect(port), Opts::default()).unwrap();
    assert_eq!(c.handshake().unwrap_err(), USSL_ERR_HANDSHAKE_EOF);
    assert_eq!(msg(USSL_ERR_HANDSHAKE_EOF), "peer closed connection during handshake");
}

#[test]
fn peer_closing_inside_a_record_fails_cleanly() {
    let port = tcp_peer(|mut s| {
        let mut b = [0u8; 512];
        let _ = s.read(&mut b);
        // A handshake record header announcing 80 bytes, then only 10 of them.
        let _ = s.write_all(&[0x16, 0x03, 0x03, 0x00, 0x50, 2, 0, 0, 0x4c, 3, 3, 1, 2, 3, 4]);
    });
    let mut c = Client::new(connect(port), Opts::default()).unwrap();
    assert_eq!(c.handshake().unwrap_err(), USSL_ERR_HANDSHAKE_EOF);
}

#[test]
fn engine_size_is_reported() {
    let size = ussl_engine_size();
    assert!(size > 1000 && size < 64 * 1024, "engine size {size}");
    assert!(ussl_engine_align().is_power_of_two());
    assert_eq!(ussl_min_rx_buffer(), 16640);
    eprintln!("ussl_engine_size() = {size}, align {}", ussl_engine_align());
}

/// Python's ssl module as a TLS 1.3 peer: reads until a blank line, answers with the
/// byte count and SHA-256 of what it got, then closes with close_notify.
const PY_ECHO: &str = r#"
import hashlib, socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
l.settimeout(20)
c, _ = l.accept()
s = ctx.wrap_socket(c, server_side=True)
s.settimeout(20)
data = b""
while not data.endswith(b"\r\n\r\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
s.sendall(b"%d %s\n" % (len(data), hashlib.sha256(data).hexdigest().encode()) + b"z" * 40000)
s.setblocking(False)
try:
    s.unwrap()  # sends close_notify; does not wait for ours
except (ssl.SSLWantReadError, ssl.SSLError, OSError):
    pass
s.close()
"#;

#[test]
fn large_request_and_response_span_many_records() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let dir = certs();
    let mut py = Command::new("python3")
        .args(["-c", PY_ECHO])
        .arg(dir.join("server.pem"))
        .arg(dir.join("server.key"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufReader::new(py.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let port: u16 = line.trim().parse().unwrap();
    let o = Opts { ca: Some(cert("ca.der")), verify: USSL_CERT_REQUIRED, tx: 600, step: 333, ..Opts::default() };
    let mut c = Client::new(connect(port), o).unwrap();
    c.handshake().unwrap();
    let mut req = b"GET / HTTP/1.0\r\n".to_vec();
    for i in 0..100 {
        req.extend_from_slice(format!("X-Pad-{i}: {}\r\n", "p".repeat(60)).as_bytes());
    }
    req.extend_from_slice(b"\r\n");
    c.write_all(&req).unwrap();
    let resp = c.read_to_end().unwrap_or_else(|(e, _)| panic!("{}", msg(e)));
    let _ = py.wait();
    let text = String::from_utf8_lossy(&resp);
    let (head, body) = text.split_once('\n').unwrap();
    let sha = Command::new("python3")
        .args(["-c", "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut p| {
            p.stdin.take().unwrap().write_all(&req)?;
            p.wait_with_output()
        })
        .unwrap();
    let want = format!("{} {}", req.len(), String::from_utf8_lossy(&sha.stdout).trim());
    assert_eq!(head, want);
    assert_eq!(body.len(), 40000);
    assert!(body.bytes().all(|b| b == b'z'));
}
