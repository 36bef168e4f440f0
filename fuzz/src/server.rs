//! A TLS 1.3 server's record protection for the fuzz harness (RFC 8446 section 7), so that
//! fuzzer-chosen handshake and application messages reach the client encrypted under the
//! keys it derived: AEAD tags hold, and mutations land on the message parsers behind them.
//! TLS_AES_128_GCM_SHA256 and P-256 only (what the engine offers). Test code: fixed key.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use sha2::{Digest, Sha256};

fn expand_label(secret: &[u8], label: &str, ctx: &[u8], len: usize) -> Vec<u8> {
    let mut info = (len as u16).to_be_bytes().to_vec();
    info.push((6 + label.len()) as u8);
    info.extend_from_slice(b"tls13 ");
    info.extend_from_slice(label.as_bytes());
    info.push(ctx.len() as u8);
    info.extend_from_slice(ctx);
    let mut out = vec![0u8; len];
    Hkdf::<Sha256>::from_prk(secret).expect("prk").expand(&info, &mut out).expect("expand");
    out
}

fn extract(salt: &[u8], ikm: &[u8]) -> Vec<u8> {
    Hkdf::<Sha256>::extract(Some(salt), ikm).0.to_vec()
}

/// One direction's traffic keys.
pub struct Keys {
    pub secret: Vec<u8>,
    key: Vec<u8>,
    iv: Vec<u8>,
    seq: u64,
}

impl Keys {
    pub fn new(secret: Vec<u8>) -> Keys {
        let key = expand_label(&secret, "key", &[], 16);
        let iv = expand_label(&secret, "iv", &[], 12);
        Keys { secret, key, iv, seq: 0 }
    }

    fn nonce(&self) -> [u8; 12] {
        let mut n = [0u8; 12];
        n.copy_from_slice(&self.iv);
        for (i, b) in self.seq.to_be_bytes().iter().enumerate() {
            n[4 + i] ^= b;
        }
        n
    }

    /// One TLSCiphertext record carrying `content` of inner type `kind`.
    pub fn seal(&mut self, kind: u8, content: &[u8]) -> Vec<u8> {
        let mut body = content.to_vec();
        body.push(kind);
        let len = (body.len() + 16) as u16;
        let mut rec = vec![0x17, 0x03, 0x03];
        rec.extend_from_slice(&len.to_be_bytes());
        let cipher = Aes128Gcm::new_from_slice(&self.key).unwrap();
        cipher.encrypt_in_place(Nonce::from_slice(&self.nonce()), &rec, &mut body).expect("seal");
        self.seq += 1;
        rec.extend_from_slice(&body);
        rec
    }

    /// Opens one protected record (header + ciphertext): (inner type, content).
    pub fn open(&mut self, rec: &[u8]) -> Option<(u8, Vec<u8>)> {
        let (hdr, ct) = rec.split_at(5);
        let mut body = ct.to_vec();
        let cipher = Aes128Gcm::new_from_slice(&self.key).unwrap();
        cipher.decrypt_in_place(Nonce::from_slice(&self.nonce()), hdr, &mut body).ok()?;
        self.seq += 1;
        while body.last() == Some(&0) {
            body.pop();
        }
        let kind = body.pop()?;
        Some((kind, body))
    }

    /// KeyUpdate: the next traffic secret.
    pub fn update(&mut self) {
        *self = Keys::new(expand_label(&self.secret, "traffic upd", &[], 32));
    }
}

/// The handshake messages of a ClientHello record list, and what the server needs of it.
struct ClientHello {
    message: Vec<u8>,
    session_id: Vec<u8>,
    p256_share: Vec<u8>,
}

fn parse_client_hello(out: &[u8]) -> Option<ClientHello> {
    // Records of type handshake; the message may span several.
    let mut msg = Vec::new();
    let mut r = out;
    while r.len() >= 5 && r[0] == 0x16 {
        let n = usize::from(u16::from_be_bytes([r[3], r[4]]));
        msg.extend_from_slice(r.get(5..5 + n)?);
        r = &r[5 + n..];
    }
    let body = msg.get(4..)?;
    let mut p = 2 + 32;
    let sid_len = usize::from(*body.get(p)?);
    let session_id = body.get(p + 1..p + 1 + sid_len)?.to_vec();
    p += 1 + sid_len;
    p += 2 + usize::from(u16::from_be_bytes([*body.get(p)?, *body.get(p + 1)?]));
    p += 1 + usize::from(*body.get(p)?);
    let ext_end = p + 2 + usize::from(u16::from_be_bytes([*body.get(p)?, *body.get(p + 1)?]));
    p += 2;
    while p + 4 <= ext_end {
        let ty = u16::from_be_bytes([body[p], body[p + 1]]);
        let n = usize::from(u16::from_be_bytes([body[p + 2], body[p + 3]]));
        let ext = body.get(p + 4..p + 4 + n)?;
        if ty == 0x0033 {
            let mut q = 2;
            while q + 4 <= ext.len() {
                let group = u16::from_be_bytes([ext[q], ext[q + 1]]);
                let kn = usize::from(u16::from_be_bytes([ext[q + 2], ext[q + 3]]));
                if group == 0x0017 {
                    let p256_share = ext.get(q + 4..q + 4 + kn)?.to_vec();
                    return Some(ClientHello { message: msg, session_id, p256_share });
                }
                q += 4 + kn;
            }
        }
        p += 4 + n;
    }
    None
}

/// The server side of one connection: ServerHello, then records under the handshake keys,
/// a correct Finished on request, then records under the application keys.
pub struct Server {
    transcript: Sha256,
    handshake_secret: Vec<u8>,
    pub keys: Keys,
    pub finished: bool,
}

/// The server's fixed ECDHE key (test only).
const SERVER_KEY: [u8; 32] = [7; 32];

impl Server {
    /// Answers the client's first flight (`client_out`: its records) with a ServerHello
    /// record; None if it has no P-256 key share.
    pub fn hello(client_out: &[u8], random: &[u8; 32]) -> Option<(Server, Vec<u8>)> {
        let ch = parse_client_hello(client_out)?;
        let sk = p256::SecretKey::from_slice(&SERVER_KEY).unwrap();
        let peer = p256::PublicKey::from_sec1_bytes(&ch.p256_share).ok()?;
        let shared = p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), peer.as_affine());
        let share = sk.public_key().to_encoded_point(false);
        let mut exts = vec![0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 69, 0x00, 0x17, 0x00, 65];
        exts.extend_from_slice(share.as_bytes());
        let mut body = vec![0x03, 0x03];
        body.extend_from_slice(random);
        body.push(ch.session_id.len() as u8);
        body.extend_from_slice(&ch.session_id);
        body.extend_from_slice(&[0x13, 0x01, 0x00]);
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend_from_slice(&exts);
        let mut sh = vec![0x02, 0, (body.len() >> 8) as u8, body.len() as u8];
        sh.extend_from_slice(&body);
        let mut transcript = Sha256::new();
        transcript.update(&ch.message);
        transcript.update(&sh);
        let early = extract(&[0u8; 32], &[0u8; 32]);
        let derived = expand_label(&early, "derived", &Sha256::digest([]), 32);
        let handshake_secret = extract(&derived, shared.raw_secret_bytes());
        let s_hs = expand_label(&handshake_secret, "s hs traffic", &transcript.clone().finalize(), 32);
        let mut rec = vec![0x16, 0x03, 0x03];
        rec.extend_from_slice(&(sh.len() as u16).to_be_bytes());
        rec.extend_from_slice(&sh);
        Some((Server { transcript, handshake_secret, keys: Keys::new(s_hs), finished: false }, rec))
    }

    /// A record of inner type `kind` under the current keys. Handshake content before the
    /// Finished joins the transcript; a KeyUpdate after it moves the keys on.
    pub fn record(&mut self, kind: u8, content: &[u8]) -> Vec<u8> {
        let rec = self.keys.seal(kind, content);
        if kind == 0x16 {
            if self.finished {
                if content.first() == Some(&24) {
                    self.keys.update();
                }
            } else {
                self.transcript.update(content);
            }
        }
        rec
    }

    /// The server's correct Finished record, then the switch to the application keys.
    pub fn finished(&mut self) -> Vec<u8> {
        let s_hs = self.keys.secret.clone();
        let fk = expand_label(&s_hs, "finished", &[], 32);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&fk).unwrap();
        mac.update(&self.transcript.clone().finalize());
        let mut msg = vec![20, 0, 0, 32];
        msg.extend_from_slice(&mac.finalize().into_bytes());
        let rec = self.keys.seal(0x16, &msg);
        self.transcript.update(&msg);
        let derived = expand_label(&self.handshake_secret, "derived", &Sha256::digest([]), 32);
        let master = extract(&derived, &[0u8; 32]);
        self.keys = Keys::new(expand_label(&master, "s ap traffic", &self.transcript.clone().finalize(), 32));
        self.finished = true;
        rec
    }
}
