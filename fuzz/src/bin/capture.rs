//! Records the server's side of a real handshake + one GET as a server_flight input.
//!   capture <port> <ca.der> <now> <out>
//! The engine's fuzzing entropy is fixed, so the same ClientHello goes out on replay and the
//! recorded server bytes decrypt again. Each socket read becomes one chunk (one ussl_feed).
//! Exits non-zero unless the capture replays to an established connection with plaintext.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ussl_engine::error::*;
use ussl_fuzz::{Engine, F_VERIFY, Flight, replay};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    assert_eq!(a.len(), 5, "usage: capture <port> <ca.der> <now> <out>");
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
    println!("capture: {} reads, {} bytes, replay: {plain} bytes of plaintext", chunks.len(), out.len());
}
