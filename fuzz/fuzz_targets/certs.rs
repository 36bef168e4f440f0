//! Certificates: PEM bundles (ussl_pem_to_der), DER lists (the CA check of ussl_client_new)
//! and chain verification with a CertificateVerify, RSA and ECDSA, through the verifier the
//! handshake uses (`ussl_engine::fuzz_verify`).
//!
//! Input: flags (1: no time check, 2: anchors are PEM text), now (i64 LE), then sections
//! (u16 BE length + bytes): host name, anchors, CertificateVerify (u16 scheme + signature),
//! then the presented certificates, leaf first.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ussl_engine::error::*;
use ussl_engine::*;
use ussl_fuzz::{Input, check_code};

fuzz_target!(|data: &[u8]| {
    let mut i = Input::new(data);
    let (flags, now) = (i.u8(), i.i64());
    let host = String::from_utf8_lossy(i.section()).into_owned();
    let mut anchors = i.section().to_vec();
    let mut cv = Input::new(i.section());
    let scheme = cv.u16();
    let sig = cv.bytes(usize::MAX);
    let mut chain = Vec::new();
    while !i.is_empty() && chain.len() < 16 {
        chain.push(i.section());
    }
    if flags & 2 != 0 && !anchors.is_empty() {
        // SAFETY: `anchors` is valid for reads and writes of its length.
        let n = unsafe { ussl_pem_to_der(anchors.as_mut_ptr(), anchors.len()) };
        check_code(n);
        if n < 0 {
            return;
        }
        assert!(n as usize <= anchors.len());
        anchors.truncate(n as usize);
    }
    let now = (flags & 1 == 0).then_some(now);
    let r = fuzz_verify::check(&chain, &anchors, &host, now, &[0x5a; 32], scheme, sig);
    if std::env::var_os("USSL_FUZZ_VERBOSE").is_some() {
        eprintln!("certs: {r:?}");
    }
    if let Err(code) = r {
        check_code(code);
        assert!(code < 0 && code != USSL_WANT_READ && code != USSL_WANT_WRITE);
    }
});
