//! ussl: what a TLS 1.3 server needs of this crate (which is a client): the same key
//! schedule (`KeySchedule`, its "c"/"s" secrets seen from the other side) and the same record
//! protection (`suite::seal`/`suite::open` with the suite's AEAD), exposed as a small API.
//! The server's handshake itself (messages, order, alerts) lives in ussl's engine.

use crate::buffer::CryptoBuffer;
use crate::key_schedule::{KeySchedule, ReadKeySchedule, WriteKeySchedule};
use crate::suite::{self, HashOut, Suite, TAG_LEN, TranscriptHash};
use crate::{Tls13Suites, TlsError};

/// Record header (type, legacy version, length).
pub const RECORD_HEADER_LEN: usize = 5;
/// What protection adds to a record's content: the inner content type and the AEAD tag.
pub const RECORD_OVERHEAD: usize = 1 + TAG_LEN;

/// The TLS 1.3 key schedule of one server connection.
pub struct ServerKeySchedule {
    ks: KeySchedule<Tls13Suites>,
}

impl Default for ServerKeySchedule {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerKeySchedule {
    #[must_use]
    pub fn new() -> Self {
        Self { ks: KeySchedule::new() }
    }

    /// The transcript (every hash candidate until `select_suite`).
    pub fn transcript(&mut self) -> &mut TranscriptHash {
        self.ks.transcript_hash()
    }

    /// The suite we chose: keeps its hash, computes the (PSK-less) early secret.
    pub fn select_suite(&mut self, suite: Suite) -> Result<(), TlsError> {
        self.ks.initialize_early_secret(None, suite)?;
        self.ks.select_suite(suite)
    }

    /// The negotiated suite, once selected.
    #[must_use]
    pub fn suite(&self) -> Option<Suite> {
        self.ks.suite()
    }

    /// Before a HelloRetryRequest goes into the transcript.
    pub fn hello_retry(&mut self) -> Result<(), TlsError> {
        self.ks.replace_with_message_hash()
    }

    /// After the ServerHello is in the transcript: the handshake traffic secrets from the
    /// ECDHE shared secret.
    pub fn handshake_secret(&mut self, shared: &[u8]) -> Result<(), TlsError> {
        self.ks.initialize_handshake_secret(shared)
    }

    /// Our Finished's verify_data over the transcript so far.
    pub fn server_finished(&self) -> Result<HashOut, TlsError> {
        self.ks.create_server_finished()
    }

    /// After our Finished is in the transcript: our application keys (in use from the next
    /// record sealed); returns the client's application secret for `client_application`.
    pub fn application_secrets(&mut self) -> Result<HashOut, TlsError> {
        self.ks.server_application_secrets()
    }

    /// Whether the client's Finished verify_data matches the transcript so far.
    pub fn check_client_finished(&self, verify: &[u8]) -> Result<bool, TlsError> {
        self.ks.verify_client_finished(verify)
    }

    /// After the client's Finished: read with its application keys.
    pub fn client_application(&mut self, secret: &[u8]) -> Result<(), TlsError> {
        self.ks.install_client_secret(secret)
    }

    /// The two directions, apart (the data phase reads and writes concurrently).
    pub fn split(&mut self) -> (Opener<'_>, Sealer<'_>) {
        let (client, server) = self.ks.as_split();
        (Opener(client), Sealer(server))
    }
}

/// Opens the client's records (its "c" keys).
pub struct Opener<'a>(&'a mut WriteKeySchedule<Tls13Suites>);

/// Seals our records (the "s" keys).
pub struct Sealer<'a>(&'a mut ReadKeySchedule<Tls13Suites>);

impl Sealer<'_> {
    /// Protects the record in `record`: its content is `record[5..5 + content_len]`, and
    /// `record` has room for RECORD_OVERHEAD more bytes. Writes the header, the inner
    /// content type and the tag; returns the record's length.
    pub fn seal(&mut self, content_type: u8, record: &mut [u8], content_len: usize) -> Result<usize, TlsError> {
        let body_len = content_len + RECORD_OVERHEAD;
        if RECORD_HEADER_LEN + body_len > record.len() || body_len > crate::record::MAX_PLAINTEXT_LEN + 256 {
            return Err(TlsError::InsufficientSpace);
        }
        let (header, body) = record.split_at_mut(RECORD_HEADER_LEN);
        let len = (body_len as u16).to_be_bytes();
        header.copy_from_slice(&[23, 3, 3, len[0], len[1]]);
        body[content_len] = content_type;
        let mut buf = CryptoBuffer::wrap_with_pos(&mut body[..body_len], content_len + 1);
        let (suite, key, nonce) = self.0.record_keys()?;
        suite::seal(suite, key, &nonce, header, &mut buf)?;
        self.0.increment_counter();
        Ok(RECORD_HEADER_LEN + body_len)
    }

    /// KeyUpdate: our next traffic secret (after our KeyUpdate message was sealed).
    pub fn update(&mut self) -> Result<(), TlsError> {
        self.0.update_traffic_secret()
    }
}

impl Opener<'_> {
    /// Opens the protected record `record` (header and body) in place: returns the inner
    /// content type and the content's length, the content at `record[5..]`.
    /// `CryptoError` for a bad tag, `InvalidRecord` for a record without content type,
    /// `InsufficientSpace` for more than 2^14 bytes of content.
    pub fn open(&mut self, record: &mut [u8]) -> Result<(u8, usize), TlsError> {
        if record.len() < RECORD_HEADER_LEN + TAG_LEN + 1 {
            return Err(TlsError::InvalidRecord);
        }
        let (header, body) = record.split_at_mut(RECORD_HEADER_LEN);
        let n = body.len();
        let mut buf = CryptoBuffer::wrap_with_pos(body, n);
        let (suite, key, nonce) = self.0.record_keys()?;
        suite::open(suite, key, &nonce, header, &mut buf)?;
        let plain = buf.len();
        self.0.increment_counter();
        let Some(last) = body[..plain].iter().rposition(|&b| b != 0) else {
            return Err(TlsError::InvalidRecord);
        };
        if last > crate::record::MAX_PLAINTEXT_LEN {
            return Err(TlsError::InsufficientSpace);
        }
        Ok((body[last], last))
    }

    /// KeyUpdate received: the client's next traffic secret.
    pub fn update(&mut self) -> Result<(), TlsError> {
        self.0.update_traffic_secret()
    }
}

/// HelloRetryRequest's fixed random (RFC 8446 section 4.1.3).
pub const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];
