//! The TLS 1.3 server: one async task per connection, polled by hand like the client's
//! (`driver`), over the same byte queues (`io`, `transport`), the same key schedule and
//! record protection (embedded-tls's, seen from the server side: `embedded_tls::server`),
//! the same ECDHE (ussl-p256verify's constant-time P-256) and ECDSA signing
//! (`ussl_p256verify::sign`, through `client_auth`'s key parsing).
//!
//! What it speaks: TLS 1.3 only (a client without supported_versions 0x0304 gets
//! protocol_version), ECDHE on P-256 (a HelloRetryRequest when the client sent no P-256
//! share), the suites built in (our preference order), an ECDSA P-256 certificate
//! (ecdsa_secp256r1_sha256). No session tickets, no PSK, no early data, no ALPN. Anything
//! else it cannot accept ends the handshake with an alert to the client.

use core::cell::Cell;
use core::convert::Infallible;
use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;

use embedded_io_async::{Read, Write};
use embedded_tls::server::{HELLO_RETRY_RANDOM, Opener, RECORD_HEADER_LEN, RECORD_OVERHEAD, Sealer, ServerKeySchedule};
use embedded_tls::{Suite, Transcript};
use rand_core::RngCore;
use ussl_p256verify::ecdh::EphemeralKey;
use zeroize::Zeroize;

use crate::error::*;
use crate::io::{Io, Phase};
use crate::rng;
use crate::transport::Transport;
use crate::verify::{Error as VerifyError, Verifier};

/// What the server task is given (all in caller memory but the suites and the seed).
pub struct ServerParams {
    /// Our chain: DER certificates back to back, leaf first.
    pub chain: &'static [u8],
    /// The leaf's P-256 private key, DER (SEC1 or PKCS#8); read only while signing.
    pub key: &'static [u8],
    pub seed: rng::Seed,
    /// Our preference order (empty: every suite built in, in the default order).
    pub suites: heapless::Vec<Suite, 3>,
    /// Ask for a client certificate and check it (CERT_OPTIONAL / CERT_REQUIRED).
    pub client_auth: Option<ClientAuthPolicy>,
    /// The handshake memory (caller's), holding the verifier; given when `client_auth` is.
    pub hs: Option<&'static mut ServerHs>,
}

/// How a client certificate is asked for and checked.
pub struct ClientAuthPolicy {
    /// Trust anchors for the client's chain (DER certificates back to back).
    pub ca: &'static [u8],
    /// CERT_REQUIRED: a client without a certificate gets certificate_required.
    pub required: bool,
    /// Current unix time for the validity dates; None: not checked.
    pub now: Option<i64>,
}

/// What only the server's handshake needs, in the caller's handshake memory (the client's
/// `HandshakeMem` size; see `ffi::engine::place_server`): the certificate verifier, about
/// 600 B that an established connection does not keep.
pub struct ServerHs {
    pub verifier: Option<Verifier<'static>>,
}

/// The alert for a client certificate we refuse.
fn cert_alert(e: VerifyError) -> u8 {
    match e {
        VerifyError::UnknownCa => 48,
        VerifyError::Expired | VerifyError::NotYetValid => 45,
        VerifyError::Unsupported | VerifyError::KeyUsage => 43,
        VerifyError::BadCertVerify => DECRYPT_ERROR,
        VerifyError::ClockNotSet => INTERNAL_ERROR,
        _ => 42,
    }
}

// Alert descriptions (RFC 8446 section 6).
const UNEXPECTED_MESSAGE: u8 = 10;
const BAD_RECORD_MAC: u8 = 20;
const RECORD_OVERFLOW: u8 = 22;
const HANDSHAKE_FAILURE: u8 = 40;
const ILLEGAL_PARAMETER: u8 = 47;
const DECODE_ERROR: u8 = 50;
const DECRYPT_ERROR: u8 = 51;
const PROTOCOL_VERSION: u8 = 70;
const INTERNAL_ERROR: u8 = 80;
const MISSING_EXTENSION: u8 = 109;

// Content types.
const CT_CCS: u8 = 20;
const CT_ALERT: u8 = 21;
const CT_HANDSHAKE: u8 = 22;
const CT_APPDATA: u8 = 23;

// Handshake message types.
const HS_CLIENT_HELLO: u8 = 1;
const HS_SERVER_HELLO: u8 = 2;
const HS_ENCRYPTED_EXTENSIONS: u8 = 8;
const HS_CERTIFICATE: u8 = 11;
const HS_CERTIFICATE_VERIFY: u8 = 15;
const HS_FINISHED: u8 = 20;
const HS_KEY_UPDATE: u8 = 24;

const GROUP_P256: u16 = 23;
const ECDSA_P256_SHA256: u16 = 0x0403;

/// Why the connection ends: the alert we send (if any) and the code the caller sees.
#[derive(Clone, Copy, Debug)]
struct Fail {
    alert: Option<u8>,
    code: i32,
}

impl Fail {
    /// We abort with `desc` (code: "alert sent to peer: ...").
    const fn alert(desc: u8) -> Fail {
        Fail { alert: Some(desc), code: USSL_ERR_ALERT_SENT_BASE - desc as i32 }
    }
    const fn quiet(code: i32) -> Fail {
        Fail { alert: None, code }
    }
}

fn tls(_: embedded_tls::TlsError) -> Fail {
    Fail::alert(INTERNAL_ERROR)
}

/// The task's future, a named type so that the engine has a size known at compile time.
pub type ServerFut = impl Future<Output = ()>;

/// Creates the server connection task (nothing runs until it is polled).
#[define_opaque(ServerFut)]
pub fn start(io: &'static Io, rx: &'static mut [u8], tx: &'static mut [u8], mut params: ServerParams) -> ServerFut {
    if let (Some(policy), Some(hs)) = (params.client_auth.as_ref(), params.hs.as_deref_mut()) {
        let settings = crate::verify::Settings { check: true, anchors: policy.ca, host: "", now: policy.now, peer_is_client: true };
        let report = crate::verify::Report { code: &io.verify_code, peer_cert_len: &io.peer_cert_len };
        hs.verifier = Some(Verifier::new(settings, report, None));
    }
    serve(io, rx, tx, params)
}

/// Big-endian reader over a handshake message; every short read is decode_error.
struct Rd<'a>(&'a [u8]);

impl<'a> Rd<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Fail> {
        if n > self.0.len() {
            return Err(Fail::alert(DECODE_ERROR));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, Fail> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Fail> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn vec8(&mut self) -> Result<Rd<'a>, Fail> {
        let n = usize::from(self.u8()?);
        Ok(Rd(self.take(n)?))
    }
    fn vec24(&mut self) -> Result<Rd<'a>, Fail> {
        let b = self.take(3)?;
        let n = (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]);
        Ok(Rd(self.take(n)?))
    }
    fn vec16(&mut self) -> Result<Rd<'a>, Fail> {
        let n = usize::from(self.u16()?);
        Ok(Rd(self.take(n)?))
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What we take from a ClientHello.
struct Hello {
    session_id: [u8; 32],
    session_id_len: usize,
    suite: Option<Suite>,
    /// The client's P-256 share (uncompressed point), if it sent one.
    share: Option<[u8; 65]>,
}

/// Parses a ClientHello body and checks what we need of it; the alert for what we refuse.
fn parse_client_hello(body: &[u8], ours: &[Suite]) -> Result<Hello, Fail> {
    let mut r = Rd(body);
    let _legacy_version = r.u16()?;
    r.take(32)?;
    let sid = r.vec8()?.0;
    if sid.len() > 32 {
        return Err(Fail::alert(DECODE_ERROR));
    }
    let mut suites = r.vec16()?;
    let compression = r.vec8()?.0;
    // A TLS 1.2 client without extensions is still a TLS 1.2 client: protocol_version.
    let mut exts = if r.is_empty() { Rd(&[]) } else { r.vec16()? };
    if !r.is_empty() {
        return Err(Fail::alert(DECODE_ERROR));
    }
    let mut tls13 = false;
    let mut p256_group = false;
    let mut groups_seen = false;
    let mut sig_ok = false;
    let mut sigs_seen = false;
    let mut share = None;
    let mut shares_seen = false;
    while !exts.is_empty() {
        let ty = exts.u16()?;
        let mut data = exts.vec16()?;
        match ty {
            // supported_versions
            43 => {
                let mut v = data.vec8()?;
                while !v.is_empty() {
                    tls13 |= v.u16()? == 0x0304;
                }
            }
            // supported_groups
            10 => {
                groups_seen = true;
                let mut g = data.vec16()?;
                while !g.is_empty() {
                    p256_group |= g.u16()? == GROUP_P256;
                }
            }
            // signature_algorithms
            13 => {
                sigs_seen = true;
                let mut s = data.vec16()?;
                while !s.is_empty() {
                    sig_ok |= s.u16()? == ECDSA_P256_SHA256;
                }
            }
            // key_share
            51 => {
                shares_seen = true;
                let mut list = data.vec16()?;
                while !list.is_empty() {
                    let group = list.u16()?;
                    let key = list.vec16()?.0;
                    if group == GROUP_P256 && share.is_none() {
                        if key.len() != 65 || key[0] != 4 {
                            return Err(Fail::alert(ILLEGAL_PARAMETER));
                        }
                        let mut k = [0u8; 65];
                        k.copy_from_slice(key);
                        share = Some(k);
                    }
                }
            }
            _ => {}
        }
    }
    if !tls13 {
        return Err(Fail::alert(PROTOCOL_VERSION));
    }
    if compression != [0] {
        return Err(Fail::alert(ILLEGAL_PARAMETER));
    }
    if !sigs_seen || !groups_seen || !shares_seen {
        return Err(Fail::alert(MISSING_EXTENSION));
    }
    if !sig_ok || !p256_group {
        return Err(Fail::alert(HANDSHAKE_FAILURE));
    }
    let mut offered: heapless::Vec<u16, 32> = heapless::Vec::new();
    while !suites.is_empty() {
        let _ = offered.push(suites.u16()?);
    }
    let suite = ours.iter().copied().find(|s| offered.contains(&s.code_point()));
    let mut session_id = [0u8; 32];
    session_id[..sid.len()].copy_from_slice(sid);
    Ok(Hello { session_id, session_id_len: sid.len(), suite, share })
}

/// One server connection during its handshake: the record buffers, the key schedule and
/// where the handshake messages of the last record read stand.
struct Conn {
    io: &'static Io,
    t: Transport,
    rx: &'static mut [u8],
    tx: &'static mut [u8],
    ks: ServerKeySchedule,
    /// Records from the client are protected (after our ServerHello).
    read_protected: bool,
    /// Ours are (after our ServerHello).
    write_protected: bool,
    /// Handshake bytes of the last record not yet taken: rx[hs_pos..hs_end].
    hs_pos: usize,
    hs_end: usize,
    /// Handshake bytes waiting in tx[5..5 + out_len] for the next record.
    out_len: usize,
}

impl Conn {
    async fn read_exact(&mut self, from: usize, to: usize) -> Result<(), Fail> {
        let mut at = from;
        while at < to {
            let n = match self.t.read(&mut self.rx[at..to]).await {
                Ok(n) => n,
                Err(e) => match e {},
            };
            if n == 0 {
                return Err(Fail::quiet(USSL_ERR_HANDSHAKE_EOF));
            }
            at += n;
        }
        Ok(())
    }

    /// Reads one record into rx; returns its (inner) content type and content length, the
    /// content at rx[5..]. Plaintext change_cipher_spec records are skipped (RFC 8446
    /// appendix D.4), alerts end the handshake.
    async fn read_record(&mut self) -> Result<(u8, usize), Fail> {
        loop {
            self.read_exact(0, RECORD_HEADER_LEN).await?;
            let ty = self.rx[0];
            let len = usize::from(u16::from_be_bytes([self.rx[3], self.rx[4]]));
            if !(CT_CCS..=CT_APPDATA).contains(&ty) || self.rx[1] != 3 {
                // Not TLS (an HTTP request, garbage): refuse without reading further.
                return Err(Fail { alert: Some(UNEXPECTED_MESSAGE), code: USSL_ERR_INVALID_RECORD });
            }
            if len > 16384 + 256 || RECORD_HEADER_LEN + len > self.rx.len() {
                return Err(Fail { alert: Some(RECORD_OVERFLOW), code: USSL_ERR_RECORD_TOO_LARGE });
            }
            self.read_exact(RECORD_HEADER_LEN, RECORD_HEADER_LEN + len).await?;
            if ty == CT_CCS {
                if len != 1 || self.rx[5] != 1 {
                    return Err(Fail::alert(UNEXPECTED_MESSAGE));
                }
                continue;
            }
            let (ty, len) = if self.read_protected {
                if ty != CT_APPDATA {
                    return Err(Fail::alert(UNEXPECTED_MESSAGE));
                }
                let (mut opener, _) = self.ks.split();
                match opener.open(&mut self.rx[..RECORD_HEADER_LEN + len]) {
                    Ok(r) => r,
                    Err(embedded_tls::TlsError::CryptoError) => {
                        return Err(Fail { alert: Some(BAD_RECORD_MAC), code: USSL_ERR_DECRYPT });
                    }
                    Err(embedded_tls::TlsError::InsufficientSpace) => {
                        return Err(Fail { alert: Some(RECORD_OVERFLOW), code: USSL_ERR_RECORD_TOO_LARGE });
                    }
                    Err(_) => return Err(Fail::alert(UNEXPECTED_MESSAGE)),
                }
            } else {
                (ty, len)
            };
            if ty == CT_ALERT {
                return Err(match self.rx.get(RECORD_HEADER_LEN + 1) {
                    Some(&d) if len == 2 => Fail::quiet(USSL_ERR_ALERT_RECEIVED_BASE - i32::from(d)),
                    _ => Fail::alert(DECODE_ERROR),
                });
            }
            return Ok((ty, len));
        }
    }

    /// The next handshake message (type, body range in rx), from the current record or a new
    /// one; it goes into the transcript. A message must not span records here.
    async fn next_message(&mut self) -> Result<(u8, usize, usize), Fail> {
        self.message(true).await
    }

    /// As `next_message`, the message not put into the transcript (the client's Finished,
    /// checked against the transcript before it).
    async fn next_message_unhashed(&mut self) -> Result<(u8, usize, usize), Fail> {
        self.message(false).await
    }

    async fn message(&mut self, hash: bool) -> Result<(u8, usize, usize), Fail> {
        if self.hs_pos == self.hs_end {
            let (ty, len) = self.read_record().await?;
            if ty != CT_HANDSHAKE || len == 0 {
                return Err(Fail::alert(UNEXPECTED_MESSAGE));
            }
            self.hs_pos = RECORD_HEADER_LEN;
            self.hs_end = RECORD_HEADER_LEN + len;
        }
        let avail = self.hs_end - self.hs_pos;
        let h = &self.rx[self.hs_pos..self.hs_end];
        if avail < 4 {
            return Err(Fail::alert(DECODE_ERROR));
        }
        let len = (usize::from(h[1]) << 16) | (usize::from(h[2]) << 8) | usize::from(h[3]);
        if 4 + len > avail {
            // Fragmented across records: not supported (every client we know of keeps its
            // messages within one record, 16 KiB).
            return Err(Fail::alert(DECODE_ERROR));
        }
        let ty = h[0];
        let start = self.hs_pos;
        self.hs_pos += 4 + len;
        if hash {
            self.ks.transcript().update(&self.rx[start..start + 4 + len]);
        }
        Ok((ty, start + 4, start + 4 + len))
    }

    /// Room for handshake bytes in one record of ours.
    fn out_room(&self) -> usize {
        self.tx.len() - RECORD_HEADER_LEN - RECORD_OVERHEAD
    }

    /// Appends handshake bytes to the outgoing record (into the transcript too), sending
    /// records as they fill.
    async fn put(&mut self, mut data: &[u8]) -> Result<(), Fail> {
        self.ks.transcript().update(data);
        while !data.is_empty() {
            let room = self.out_room() - self.out_len;
            let n = room.min(data.len());
            let at = RECORD_HEADER_LEN + self.out_len;
            self.tx[at..at + n].copy_from_slice(&data[..n]);
            self.out_len += n;
            data = &data[n..];
            if self.out_len == self.out_room() {
                self.flush().await?;
            }
        }
        Ok(())
    }

    /// Sends the handshake bytes gathered so far as one record.
    async fn flush(&mut self) -> Result<(), Fail> {
        if self.out_len == 0 {
            return Ok(());
        }
        let n = core::mem::take(&mut self.out_len);
        self.send_record(CT_HANDSHAKE, n).await
    }

    /// Sends tx[5..5 + n] as a record of type `ty` (protected once keys are in use).
    async fn send_record(&mut self, ty: u8, n: usize) -> Result<(), Fail> {
        let total = if self.write_protected {
            let (_, mut sealer) = self.ks.split();
            sealer.seal(ty, self.tx, n).map_err(tls)?
        } else {
            let len = (n as u16).to_be_bytes();
            self.tx[..RECORD_HEADER_LEN].copy_from_slice(&[ty, 3, 3, len[0], len[1]]);
            RECORD_HEADER_LEN + n
        };
        write_all(self.t, &self.tx[..total]).await;
        Ok(())
    }

    /// Best effort: our alert to the client before the connection fails.
    async fn send_alert(&mut self, desc: u8) {
        self.out_len = 0;
        self.tx[RECORD_HEADER_LEN..RECORD_HEADER_LEN + 2].copy_from_slice(&[2, desc]);
        let _ = self.send_record(CT_ALERT, 2).await;
    }

    /// The handshake, up to the client's Finished (our application keys in place; the
    /// client's secret returned for after its Finished).
    async fn handshake(&mut self, params: &mut ServerParams) -> Result<(), Fail> {
        let ours: &[Suite] = if params.suites.is_empty() { Suite::ALL } else { &params.suites };
        let mut rng = rng::from_seed(params.seed);

        // ClientHello (and, without a P-256 share, HelloRetryRequest + the second one).
        let (ty, s, e) = self.next_message().await?;
        if ty != HS_CLIENT_HELLO {
            return Err(Fail::alert(UNEXPECTED_MESSAGE));
        }
        let mut hello = parse_client_hello(&self.rx[s..e], ours)?;
        if self.hs_pos != self.hs_end {
            // The ClientHello must end its record (nothing may follow before our reply).
            return Err(Fail::alert(UNEXPECTED_MESSAGE));
        }
        let suite = hello.suite.ok_or(Fail::alert(HANDSHAKE_FAILURE))?;
        self.ks.select_suite(suite).map_err(tls)?;
        self.io.suite.set(suite.code_point());
        if hello.share.is_none() {
            self.ks.hello_retry().map_err(tls)?;
            self.server_hello(&HELLO_RETRY_RANDOM, &hello, suite, None).await?;
            self.flush().await?;
            let (ty, s, e) = self.next_message().await?;
            if ty != HS_CLIENT_HELLO {
                return Err(Fail::alert(UNEXPECTED_MESSAGE));
            }
            let again = parse_client_hello(&self.rx[s..e], ours)?;
            if self.hs_pos != self.hs_end {
                return Err(Fail::alert(UNEXPECTED_MESSAGE));
            }
            // The same suite, and now the share we asked for (RFC 8446 section 4.1.4).
            if again.suite != Some(suite) || again.share.is_none() {
                return Err(Fail::alert(ILLEGAL_PARAMETER));
            }
            hello = again;
        }
        let Some(peer_share) = hello.share else { return Err(Fail::alert(ILLEGAL_PARAMETER)) };

        // ServerHello with our share; the handshake secrets.
        let key = EphemeralKey::generate(|b| rng.fill_bytes(b));
        let shared = key.diffie_hellman(&peer_share).map_err(|_| Fail::alert(ILLEGAL_PARAMETER))?;
        let mut random = [0u8; 32];
        rng.fill_bytes(&mut random);
        self.server_hello(&random, &hello, suite, Some(key.public_key())).await?;
        drop(key);
        self.flush().await?;
        self.ks.handshake_secret(shared.raw_secret_bytes()).map_err(tls)?;
        drop(shared);
        self.read_protected = true;
        self.write_protected = true;

        // EncryptedExtensions (none), Certificate, CertificateVerify, Finished.
        self.put(&[HS_ENCRYPTED_EXTENSIONS, 0, 0, 2, 0, 0]).await?;
        let mut verifier = params.hs.as_deref_mut().and_then(|hs| hs.verifier.as_mut());
        if verifier.is_some() {
            self.certificate_request().await?;
        }
        self.certificate(params.chain).await?;
        self.certificate_verify(params.key).await?;
        let verify = self.ks.server_finished().map_err(tls)?;
        self.put(&[HS_FINISHED, 0, 0, verify.len() as u8]).await?;
        self.put(&verify).await?;
        self.flush().await?;

        let client_secret = self.ks.application_secrets().map_err(tls)?;

        if let Some(v) = verifier.as_deref_mut() {
            let required = params.client_auth.as_ref().is_some_and(|c| c.required);
            self.client_certificate(v, required).await?;
        }

        // The client's Finished, checked against the transcript before it; it must end its
        // record.
        let (ty, s, e) = self.next_message_unhashed().await?;
        if ty != HS_FINISHED || self.hs_pos != self.hs_end {
            return Err(Fail::alert(UNEXPECTED_MESSAGE));
        }
        if !self.ks.check_client_finished(&self.rx[s..e]).map_err(tls)? {
            return Err(Fail { alert: Some(DECRYPT_ERROR), code: USSL_ERR_BAD_SIGNATURE });
        }
        // Installed now: what follows the client's Finished is under its application keys.
        self.ks.client_application(&client_secret).map_err(tls)?;
        Ok(())
    }

    /// CertificateRequest: empty context, the signature schemes our verifier checks.
    async fn certificate_request(&mut self) -> Result<(), Fail> {
        #[cfg(feature = "p384")]
        const SCHEMES: &[u8] = &[0x04, 0x03, 0x05, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06];
        #[cfg(not(feature = "p384"))]
        const SCHEMES: &[u8] = &[0x04, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06];
        let n = SCHEMES.len();
        let ext = 4 + 2 + n;
        let body = 1 + 2 + ext;
        self.put(&[13, 0, 0, body as u8, 0, 0, ext as u8, 0, 13, 0, (2 + n) as u8, 0, n as u8]).await?;
        self.put(SCHEMES).await
    }

    /// The client's Certificate and CertificateVerify (after our Finished), checked by the
    /// engine's verifier: chain to the CA, dates, CA constraints, clientAuth, signature.
    async fn client_certificate(&mut self, v: &mut Verifier<'static>, required: bool) -> Result<(), Fail> {
        let (ty, s, e) = self.next_message().await?;
        if ty != HS_CERTIFICATE {
            return Err(Fail::alert(UNEXPECTED_MESSAGE));
        }
        let transcript = self.ks.transcript().snapshot();
        {
            let mut r = Rd(&self.rx[s..e]);
            if !r.vec8()?.is_empty() {
                return Err(Fail::alert(ILLEGAL_PARAMETER));
            }
            let mut entries = r.vec24()?;
            if !r.is_empty() {
                return Err(Fail::alert(DECODE_ERROR));
            }
            let mut list: heapless::Vec<&[u8], { embedded_tls::MAX_CERTIFICATE_ENTRIES }> = heapless::Vec::new();
            while !entries.is_empty() {
                let cert = entries.vec24()?.0;
                entries.vec16()?;
                list.push(cert).map_err(|_| Fail { alert: Some(42), code: USSL_ERR_CERT_TOO_LARGE })?;
            }
            if list.is_empty() {
                return if required { Err(Fail::alert(116)) } else { Ok(()) };
            }
            v.check_client_chain(&list, &transcript).map_err(|e| Fail { alert: Some(cert_alert(e)), code: e.code() })?;
        }

        let (ty, s, e) = self.next_message_unhashed().await?;
        if ty != HS_CERTIFICATE_VERIFY {
            return Err(Fail::alert(UNEXPECTED_MESSAGE));
        }
        let mut r = Rd(&self.rx[s..e]);
        let scheme = r.u16()?;
        let sig = r.vec16()?.0;
        if !r.is_empty() {
            return Err(Fail::alert(DECODE_ERROR));
        }
        v.check_client_verify(scheme, sig).map_err(|e| Fail { alert: Some(cert_alert(e)), code: e.code() })?;
        self.ks.transcript().update(&self.rx[s - 4..e]);
        // The deferred ECDSA checks (chain and CertificateVerify).
        v.finish().map_err(|code| Fail { alert: Some(if code == USSL_ERR_CERT_VERIFY_SIGNATURE { DECRYPT_ERROR } else { 42 }), code })
    }

    /// ServerHello (or, with HELLO_RETRY_RANDOM and no share, HelloRetryRequest).
    async fn server_hello(&mut self, random: &[u8; 32], hello: &Hello, suite: Suite, share: Option<&[u8; 65]>) -> Result<(), Fail> {
        let sid = &hello.session_id[..hello.session_id_len];
        // supported_versions (6 bytes) + key_share (8 + 65, or 6 with the group only).
        let ext_len = 6 + if share.is_some() { 4 + 4 + 65 } else { 4 + 2 };
        let body_len = 2 + 32 + 1 + sid.len() + 2 + 1 + 2 + ext_len;
        let code = suite.code_point().to_be_bytes();
        self.put(&[HS_SERVER_HELLO, 0, (body_len >> 8) as u8, body_len as u8, 3, 3]).await?;
        self.put(random).await?;
        self.put(&[sid.len() as u8]).await?;
        self.put(sid).await?;
        self.put(&[code[0], code[1], 0, (ext_len >> 8) as u8, ext_len as u8]).await?;
        self.put(&[0, 43, 0, 2, 3, 4]).await?;
        match share {
            Some(k) => {
                self.put(&[0, 51, 0, 69, 0, GROUP_P256 as u8, 0, 65]).await?;
                self.put(k).await
            }
            None => self.put(&[0, 51, 0, 2, 0, GROUP_P256 as u8]).await,
        }
    }

    /// Our Certificate message: every certificate of the chain, no extensions.
    async fn certificate(&mut self, chain: &[u8]) -> Result<(), Fail> {
        let mut list_len = 0;
        let mut r = crate::verify::der::Reader::new(chain);
        while !r.is_empty() {
            let c = r.read().map_err(|_| Fail::alert(INTERNAL_ERROR))?;
            list_len += 3 + c.raw.len() + 2;
        }
        let len = 1 + 3 + list_len;
        self.put(&[HS_CERTIFICATE, (len >> 16) as u8, (len >> 8) as u8, len as u8, 0]).await?;
        self.put(&[(list_len >> 16) as u8, (list_len >> 8) as u8, list_len as u8]).await?;
        let mut r = crate::verify::der::Reader::new(chain);
        while !r.is_empty() {
            let c = r.read().map_err(|_| Fail::alert(INTERNAL_ERROR))?.raw;
            self.put(&[(c.len() >> 16) as u8, (c.len() >> 8) as u8, c.len() as u8]).await?;
            self.put(c).await?;
            self.put(&[0, 0]).await?;
        }
        Ok(())
    }

    /// CertificateVerify: ECDSA P-256 / SHA-256 over the transcript so far (RFC 8446
    /// section 4.4.3).
    async fn certificate_verify(&mut self, key: &[u8]) -> Result<(), Fail> {
        let sig = sign_transcript(&self.ks.transcript().snapshot(), key)?;
        let sig = sig.as_ref();
        let len = 4 + sig.len();
        let scheme = ECDSA_P256_SHA256.to_be_bytes();
        self.put(&[HS_CERTIFICATE_VERIFY, 0, 0, len as u8, scheme[0], scheme[1], 0, sig.len() as u8]).await?;
        self.put(sig).await
    }
}

/// The server's CertificateVerify signature (a function of its own: the signing key and
/// the 130-byte content stay out of the task's frame).
#[inline(never)]
fn sign_transcript(transcript: &[u8], key: &[u8]) -> Result<crate::client_auth::DerSig, Fail> {
    let signer = crate::client_auth::Signer::new(key).map_err(|_| Fail::alert(INTERNAL_ERROR))?;
    let mut content = [0x20u8; 64 + 34 + 48];
    let label = b"TLS 1.3, server CertificateVerify\0";
    content[64..64 + label.len()].copy_from_slice(label);
    let n = 64 + label.len();
    content[n..n + transcript.len()].copy_from_slice(transcript);
    let sig = signature::Signer::try_sign(&signer, &content[..n + transcript.len()]);
    content.zeroize();
    sig.map_err(|_| Fail::alert(INTERNAL_ERROR))
}

/// Hands `data` to the C side and waits until all of it went out.
async fn write_all(mut t: Transport, mut data: &[u8]) {
    while !data.is_empty() {
        let n = match t.write(data).await {
            Ok(n) => n,
            Err(e) => match e {},
        };
        data = &data[n..];
    }
}

async fn serve(io: &'static Io, rx: &'static mut [u8], tx: &'static mut [u8], mut params: ServerParams) {
    let mut conn = Conn {
        io,
        t: Transport::new(io),
        rx,
        tx,
        ks: ServerKeySchedule::new(),
        read_protected: false,
        write_protected: false,
        hs_pos: 0,
        hs_end: 0,
        out_len: 0,
    };
    let r = {
        let hs = pin!(conn.handshake(&mut params));
        hs.await
    };
    drop(params);
    io.release_handshake_mem();
    if let Err(f) = r {
        if let Some(desc) = f.alert {
            // Before our ServerHello the alert goes in plaintext.
            conn.send_alert(desc).await;
        }
        io.fail(f.code);
        return;
    }
    io.set_phase(Phase::Established);

    let Conn { rx, tx, mut ks, t, .. } = conn;
    let (opener, sealer) = ks.split();
    let key_update = Cell::new(false);
    let outcome: Result<(), i32> = {
        let mut r = pin!(reader_loop(io, t, rx, opener, &key_update));
        let mut w = pin!(writer_loop(io, t, tx, sealer, &key_update));
        let mut reader_done = false;
        poll_fn(|cx| {
            if !reader_done {
                if let Poll::Ready(Err(code)) = r.as_mut().poll(cx) {
                    reader_done = true;
                    if code == USSL_ERR_CLOSED {
                        io.peer_closed.set(true);
                        io.bump();
                    } else {
                        return Poll::Ready(Err(code));
                    }
                }
            }
            w.as_mut().poll(cx)
        })
        .await
    };
    match outcome {
        Err(code) => io.fail(code),
        Ok(()) => io.set_phase(Phase::Closed),
    }
}

async fn read_exact(mut t: Transport, buf: &mut [u8]) -> Result<(), i32> {
    let mut at = 0;
    while at < buf.len() {
        let n = match t.read(&mut buf[at..]).await {
            Ok(n) => n,
            Err(e) => match e {},
        };
        if n == 0 {
            return Err(USSL_ERR_EOF);
        }
        at += n;
    }
    Ok(())
}

/// Decrypts the client's records into `io.plain_out`. Ends only with an error code
/// (USSL_ERR_CLOSED for its close_notify).
async fn reader_loop(io: &'static Io, t: Transport, rx: &mut [u8], mut opener: Opener<'_>, key_update: &Cell<bool>) -> Result<Infallible, i32> {
    loop {
        read_exact(t, &mut rx[..RECORD_HEADER_LEN]).await?;
        let len = usize::from(u16::from_be_bytes([rx[3], rx[4]]));
        if rx[0] != CT_APPDATA || rx[1] != 3 {
            return Err(USSL_ERR_INVALID_RECORD);
        }
        if len > 16384 + 256 || RECORD_HEADER_LEN + len > rx.len() {
            return Err(USSL_ERR_RECORD_TOO_LARGE);
        }
        read_exact(t, &mut rx[RECORD_HEADER_LEN..RECORD_HEADER_LEN + len]).await?;
        let (ty, n) = match opener.open(&mut rx[..RECORD_HEADER_LEN + len]) {
            Ok(r) => r,
            Err(embedded_tls::TlsError::CryptoError) => return Err(USSL_ERR_DECRYPT),
            Err(embedded_tls::TlsError::InsufficientSpace) => return Err(USSL_ERR_RECORD_TOO_LARGE),
            Err(_) => return Err(USSL_ERR_INVALID_RECORD),
        };
        let content = &rx[RECORD_HEADER_LEN..RECORD_HEADER_LEN + n];
        match ty {
            CT_APPDATA => {
                let mut at = 0;
                while at < n {
                    wait_until(|| io.plain_out.borrow().free() > 0).await;
                    let pushed = io.plain_out.borrow_mut().push(&content[at..]);
                    at += pushed;
                    io.decrypted_left.set(n - at);
                    io.bump();
                }
            }
            CT_ALERT => {
                return Err(match content {
                    [_, 0] => USSL_ERR_CLOSED,
                    [_, d] => USSL_ERR_ALERT_RECEIVED_BASE - i32::from(*d),
                    _ => USSL_ERR_INVALID_RECORD,
                });
            }
            CT_HANDSHAKE => {
                // Only KeyUpdate (RFC 8446 section 4.6.3), ending its record.
                match content {
                    [HS_KEY_UPDATE, 0, 0, 1, req @ (0 | 1)] => {
                        opener.update().map_err(|_| USSL_ERR_INTERNAL)?;
                        if *req == 1 {
                            key_update.set(true);
                            io.bump();
                        }
                    }
                    _ => return Err(USSL_ERR_HANDSHAKE),
                }
            }
            _ => return Err(USSL_ERR_INVALID_RECORD),
        }
    }
}

/// Resolves once `f` holds (checked at each poll).
async fn wait_until(f: impl Fn() -> bool) {
    poll_fn(|_| if f() { Poll::Ready(()) } else { Poll::Pending }).await
}

/// Seals `io.plain_in` into records on flush requests; our KeyUpdate when asked for;
/// close_notify once a close was requested and everything accepted went out.
async fn writer_loop(io: &'static Io, t: Transport, tx: &mut [u8], mut sealer: Sealer<'_>, key_update: &Cell<bool>) -> Result<(), i32> {
    let room = tx.len() - RECORD_HEADER_LEN - RECORD_OVERHEAD;
    let mut held = 0;
    loop {
        wait_until(|| {
            !io.plain_in.borrow().is_empty() || io.flush_requested.get() || io.close_requested.get() || key_update.get()
        })
        .await;
        if key_update.get() {
            if held > 0 {
                // The plaintext held goes out first, under the key it was accepted under.
                let total = sealer.seal(CT_APPDATA, tx, held).map_err(|_| USSL_ERR_INTERNAL)?;
                held = 0;
                write_all(t, &tx[..total]).await;
            }
            key_update.set(false);
            tx[RECORD_HEADER_LEN..RECORD_HEADER_LEN + 5].copy_from_slice(&[HS_KEY_UPDATE, 0, 0, 1, 0]);
            let total = sealer.seal(CT_HANDSHAKE, tx, 5).map_err(|_| USSL_ERR_INTERNAL)?;
            write_all(t, &tx[..total]).await;
            sealer.update().map_err(|_| USSL_ERR_INTERNAL)?;
            continue;
        }
        let n = io.plain_in.borrow_mut().pop(&mut tx[RECORD_HEADER_LEN + held..RECORD_HEADER_LEN + room]);
        if n > 0 {
            held += n;
            io.bump();
            if held < room {
                continue;
            }
        }
        if held > 0 && (held == room || io.flush_requested.get() || io.close_requested.get()) {
            let total = sealer.seal(CT_APPDATA, tx, held).map_err(|_| USSL_ERR_INTERNAL)?;
            held = 0;
            write_all(t, &tx[..total]).await;
            io.bump();
            continue;
        }
        if io.flush_requested.replace(false) {
            io.bump();
            continue;
        }
        if io.close_requested.get() && io.plain_in.borrow().is_empty() {
            tx[RECORD_HEADER_LEN..RECORD_HEADER_LEN + 2].copy_from_slice(&[1, 0]);
            let total = sealer.seal(CT_ALERT, tx, 2).map_err(|_| USSL_ERR_INTERNAL)?;
            write_all(t, &tx[..total]).await;
            return Ok(());
        }
    }
}
