//! A malicious server: the fuzzer's bytes are the server's side of the connection, delivered
//! to the client state machine in the reads the input names (format: `ussl_fuzz::Flight`),
//! with verification on or off. Seeds are real openssl s_server handshakes replayed against
//! the engine's fixed fuzzing entropy (fuzz/capture-seeds.sh), so mutations reach past the
//! ServerHello into the encrypted flight and application data.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ussl_fuzz::{Flight, replay};

fuzz_target!(|data: &[u8]| {
    let r = replay(&Flight::parse(data));
    if std::env::var_os("USSL_FUZZ_VERBOSE").is_some() {
        eprintln!("server_flight: (established, failure, plaintext) = {r:?}");
    }
});
