//! Client certificates (mutual TLS) against `openssl s_server -tls1_3 -Verify 1`: P-256 keys
//! in SEC1 and PKCS#8 form (DER and PEM), a chain with an intermediate, the server refusing
//! (no certificate, unknown issuer), bad keys, and the server verified before we sign.
#![cfg(feature = "client-cert")]

mod common;

use common::*;
use ussl_engine::error::*;
use ussl_engine::*;

/// s_server (certs of make-certs.sh) that requires a client certificate from client-ca.
fn mtls_server() -> SServer {
    let ca = certs().join("client-ca.pem");
    SServer::start(&["-Verify", "1", "-verify_return_error", "-CAfile", ca.to_str().unwrap()])
}

/// PEM file -> DER through the engine's own converters (as the MicroPython module does).
fn der(name: &str) -> Vec<u8> {
    let mut b = cert(name);
    let n = if name.ends_with(".key") {
        unsafe { ussl_pem_key_to_der(b.as_mut_ptr(), b.len()) }
    } else {
        unsafe { ussl_pem_to_der(b.as_mut_ptr(), b.len()) }
    };
    assert!(n > 0, "{name}: {}", msg(n));
    b.truncate(n as usize);
    b
}

fn with_client(chain: Vec<u8>, key: Vec<u8>) -> Opts {
    Opts {
        ca: Some(cert("ca.der")),
        verify: USSL_CERT_REQUIRED,
        client_cert: Some(chain),
        client_key: Some(key),
        ..Opts::default()
    }
}

fn check(chain: &[u8], key: &[u8]) -> i32 {
    unsafe { ussl_client_auth_check(chain.as_ptr(), chain.len(), key.as_ptr(), key.len()) }
}

/// Handshake + GET with a client certificate; the s_server page names the client's subject.
fn mutual_get(chain: Vec<u8>, key: Vec<u8>) {
    assert_eq!(check(&chain, &key), 0);
    let srv = mtls_server();
    let mut c = Client::new(connect(srv.port), with_client(chain, key)).unwrap();
    let resp = get(&mut c);
    assert_s_server_page(&resp);
    let text = String::from_utf8_lossy(&resp);
    assert!(text.contains("ussl test client"), "s_server saw no client certificate: {text}");
    assert_eq!(c.close(), 0);
}

#[test]
fn pkcs8_der_key() {
    mutual_get(cert("client.der"), cert("client.key.der"));
}

#[test]
fn sec1_der_key() {
    mutual_get(cert("client.der"), cert("client-sec1.der"));
}

#[test]
fn pem_cert_and_keys() {
    mutual_get(der("client.pem"), der("client.key"));
    mutual_get(der("client.pem"), der("client-sec1.key"));
}

#[test]
fn chain_with_intermediate() {
    // The server trusts only client-ca: the intermediate must be sent after the leaf.
    let chain = der("client-chain.pem");
    mutual_get(chain, der("client-chain.key"));
}

#[test]
fn server_requires_a_certificate_we_do_not_have() {
    let srv = mtls_server();
    let o = Opts { ca: Some(cert("ca.der")), verify: USSL_CERT_REQUIRED, ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    // TLS 1.3: our (empty) Certificate and Finished go out, the server's alert follows.
    let e = match c.handshake() {
        Err(e) => e,
        Ok(()) => {
            let _ = c.write_all(b"GET / HTTP/1.0\r\n\r\n");
            c.read_to_end().expect_err("server must refuse").0
        }
    };
    assert_eq!(e, USSL_ERR_ALERT_RECEIVED_BASE - 116, "{}", msg(e));
    assert_eq!(msg(e), "TLS alert from peer: certificate_required");
}

#[test]
fn server_rejects_our_certificate() {
    let srv = mtls_server();
    let mut c = Client::new(connect(srv.port), with_client(der("rogue-client.pem"), der("rogue-client.key"))).unwrap();
    let e = match c.handshake() {
        Err(e) => e,
        Ok(()) => {
            let _ = c.write_all(b"GET / HTTP/1.0\r\n\r\n");
            c.read_to_end().expect_err("server must refuse").0
        }
    };
    assert!((USSL_ERR_ALERT_RECEIVED_BASE - 255..USSL_ERR_ALERT_RECEIVED_BASE).contains(&e), "{e} {}", msg(e));
    // OpenSSL refuses an unknown issuer with unknown_ca.
    assert_eq!(msg(e), "TLS alert from peer: unknown_ca");
}

#[test]
fn bad_keys_and_chains_are_refused() {
    let leaf = cert("client.der");
    assert_eq!(check(&leaf, &der("client-rsa.key")), USSL_ERR_CLIENT_KEY_RSA);
    assert_eq!(msg(USSL_ERR_CLIENT_KEY_RSA), "client key: RSA client keys not supported (P-256 only)");
    assert_eq!(check(&leaf, &der("rogue-client.key")), USSL_ERR_CLIENT_KEY_MISMATCH);
    assert_eq!(check(&leaf, b"\x30\x03\x02\x01\x07"), USSL_ERR_CLIENT_KEY);
    assert_eq!(check(&leaf, &cert("client.key")), USSL_ERR_CLIENT_KEY, "PEM must be converted first");
    assert_eq!(check(b"not a certificate", &cert("client.key.der")), USSL_ERR_CLIENT_CERT);
    // A P-384 key (PKCS#8) is another curve.
    let mut p384 = std::fs::read(chains().join("p384-leaf.key")).unwrap();
    let n = unsafe { ussl_pem_key_to_der(p384.as_mut_ptr(), p384.len()) };
    assert!(n > 0);
    assert_eq!(check(&leaf, &p384[..n as usize]), USSL_ERR_CLIENT_KEY_TYPE);
    // Truncations of a good key never pass.
    let key = cert("client-sec1.der");
    for i in 0..key.len() {
        assert_ne!(check(&leaf, &key[..i.max(1)]), 0, "truncated at {i}");
    }
    // ussl_client_new refuses the same, and a key without a chain.
    let srv = SServer::start(&[]);
    let o = with_client(leaf.clone(), der("client-rsa.key"));
    assert_eq!(Client::new(connect(srv.port), o).err(), Some(USSL_ERR_CLIENT_KEY_RSA));
    let o = Opts { client_key: Some(cert("client.key.der")), ..Opts::default() };
    assert_eq!(Client::new(connect(srv.port), o).err(), Some(USSL_ERR_ARG));
}

/// With a client certificate, the server's chain is verified (including the ECDSA checks
/// otherwise deferred to the end of the handshake) before our Certificate goes out.
#[test]
fn server_verified_before_we_authenticate() {
    let d = chains();
    let ca = certs().join("client-ca.pem");
    let verify = ["-Verify", "1", "-verify_return_error", "-CAfile", ca.to_str().unwrap()];
    let root = std::fs::read(d.join("p256-root.der")).unwrap();
    let leaf = cert("client.der");
    let opts = || Opts { ca: Some(root.clone()), ..with_client(leaf.clone(), cert("client.key.der")) };
    let run = |server_leaf: &str| {
        let srv = SServer::start_with(
            &d.join(format!("{server_leaf}.pem")),
            &d.join(format!("{server_leaf}.key")),
            Some(&d.join("p256-int.pem")),
            &verify,
        );
        let mut c = Client::new(connect(srv.port), opts()).unwrap();
        c.pump(); // the ClientHello
        let hello = c.bytes_out;
        let r = c.handshake();
        (r, c.bytes_out - hello)
    };
    // Good chain: our Certificate (with the leaf), CertificateVerify and Finished go out.
    let (r, sent) = run("p256-leaf");
    assert_eq!(r, Ok(()));
    assert!(sent > leaf.len(), "sent {sent}");
    // A bad signature in the server's chain: the verification reason, and nothing of ours
    // (no Certificate, no CertificateVerify) was sent after the ClientHello.
    let (r, sent) = run("bad-sig");
    assert_eq!(r, Err(USSL_ERR_CERT_SIGNATURE), "{}", msg(r.unwrap_err()));
    assert!(sent < leaf.len(), "sent {sent} bytes after the ClientHello");
}

#[test]
fn der_key_forms_agree() {
    // The PEM and DER forms of the same key are the same key.
    assert_eq!(der("client.key"), cert("client.key.der"));
    assert_eq!(der("client-sec1.key"), cert("client-sec1.der"));
}
