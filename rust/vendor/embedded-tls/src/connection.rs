use crate::config::{TlsCipherSuite, TlsConfig};
use crate::handshake::{ClientHandshake, ServerHandshake};
use crate::key_schedule::{KeySchedule, ReadKeySchedule, WriteKeySchedule};
use crate::record::{ClientRecord, RecordHeader, ServerRecord};
use crate::record_reader::RecordReader;
use crate::write_buffer::WriteBuffer;
use crate::{CertificateVerify, CryptoProvider, TlsError, TlsVerifier};
use crate::{
    alert::{Alert, AlertDescription, AlertLevel},
    handshake::{
        certificate::{CertificateEntryRef, CertificateRef},
        certificate_request::CertificateRequest,
    },
};
use core::fmt::Debug;
use crate::suite::Transcript;
use embedded_io::Error as _;
use embedded_io_async::{Read as AsyncRead, Write as AsyncWrite};

use crate::application_data::ApplicationData;
use crate::buffer::CryptoBuffer;
use ussl_p256verify::ecdh::EphemeralSecret; // ussl: constant-time ECDH
use signature::SignerMut;

use crate::content_types::ContentType;
use crate::parse_buffer::ParseBuffer;

pub(crate) fn decrypt_record<CipherSuite>(
    key_schedule: &mut ReadKeySchedule<CipherSuite>,
    record: ServerRecord<'_>,
    mut cb: impl FnMut(
        &mut ReadKeySchedule<CipherSuite>,
        ServerRecord<'_>,
    ) -> Result<(), TlsError>,
) -> Result<(), TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    if let ServerRecord::ApplicationData(ApplicationData {
        header,
        data: mut app_data,
    }) = record
    {
        // ussl: the record's decryption (the AEAD of the suite the server chose) lives in a
        // frame of its own, released before the callback (certificate checks) runs.
        open_record(key_schedule, &header, &mut app_data)?;

        let padding = app_data
            .as_slice()
            .iter()
            .enumerate()
            .rfind(|(_, b)| **b != 0);
        // ussl: a record of nothing but zeros has no content type (0.19.0 panicked on an
        // empty one).
        let Some((index, &last)) = padding else {
            return Err(TlsError::InvalidRecord);
        };
        app_data.truncate(index + 1);

        let content_type = ContentType::of(last).ok_or(TlsError::InvalidRecord)?;

        trace!("Decrypting: content type = {:?}", content_type);

        // Remove the content type
        app_data.truncate(app_data.len() - 1);
        // ussl: RFC 8446 section 5.4: more than 2^14 bytes of content is record_overflow
        // (0.19.0 passed them on).
        if app_data.len() > crate::record::MAX_PLAINTEXT_LEN {
            return Err(TlsError::InsufficientSpace);
        }

        let mut buf = ParseBuffer::new(app_data.as_slice());
        match content_type {
            ContentType::Handshake => {
                // Decode potentially coalesced handshake messages
                while buf.remaining() > 0 {
                    let inner = ServerHandshake::read(&mut buf, key_schedule.transcript_hash())?;
                    cb(key_schedule, ServerRecord::Handshake(inner))?;
                }
            }
            ContentType::ApplicationData => {
                let inner = ApplicationData::new(app_data, header);
                cb(key_schedule, ServerRecord::ApplicationData(inner))?;
            }
            ContentType::Alert => {
                let alert = Alert::parse(&mut buf)?;
                cb(key_schedule, ServerRecord::Alert(alert))?;
            }
            _ => return Err(TlsError::Unimplemented),
        }
        key_schedule.increment_counter();
    } else {
        trace!("Not decrypting: content_type = {:?}", record.content_type());
        // ussl: once keys are in use, handshake messages arrive only encrypted.
        if let ServerRecord::Handshake(_) = record {
            return Err(TlsError::InvalidRecord);
        }
        cb(key_schedule, record)?;
    }
    Ok(())
}

/// ussl: decrypts a record in place (see `decrypt_record`).
#[inline(never)]
fn open_record<CipherSuite>(
    key_schedule: &mut ReadKeySchedule<CipherSuite>,
    header: &RecordHeader,
    app_data: &mut CryptoBuffer<'_>,
) -> Result<(), TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    let (suite, server_key, nonce) = key_schedule.record_keys()?;
    crate::suite::open(suite, server_key, &nonce, header.data(), app_data)
}

pub(crate) fn encrypt<CipherSuite>(
    key_schedule: &WriteKeySchedule<CipherSuite>,
    buf: &mut CryptoBuffer<'_>,
) -> Result<(), TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    // ussl: the AEAD of the suite the server chose.
    let (suite, client_key, nonce) = key_schedule.record_keys()?;
    let len = buf.len() + crate::suite::TAG_LEN;

    if len > buf.capacity() {
        return Err(TlsError::InsufficientSpace);
    }

    trace!("output size {}", len);
    let len_bytes = (len as u16).to_be_bytes();
    let additional_data = [
        ContentType::ApplicationData as u8,
        0x03,
        0x03,
        len_bytes[0],
        len_bytes[1],
    ];

    crate::suite::seal(suite, client_key, &nonce, &additional_data, buf)
}

pub struct Handshake<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    traffic_hash: Option<CipherSuite::Hash>,
    secret: Option<EphemeralSecret>,
    certificate_request: Option<CertificateRequest>,
    // ussl: which server message may come next (RFC 8446 section 4.4.1 order).
    expect: Expect,
    // ussl: the server accepted our PSK: no Certificate/CertificateVerify follow.
    psk_selected: bool,
    /// ussl: a PSK was offered in our ClientHello.
    psk_offered: bool,
}

/// ussl: the server's encrypted flight must arrive in this order. 0.19.0 accepted any
/// order, so a Finished without Certificate/CertificateVerify skipped verification.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Expect {
    EncryptedExtensions,
    /// CertificateRequest or Certificate (certificate-based handshake).
    Certificate,
    CertificateVerify,
    Finished,
    /// After the server's Finished nothing may follow in the same record.
    Done,
}

impl<CipherSuite> Handshake<CipherSuite>
where
    CipherSuite: TlsCipherSuite,
{
    pub fn new() -> Handshake<CipherSuite> {
        Handshake {
            traffic_hash: None,
            secret: None,
            certificate_request: None,
            expect: Expect::EncryptedExtensions,
            psk_selected: false,
            psk_offered: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum State {
    ClientHello,
    ServerHello,
    ServerVerify,
    ClientCert,
    ClientCertVerify,
    ClientFinished,
    ApplicationData,
}

impl<'a> State {
    #[allow(clippy::too_many_arguments)]
    pub async fn process<'v, Transport, Provider>(
        self,
        transport: &mut Transport,
        handshake: &mut Handshake<Provider::CipherSuite>,
        record_reader: &mut RecordReader<'_>,
        tx_buf: &mut WriteBuffer<'_>,
        key_schedule: &mut KeySchedule<Provider::CipherSuite>,
        config: &TlsConfig<'a>,
        crypto_provider: &mut Provider,
    ) -> Result<State, TlsError>
    where
        Transport: AsyncRead + AsyncWrite + 'a,
        Provider: CryptoProvider,
    {
        match self {
            State::ClientHello => {
                let (state, tx) =
                    client_hello(key_schedule, config, crypto_provider, tx_buf, handshake)?;

                respond(tx, transport, key_schedule).await?;

                Ok(state)
            }
            State::ServerHello => {
                let record = record_reader
                    .read(transport, key_schedule.read_state())
                    .await?;

                let result = process_server_hello(handshake, key_schedule, record, config);

                handle_processing_error(result, transport, key_schedule, tx_buf).await
            }
            State::ServerVerify => {
                let record = record_reader
                    .read(transport, key_schedule.read_state())
                    .await?;

                let result =
                    process_server_verify(handshake, key_schedule, crypto_provider, record);

                handle_processing_error(result, transport, key_schedule, tx_buf).await
            }
            State::ClientCert => {
                let (state, tx) = client_cert(handshake, key_schedule, crypto_provider, tx_buf)?;

                respond(tx, transport, key_schedule).await?;

                Ok(state)
            }
            State::ClientCertVerify => {
                let (result, tx) = client_cert_verify(key_schedule, crypto_provider, tx_buf)?;

                respond(tx, transport, key_schedule).await?;

                result
            }
            State::ClientFinished => {
                let tx = client_finished(key_schedule, tx_buf)?;

                respond(tx, transport, key_schedule).await?;

                client_finished_finalize(key_schedule, handshake)
            }
            State::ApplicationData => Ok(State::ApplicationData),
        }
    }

}

async fn handle_processing_error<CipherSuite>(
    result: Result<State, TlsError>,
    transport: &mut impl AsyncWrite,
    key_schedule: &mut KeySchedule<CipherSuite>,
    tx_buf: &mut WriteBuffer<'_>,
) -> Result<State, TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    if let Err(TlsError::AbortHandshake(level, description)) = result {
        let (write_key_schedule, read_key_schedule) = key_schedule.as_split();
        let tx = tx_buf.write_record(
            &ClientRecord::Alert(Alert { level, description }, false),
            write_key_schedule,
            Some(read_key_schedule),
        )?;

        respond(tx, transport, key_schedule).await?;
    }

    result
}

async fn respond<CipherSuite>(
    tx: &[u8],
    transport: &mut impl AsyncWrite,
    key_schedule: &mut KeySchedule<CipherSuite>,
) -> Result<(), TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    transport
        .write_all(tx)
        .await
        .map_err(|e| TlsError::Io(e.kind()))?;

    key_schedule.write_state().increment_counter();

    transport
        .flush()
        .await
        .map_err(|e| TlsError::Io(e.kind()))?;

    Ok(())
}

fn client_hello<'r, Provider>(
    key_schedule: &mut KeySchedule<Provider::CipherSuite>,
    config: &TlsConfig,
    crypto_provider: &mut Provider,
    tx_buf: &'r mut WriteBuffer,
    handshake: &mut Handshake<Provider::CipherSuite>,
) -> Result<(State, &'r [u8]), TlsError>
where
    Provider: CryptoProvider,
{
    let first = *config.cipher_suites.first().ok_or(TlsError::InvalidCipherSuite)?;
    key_schedule.initialize_early_secret(config.psk.as_ref().map(|p| p.0), first)?;
    let (write_key_schedule, read_key_schedule) = key_schedule.as_split();
    let client_hello = ClientRecord::client_hello(config, crypto_provider);
    let slice = tx_buf.write_record(&client_hello, write_key_schedule, Some(read_key_schedule))?;

    if let ClientRecord::Handshake(ClientHandshake::ClientHello(client_hello), _) = client_hello {
        // ussl: only the scalar stays in the connection, not the 65-byte public key.
        handshake.secret.replace(client_hello.secret.into_secret());
        handshake.psk_offered = config.psk.is_some();
        Ok((State::ServerHello, slice))
    } else {
        Err(TlsError::EncodeError)
    }
}

fn process_server_hello<CipherSuite>(
    handshake: &mut Handshake<CipherSuite>,
    key_schedule: &mut KeySchedule<CipherSuite>,
    record: ServerRecord<'_>,
    config: &TlsConfig<'_>,
) -> Result<State, TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    match record {
        ServerRecord::Handshake(server_handshake) => match server_handshake {
            ServerHandshake::ServerHello(server_hello) => {
                trace!("********* ServerHello");
                // ussl: the suite must be one we offered; from here on its hash and AEAD.
                let suite = crate::suite::Suite::from_code_point(server_hello.cipher_suite())
                    .filter(|s| config.cipher_suites.contains(s))
                    .ok_or(TlsError::InvalidCipherSuite)?;
                key_schedule.select_suite(suite)?;
                handshake.psk_selected = server_hello.psk_selected();
                // ussl: a server that declines our PSK runs a full handshake, whose early
                // secret comes from a zero PSK (RFC 8446 section 7.1), not from ours.
                if handshake.psk_offered && !handshake.psk_selected {
                    key_schedule.restart_early_secret_without_psk()?;
                }
                // ussl: and it may not claim a PSK we never offered (section 4.2.11).
                if handshake.psk_selected && !handshake.psk_offered {
                    return Err(TlsError::InvalidHandshake);
                }
                let secret = handshake.secret.take().ok_or(TlsError::InvalidHandshake)?;
                let shared = server_hello
                    .calculate_shared_secret(&secret)
                    .ok_or(TlsError::InvalidKeyShare)?;
                key_schedule.initialize_handshake_secret(shared.raw_secret_bytes())?;
                Ok(State::ServerVerify)
            }
            _ => Err(TlsError::InvalidHandshake),
        },
        ServerRecord::Alert(alert) => {
            Err(TlsError::HandshakeAborted(alert.level, alert.description))
        }
        _ => Err(TlsError::InvalidRecord),
    }
}

fn process_server_verify<Provider>(
    handshake: &mut Handshake<Provider::CipherSuite>,
    key_schedule: &mut KeySchedule<Provider::CipherSuite>,
    crypto_provider: &mut Provider,
    record: ServerRecord<'_>,
) -> Result<State, TlsError>
where
    Provider: CryptoProvider,
{
    let mut state = State::ServerVerify;
    decrypt_record(key_schedule.read_state(), record, |key_schedule, record| {
        match record {
            ServerRecord::Handshake(server_handshake) => {
                let expect = handshake.expect;
                match server_handshake {
                    ServerHandshake::EncryptedExtensions(_) => {
                        if expect != Expect::EncryptedExtensions {
                            return Err(TlsError::InvalidHandshake);
                        }
                        handshake.expect = if handshake.psk_selected {
                            Expect::Finished
                        } else {
                            Expect::Certificate
                        };
                    }
                    ServerHandshake::Certificate(certificate) => {
                        if expect != Expect::Certificate {
                            return Err(TlsError::InvalidHandshake);
                        }
                        handshake.expect = Expect::CertificateVerify;
                        let transcript = key_schedule.transcript_hash();
                        if let Ok(verifier) = crypto_provider.verifier() {
                            verifier.verify_certificate(transcript, certificate)?;
                            debug!("Certificate verified!");
                        } else {
                            debug!("Certificate verification skipped due to no verifier!");
                        }
                    }
                    ServerHandshake::CertificateVerify(verify) => {
                        if expect != Expect::CertificateVerify {
                            return Err(TlsError::InvalidHandshake);
                        }
                        handshake.expect = Expect::Finished;
                        if let Ok(verifier) = crypto_provider.verifier() {
                            verifier.verify_signature(verify)?;
                            debug!("Signature verified!");
                        } else {
                            debug!("Signature verification skipped due to no verifier!");
                        }
                    }
                    ServerHandshake::CertificateRequest(request) => {
                        if expect != Expect::Certificate || handshake.certificate_request.is_some()
                        {
                            return Err(TlsError::InvalidHandshake);
                        }
                        store_certificate_request(handshake, request)?;
                    }
                    ServerHandshake::Finished(finished) => {
                        if expect != Expect::Finished {
                            return Err(TlsError::InvalidHandshake);
                        }
                        handshake.expect = Expect::Done;
                        state = server_finished(handshake, key_schedule, &finished)?;
                    }
                    _ => return Err(TlsError::InvalidHandshake),
                }
            }
            ServerRecord::ChangeCipherSpec(_) => {}
            // ussl: an alert (encrypted under the handshake key) is the server's alert;
            // 0.19.0 reported it as InvalidRecord.
            ServerRecord::Alert(alert) => {
                return Err(TlsError::HandshakeAborted(alert.level, alert.description));
            }
            _ => return Err(TlsError::InvalidRecord),
        }

        Ok(())
    })?;
    Ok(state)
}

// ussl: the arms of `process_server_verify` with large temporaries are functions of their
// own, so that their frames are not under the certificate checks (the engine stack is small).
#[inline(never)]
fn store_certificate_request<CipherSuite>(
    handshake: &mut Handshake<CipherSuite>,
    request: crate::handshake::certificate_request::CertificateRequestRef<'_>,
) -> Result<(), TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    handshake.certificate_request.replace(request.try_into()?);
    Ok(())
}

#[inline(never)]
fn server_finished<CipherSuite>(
    handshake: &mut Handshake<CipherSuite>,
    key_schedule: &mut ReadKeySchedule<CipherSuite>,
    finished: &crate::handshake::finished::Finished,
) -> Result<State, TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    if !key_schedule.verify_server_finished(finished)? {
        warn!("Server signature verification failed");
        return Err(TlsError::InvalidSignature);
    }

    // trace!("server verified {}", verified);
    Ok(if handshake.certificate_request.is_some() {
        State::ClientCert
    } else {
        handshake
            .traffic_hash
            .replace(key_schedule.transcript_hash().clone());
        State::ClientFinished
    })
}

fn client_cert<'r, Provider>(
    handshake: &mut Handshake<Provider::CipherSuite>,
    key_schedule: &mut KeySchedule<Provider::CipherSuite>,
    crypto_provider: &mut Provider,
    buffer: &'r mut WriteBuffer,
) -> Result<(State, &'r [u8]), TlsError>
where
    Provider: CryptoProvider,
{
    // ussl: the server must be fully verified before we authenticate to it.
    crypto_provider.before_client_auth()?;

    handshake
        .traffic_hash
        .replace(key_schedule.transcript_hash().clone());

    let request_context = &handshake
        .certificate_request
        .as_ref()
        .ok_or(TlsError::InvalidHandshake)?
        .request_context;

    // Declare cert before certificate so owned data outlives the CertificateRef that borrows it
    let cert = crypto_provider.client_cert();
    let mut certificate = CertificateRef::with_context(request_context);
    let next_state = if let Some(ref cert) = cert {
        // ussl: X.509 data may hold a chain (leaf first, DER certificates back to back):
        // one entry each.
        match cert {
            crate::config::Certificate::X509(data) => {
                for der in split_der_list(data.as_ref()) {
                    certificate.add(CertificateEntryRef::X509(der))?;
                }
            }
            _ => certificate.add(cert.into())?,
        }
        State::ClientCertVerify
    } else {
        State::ClientFinished
    };
    let (write_key_schedule, read_key_schedule) = key_schedule.as_split();

    buffer
        .write_record(
            &ClientRecord::Handshake(ClientHandshake::ClientCert(certificate), true),
            write_key_schedule,
            Some(read_key_schedule),
        )
        .map(|slice| (next_state, slice))
}

/// ussl: the DER elements of `data` in order; whatever does not parse as one (or a lone
/// blob) is yielded whole, so a single certificate is always one entry.
fn split_der_list(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = der_element_len(rest).filter(|&n| n <= rest.len()).unwrap_or(rest.len());
        let (first, tail) = rest.split_at(n);
        rest = tail;
        Some(first)
    })
}

/// ussl: total length (header included) of the DER element at the start of `b`.
fn der_element_len(b: &[u8]) -> Option<usize> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 3 {
        return None;
    }
    let len = b.get(2..2 + n)?.iter().fold(0usize, |a, &x| (a << 8) | usize::from(x));
    Some(2 + n + len)
}

fn client_cert_verify<'r, Provider>(
    key_schedule: &mut KeySchedule<Provider::CipherSuite>,
    crypto_provider: &mut Provider,
    buffer: &'r mut WriteBuffer,
) -> Result<(Result<State, TlsError>, &'r [u8]), TlsError>
where
    Provider: CryptoProvider,
{
    let (result, record) = match crypto_provider.signer() {
        Ok((mut signing_key, signature_scheme)) => {
            let ctx_str = b"TLS 1.3, client CertificateVerify\x00";

            // 64 (pad) + 34 (ctx) + 48 (SHA-384) = 146 bytes required
            let mut msg: heapless::Vec<u8, 146> = heapless::Vec::new();
            msg.resize(64, 0x20).map_err(|_| TlsError::EncodeError)?;
            msg.extend_from_slice(ctx_str)
                .map_err(|_| TlsError::EncodeError)?;
            msg.extend_from_slice(&key_schedule.transcript_hash().snapshot())
                .map_err(|_| TlsError::EncodeError)?;

            let signature = signing_key.sign(&msg);

            trace!(
                "Signature: {:?} ({})",
                signature.as_ref(),
                signature.as_ref().len()
            );

            let certificate_verify = CertificateVerify {
                signature_scheme,
                signature: heapless::Vec::from_slice(signature.as_ref()).unwrap(),
            };

            (
                Ok(State::ClientFinished),
                ClientRecord::Handshake(
                    ClientHandshake::ClientCertVerify(certificate_verify),
                    true,
                ),
            )
        }
        Err(e) => {
            error!("Failed to obtain signing key: {:?}", e);
            (
                Err(e),
                ClientRecord::Alert(
                    Alert::new(AlertLevel::Warning, AlertDescription::CloseNotify),
                    true,
                ),
            )
        }
    };

    let (write_key_schedule, read_key_schedule) = key_schedule.as_split();

    buffer
        .write_record(&record, write_key_schedule, Some(read_key_schedule))
        .map(|slice| (result, slice))
}

fn client_finished<'r, CipherSuite>(
    key_schedule: &mut KeySchedule<CipherSuite>,
    buffer: &'r mut WriteBuffer,
) -> Result<&'r [u8], TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    let client_finished = key_schedule
        .create_client_finished()
        .map_err(|_| TlsError::InvalidHandshake)?;

    let (write_key_schedule, read_key_schedule) = key_schedule.as_split();

    buffer.write_record(
        &ClientRecord::Handshake(ClientHandshake::Finished(client_finished), true),
        write_key_schedule,
        Some(read_key_schedule),
    )
}

fn client_finished_finalize<CipherSuite>(
    key_schedule: &mut KeySchedule<CipherSuite>,
    handshake: &mut Handshake<CipherSuite>,
) -> Result<State, TlsError>
where
    CipherSuite: TlsCipherSuite,
{
    key_schedule.replace_transcript_hash(
        handshake
            .traffic_hash
            .take()
            .ok_or(TlsError::InvalidHandshake)?,
    );
    key_schedule.initialize_master_secret()?;

    Ok(State::ApplicationData)
}
