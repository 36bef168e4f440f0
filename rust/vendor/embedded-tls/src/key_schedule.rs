// ussl: the key schedule (RFC 8446 section 7.1) for a suite chosen at run time (see
// `suite`): secrets are byte arrays sized for SHA-384, HKDF is computed per use through
// `suite::hmac`, and nothing is keyed until the ServerHello names the suite. 0.19.0 kept an
// HKDF object per secret, typed by a compile-time suite. The `CipherSuite` parameter stays
// so that the rest of the crate keeps its shape; it only names the transcript type.
use core::marker::PhantomData;

use crate::config::TlsCipherSuite;
use crate::handshake::binder::PskBinder;
use crate::handshake::finished::Finished;
use crate::suite::{self, HashKind, HashOut, IV_LEN, MAX_HASH_LEN, MAX_KEY_LEN, Suite, Transcript};
use crate::TlsError;
use zeroize::Zeroize;

/// The salt for the next HKDF-Extract ("derived" of the previous stage) and the hash.
struct SharedState {
    hash: Option<HashKind>,
    salt: HashOut,
    /// The early secret is computed once the hash is known (at once when a PSK fixes it).
    early_pending: bool,
}

impl SharedState {
    fn kind(&self) -> Result<HashKind, TlsError> {
        self.hash.ok_or(TlsError::InternalError)
    }

    /// HKDF-Extract(salt, ikm), then the next stage's salt; returns the stage's secret.
    fn extract(&mut self, ikm: &[u8]) -> Result<HashOut, TlsError> {
        let kind = self.kind()?;
        let secret = suite::hmac(kind, &self.salt, &[ikm])?;
        self.salt = suite::derive_secret(kind, &secret, b"derived", &kind.empty())?;
        Ok(secret)
    }
}

/// One direction's traffic keys.
pub(crate) struct KeyScheduleState {
    suite: Option<Suite>,
    traffic_secret: [u8; MAX_HASH_LEN],
    counter: u64,
    key: [u8; MAX_KEY_LEN],
    iv: [u8; IV_LEN],
}

impl Drop for KeyScheduleState {
    fn drop(&mut self) {
        self.traffic_secret.zeroize();
        self.key.zeroize();
        self.iv.zeroize();
    }
}

impl KeyScheduleState {
    fn new() -> Self {
        Self { suite: None, traffic_secret: [0; MAX_HASH_LEN], counter: 0, key: [0; MAX_KEY_LEN], iv: [0; IV_LEN] }
    }

    fn suite(&self) -> Result<Suite, TlsError> {
        self.suite.ok_or(TlsError::InternalError)
    }

    fn secret(&self) -> Result<&[u8], TlsError> {
        Ok(&self.traffic_secret[..self.suite()?.hash().len()])
    }

    /// The AEAD, its key and the nonce for the next record.
    pub(crate) fn record_keys(&self) -> Result<(Suite, &[u8], [u8; IV_LEN]), TlsError> {
        let suite = self.suite()?;
        let mut nonce = self.iv;
        for (n, c) in nonce[IV_LEN - 8..].iter_mut().zip(self.counter.to_be_bytes()) {
            *n ^= c;
        }
        Ok((suite, &self.key[..suite.key_len()], nonce))
    }

    /// Installs a traffic secret and derives its key and IV.
    fn set_secret(&mut self, secret: &[u8]) -> Result<(), TlsError> {
        let suite = self.suite()?;
        let kind = suite.hash();
        self.traffic_secret[..kind.len()].copy_from_slice(secret);
        suite::expand_label(kind, secret, b"key", &[], &mut self.key[..suite.key_len()])?;
        suite::expand_label(kind, secret, b"iv", &[], &mut self.iv)?;
        self.counter = 0;
        Ok(())
    }

    pub fn increment_counter(&mut self) {
        self.counter = unwrap!(self.counter.checked_add(1));
    }

    // ussl: KeyUpdate (RFC 8446 section 7.2): the next generation of this direction's
    // traffic secret, then fresh key, IV and sequence number.
    fn update_traffic_secret(&mut self) -> Result<(), TlsError> {
        let kind = self.suite()?.hash();
        let next = suite::derive_secret(kind, self.secret()?, b"traffic upd", &[])?;
        self.set_secret(&next)
    }

    /// HMAC(finished_key, transcript hash), finished_key from this direction's secret.
    fn finished_mac(&self, transcript: &[u8]) -> Result<HashOut, TlsError> {
        let kind = self.suite()?.hash();
        let key = suite::derive_secret(kind, self.secret()?, b"finished", &[])?;
        suite::hmac(kind, &key, &[transcript])
    }
}

pub struct KeySchedule<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    shared: SharedState,
    client_state: WriteKeySchedule<CipherSuite>,
    server_state: ReadKeySchedule<CipherSuite>,
}

impl<CipherSuite> KeySchedule<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    pub fn new() -> Self {
        Self {
            shared: SharedState { hash: None, salt: HashOut::zero(0), early_pending: false },
            client_state: WriteKeySchedule {
                state: KeyScheduleState::new(),
                binder_key: HashOut::zero(0),
                _suite: PhantomData,
            },
            server_state: ReadKeySchedule {
                state: KeyScheduleState::new(),
                transcript_hash: CipherSuite::Hash::default(),
            },
        }
    }

    pub(crate) fn transcript_hash(&mut self) -> &mut CipherSuite::Hash {
        &mut self.server_state.transcript_hash
    }

    pub(crate) fn replace_transcript_hash(&mut self, hash: CipherSuite::Hash) {
        self.server_state.transcript_hash = hash;
    }

    pub fn as_split(
        &mut self,
    ) -> (
        &mut WriteKeySchedule<CipherSuite>,
        &mut ReadKeySchedule<CipherSuite>,
    ) {
        (&mut self.client_state, &mut self.server_state)
    }

    pub(crate) fn write_state(&mut self) -> &mut WriteKeySchedule<CipherSuite> {
        &mut self.client_state
    }

    pub(crate) fn read_state(&mut self) -> &mut ReadKeySchedule<CipherSuite> {
        &mut self.server_state
    }

    /// The suite the server chose (None before the ServerHello).
    pub fn suite(&self) -> Option<Suite> {
        self.server_state.state.suite
    }

    pub fn create_client_finished(&self) -> Result<Finished, TlsError> {
        let transcript = self.server_state.transcript_hash.snapshot();
        let verify = self.client_state.state.finished_mac(&transcript)?;
        Ok(Finished { verify, hash: None })
    }

    /// The early secret (RFC 8446 section 7.1). With a PSK the hash must be known now (the
    /// binders need it): the one of the first suite offered, which the server must then
    /// choose a suite of. Without one it waits for the ServerHello.
    pub fn initialize_early_secret(&mut self, psk: Option<&[u8]>, first_offered: Suite) -> Result<(), TlsError> {
        match psk {
            None => {
                self.shared.early_pending = true;
                Ok(())
            }
            Some(psk) => {
                let kind = first_offered.hash();
                self.shared.hash = Some(kind);
                self.server_state.transcript_hash.select(kind)?;
                self.early_secret(psk)
            }
        }
    }

    fn early_secret(&mut self, ikm: &[u8]) -> Result<(), TlsError> {
        let kind = self.shared.kind()?;
        self.shared.salt = HashOut::zero(kind.len());
        let early = self.shared.extract(ikm)?;
        self.client_state.binder_key = suite::derive_secret(kind, &early, b"ext binder", &kind.empty())?;
        Ok(())
    }

    /// The ServerHello named `suite` (one we offered): keep its hash, key both directions
    /// with its AEAD from now on.
    pub(crate) fn select_suite(&mut self, suite: Suite) -> Result<(), TlsError> {
        let kind = suite.hash();
        if self.shared.hash.is_some_and(|k| k != kind) {
            return Err(TlsError::InvalidCipherSuite);
        }
        self.shared.hash = Some(kind);
        self.server_state.transcript_hash.select(kind)?;
        self.client_state.state.suite = Some(suite);
        self.server_state.state.suite = Some(suite);
        if core::mem::take(&mut self.shared.early_pending) {
            self.early_secret(&HashOut::zero(kind.len()))?;
        }
        Ok(())
    }

    /// ussl: the server declined our PSK: start over from the zero-PSK early secret (the
    /// chained salt must not carry the PSK's).
    pub fn restart_early_secret_without_psk(&mut self) -> Result<(), TlsError> {
        // select_suite ran first, so the hash is known; early_secret restarts from a zero salt.
        let kind = self.shared.kind()?;
        self.early_secret(&HashOut::zero(kind.len()))
    }

    pub fn initialize_handshake_secret(&mut self, ikm: &[u8]) -> Result<(), TlsError> {
        let secret = self.shared.extract(ikm)?;
        self.calculate_traffic_secrets(&secret, b"c hs traffic", b"s hs traffic")
    }

    pub fn initialize_master_secret(&mut self) -> Result<(), TlsError> {
        let zero = HashOut::zero(self.shared.kind()?.len());
        let secret = self.shared.extract(&zero)?;
        self.calculate_traffic_secrets(&secret, b"c ap traffic", b"s ap traffic")
    }

    fn calculate_traffic_secrets(
        &mut self,
        secret: &[u8],
        client_label: &[u8],
        server_label: &[u8],
    ) -> Result<(), TlsError> {
        let kind = self.shared.kind()?;
        let transcript = self.server_state.transcript_hash.snapshot();
        let c = suite::derive_secret(kind, secret, client_label, &transcript)?;
        self.client_state.state.set_secret(&c)?;
        let s = suite::derive_secret(kind, secret, server_label, &transcript)?;
        self.server_state.state.set_secret(&s)
    }
}

// ussl: the server's view of the same schedule (see `server`): it writes with the "s"
// secrets and reads with the "c" ones, and its application keys change direction by
// direction (ours after our Finished, the client's after its Finished).
#[cfg(feature = "server")]
impl<CipherSuite> KeySchedule<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    /// Our (server) Finished: HMAC of the transcript so far under the s hs traffic secret.
    pub(crate) fn create_server_finished(&self) -> Result<HashOut, TlsError> {
        let transcript = self.server_state.transcript_hash.snapshot();
        self.server_state.state.finished_mac(&transcript)
    }

    /// Whether `verify` is the client's Finished over the transcript so far.
    pub(crate) fn verify_client_finished(&self, verify: &[u8]) -> Result<bool, TlsError> {
        let transcript = self.server_state.transcript_hash.snapshot();
        let expected = self.client_state.state.finished_mac(&transcript)?;
        if expected.len() != verify.len() {
            return Ok(false);
        }
        let diff = expected.iter().zip(verify).fold(0u8, |d, (a, b)| d | (a ^ b));
        Ok(core::hint::black_box(diff) == 0)
    }

    /// The master secret after our Finished: our sending keys move to s ap traffic now; the
    /// client's c ap traffic secret is returned, to be installed once its Finished was read.
    pub(crate) fn server_application_secrets(&mut self) -> Result<HashOut, TlsError> {
        let kind = self.shared.kind()?;
        let zero = HashOut::zero(kind.len());
        let secret = self.shared.extract(&zero)?;
        let transcript = self.server_state.transcript_hash.snapshot();
        let c = suite::derive_secret(kind, &secret, b"c ap traffic", &transcript)?;
        let s = suite::derive_secret(kind, &secret, b"s ap traffic", &transcript)?;
        self.server_state.state.set_secret(&s)?;
        Ok(c)
    }

    /// Installs the client's sending secret (what we read with).
    pub(crate) fn install_client_secret(&mut self, secret: &[u8]) -> Result<(), TlsError> {
        self.client_state.state.set_secret(secret)
    }

    /// HelloRetryRequest (RFC 8446 section 4.4.1): the transcript so far (ClientHello1)
    /// becomes one synthetic message_hash message. The suite must be selected.
    pub(crate) fn replace_with_message_hash(&mut self) -> Result<(), TlsError> {
        let kind = self.shared.kind()?;
        let digest = self.server_state.transcript_hash.snapshot();
        let mut fresh = CipherSuite::Hash::default();
        fresh.select(kind)?;
        fresh.update(&[254, 0, 0, digest.len() as u8]);
        fresh.update(&digest);
        self.server_state.transcript_hash = fresh;
        Ok(())
    }
}

impl<CipherSuite> Default for KeySchedule<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    fn default() -> Self {
        KeySchedule::new()
    }
}

pub struct WriteKeySchedule<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    state: KeyScheduleState,
    binder_key: HashOut,
    _suite: PhantomData<CipherSuite>,
}

impl<CipherSuite> WriteKeySchedule<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    pub(crate) fn increment_counter(&mut self) {
        self.state.increment_counter();
    }

    /// AEAD, key and nonce for the next record sent.
    pub(crate) fn record_keys(&self) -> Result<(Suite, &[u8], [u8; IV_LEN]), TlsError> {
        self.state.record_keys()
    }

    // ussl: KeyUpdate, sending side.
    pub(crate) fn update_traffic_secret(&mut self) -> Result<(), TlsError> {
        self.state.update_traffic_secret()
    }

    pub fn create_psk_binder(&self, transcript_hash: &CipherSuite::Hash) -> Result<PskBinder, TlsError> {
        let kind = match self.binder_key.len() {
            32 => HashKind::Sha256,
            #[cfg(feature = "aes256gcm-sha384")]
            48 => HashKind::Sha384,
            _ => return Err(TlsError::InternalError),
        };
        let key = suite::derive_secret(kind, &self.binder_key, b"finished", &[])?;
        let verify = suite::hmac(kind, &key, &[&transcript_hash.snapshot()])?;
        Ok(PskBinder { verify })
    }
}

pub struct ReadKeySchedule<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    state: KeyScheduleState,
    transcript_hash: CipherSuite::Hash,
}

impl<CipherSuite> ReadKeySchedule<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    pub(crate) fn increment_counter(&mut self) {
        self.state.increment_counter();
    }

    pub(crate) fn transcript_hash(&mut self) -> &mut CipherSuite::Hash {
        &mut self.transcript_hash
    }

    /// AEAD, key and nonce for the next record received.
    pub(crate) fn record_keys(&self) -> Result<(Suite, &[u8], [u8; IV_LEN]), TlsError> {
        self.state.record_keys()
    }

    // ussl: KeyUpdate, receiving side.
    pub(crate) fn update_traffic_secret(&mut self) -> Result<(), TlsError> {
        self.state.update_traffic_secret()
    }

    pub fn verify_server_finished(&self, finished: &Finished) -> Result<bool, TlsError> {
        let hash = finished.hash.as_ref().ok_or_else(|| {
            warn!("No hash in Finished");
            TlsError::InternalError
        })?;
        let kind = self.state.suite()?.hash();
        let key = suite::derive_secret(kind, self.state.secret()?, b"finished", &[])?;
        suite::hmac_verify(kind, &key, hash, &finished.verify)
    }
}
