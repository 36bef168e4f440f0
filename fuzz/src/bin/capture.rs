//! Records the server's side of a real handshake + one GET as a server_flight input.
//!   capture <port> <ca.der> <now> <out> [<s_server keylog>]
//! The engine's fuzzing entropy is fixed, so the same ClientHello goes out on replay and the
//! recorded server bytes decrypt again. Each socket read becomes one chunk (one ussl_feed).
//! Exits non-zero unless the capture replays to an established connection with plaintext.
//! With the server's key log (`s_server -keylogfile`), the server's records are decrypted too
//! and written as <out>-enc.bin: the same messages for the F_ENCRYPT mode, where the harness
//! is the server (its own ServerHello and Finished, the real server's other messages).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ussl_engine::error::*;
use ussl_fuzz::server::Keys;
use ussl_fuzz::{Engine, F_ENCRYPT, F_VERIFY, Flight, replay};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    assert!(a.len() == 5 || a.len() == 6, "usage: capture <port> <ca.der> <now> <out> [<keylog>]");
    let ca = std::fs::read(&a[2]).expect("read CA");
    let now: i64 = a[3].parse().expect("now");
    let template = Flight { flags: F_VERIFY, now, ca: &ca, chunks: Vec::new() };
    let mut sock = TcpStream::connect(("127.0.0.1", a[1].parse::<u16>().unwrap())).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut eng = Engine::new_with_output(&template.config(), |b| sock.try_clone().unwrap().write_all(b).unwrap());
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut buf = [0u8; 16384];
    let mut wrote = false;
    loop {
        let n = match sock.read(&mut buf) {
            Ok(n) if n > 0 => n,
            _ => break,
        };
        chunks.push(buf[..n].to_vec());
        assert!(eng.feed_sending(&buf[..n], |b| sock.try_clone().unwrap().write_all(b).unwrap()));
        if !eng.established && eng.handshake() < 0 && eng.failed.is_some() {
            panic!("handshake failed: {:?}", eng.failed);
        }
        eng.send(|b| sock.try_clone().unwrap().write_all(b).unwrap());
        if eng.established && !wrote {
            assert!(eng.write(b"GET / HTTP/1.0\r\n\r\n") > 0);
            eng.send(|b| sock.try_clone().unwrap().write_all(b).unwrap());
            wrote = true;
        }
        while eng.read(4096) > 0 {}
    }
    drop(eng);
    let out = Flight::encode(F_VERIFY, now, &ca, &chunks);
    let (established, failed, plain) = replay(&Flight::parse(&out)).expect("engine");
    assert!(established && plain > 0, "capture does not replay: established={established} failed={failed:?} plaintext={plain}");
    assert!(failed.is_none() || failed == Some(USSL_ERR_EOF), "replay failed: {failed:?}");
    std::fs::write(&a[4], &out).expect("write");
    if let Some(log) = a.get(5) {
        let chunks = decrypt(&chunks.concat(), &std::fs::read_to_string(log).expect("keylog"));
        let enc = Flight::encode(F_ENCRYPT, now, &ca, &chunks);
        let (established, _, plain) = replay(&Flight::parse(&enc)).expect("engine");
        assert!(established && plain > 0, "decrypted capture does not replay: established={established} plaintext={plain}");
        std::fs::write(a[4].replace(".bin", "-enc.bin"), &enc).expect("write");
        println!("capture: {} server records decrypted, replay through the harness server: {plain} bytes", chunks.len());
    }
    println!("capture: {} reads, {} bytes, replay: {plain} bytes of plaintext", chunks.len(), out.len());
}

fn secret(log: &str, label: &str) -> Vec<u8> {
    let line = log.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label} not in the key log"));
    let hex = line.split_whitespace().nth(2).unwrap();
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// The server's records as F_ENCRYPT chunks: ServerHello left out (the harness sends its
/// own), ChangeCipherSpec raw (0xFE), Finished as 0xFF, the rest [inner type][content].
fn decrypt(stream: &[u8], log: &str) -> Vec<Vec<u8>> {
    let mut keys = Keys::new(secret(log, "SERVER_HANDSHAKE_TRAFFIC_SECRET "));
    let mut app = false;
    let mut out = Vec::new();
    let mut r = stream;
    while r.len() >= 5 {
        let n = 5 + usize::from(u16::from_be_bytes([r[3], r[4]]));
        let (rec, rest) = r.split_at(n.min(r.len()));
        r = rest;
        match rec[0] {
            0x16 => continue,
            0x14 => out.push([&[0xFE], rec].concat()),
            _ => {
                let (kind, content) = keys.open(rec).expect("decrypt a server record");
                if kind != 0x16 || app {
                    out.push([&[kind], content.as_slice()].concat());
                    continue;
                }
                // Handshake messages: those before Finished, then Finished by the harness.
                let mut p = 0;
                while p + 4 <= content.len() {
                    let len = 4 + (usize::from(content[p + 1]) << 16 | usize::from(content[p + 2]) << 8 | usize::from(content[p + 3]));
                    if content[p] == 20 {
                        if p > 0 {
                            out.push([&[0x16], &content[..p]].concat());
                        }
                        out.push(vec![0xFF]);
                        keys = Keys::new(secret(log, "SERVER_TRAFFIC_SECRET_0 "));
                        app = true;
                        break;
                    }
                    p += len;
                }
                if !app {
                    out.push([&[0x16], content.as_slice()].concat());
                }
            }
        }
    }
    out
}
