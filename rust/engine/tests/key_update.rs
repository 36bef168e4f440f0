//! KeyUpdate from a real peer: `openssl s_server` sends one when told "k" (update_not_requested)
//! or "K" (update_requested) on its stdin. embedded-tls 0.19.0 failed the connection on
//! KeyUpdate; the vendored copy switches keys and answers.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use common::*;
use ussl_engine::error::*;
use ussl_engine::*;

/// Interactive s_server: its stdin goes to the client, what it receives comes out on stdout.
struct Interactive {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    /// Everything s_server printed so far (shown when a test fails).
    log: Vec<String>,
    port: u16,
}

impl Interactive {
    fn start_with(extra: &[&str]) -> Interactive {
        let dir = certs();
        let port = free_port();
        let mut child = Command::new("openssl")
            .args(["s_server", "-tls1_3", "-msg", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(dir.join("server.pem"))
            .arg("-key")
            .arg(dir.join("server.key"))
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn openssl s_server");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t0.elapsed() < Duration::from_secs(5), "s_server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Interactive { child, stdin, lines, log: Vec::new(), port }
    }

    /// One line to s_server's stdin: a command ("k", "K") or data for the client.
    fn say(&mut self, line: &str) {
        // One write: s_server takes a command only when "k\n" arrives in one read.
        self.stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Makes s_server send a KeyUpdate and waits until it did (-msg traces what it sends).
    /// Waiting also keeps the command and the next data line in separate stdin reads: s_server
    /// would otherwise take both as one command line.
    fn key_update(&mut self, requested: bool) {
        self.say(if requested { "K" } else { "k" });
        self.expect_received(">>> TLS 1.3, Handshake [length 0005], KeyUpdate");
    }

    /// Waits for s_server to print `want` (data it decrypted from the client).
    fn expect_received(&mut self, want: &str) {
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(100)) {
                let hit = line.contains(want);
                self.log.push(line);
                if hit {
                    return;
                }
            }
        }
        panic!("s_server never printed {want:?}; its log:\n{}", self.log[self.log.len().saturating_sub(40)..].join("\n"));
    }
}

impl Drop for Interactive {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until `want` has arrived (the engine must decrypt it under the current key).
fn read_until(c: &mut Client, want: &[u8]) -> Result<Vec<u8>, i32> {
    let mut out = Vec::new();
    let mut buf = [0u8; 256];
    let t0 = Instant::now();
    while !out.windows(want.len()).any(|w| w == want) {
        assert!(t0.elapsed() < Duration::from_secs(10), "read hangs; got {:?} bytes_in {} feeds {} pending {}", String::from_utf8_lossy(&out), c.bytes_in, c.feeds, c.pending());
        // SAFETY: live engine, buffer valid for the call.
        let r = unsafe { ussl_read(c.engine(), buf.as_mut_ptr(), buf.len()) };
        c.pump();
        match r {
            n if n > 0 => out.extend_from_slice(&buf[..n as usize]),
            USSL_WANT_READ => {
                c.feed();
            }
            USSL_WANT_WRITE => {}
            0 => return Err(0),
            err => return Err(err),
        }
    }
    Ok(out)
}

fn session() -> (Interactive, Client) {
    session_with(&[])
}

fn session_with(extra: &[&str]) -> (Interactive, Client) {
    let mut srv = Interactive::start_with(extra);
    let mut c = Client::new(connect(srv.port), Opts::default()).unwrap();
    c.handshake().unwrap_or_else(|e| panic!("handshake: {e} {}", msg(e)));
    // Both directions work before any update.
    c.write_all(b"hello-before\n").unwrap();
    srv.expect_received("hello-before");
    (srv, c)
}

#[test]
fn key_update_not_requested_switches_the_read_key() {
    let (mut srv, mut c) = session();
    for round in 0..3 {
        srv.key_update(false);
        let line = format!("server-data-{round}");
        srv.say(&line);
        read_until(&mut c, line.as_bytes()).unwrap_or_else(|e| panic!("round {round}: {e} {}", msg(e)));
    }
    // Our sending key did not change: the server still reads us.
    c.write_all(b"client-after-k\n").unwrap();
    srv.expect_received("client-after-k");
}

#[test]
fn key_update_requested_is_answered_before_our_next_record() {
    let (mut srv, mut c) = session();
    for round in 0..3 {
        srv.key_update(true);
        let line = format!("server-data-{round}");
        srv.say(&line);
        read_until(&mut c, line.as_bytes()).unwrap_or_else(|e| panic!("round {round}: {e} {}", msg(e)));
        // The server switched its receive key when our KeyUpdate arrived: it can only read
        // this line if the KeyUpdate went out first and we then sealed under the new key.
        let ours = format!("client-data-{round}");
        c.write_all(format!("{ours}\n").as_bytes()).unwrap();
        srv.expect_received(&ours);
    }
    assert_eq!(c.close(), 0);
}

#[test]
fn key_update_with_each_suite() {
    // "traffic upd" runs on the suite's hash (SHA-384 for AES-256-GCM) and rekeys its AEAD.
    for suite in ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"] {
        let (mut srv, mut c) = session_with(&["-ciphersuites", suite]);
        for round in 0..2 {
            srv.key_update(true);
            let line = format!("{suite}-server-{round}");
            srv.say(&line);
            read_until(&mut c, line.as_bytes()).unwrap_or_else(|e| panic!("{suite} round {round}: {e} {}", msg(e)));
            let ours = format!("{suite}-client-{round}");
            c.write_all(format!("{ours}\n").as_bytes()).unwrap();
            srv.expect_received(&ours);
        }
        // SAFETY: live engine.
        let got = unsafe { ussl_engine::ussl_cipher_suite(c.engine()) };
        let want = match suite { "TLS_AES_256_GCM_SHA384" => 0x1302, "TLS_CHACHA20_POLY1305_SHA256" => 0x1303, _ => 0x1301 };
        assert_eq!(got, want, "{suite}");
        assert_eq!(c.close(), 0);
    }
}
