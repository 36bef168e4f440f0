//! The connection task: one async fn that owns the TLS connection for its whole life.
//!
//! It is polled by hand (no-op waker) from the C ABI whenever bytes move, so the
//! handshake and the record layer resume exactly where they stopped for want of input
//! or of room for output.

use core::convert::Infallible;
use core::future::{Future, poll_fn};
use core::pin::{Pin, pin};
use core::task::{Context, Poll};

use embedded_tls::{MaxFragmentLength, Suite, TlsConfig, TlsConnection, TlsContext, TlsError, TlsReader, TlsWriter};

use crate::error::{self, Stage};
use crate::io::{Io, Phase};
use crate::provider::{ClientAuth, EngineProvider, Suites};
use crate::verify::{Report, Settings, Verifier};
use crate::rng;
use crate::transport::Transport;

/// Longest server name accepted (SNI + hostname check).
pub(crate) const MAX_SERVER_NAME: usize = 64;

/// Everything the task needs besides the shared state and the record buffers.
pub struct Params {
    pub server_name: heapless::String<MAX_SERVER_NAME>,
    /// Trust anchors (one or more concatenated DER certificates) in caller memory; `Some`
    /// turns verification on.
    pub ca: Option<&'static [u8]>,
    /// Current unix time for the validity check; None: the caller opted out.
    pub now: Option<i64>,
    /// Caller buffer for the leaf certificate's DER (getpeercert), if any.
    pub peer_cert: Option<&'static mut [u8]>,
    /// Seeds the handshake's generator (built only when the handshake starts).
    pub seed: rng::Seed,
    /// Asked of the server when the receive buffer cannot hold a full 16 KiB record.
    pub max_fragment: Option<MaxFragmentLength>,
    /// Cipher suites to offer, most preferred first (empty: every suite built in).
    pub suites: heapless::Vec<Suite, 3>,
    /// Our certificate chain and key (mutual TLS), in caller memory.
    pub client: Option<ClientAuth<'static>>,
    /// External pre-shared key and its identity (RFC 8446 section 4.2.11), in caller memory.
    pub psk: Option<(&'static [u8], &'static [u8])>,
}

/// What only the handshake needs (the parameters, the config, the crypto provider with the
/// verifier's buffers): in memory of its own, which the caller may release once the handshake
/// is over (`Io::handshake_mem_released`), so that an established connection holds only the
/// record layer.
pub struct HandshakeMem {
    params: Params,
    config: Option<TlsConfig<'static>>,
    provider: Option<EngineProvider<'static>>,
}

impl HandshakeMem {
    pub fn new(params: Params) -> Self {
        HandshakeMem { params, config: None, provider: None }
    }
}

/// The task's future, a named type so that the engine has a size known at compile time.
pub type DriverFut = impl Future<Output = ()>;

/// Creates the connection task (nothing runs until it is polled).
#[define_opaque(DriverFut)]
pub fn start(io: &'static Io, rx: &'static mut [u8], tx: &'static mut [u8], hs: &'static mut HandshakeMem) -> DriverFut {
    drive(io, rx, tx, hs)
}

type Conn = TlsConnection<'static, Transport, Suites>;

fn fail(io: &Io, e: TlsError, stage: Stage) {
    io.fail(error::from_tls(e, stage, io.eof.get(), io.verify_code.get()));
}

/// Polls `f` from a function of its own, so that its temporaries and those of the code
/// around the `.await` are not one stack frame (the engine stack is small: every frame on
/// the handshake's deepest path counts).
#[inline(never)]
fn poll_apart<F: Future>(f: Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
    f.poll(cx)
}

/// `f.await`, polled through [`poll_apart`]. Takes the future pinned where the caller
/// keeps it (an `async fn` taking it by value would hold a second copy of it).
fn apart<F: Future>(mut f: Pin<&mut F>) -> impl Future<Output = F::Output> {
    poll_fn(move |cx| poll_apart(f.as_mut(), cx))
}

/// Resolves once `f` holds (checked at each poll).
async fn wait_until(f: impl Fn() -> bool) {
    poll_fn(|_| if f() { Poll::Ready(()) } else { Poll::Pending }).await
}

#[allow(clippy::manual_async_fn)] // deliberate, see below
pub fn drive(
    io: &'static Io,
    rx: &'static mut [u8],
    tx: &'static mut [u8],
    hs: &'static mut HandshakeMem,
) -> impl Future<Output = ()> {
    // An `async move` block rather than an `async fn`: the latter moves its arguments into
    // a second copy inside the future.
    async move {
        let mut conn: Conn = TlsConnection::new(Transport::new(io), rx, tx);
        // Size matters (the future is the bulk of the per-connection memory): the parameters,
        // the config and the provider (with the verifier's buffers) live in `hs`, which no
        // reference outlives this block; the provider goes to embedded-tls by reference (see
        // `EngineProvider`).
        let opened = {
            let HandshakeMem { params, config: config_slot, provider: provider_slot } = hs;
            let peer_cert = params.peer_cert.take();
            let params: &'static Params = params;
            let psk_ids: [&[u8]; 1];
            // RSA schemes are offered: we verify RSA certificates and PSS CertificateVerify
            // ourselves (no allocator needed, unlike embedded-tls's `rsa` feature).
            let mut config = TlsConfig::new().enable_rsa_signatures();
            if let Some((key, identity)) = params.psk {
                psk_ids = [identity];
                config = config.with_psk(key, &psk_ids);
            }
            // RFC 6066: IP literals are not sent as SNI (still checked against iPAddress SANs).
            if !params.server_name.is_empty() && !crate::verify::is_ip_literal(&params.server_name) {
                config = config.with_server_name(params.server_name.as_str());
            }
            if let Some(m) = params.max_fragment {
                config = config.with_max_fragment_length(m);
            }
            config = config.with_cipher_suites(&params.suites);
            let config: &TlsConfig<'static> = config_slot.insert(config);
            let provider = provider(provider_slot, io, params, peer_cert);
            let r = {
                let open = pin!(conn.open(TlsContext::new(config, &mut *provider)));
                apart(open).await
            };
            io.suite.set(conn.negotiated_suite().map_or(0, Suite::code_point));
            let opened = match r {
                Err(e) => Err(error::from_tls(e, Stage::Handshake, io.eof.get(), io.verify_code.get())),
                // The ECDSA checks the verifier deferred (see verify::pending) run here, on a
                // shallow stack, before the connection is established.
                Ok(()) => provider.verifier.as_mut().map_or(Ok(()), |v| v.finish()),
            };
            // Dropped now (the generator's state is wiped on drop); the rest of `hs` is
            // wiped by the engine once released.
            *provider_slot = None;
            *config_slot = None;
            opened
        };
        // Nothing refers to `hs` any more.
        io.release_handshake_mem();
        if let Err(code) = opened {
            io.fail(code);
            return;
        }
        io.set_phase(Phase::Established);

        let outcome = apart(pin!(async {
            let (reader, writer) = conn.split();
            let mut r = pin!(reader_loop(io, reader));
            let mut w = pin!(writer_loop(io, writer));
            let mut reader_done = false;
            poll_fn(|cx| {
                if !reader_done {
                    if let Poll::Ready(Err(e)) = r.as_mut().poll(cx) {
                        reader_done = true;
                        if let TlsError::ConnectionClosed = e {
                            // close_notify: reads end; the writer lives on until ussl_close.
                            io.peer_closed.set(true);
                            io.bump();
                        } else {
                            return Poll::Ready(Err(e));
                        }
                    }
                }
                w.as_mut().poll(cx)
            })
            .await
        }))
        .await;

        match outcome {
            Err(e) => fail(io, e, Stage::Data),
            Ok(()) => {
                // Close requested and every accepted byte sent: our close_notify, also in
                // answer to the peer's (RFC 8446 section 6.1).
                let _ = apart(pin!(conn.close_in_place())).await;
                io.set_phase(Phase::Closed);
            }
        }
    }
}

/// Puts the handshake's crypto provider in `slot` (a function of its own: its temporaries,
/// the verifier's buffers among them, stay out of the task's stack frame, which is on the
/// handshake's deepest path).
#[inline(never)]
fn provider<'s>(
    slot: &'s mut Option<EngineProvider<'static>>,
    io: &'static Io,
    params: &'static Params,
    peer_cert: Option<&'static mut [u8]>,
) -> &'s mut EngineProvider<'static> {
    let report = Report { code: &io.verify_code, peer_cert_len: &io.peer_cert_len };
    let verifier = if params.ca.is_some() || peer_cert.is_some() {
        let settings = Settings {
            check: params.ca.is_some(),
            anchors: params.ca.unwrap_or(&[]),
            host: params.server_name.as_str(),
            now: params.now,
            peer_is_client: false,
        };
        Some(Verifier::new(settings, report, peer_cert))
    } else {
        None
    };
    slot.insert(EngineProvider { rng: rng::from_seed(params.seed), verifier, client: params.client })
}

/// Moves decrypted bytes into `io.plain_out` as room appears. Only ends with an error
/// (`ConnectionClosed` for the peer's close_notify).
async fn reader_loop(io: &'static Io, mut reader: TlsReader<'_, Transport, Suites>) -> Result<Infallible, TlsError> {
    loop {
        wait_until(|| io.plain_out.borrow().free() > 0).await;
        let mut records = reader.read_buffered().await?;
        let mut q = io.plain_out.borrow_mut();
        let room = q.free();
        q.push(records.pop(room));
        io.decrypted_left.set(records.len());
        io.bump();
    }
}

/// Seals plaintext from `io.plain_in` into records; sends a record on flush requests.
/// Ends with `Ok` once a close was requested and everything accepted went out.
async fn writer_loop(io: &'static Io, mut writer: TlsWriter<'_, Transport, Suites>) -> Result<(), TlsError> {
    use embedded_io_async::Write;
    let mut chunk = [0u8; 64];
    loop {
        wait_until(|| !io.plain_in.borrow().is_empty() || io.flush_requested.get() || io.close_requested.get()).await;
        let n = io.plain_in.borrow_mut().pop(&mut chunk);
        if n > 0 {
            io.bump();
            let mut off = 0;
            while off < n {
                off += writer.write(&chunk[off..n]).await?;
            }
            continue;
        }
        if io.flush_requested.replace(false) {
            writer.flush().await?;
            io.bump();
            continue;
        }
        return Ok(());
    }
}
