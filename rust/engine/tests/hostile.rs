//! The hostile-peer matrix (issue 7): tests/hostile/tls13_peer.py completes a correct TLS 1.3
//! handshake and then misbehaves in one named way per connection. Every scenario must end in
//! the exact outcome below: success where RFC 8446 allows the peer's behaviour, otherwise one
//! error code; never a hang or an abort (a panic in the engine aborts this test binary).
//!
//! Each scenario runs with verification off and with verification on against the right CA:
//! a flight that skips Certificate or CertificateVerify must fail in both modes (accepting it
//! with verification on would be a verification bypass).

mod common;

use std::io::Write;
use std::net::Shutdown;
use std::process::{Child, ChildStdin, Command};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use ussl_engine::error::*;
use ussl_engine::*;

/// The peer process, started once per test binary; it exits when its stdin (held here)
/// closes with this process.
struct Peer {
    port: u16,
    _proc: Mutex<(Child, ChildStdin)>,
}

fn peer() -> u16 {
    static PEER: OnceLock<Peer> = OnceLock::new();
    PEER.get_or_init(|| {
        let (mut child, port) = start_hostile_peer();
        let stdin = child.stdin.take().unwrap();
        Peer { port, _proc: Mutex::new((child, stdin)) }
    })
    .port
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Handshake done, two lines echoed, our close_notify sent.
    Echo,
    /// The peer's close_notify in place of the echo (ussl_read returned 0).
    Closed,
    /// The handshake failed with this code.
    Hs(i32),
    /// The handshake succeeded, then reading or writing failed with this code.
    Data(i32),
}
use Outcome::*;

#[derive(Clone, Copy)]
enum Verify {
    Off,
    /// CERT_REQUIRED with the CA that signed the peer's certificate.
    On,
}

fn opts(v: Verify, rx: usize) -> Opts {
    match v {
        Verify::Off => Opts { rx, ..Opts::default() },
        Verify::On => Opts { rx, ca: Some(cert("ca.der")), verify: USSL_CERT_REQUIRED, ..Opts::default() },
    }
}

/// Not an engine code: the bytes read are not the echo.
const GARBLED: i32 = 1;

/// Reads until `want` arrived: Ok, or Err(0) on the peer's close_notify, Err(code).
fn read_exact(c: &mut Client, want: &[u8]) -> Result<(), i32> {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    let t0 = Instant::now();
    while got.len() < want.len() {
        assert!(t0.elapsed() < Duration::from_secs(30), "read hangs");
        // SAFETY: live engine, buffer valid for the call.
        let r = unsafe { ussl_read(c.engine(), buf.as_mut_ptr(), buf.len()) };
        c.pump();
        match r {
            n if n > 0 => got.extend_from_slice(&buf[..n as usize]),
            USSL_WANT_READ => {
                c.feed();
            }
            USSL_WANT_WRITE => {}
            r => return Err(r),
        }
    }
    if got != want {
        return Err(GARBLED);
    }
    Ok(())
}

/// Runs one scenario: handshake, then "ping\n" and "pong\n" echoed, then close.
fn run(scenario: &str, v: Verify, rx: usize) -> Outcome {
    let sock = hello(connect(peer()), scenario);
    if scenario == "silence" {
        // The peer never answers: the test gives up and closes the socket after a second.
        let s = sock.try_clone().unwrap();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            let _ = s.shutdown(Shutdown::Both);
        });
    }
    let mut c = Client::new(sock, opts(v, rx)).unwrap();
    if let Err(e) = c.handshake() {
        return Hs(e);
    }
    for line in [&b"ping\n"[..], b"pong\n"] {
        if let Err(e) = c.write_all(line) {
            return Data(e);
        }
        match read_exact(&mut c, line) {
            Ok(()) => {}
            Err(0) => return Closed,
            Err(e) => return Data(e),
        }
    }
    assert_eq!(c.close(), 0, "{scenario}: close after the echo");
    Echo
}

const RX: usize = 16640;

/// Runs every (scenario, expected with verification off, expected with it on) and reports
/// all mismatches at once.
fn check(cases: &[(&str, Outcome, Outcome)], rx: usize) {
    let mut bad = Vec::new();
    for &(name, off, on) in cases {
        for (v, want) in [(Verify::Off, off), (Verify::On, on)] {
            let got = run(name, v, rx);
            let mode = if matches!(v, Verify::Off) { "off" } else { "on" };
            let show = |o: Outcome| match o {
                Hs(e) | Data(e) => format!("{o:?} {}", msg(e)),
                o => format!("{o:?}"),
            };
            println!("{name:32} verify {mode:3}: {}", show(got));
            if got != want {
                bad.push(format!("{name} (verify {mode}): got {}, want {}", show(got), show(want)));
            }
        }
    }
    assert!(bad.is_empty(), "hostile-peer mismatches:\n{}", bad.join("\n"));
}

fn same(name: &str, o: Outcome) -> (&str, Outcome, Outcome) {
    (name, o, o)
}

const E_HS: i32 = USSL_ERR_HANDSHAKE;

/// Legal peer behaviour: the connection works.
#[test]
fn legal() {
    check(
        &[
            same("honest", Echo),
            same("separate-records", Echo),
            same("byte-at-a-time", Echo),
            same("ticket-flood", Echo),
            same("empty-appdata", Echo),
            same("max-record", Echo),
            same("keyupdate", Echo),
            same("keyupdate-requested", Echo),
            same("server-close", Closed),
        ],
        RX,
    );
}

#[test]
fn wrong_ca() {
    let mut c = Client::new(
        hello(connect(peer()), "honest"),
        Opts { ca: Some(cert("other-ca.der")), verify: USSL_CERT_REQUIRED, ..Opts::default() },
    )
    .unwrap();
    assert_eq!(c.handshake(), Err(USSL_ERR_CERT_UNKNOWN_CA));
}

/// Names the scenario to the peer (the line before the ClientHello).
fn hello(mut sock: std::net::TcpStream, scenario: &str) -> std::net::TcpStream {
    sock.write_all(format!("{scenario}\n").as_bytes()).unwrap();
    sock
}

/// Broken, oversized, truncated and missing records.
#[test]
fn records() {
    check(
        &[
            same("truncated-hs", Hs(USSL_ERR_HANDSHAKE_EOF)),
            same("truncated-data", Data(USSL_ERR_EOF)),
            same("record-overflow", Data(USSL_ERR_RECORD_TOO_LARGE)),
            same("plaintext-overflow", Data(USSL_ERR_RECORD_TOO_LARGE)),
            same("bad-tag-hs", Hs(USSL_ERR_DECRYPT)),
            same("bad-tag-data", Data(USSL_ERR_DECRYPT)),
            same("zero-length-record", Data(USSL_ERR_DECRYPT)),
            same("no-content-type", Data(USSL_ERR_INVALID_RECORD)),
            same("only-padding", Data(USSL_ERR_INVALID_RECORD)),
            same("only-padding-hs", Hs(USSL_ERR_INVALID_RECORD)),
            same("plaintext-flight", Hs(USSL_ERR_INVALID_RECORD)),
            same("no-close-notify", Data(USSL_ERR_EOF)),
            same("silence", Hs(USSL_ERR_HANDSHAKE_EOF)),
        ],
        RX,
    );
}

/// The receive buffer of the emulated board (4,368 B: max_fragment_length 4096 asked for and
/// echoed by the peer), and one larger than any legal record.
#[test]
fn buffer_sizes() {
    check(
        &[
            same("honest", Echo),
            same("ticket-flood", Echo),
            same("max-record", Data(USSL_ERR_RECORD_TOO_LARGE)),
            same("record-overflow", Data(USSL_ERR_RECORD_TOO_LARGE)),
        ],
        4368,
    );
    check(
        &[
            same("max-record", Echo),
            same("record-overflow", Data(USSL_ERR_RECORD_TOO_LARGE)),
            same("plaintext-overflow", Data(USSL_ERR_RECORD_TOO_LARGE)),
        ],
        20000,
    );
}

/// The server's flight out of order, a wrong Finished or CertificateVerify, a second
/// ServerHello, a HelloRetryRequest, a suite we did not offer. The order cases must fail with
/// verification on as well: a client that took them would skip the certificate check.
#[test]
fn handshake_order() {
    check(
        &[
            same("finished-first", Hs(E_HS)),
            same("no-certificate-verify", Hs(E_HS)),
            same("certificate-verify-first", Hs(E_HS)),
            same("no-encrypted-extensions", Hs(E_HS)),
            same("encrypted-extensions-twice", Hs(E_HS)),
            same("data-after-finished", Hs(E_HS)),
            same("bad-finished", Hs(USSL_ERR_BAD_SIGNATURE)),
            // Without verification nobody checks the signature (CERT_NONE authenticates nothing).
            ("bad-certificate-verify", Echo, Hs(USSL_ERR_CERT_VERIFY_SIGNATURE)),
            same("hello-retry-request", Hs(E_HS)),
            same("second-server-hello", Hs(USSL_ERR_INVALID_RECORD)),
            same("wrong-suite", Hs(USSL_ERR_CIPHER_SUITE)),
        ],
        RX,
    );
}

/// Handshake messages that have no place after the handshake (we offer no post-handshake
/// authentication), and a KeyUpdate that does not end its record.
#[test]
fn post_handshake() {
    check(
        &[
            same("post-certificate-request", Data(E_HS)),
            same("post-certificate", Data(E_HS)),
            same("post-finished", Data(E_HS)),
            same("post-encrypted-extensions", Data(E_HS)),
            same("keyupdate-then-data", Data(E_HS)),
        ],
        RX,
    );
}

/// Section 6's alert descriptions.
const ALERTS: [(&str, i32); 27] = [
    ("close_notify", 0), ("unexpected_message", 10), ("bad_record_mac", 20), ("record_overflow", 22),
    ("handshake_failure", 40), ("bad_certificate", 42), ("unsupported_certificate", 43),
    ("certificate_revoked", 44), ("certificate_expired", 45), ("certificate_unknown", 46),
    ("illegal_parameter", 47), ("unknown_ca", 48), ("access_denied", 49), ("decode_error", 50),
    ("decrypt_error", 51), ("protocol_version", 70), ("insufficient_security", 71),
    ("internal_error", 80), ("inappropriate_fallback", 86), ("user_canceled", 90),
    ("missing_extension", 109), ("unsupported_extension", 110), ("unrecognized_name", 112),
    ("bad_certificate_status_response", 113), ("unknown_psk_identity", 115),
    ("certificate_required", 116), ("no_application_protocol", 120),
];

/// Every alert as fatal: in place of the ServerHello (plaintext), after it (under the
/// handshake key) and after the handshake. Each is reported as that alert; close_notify after
/// the handshake is the orderly end of the data.
#[test]
fn alerts() {
    let names: Vec<[String; 3]> =
        ALERTS.iter().map(|(n, _)| [format!("alert-plain-{n}"), format!("alert-hs-{n}"), format!("alert-data-{n}")]).collect();
    let mut cases = Vec::new();
    for ((_, code), [plain, hs, data]) in ALERTS.iter().zip(&names) {
        let got = USSL_ERR_ALERT_RECEIVED_BASE - code;
        cases.push(same(plain, Hs(got)));
        cases.push(same(hs, Hs(got)));
        cases.push(same(data, if *code == 0 { Closed } else { Data(got) }));
    }
    check(&cases, RX);
}

/// Server key shares that are not uncompressed points on P-256 (off the curve, compressed,
/// x = p, infinity, truncated): refused by the ECDH's checks before any key is derived.
#[test]
fn bad_key_shares() {
    check(
        &[
            same("key-share-off-curve", Hs(USSL_ERR_UNSUPPORTED)),
            same("key-share-compressed", Hs(USSL_ERR_UNSUPPORTED)),
            same("key-share-x-is-p", Hs(USSL_ERR_UNSUPPORTED)),
            same("key-share-infinity", Hs(USSL_ERR_UNSUPPORTED)),
            same("key-share-truncated", Hs(USSL_ERR_UNSUPPORTED)),
        ],
        RX,
    );
}

/// Every scenario the peer knows is in this file's matrix.
#[test]
fn matrix_is_complete() {
    let out = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/hostile/tls13_peer.py"))
        .arg("--list")
        .output()
        .unwrap();
    let src = include_str!("hostile.rs");
    for name in String::from_utf8(out.stdout).unwrap().lines() {
        let covered = src.contains(&format!("\"{name}\""))
            || ["alert-plain-", "alert-hs-", "alert-data-"].iter().any(|p| name.starts_with(p));
        assert!(covered, "scenario {name} is not in the matrix");
    }
}
