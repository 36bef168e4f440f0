//! Closing: our close_notify answers the server's (RFC 8446 section 6.1), checked by a
//! Python `ssl` server whose unwrap() only returns once our close_notify decrypted.

mod common;

use std::io::BufRead;
use std::process::{Command, Stdio};

use common::*;

const PY_CLOSER: &str = r#"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
print(l.getsockname()[1], flush=True)
l.settimeout(20)
c, _ = l.accept()
s = ctx.wrap_socket(c, server_side=True)
s.settimeout(10)
s.sendall(b"bye")
try:
    s.unwrap()  # sends close_notify, then waits for the client's
    print("CLEAN", flush=True)
except Exception as e:
    print("NOREPLY", type(e).__name__, e, flush=True)
"#;

#[test]
fn close_answers_the_servers_close_notify() {
    let dir = certs();
    let mut py = Command::new("python3")
        .args(["-c", PY_CLOSER])
        .arg(dir.join("server.pem"))
        .arg(dir.join("server.key"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut out = std::io::BufReader::new(py.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port: u16 = line.trim().parse().unwrap();
    let mut c = Client::new(connect(port), Opts::default()).unwrap();
    c.handshake().unwrap_or_else(|e| panic!("handshake: {}", msg(e)));
    let data = c.read_to_end().unwrap_or_else(|(e, _)| panic!("read: {}", msg(e)));
    assert_eq!(data, b"bye");
    assert_eq!(c.close(), 0);
    line.clear();
    out.read_line(&mut line).unwrap();
    let _ = py.wait();
    assert_eq!(line.trim(), "CLEAN", "the server did not get our close_notify");
}
