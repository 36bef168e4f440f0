//! TLS 1.3 external pre-shared keys against `openssl s_server -tls1_3 -psk <hex>
//! -psk_identity <id> -nocert`: handshake and data, a wrong key, an unknown identity, and a
//! server that ignores the PSK (certificates then need a CA).

mod common;

use std::net::TcpStream;

use common::*;
use ussl_engine::error::*;

const KEY: &[u8] = &[0xc0, 0xff, 0xee, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d];
const ID: &[u8] = b"PSK-Identity-1";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// s_server with the PSK only (its certificate is not used: -nocert).
fn psk_server() -> SServer {
    let key = hex(KEY);
    SServer::start(&["-psk", &key, "-psk_identity", "PSK-Identity-1", "-nocert"])
}

/// A client offering `key`/`id` (verify mode `verify`, no CA).
fn client(sock: TcpStream, key: &'static [u8], id: &'static [u8], verify: i32) -> Result<Client, i32> {
    Client::new(sock, Opts { verify, psk: Some((key, id)), ..Opts::default() })
}

#[test]
fn psk_handshake_and_data() {
    let srv = psk_server();
    // CERT_REQUIRED without a CA succeeds only if the server took the PSK: a certificate
    // flight would fail (server_ignoring_the_psk_needs_a_ca).
    for verify in [USSL_CERT_NONE, USSL_CERT_REQUIRED] {
        let mut c = client(connect(srv.port), KEY, ID, verify).unwrap();
        assert_s_server_page(&get(&mut c));
        assert_eq!(c.close(), 0);
    }
}

#[test]
fn wrong_key_is_refused() {
    let srv = psk_server();
    let mut c = client(connect(srv.port), b"another key, 16b", ID, USSL_CERT_NONE).unwrap();
    let e = c.handshake().expect_err("wrong PSK must fail");
    assert!((USSL_ERR_ALERT_RECEIVED_BASE - 255..USSL_ERR_ALERT_RECEIVED_BASE).contains(&e), "{e} {}", msg(e));
}

#[test]
fn unknown_identity_is_refused() {
    let srv = psk_server();
    let mut c = client(connect(srv.port), KEY, b"someone else", USSL_CERT_NONE).unwrap();
    let e = c.handshake().expect_err("unknown identity must fail");
    assert!((USSL_ERR_ALERT_RECEIVED_BASE - 255..USSL_ERR_ALERT_RECEIVED_BASE).contains(&e), "{e} {}", msg(e));
}

#[test]
fn server_ignoring_the_psk_needs_a_ca() {
    // A certificate server (no PSK): under CERT_REQUIRED the PSK stood in for the CA, so the
    // certificate it sends instead is refused rather than accepted unchecked.
    let srv = SServer::start(&[]);
    let mut c = client(connect(srv.port), KEY, ID, USSL_CERT_REQUIRED).unwrap();
    assert_eq!(c.handshake(), Err(USSL_ERR_CERT_UNKNOWN_CA));
    drop(c);
    // With the CA too, the certificate is verified and accepted.
    let o = Opts { verify: USSL_CERT_REQUIRED, ca: Some(cert("ca.der")), psk: Some((KEY, ID)), ..Opts::default() };
    let mut c = Client::new(connect(srv.port), o).unwrap();
    assert_s_server_page(&get(&mut c));
}

#[test]
fn bad_psk_arguments() {
    let srv = psk_server();
    let o = |psk| Opts { psk, ..Opts::default() };
    assert_eq!(Client::new(connect(srv.port), o(Some((KEY, b"")))).err(), Some(USSL_ERR_ARG));
    assert_eq!(Client::new(connect(srv.port), o(Some((b"", ID)))).err(), Some(USSL_ERR_ARG));
    assert_eq!(Client::new(connect(srv.port), o(Some((&[1u8; 65], ID)))).err(), Some(USSL_ERR_ARG));
}
