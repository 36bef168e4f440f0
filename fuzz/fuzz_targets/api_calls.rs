//! The C ABI as a careless shim could call it: a fuzzer-chosen configuration (sizes below the
//! minimum, bad verify modes, odd names and CAs, NULL where allowed), then a fuzzer-chosen
//! sequence of calls with fuzzer-chosen arguments, in any order (after failure, after close,
//! free and create again in the same memory). Bytes from the server are fuzzer bytes or the
//! next read of a recorded real handshake, so calls also land on an established connection.
//! Every promise of the header is checked (lengths, output inside the tx buffer, stable error
//! codes, everything wiped by ussl_engine_free).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ussl_engine::error::*;
use ussl_engine::*;
use ussl_fuzz::{Config, Engine, Flight, Input, check_code, recorded_flight};

const RX: [usize; 6] = [0, 1023, 1024, 2000, 4357, USSL_RX_BUFFER_FULL];
const TX: [usize; 4] = [0, 511, 512, 2048];

fn config<'a>(i: &mut Input<'a>, rec: &Flight<'a>) -> Config<'a> {
    let f = i.u8();
    if f & 0x80 != 0 {
        // As recorded (verification on or off), so the recorded reads lead to a connection.
        let mut c = rec.config();
        if f & 1 == 0 {
            c.ca = &[];
            c.verify = USSL_CERT_NONE;
        }
        c.peer_cert_cap = [0, 16, 2048][usize::from(f >> 1 & 3) % 3];
        return c;
    }
    let name: &[u8] = match f & 3 {
        0 => b"",
        1 => b"localhost",
        2 => b"127.0.0.1",
        _ => i.section(),
    };
    let ca: &[u8] = match f >> 2 & 3 {
        0 => b"",
        1 => rec.ca,
        2 => b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
        _ => i.section(),
    };
    Config {
        server_name: name,
        ca,
        verify: i32::from(i.u8() % 5) - 1,
        rx: RX[usize::from(i.u8()) % RX.len()],
        tx: TX[usize::from(i.u8()) % TX.len()],
        now: i.i64(),
        flags: u32::from(i.u8()),
        peer_cert_cap: usize::from(i.u8()) * 16,
    }
}

fuzz_target!(|data: &[u8]| {
    let rec = Flight::parse(recorded_flight());
    let mut i = Input::new(data);
    let cfg = config(&mut i, &rec);
    let Ok(mut eng) = Engine::new(&cfg) else { return };
    let mut next_read = 0;
    let mut closed = false;
    for _ in 0..256 {
        if i.is_empty() {
            break;
        }
        let e = eng.raw();
        match i.u8() % 15 {
            0 => {
                let d = i.section();
                // SAFETY: live engine; `d` valid for the call.
                let n = unsafe { ussl_feed(e, d.as_ptr(), d.len()) };
                assert!(n <= d.len());
            }
            1 => {
                if let Some(c) = rec.chunks.get(next_read) {
                    next_read += 1;
                    eng.feed(c);
                }
            }
            2 => {
                // NULL with a length: nothing is taken.
                // SAFETY: live engine; a NULL pointer is refused before any access.
                assert_eq!(unsafe { ussl_feed(e, std::ptr::null(), usize::from(i.u8())) }, 0);
            }
            3 => eng.feed_eof(),
            4 => {
                let n = eng.output_len().min(usize::from(i.u16()));
                // SAFETY: live engine (any n is allowed: the engine clamps it).
                unsafe { ussl_output_consume(e, n + usize::from(i.u8() & 1) * 100_000) };
            }
            5 => eng.drain(usize::MAX),
            6 => {
                eng.handshake();
            }
            7 => {
                let len = usize::from(i.u16() % 20_000);
                eng.read(len);
            }
            8 => {
                let d = i.section();
                let r = eng.write(d);
                assert!(!closed || r < 0, "write accepted after close");
            }
            9 => {
                eng.pending();
            }
            10 => {
                closed = true;
                eng.close();
            }
            11 => {
                eng.peer_cert_len();
            }
            12 => {
                // Any code, also unknown ones: static text.
                // SAFETY: ussl_error_message returns static NUL-terminated text.
                let m = unsafe { std::ffi::CStr::from_ptr(ussl_error_message(i.i64() as i32)) };
                assert!(!m.is_empty() && m.to_str().is_ok());
            }
            13 => {
                // Free and create again (the same configuration, fresh memory).
                drop(eng);
                let Ok(e2) = Engine::new(&cfg) else { return };
                eng = e2;
                next_read = 0;
                closed = false;
            }
            _ => {
                let mut b = i.section().to_vec();
                if !b.is_empty() {
                    // SAFETY: `b` valid for reads and writes of its length.
                    let n = unsafe { ussl_pem_to_der(b.as_mut_ptr(), b.len()) };
                    check_code(n);
                    assert!(n <= b.len() as i32);
                }
            }
        }
        // The shim reads the output after every call.
        eng.output_len();
    }
    eng.drain(usize::MAX);
});
