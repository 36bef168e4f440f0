//! Certificate verification against real `openssl s_server -tls1_3` peers: ECDSA P-256/P-384
//! and RSA-2048/4096 three-level chains (root given, server sends leaf + intermediate), and
//! one negative case per check, each with its own error code.

mod common;

use common::*;
use ussl_engine::error::*;
use ussl_engine::*;

fn file(name: &str) -> Vec<u8> {
    std::fs::read(chains().join(name)).unwrap()
}

/// s_server presenting `leaf` (+ key `key`) and the chain file `chain`.
fn server(leaf: &str, key: &str, chain: &str) -> SServer {
    let d = chains();
    SServer::start_with(&d.join(format!("{leaf}.pem")), &d.join(format!("{key}.key")), Some(&d.join(chain)), &[])
}

fn verified(ca: &str, name: &'static str) -> Opts {
    Opts { ca: Some(file(ca)), verify: USSL_CERT_REQUIRED, server_name: Some(name), ..Opts::default() }
}

/// Handshake result against `srv` with options `o`.
fn handshake(srv: &SServer, o: Opts) -> Result<(), i32> {
    Client::new(connect(srv.port), o).unwrap().handshake()
}

fn expect_err(srv: &SServer, o: Opts, want: i32) {
    let got = handshake(srv, o).expect_err("handshake must fail");
    assert_eq!(got, want, "got {got} ({}), want {want} ({})", msg(got), msg(want));
    assert!(msg(got).starts_with("certificate verification failed"), "{}", msg(got));
}

fn good_chain(alg: &str) {
    let srv = server(&format!("{alg}-leaf"), &format!("{alg}-leaf"), &format!("{alg}-int.pem"));
    let mut c = Client::new(connect(srv.port), verified(&format!("{alg}-root.der"), "localhost")).unwrap();
    assert_s_server_page(&get(&mut c));
    // s_server serves one connection at a time: end this one first.
    drop(c);
    // The IP SAN also matches.
    let mut c = Client::new(connect(srv.port), verified(&format!("{alg}-root.der"), "127.0.0.1")).unwrap();
    assert_eq!(c.handshake(), Ok(()));
    drop(c);
    // The right chain under another root: unknown CA.
    let other = if alg == "p256" { "rsa2048-root.der" } else { "p256-root.der" };
    expect_err(&srv, verified(other, "localhost"), USSL_ERR_CERT_UNKNOWN_CA);
}

#[test]
fn ecdsa_p256_chain() {
    good_chain("p256");
}

#[test]
fn ecdsa_p384_chain() {
    good_chain("p384");
}

#[test]
fn rsa2048_chain() {
    good_chain("rsa2048");
}

#[test]
fn rsa4096_chain() {
    good_chain("rsa4096");
}

#[test]
fn anchor_sent_by_server_and_bundle_of_roots() {
    // Server sends leaf + intermediate + root; the CA data is a PEM bundle of three roots.
    let d = chains();
    let mut chain = file("p384-int.pem");
    chain.extend(file("p384-root.pem"));
    let path = d.join("p384-full-chain.pem");
    std::fs::write(&path, &chain).unwrap();
    let srv = SServer::start_with(&d.join("p384-leaf.pem"), &d.join("p384-leaf.key"), Some(&path), &[]);
    let mut bundle = file("p256-root.pem");
    bundle.extend(b"\n# comment between blocks\n");
    bundle.extend(file("rsa4096-root.pem"));
    bundle.extend(file("p384-root.pem"));
    // SAFETY: valid buffer.
    let n = unsafe { ussl_pem_to_der(bundle.as_mut_ptr(), bundle.len()) };
    assert!(n > 0, "{}", msg(n));
    let mut der = file("p256-root.der");
    der.extend(file("rsa4096-root.der"));
    der.extend(file("p384-root.der"));
    assert_eq!(&bundle[..n as usize], &der[..]);
    bundle.truncate(n as usize);
    let o = Opts { ca: Some(bundle), verify: USSL_CERT_REQUIRED, ..Opts::default() };
    assert_eq!(handshake(&srv, o), Ok(()));
}

#[test]
fn validity_dates() {
    let srv = server("bad-expired", "bad-expired", "p256-int.pem");
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_EXPIRED);
    // Opting out of the time check accepts it.
    let o = Opts { flags: USSL_FLAG_NO_TIME_CHECK, ..verified("p256-root.der", "localhost") };
    assert_eq!(handshake(&srv, o), Ok(()));
    let srv = server("bad-notyet", "bad-notyet", "p256-int.pem");
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_NOT_YET_VALID);
    // A clock in the future makes the good chain "expired" (checked on every certificate).
    let srv = server("p256-leaf", "p256-leaf", "p256-int.pem");
    let o = Opts { now: unix_now() + 20 * 365 * 86400, ..verified("p256-root.der", "localhost") };
    expect_err(&srv, o, USSL_ERR_CERT_EXPIRED);
}

#[test]
fn clock_not_set() {
    let srv = server("p256-leaf", "p256-leaf", "p256-int.pem");
    for now in [0, 1000, 1_600_000_000] {
        let o = Opts { now, ..verified("p256-root.der", "localhost") };
        expect_err(&srv, o, USSL_ERR_CLOCK_NOT_SET);
    }
    assert!(msg(USSL_ERR_CLOCK_NOT_SET).contains("clock not set"));
    let o = Opts { now: 0, flags: USSL_FLAG_NO_TIME_CHECK, ..verified("p256-root.der", "localhost") };
    assert_eq!(handshake(&srv, o), Ok(()));
}

#[test]
fn host_names() {
    let srv = server("p256-leaf", "p256-leaf", "p256-int.pem");
    for name in ["example.com", "127.0.0.2", "::1", "localhost.localdomain", "LOCALHOST."] {
        expect_err(&srv, verified("p256-root.der", name), USSL_ERR_CERT_HOSTNAME);
    }
    assert_eq!(handshake(&srv, verified("p256-root.der", "LocalHost")), Ok(()));
    // *.example.com: one label only.
    let srv = server("bad-wildcard", "bad-wildcard", "p256-int.pem");
    assert_eq!(handshake(&srv, verified("p256-root.der", "www.example.com")), Ok(()));
    for name in ["a.b.example.com", "example.com", "www.example.org"] {
        expect_err(&srv, verified("p256-root.der", name), USSL_ERR_CERT_HOSTNAME);
    }
    // *.com never matches.
    let srv = server("bad-tld-wildcard", "bad-tld-wildcard", "p256-int.pem");
    expect_err(&srv, verified("p256-root.der", "example.com"), USSL_ERR_CERT_HOSTNAME);
    // CN=localhost without a SAN: no CN fallback.
    let srv = server("bad-cn-only", "bad-cn-only", "p256-int.pem");
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_HOSTNAME);
}

#[test]
fn ca_constraints_and_key_usage() {
    let srv = server("bad-noca", "bad-noca", "noca-int.pem");
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_NOT_CA);
    let srv = server("bad-pathlen", "bad-pathlen", "bad-pathlen-chain.pem");
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_NOT_CA);
    let srv = server("bad-keyusage", "bad-keyusage", "p256-int.pem");
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_KEY_USAGE);
    let srv = server("bad-critical", "bad-critical", "p256-int.pem");
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_UNSUPPORTED);
}

#[test]
fn corrupted_signature() {
    let srv = server("bad-sig", "bad-sig", "p256-int.pem");
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_SIGNATURE);
    // Missing intermediate: the leaf's issuer is unknown.
    let d = chains();
    let srv = SServer::start_with(&d.join("p256-leaf.pem"), &d.join("p256-leaf.key"), None, &[]);
    expect_err(&srv, verified("p256-root.der", "localhost"), USSL_ERR_CERT_UNKNOWN_CA);
}

#[test]
fn modes() {
    let srv = server("p256-leaf", "p256-leaf", "p256-int.pem");
    // CERT_OPTIONAL with a CA verifies (and fails like CERT_REQUIRED).
    let o = Opts { verify: USSL_CERT_OPTIONAL, ..verified("p384-root.der", "localhost") };
    expect_err(&srv, o, USSL_ERR_CERT_UNKNOWN_CA);
    // CERT_NONE ignores a wrong CA and a wrong name.
    let o = Opts { verify: USSL_CERT_NONE, ..verified("p384-root.der", "example.com") };
    assert_eq!(handshake(&srv, o), Ok(()));
}

#[test]
fn peer_certificate_is_recorded() {
    let srv = server("rsa2048-leaf", "rsa2048-leaf", "rsa2048-int.pem");
    let leaf = file("rsa2048-leaf.der");
    // Verified, and also without verification (CERT_NONE).
    for verify in [USSL_CERT_REQUIRED, USSL_CERT_NONE] {
        let o = Opts { verify, peer_cert_cap: 4096, ..verified("rsa2048-root.der", "localhost") };
        let mut c = Client::new(connect(srv.port), o).unwrap();
        assert_eq!(c.peer_cert(), Ok(vec![]));
        c.handshake().unwrap();
        assert_eq!(c.peer_cert(), Ok(leaf.clone()));
    }
    let o = Opts { peer_cert_cap: 100, ..verified("rsa2048-root.der", "localhost") };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    c.handshake().unwrap();
    assert_eq!(c.peer_cert(), Err(USSL_ERR_BUFFER));
    drop(c);
    // No buffer: nothing recorded.
    let mut c = Client::new(connect(srv.port), verified("rsa2048-root.der", "localhost")).unwrap();
    c.handshake().unwrap();
    assert_eq!(c.peer_cert(), Ok(vec![]));
}

#[test]
fn ca_data_must_be_der_certificates() {
    let srv = server("p256-leaf", "p256-leaf", "p256-int.pem");
    let mut two = file("p256-root.der");
    two.extend(file("p384-root.der"));
    assert_eq!(handshake(&srv, Opts { ca: Some(two.clone()), ..verified("p256-root.der", "localhost") }), Ok(()));
    two.push(0x30); // truncated third element
    let o = Opts { ca: Some(two), ..verified("p256-root.der", "localhost") };
    assert_eq!(Client::new(connect(srv.port), o).err(), Some(USSL_ERR_CA_FORMAT));
}

#[test]
fn distinct_messages() {
    let codes = [
        USSL_ERR_CERT_UNKNOWN_CA,
        USSL_ERR_CERT_EXPIRED,
        USSL_ERR_CERT_NOT_YET_VALID,
        USSL_ERR_CERT_HOSTNAME,
        USSL_ERR_CERT_SIGNATURE,
        USSL_ERR_CERT_VERIFY_SIGNATURE,
        USSL_ERR_CERT_UNSUPPORTED,
        USSL_ERR_CERT_PARSE,
        USSL_ERR_CERT_NOT_CA,
        USSL_ERR_CERT_KEY_USAGE,
        USSL_ERR_CLOCK_NOT_SET,
    ];
    let msgs: std::collections::HashSet<String> = codes.iter().map(|&c| msg(c)).collect();
    assert_eq!(msgs.len(), codes.len());
    assert!(msgs.iter().all(|m| m != "unknown error"));
}

