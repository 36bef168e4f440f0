//! The TLS 1.3 server (ussl_server_new) against real clients on loopback: OpenSSL's
//! s_client for each suite (and through a HelloRetryRequest), Python's ssl, GnuTLS's
//! gnutls-cli; a TLS 1.2-only client gets protocol_version, garbage gets an alert, and the
//! engine always ends in success or an error code with a message.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::*;
use ussl_engine::error::*;
use ussl_engine::*;

/// The test server's chain and key as DER (the key converted by the engine's own PEM code).
fn server_credentials() -> (Vec<u8>, Vec<u8>) {
    let chain = cert("server.der");
    let mut key = std::fs::read(certs().join("server.key")).unwrap();
    // SAFETY: the buffer is ours for the call.
    let n = unsafe { ussl_pem_key_to_der(key.as_mut_ptr(), key.len()) };
    assert!(n > 0, "server.key: {n} {}", msg(n));
    key.truncate(n as usize);
    (chain, key)
}

/// What one served connection saw.
#[derive(Debug)]
struct Served {
    /// ussl_handshake's result.
    handshake: i32,
    /// The suite negotiated (IANA code point).
    suite: u16,
    /// The client's line, if the handshake succeeded.
    request: Vec<u8>,
    /// Error code of reading/writing/closing after the handshake, 0 if none.
    after: i32,
}

/// Listens on a fresh loopback port and serves one connection: handshake, one line read,
/// "echo: <line>" written back, close_notify.
fn serve_one(suites: &'static [u16]) -> (u16, JoinHandle<Served>) {
    serve_verifying(suites, USSL_CERT_NONE)
}

/// The client CA (DER) the verifying server trusts.
fn client_ca() -> Vec<u8> {
    let mut ca = cert("client-ca.pem");
    // SAFETY: our buffer.
    let n = unsafe { ussl_pem_to_der(ca.as_mut_ptr(), ca.len()) };
    assert!(n > 0, "client-ca.pem: {}", msg(n));
    ca.truncate(n as usize);
    ca
}

/// As `serve_one`, asking for a client certificate (`verify`) checked against client-ca.
fn serve_verifying(suites: &'static [u16], verify: i32) -> (u16, JoinHandle<Served>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        let (chain, key) = server_credentials();
        let ca = if verify == USSL_CERT_NONE { Vec::new() } else { client_ca() };
        let mut c = Client::new_server_verifying(sock, &chain, &key, suites, 16640, 2048, verify, &ca).expect("ussl_server_new");
        // (Client::handshake also asserts the handshake memory is released and wiped.)
        let handshake = match c.handshake() {
            Ok(()) => 0,
            Err(e) => e,
        };
        // SAFETY: live engine.
        let suite = unsafe { ussl_cipher_suite(c.engine()) };
        let mut served = Served { handshake, suite, request: Vec::new(), after: 0 };
        if handshake != 0 {
            return served;
        }
        let t0 = Instant::now();
        let mut buf = [0u8; 256];
        while !served.request.ends_with(b"\n") {
            assert!(t0.elapsed() < Duration::from_secs(20), "server read hangs");
            // SAFETY: live engine.
            let r = unsafe { ussl_read(c.engine(), buf.as_mut_ptr(), buf.len()) };
            c.pump();
            match r {
                n if n > 0 => served.request.extend_from_slice(&buf[..n as usize]),
                USSL_WANT_READ => {
                    if !c.feed() && c.pending() == 0 {
                        // EOF is reported by the next read.
                    }
                }
                USSL_WANT_WRITE => {}
                err => {
                    served.after = err;
                    return served;
                }
            }
        }
        let mut reply = b"echo: ".to_vec();
        reply.extend_from_slice(&served.request);
        if let Err(e) = c.write_all(&reply) {
            served.after = e;
            return served;
        }
        served.after = c.close();
        served
    });
    (port, h)
}

const ALL: &[u16] = &[];

fn s_client(port: u16, extra: &[&str]) -> (bool, String, String) {
    let ca = certs().join("ca.pem");
    let mut child = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost", "-brief", "-ign_eof"])
        .arg("-CAfile")
        .arg(&ca)
        .args(["-verify_return_error", "-verify_hostname", "localhost"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client");
    child.stdin.take().unwrap().write_all(b"hello from s_client\n").unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn suite_name(code: u16) -> &'static str {
    // SAFETY: static NUL-terminated text for a built-in suite.
    unsafe { std::ffi::CStr::from_ptr(ussl_cipher_suite_name(code)) }.to_str().unwrap()
}

#[test]
fn openssl_s_client_each_suite() {
    for &code in &[USSL_SUITE_AES_128_GCM_SHA256, USSL_SUITE_AES_256_GCM_SHA384, USSL_SUITE_CHACHA20_POLY1305_SHA256] {
        let name = suite_name(code);
        let (port, h) = serve_one(ALL);
        let (ok, out, err) = s_client(port, &["-tls1_3", "-ciphersuites", name, "-groups", "P-256"]);
        let served = h.join().unwrap();
        assert_eq!(served.handshake, 0, "{name}: {} {}; s_client: {err}", served.handshake, msg(served.handshake));
        assert_eq!(served.suite, code, "{name}");
        assert_eq!(served.request, b"hello from s_client\n");
        assert_eq!(served.after, 0, "{name}: {}", msg(served.after));
        assert!(ok, "{name}: s_client failed: {err}");
        assert!(out.contains("echo: hello from s_client"), "{name}: s_client got {out:?}");
        assert!(err.contains(&format!("Ciphersuite: {name}")), "{name}: {err}");
        assert!(err.contains("Verification: OK"), "{name}: {err}");
    }
}

#[test]
fn our_preference_order_decides() {
    // The client offers AES-128 first; our list puts ChaCha20 first.
    static OURS: &[u16] = &[USSL_SUITE_CHACHA20_POLY1305_SHA256, USSL_SUITE_AES_128_GCM_SHA256];
    let (port, h) = serve_one(OURS);
    let (ok, _, err) = s_client(port, &["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"]);
    let served = h.join().unwrap();
    assert_eq!(served.handshake, 0, "{}", msg(served.handshake));
    assert_eq!(served.suite, USSL_SUITE_CHACHA20_POLY1305_SHA256);
    assert!(ok, "{err}");
}

#[test]
fn hello_retry_request_when_no_p256_share() {
    // X25519 first: s_client sends only an X25519 share, we ask for P-256.
    let (port, h) = serve_one(ALL);
    let (ok, out, err) = s_client(port, &["-tls1_3", "-groups", "X25519:P-256", "-msg"]);
    let served = h.join().unwrap();
    assert_eq!(served.handshake, 0, "{} {}; s_client: {err}", served.handshake, msg(served.handshake));
    assert!(ok, "{err}");
    assert!(out.contains("echo: hello from s_client"), "{out}");
    // -msg shows the handshake: two ClientHellos, the first answered by a HelloRetryRequest.
    assert_eq!(out.matches("ClientHello").count() + err.matches("ClientHello").count(), 2, "{out}");
}

#[test]
fn no_common_suite_is_handshake_failure() {
    static OURS: &[u16] = &[USSL_SUITE_AES_256_GCM_SHA384];
    let (port, h) = serve_one(OURS);
    let (ok, _, err) = s_client(port, &["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"]);
    let served = h.join().unwrap();
    assert_eq!(served.handshake, USSL_ERR_ALERT_SENT_BASE - 40, "{}", msg(served.handshake));
    assert!(!ok);
    assert!(err.contains("handshake failure"), "{err}");
}

#[test]
fn tls12_only_client_gets_protocol_version() {
    let (port, h) = serve_one(ALL);
    let (ok, _, err) = s_client(port, &["-tls1_2"]);
    let served = h.join().unwrap();
    assert_eq!(served.handshake, USSL_ERR_ALERT_SENT_BASE - 70, "{}", msg(served.handshake));
    assert_eq!(msg(served.handshake), "TLS handshake aborted, alert sent to peer: protocol_version");
    assert!(!ok);
    assert!(err.contains("protocol version"), "s_client: {err}");
}

#[test]
fn python_ssl_client() {
    let (port, h) = serve_one(ALL);
    let script = r#"
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"hello from python\n")
        data = b""
        while True:
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
        print(s.version(), s.cipher()[0], data.decode().strip())
"#;
    let out = Command::new("python3")
        .args(["-c", script, &port.to_string()])
        .arg(certs().join("ca.pem"))
        .output()
        .unwrap();
    let served = h.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(served.handshake, 0, "{}; python: {}", msg(served.handshake), String::from_utf8_lossy(&out.stderr));
    assert_eq!(served.request, b"hello from python\n");
    assert_eq!(served.after, 0, "{}", msg(served.after));
    assert!(out.status.success(), "python: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.trim(), format!("TLSv1.3 {} echo: hello from python", suite_name(served.suite)));
}

#[test]
fn gnutls_cli_client() {
    for prio in ["NORMAL:-VERS-ALL:+VERS-TLS1.3", "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305"] {
        let (port, h) = serve_one(ALL);
        let mut child = Command::new("gnutls-cli")
            .args(["-p", &port.to_string(), "--priority", prio, "--x509cafile"])
            .arg(certs().join("ca.pem"))
            .arg("localhost")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gnutls-cli (gnutls-bin)");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"hello from gnutls\n").unwrap();
        // stdin stays open until the answer came: gnutls-cli ends the session at its EOF.
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut seen = String::new();
        let t0 = Instant::now();
        let mut line = String::new();
        while !seen.contains("echo: hello from gnutls") && t0.elapsed() < Duration::from_secs(20) {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            seen.push_str(&line);
        }
        drop(stdin);
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        let st = child.wait().unwrap();
        let served = h.join().unwrap();
        assert_eq!(served.handshake, 0, "{prio}: {}", msg(served.handshake));
        assert!(seen.contains("echo: hello from gnutls"), "{prio}: gnutls-cli said {seen}{rest}");
        assert!(seen.contains("TLS1.3"), "{prio}: {seen}");
        assert_eq!(served.after, 0, "{prio}: {}", msg(served.after));
        if prio.contains("CHACHA20") {
            assert_eq!(served.suite, USSL_SUITE_CHACHA20_POLY1305_SHA256);
        }
        let _ = st;
    }
}

/// Serves one raw client that sends `bytes` and then closes; returns the handshake result
/// and what the server sent back.
fn serve_garbage(bytes: &[u8]) -> (i32, Vec<u8>) {
    let (port, h) = serve_one(ALL);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut back = Vec::new();
    let _ = s.read_to_end(&mut back);
    let served = h.join().unwrap();
    (served.handshake, back)
}

#[test]
fn garbage_clients_get_alerts() {
    // Plain HTTP: not a TLS record; unexpected_message in a plaintext alert record.
    let (r, back) = serve_garbage(b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(r, USSL_ERR_INVALID_RECORD, "{}", msg(r));
    assert_eq!(back, [21, 3, 3, 0, 2, 2, 10]);
    // A handshake record with a truncated ClientHello: decode_error.
    let (r, back) = serve_garbage(&[22, 3, 1, 0, 8, 1, 0, 0, 4, 3, 3, 0, 0]);
    assert_eq!(r, USSL_ERR_ALERT_SENT_BASE - 50, "{}", msg(r));
    assert_eq!(back, [21, 3, 3, 0, 2, 2, 50]);
    // A record announcing more than 2^14 + 256 bytes: record_overflow.
    let (r, back) = serve_garbage(&[22, 3, 1, 0x48, 0x01]);
    assert_eq!(r, USSL_ERR_RECORD_TOO_LARGE, "{}", msg(r));
    assert_eq!(back, [21, 3, 3, 0, 2, 2, 22]);
    // Nothing at all: the handshake fails with EOF, no alert.
    let (r, back) = serve_garbage(b"");
    assert_eq!(r, USSL_ERR_HANDSHAKE_EOF, "{}", msg(r));
    assert!(back.is_empty());
    // Random bytes after a plausible header.
    let mut junk = vec![22, 3, 1, 0, 200];
    junk.extend((0..200u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    let (r, _) = serve_garbage(&junk);
    assert!(r < 0 && !msg(r).is_empty() && msg(r) != "unknown error", "{r}");
    // And the next client is served as usual.
    let (port, h) = serve_one(ALL);
    let (ok, _, err) = s_client(port, &["-tls1_3"]);
    assert_eq!(h.join().unwrap().handshake, 0);
    assert!(ok, "{err}");
}

#[test]
fn bad_server_credentials_are_refused() {
    let (chain, key) = server_credentials();
    let other_key = {
        let mut k = std::fs::read(certs().join("ca.key")).unwrap();
        // SAFETY: our buffer.
        let n = unsafe { ussl_pem_key_to_der(k.as_mut_ptr(), k.len()) };
        k.truncate(n as usize);
        k
    };
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let _c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let (sock, _) = l.accept().unwrap();
    let r = Client::new_server(sock.try_clone().unwrap(), &chain, &other_key, &[], 16640, 2048).err();
    assert_eq!(r, Some(USSL_ERR_CLIENT_KEY_MISMATCH));
    let r = Client::new_server(sock.try_clone().unwrap(), &chain, &key[..10], &[], 16640, 2048).err();
    assert_eq!(r, Some(USSL_ERR_CLIENT_KEY));
    let r = Client::new_server(sock, &chain, &key, &[0x1304], 16640, 2048).err();
    assert_eq!(r, Some(USSL_ERR_CIPHER_SUITE));
}

#[test]
fn server_engine_memory() {
    // One engine type for both ends: the server's task must fit the engine's memory, and a
    // served connection needs no handshake memory.
    let size = ussl_engine_size();
    println!("engine size (host, client and server): {size} B; handshake memory (both sides): {} B", ussl_handshake_mem_size());
    assert!(size > 0 && size < 8192, "{size}");
}

#[test]
fn client_certificate_required_and_given() {
    let dir = certs();
    for (cert, key) in [("client.pem", "client.key"), ("client.pem", "client-sec1.key")] {
        let (port, h) = serve_verifying(ALL, USSL_CERT_REQUIRED);
        let c = dir.join(cert);
        let k = dir.join(key);
        let (ok, out, err) = s_client(port, &["-tls1_3", "-cert", c.to_str().unwrap(), "-key", k.to_str().unwrap()]);
        let served = h.join().unwrap();
        assert_eq!(served.handshake, 0, "{} {}; s_client: {err}", served.handshake, msg(served.handshake));
        assert_eq!(served.request, b"hello from s_client\n");
        assert!(ok, "{err}");
        assert!(out.contains("echo: hello from s_client"), "{out}");
    }
}

#[test]
fn client_certificate_with_intermediate() {
    // client-chain.pem: leaf + intermediate under client-ca; the intermediate comes from the
    // chain file.
    let dir = certs();
    let (port, h) = serve_verifying(ALL, USSL_CERT_REQUIRED);
    let chain = dir.join("client-chain.pem");
    let key = dir.join("client-chain.key");
    let pem = std::fs::read_to_string(&chain).unwrap();
    let inter = &pem[pem.find("-----END CERTIFICATE-----").unwrap() + 26..];
    let inter_path = std::env::temp_dir().join(format!("ussl-inter-{}.pem", std::process::id()));
    std::fs::write(&inter_path, inter).unwrap();
    let (ok, _, err) = s_client(
        port,
        &["-tls1_3", "-cert", chain.to_str().unwrap(), "-key", key.to_str().unwrap(), "-cert_chain", inter_path.to_str().unwrap()],
    );
    let served = h.join().unwrap();
    let _ = std::fs::remove_file(&inter_path);
    assert_eq!(served.handshake, 0, "{} {}; s_client: {err}", served.handshake, msg(served.handshake));
    assert!(ok, "{err}");
}

#[test]
fn client_without_certificate() {
    // CERT_REQUIRED: certificate_required.
    let (port, h) = serve_verifying(ALL, USSL_CERT_REQUIRED);
    let (ok, _, err) = s_client(port, &["-tls1_3"]);
    let served = h.join().unwrap();
    assert_eq!(served.handshake, USSL_ERR_ALERT_SENT_BASE - 116, "{}", msg(served.handshake));
    assert_eq!(msg(served.handshake), "TLS handshake aborted, alert sent to peer: certificate_required");
    assert!(!ok);
    assert!(err.contains("certificate required"), "{err}");
    // CERT_OPTIONAL: served.
    let (port, h) = serve_verifying(ALL, USSL_CERT_OPTIONAL);
    let (ok, out, err) = s_client(port, &["-tls1_3"]);
    let served = h.join().unwrap();
    assert_eq!(served.handshake, 0, "{}", msg(served.handshake));
    assert!(ok && out.contains("echo: hello from s_client"), "{err}");
}

#[test]
fn client_certificate_from_another_ca() {
    let dir = certs();
    let (port, h) = serve_verifying(ALL, USSL_CERT_REQUIRED);
    let c = dir.join("rogue-client.pem");
    let k = dir.join("rogue-client.key");
    let (ok, _, err) = s_client(port, &["-tls1_3", "-cert", c.to_str().unwrap(), "-key", k.to_str().unwrap()]);
    let served = h.join().unwrap();
    assert_eq!(served.handshake, USSL_ERR_CERT_UNKNOWN_CA, "{}", msg(served.handshake));
    assert!(!ok);
    assert!(err.contains("unknown ca"), "{err}");
}

#[test]
fn python_client_with_certificate() {
    let (port, h) = serve_verifying(ALL, USSL_CERT_REQUIRED);
    let dir = certs();
    let script = r#"
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        s.sendall(b"hello with a certificate\n")
        data = b""
        while True:
            chunk = s.recv(100)
            if not chunk:
                break
            data += chunk
        print(data.decode().strip())
"#;
    let out = Command::new("python3")
        .args(["-c", script, &port.to_string()])
        .arg(dir.join("ca.pem"))
        .arg(dir.join("client.pem"))
        .arg(dir.join("client.key"))
        .output()
        .unwrap();
    let served = h.join().unwrap();
    assert_eq!(served.handshake, 0, "{}; python: {}", msg(served.handshake), String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "echo: hello with a certificate");
}
