//! Return codes of the C ABI, their static messages, and the mapping from embedded-tls errors.

use core::ffi::CStr;

use embedded_tls::TlsError;
use embedded_tls::alert::AlertDescription;

/// Success (or a byte count when positive).
pub const USSL_OK: i32 = 0;
/// Invalid argument: NULL pointer, memory too small or misaligned, bad verify_mode.
pub const USSL_ERR_ARG: i32 = -1;
/// Feed more bytes from the socket (ussl_feed / ussl_feed_eof), then call again.
pub const USSL_WANT_READ: i32 = -2;
/// Send the pending ciphertext (ussl_output / ussl_output_consume), then call again.
pub const USSL_WANT_WRITE: i32 = -3;
/// The connection is closed (ussl_close was called, or use after the peer's close_notify).
pub const USSL_ERR_CLOSED: i32 = -4;
/// A buffer given to ussl_client_new is too small (see ussl_min_rx_buffer / ussl_min_tx_buffer).
pub const USSL_ERR_BUFFER: i32 = -5;
/// ussl_platform_entropy failed.
pub const USSL_ERR_ENTROPY: i32 = -6;
/// verify_mode CERT_REQUIRED without a CA certificate.
pub const USSL_ERR_NO_CA: i32 = -7;
/// Certificate verification needs the server name (hostname check), or the name is invalid/too long.
pub const USSL_ERR_SERVER_NAME: i32 = -8;
/// The CA is PEM: convert it with ussl_pem_to_der first (or it is not a certificate at all).
pub const USSL_ERR_CA_FORMAT: i32 = -9;
/// The peer closed the TCP connection during the handshake.
pub const USSL_ERR_HANDSHAKE_EOF: i32 = -10;
/// The peer closed the TCP connection without close_notify (possible truncation).
pub const USSL_ERR_EOF: i32 = -11;
/// Certificate verification failed otherwise (e.g. the server sent no certificate).
pub const USSL_ERR_CERT_VERIFY: i32 = -12;
/// A certificate is malformed (not valid DER / X.509).
pub const USSL_ERR_CERT_PARSE: i32 = -13;
/// A certificate uses an algorithm, key type or size, or critical extension we do not support.
pub const USSL_ERR_CERT_UNSUPPORTED: i32 = -14;
/// The certificate chain is longer than the verifier accepts.
pub const USSL_ERR_CERT_TOO_LARGE: i32 = -15;
/// Bytes from the peer are not TLS records (not a TLS server?).
pub const USSL_ERR_INVALID_RECORD: i32 = -16;
/// A TLS record does not fit the receive buffer.
pub const USSL_ERR_RECORD_TOO_LARGE: i32 = -17;
/// A record failed to decrypt (bad_record_mac).
pub const USSL_ERR_DECRYPT: i32 = -18;
/// Malformed or unexpected handshake message from the peer.
pub const USSL_ERR_HANDSHAKE: i32 = -19;
/// The server's Finished or CertificateVerify did not check out.
pub const USSL_ERR_BAD_SIGNATURE: i32 = -20;
/// The peer chose parameters this engine does not implement.
pub const USSL_ERR_UNSUPPORTED: i32 = -21;
/// The peer sent an (encrypted) alert after the handshake.
pub const USSL_ERR_PEER_ALERT: i32 = -22;
/// The handshake is not finished yet (no application data possible).
pub const USSL_ERR_NOT_CONNECTED: i32 = -23;
/// Internal engine error.
pub const USSL_ERR_INTERNAL: i32 = -24;
/// Certificate chain does not lead to a trusted CA (unknown issuer).
pub const USSL_ERR_CERT_UNKNOWN_CA: i32 = -25;
/// A certificate in the chain has expired.
pub const USSL_ERR_CERT_EXPIRED: i32 = -26;
/// A certificate in the chain is not yet valid.
pub const USSL_ERR_CERT_NOT_YET_VALID: i32 = -27;
/// The server certificate does not match the server name (subjectAltName).
pub const USSL_ERR_CERT_HOSTNAME: i32 = -28;
/// A certificate signature in the chain is invalid.
pub const USSL_ERR_CERT_SIGNATURE: i32 = -29;
/// The server's CertificateVerify signature is invalid.
pub const USSL_ERR_CERT_VERIFY_SIGNATURE: i32 = -30;
/// An issuing certificate is not a CA, or its path length constraint is exceeded.
pub const USSL_ERR_CERT_NOT_CA: i32 = -31;
/// A certificate's key usage does not allow its use (keyCertSign / digitalSignature / serverAuth).
pub const USSL_ERR_CERT_KEY_USAGE: i32 = -32;
/// The device clock is not set (earlier than the firmware build); set it or opt out of the time check.
pub const USSL_ERR_CLOCK_NOT_SET: i32 = -33;
/// A cipher suite in the config is not built into this engine, or the server chose one we
/// did not offer.
pub const USSL_ERR_CIPHER_SUITE: i32 = -34;
/// load_cert_chain / client config: the client certificates are not DER or PEM certificates.
pub const USSL_ERR_CLIENT_CERT: i32 = -40;
/// The client private key cannot be read (not SEC1/PKCS#8 DER or PEM, or encrypted).
pub const USSL_ERR_CLIENT_KEY: i32 = -41;
/// The client private key is an RSA key (only P-256 keys sign here).
pub const USSL_ERR_CLIENT_KEY_RSA: i32 = -42;
/// The client private key is of another type or curve than P-256.
pub const USSL_ERR_CLIENT_KEY_TYPE: i32 = -43;
/// The client private key does not belong to the first (leaf) certificate.
pub const USSL_ERR_CLIENT_KEY_MISMATCH: i32 = -44;
/// This engine was built without client certificates (cargo feature `client-cert`; every
/// build of this project has it, the ESP8266 ones included).
pub const USSL_ERR_NO_CLIENT_CERTS: i32 = -45;
/// Alert received from the peer: code = USSL_ERR_ALERT_RECEIVED_BASE - alert description (RFC 8446 section 6).
pub const USSL_ERR_ALERT_RECEIVED_BASE: i32 = -100;
/// Handshake aborted by us with an alert to the peer: code = USSL_ERR_ALERT_SENT_BASE - alert description.
pub const USSL_ERR_ALERT_SENT_BASE: i32 = -400;

/// verify_mode: no certificate verification (SNI only).
pub const USSL_CERT_NONE: i32 = 0;
/// verify_mode: verify against the CA if one is given (like CERT_REQUIRED), else none.
pub const USSL_CERT_OPTIONAL: i32 = 1;
/// verify_mode: verify the chain against the CA and the server name; fail otherwise.
pub const USSL_CERT_REQUIRED: i32 = 2;

const fn c(s: &'static [u8]) -> &'static CStr {
    match CStr::from_bytes_with_nul(s) {
        Ok(c) => c,
        Err(_) => panic!("message without NUL"),
    }
}

macro_rules! alerts {
    ($($v:ident = $n:literal),* $(,)?) => {
        /// Message for an alert received from / sent to the peer.
        fn alert_message(desc: i32, received: bool) -> Option<&'static CStr> {
            match desc {
                $($n => Some(if received {
                    const R: &CStr = c(concat!("TLS alert from peer: ", stringify!($v), "\0").as_bytes());
                    R
                } else {
                    const S: &CStr = c(concat!("TLS handshake aborted, alert sent to peer: ", stringify!($v), "\0").as_bytes());
                    S
                }),)*
                _ => None,
            }
        }
    };
}

alerts! {
    close_notify = 0, unexpected_message = 10, bad_record_mac = 20, record_overflow = 22,
    handshake_failure = 40, bad_certificate = 42, unsupported_certificate = 43,
    certificate_revoked = 44, certificate_expired = 45, certificate_unknown = 46,
    illegal_parameter = 47, unknown_ca = 48, access_denied = 49, decode_error = 50,
    decrypt_error = 51, protocol_version = 70, insufficient_security = 71, internal_error = 80,
    inappropriate_fallback = 86, user_canceled = 90, missing_extension = 109,
    unsupported_extension = 110, unrecognized_name = 112, bad_certificate_status_response = 113,
    unknown_psk_identity = 115, certificate_required = 116, no_application_protocol = 120,
}

/// Static NUL-terminated text for a return code.
pub fn message(code: i32) -> &'static CStr {
    if code >= 0 {
        return c"ok";
    }
    if (USSL_ERR_ALERT_RECEIVED_BASE - 255..=USSL_ERR_ALERT_RECEIVED_BASE).contains(&code) {
        return alert_message(USSL_ERR_ALERT_RECEIVED_BASE - code, true)
            .unwrap_or(c"TLS alert from peer (unknown description)");
    }
    if (USSL_ERR_ALERT_SENT_BASE - 255..=USSL_ERR_ALERT_SENT_BASE).contains(&code) {
        return alert_message(USSL_ERR_ALERT_SENT_BASE - code, false)
            .unwrap_or(c"TLS handshake aborted with an alert to the peer");
    }
    match code {
        USSL_ERR_ARG => c"invalid argument (NULL pointer, memory too small or misaligned, bad verify_mode)",
        USSL_WANT_READ => c"want read: feed more bytes from the socket",
        USSL_WANT_WRITE => c"want write: send the pending output to the socket",
        USSL_ERR_CLOSED => c"connection closed",
        USSL_ERR_BUFFER => c"record buffer too small",
        USSL_ERR_ENTROPY => c"entropy source failed",
        USSL_ERR_NO_CA => c"CERT_REQUIRED needs a CA certificate (cadata)",
        USSL_ERR_SERVER_NAME => c"certificate verification needs server_hostname (at most 64 characters)",
        USSL_ERR_CA_FORMAT => c"CA certificate must be DER (convert PEM with ussl_pem_to_der)",
        USSL_ERR_HANDSHAKE_EOF => c"peer closed connection during handshake",
        USSL_ERR_EOF => c"peer closed connection without close_notify",
        USSL_ERR_CERT_VERIFY => c"certificate verification failed (no server certificate)",
        USSL_ERR_CERT_PARSE => c"certificate verification failed: malformed certificate",
        USSL_ERR_CERT_UNSUPPORTED => c"certificate verification failed: unsupported algorithm, key or critical extension",
        USSL_ERR_CERT_TOO_LARGE => c"certificate verification failed: certificate chain too long",
        USSL_ERR_CERT_UNKNOWN_CA => c"certificate verification failed: unknown CA (issuer not trusted)",
        USSL_ERR_CERT_EXPIRED => c"certificate verification failed: certificate expired",
        USSL_ERR_CERT_NOT_YET_VALID => c"certificate verification failed: certificate not yet valid",
        USSL_ERR_CERT_HOSTNAME => c"certificate verification failed: hostname mismatch",
        USSL_ERR_CERT_SIGNATURE => c"certificate verification failed: bad certificate signature",
        USSL_ERR_CERT_VERIFY_SIGNATURE => c"certificate verification failed: bad CertificateVerify signature from server",
        USSL_ERR_CERT_NOT_CA => c"certificate verification failed: issuer is not a CA or path length exceeded",
        USSL_ERR_CERT_KEY_USAGE => c"certificate verification failed: key usage does not allow this use",
        USSL_ERR_CLOCK_NOT_SET => c"certificate verification failed: clock not set (set the time, or opt out of the time check)",
        USSL_ERR_CIPHER_SUITE => c"cipher suite not offered: not built into this engine, or not in the list we sent",
        USSL_ERR_INVALID_RECORD => c"invalid TLS record (peer is not speaking TLS?)",
        USSL_ERR_RECORD_TOO_LARGE => c"TLS record larger than the receive buffer",
        USSL_ERR_DECRYPT => c"TLS record decryption failed (bad_record_mac)",
        USSL_ERR_HANDSHAKE => c"malformed or unexpected TLS handshake message",
        USSL_ERR_BAD_SIGNATURE => c"server handshake signature (Finished/CertificateVerify) invalid",
        USSL_ERR_UNSUPPORTED => c"peer chose TLS parameters this engine does not support",
        USSL_ERR_PEER_ALERT => c"TLS alert from peer after handshake",
        USSL_ERR_NOT_CONNECTED => c"TLS handshake not complete",
        USSL_ERR_INTERNAL => c"internal TLS engine error",
        // Without client certificates only USSL_ERR_NO_CLIENT_CERTS can happen.
        #[cfg(feature = "client-cert")]
        USSL_ERR_CLIENT_CERT => c"client certificate: not DER or PEM certificates",
        #[cfg(feature = "client-cert")]
        USSL_ERR_CLIENT_KEY => c"client key: cannot parse (SEC1 or PKCS#8 P-256 key, DER or PEM, unencrypted)",
        #[cfg(feature = "client-cert")]
        USSL_ERR_CLIENT_KEY_RSA => c"client key: RSA client keys not supported (P-256 only)",
        #[cfg(feature = "client-cert")]
        USSL_ERR_CLIENT_KEY_TYPE => c"client key: unsupported key type (P-256 only)",
        #[cfg(feature = "client-cert")]
        USSL_ERR_CLIENT_KEY_MISMATCH => c"client key does not match the certificate",
        USSL_ERR_NO_CLIENT_CERTS => c"client certificates are not supported by this build of the engine (built without its client-cert feature)",
        _ => c"unknown error",
    }
}

/// What the connection was doing when an error occurred.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Handshake,
    Data,
}

fn alert_code(base: i32, d: AlertDescription) -> i32 {
    base - d as i32
}

/// Maps an embedded-tls error to a return code.
///
/// `eof`: the C side reported the end of the TCP stream; `verify_code`: the code the
/// certificate verifier recorded when it rejected the peer (0 if it did not).
pub fn from_tls(e: TlsError, stage: Stage, eof: bool, verify_code: i32) -> i32 {
    if verify_code != 0 && stage == Stage::Handshake {
        return verify_code;
    }
    match e {
        TlsError::HandshakeAborted(_, d) => alert_code(USSL_ERR_ALERT_RECEIVED_BASE, d),
        TlsError::AbortHandshake(_, d) => alert_code(USSL_ERR_ALERT_SENT_BASE, d),
        TlsError::IoError | TlsError::Io(_) if eof => match stage {
            Stage::Handshake => USSL_ERR_HANDSHAKE_EOF,
            Stage::Data => USSL_ERR_EOF,
        },
        TlsError::ConnectionClosed => USSL_ERR_CLOSED,
        TlsError::MissingHandshake => match stage {
            // embedded-tls marks the connection closed once the peer sent close_notify.
            Stage::Data => USSL_ERR_CLOSED,
            Stage::Handshake => USSL_ERR_NOT_CONNECTED,
        },
        TlsError::InvalidRecord | TlsError::UnknownContentType => USSL_ERR_INVALID_RECORD,
        TlsError::InsufficientSpace => USSL_ERR_RECORD_TOO_LARGE,
        TlsError::CryptoError => USSL_ERR_DECRYPT,
        TlsError::InvalidSignature => USSL_ERR_BAD_SIGNATURE,
        TlsError::InvalidCipherSuite => USSL_ERR_CIPHER_SUITE,
        TlsError::Unimplemented
        | TlsError::InvalidSignatureScheme
        | TlsError::InvalidKeyShare
        | TlsError::InvalidSupportedVersions => USSL_ERR_UNSUPPORTED,
        // After the handshake, embedded-tls reports any alert other than close_notify
        // (and a stray ChangeCipherSpec) as InternalError.
        TlsError::InternalError if stage == Stage::Data => USSL_ERR_PEER_ALERT,
        TlsError::InvalidHandshake
        | TlsError::InvalidNonceLength
        | TlsError::InvalidTicketLength
        | TlsError::UnknownExtensionType
        | TlsError::InvalidExtensionsLength
        | TlsError::InvalidSessionIdLength
        | TlsError::InvalidApplicationData
        | TlsError::InvalidCertificate
        | TlsError::InvalidCertificateEntry
        | TlsError::InvalidCertificateRequest
        | TlsError::ParseError(_)
        | TlsError::DecodeError => USSL_ERR_HANDSHAKE,
        _ => USSL_ERR_INTERNAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_tls::alert::AlertLevel;

    #[test]
    fn messages() {
        let code = from_tls(
            TlsError::HandshakeAborted(AlertLevel::Fatal, AlertDescription::HandshakeFailure),
            Stage::Handshake,
            false,
            0,
        );
        assert_eq!(code, -140);
        assert_eq!(message(code), c"TLS alert from peer: handshake_failure");
        assert_eq!(message(-400 - 110).to_bytes(), b"TLS handshake aborted, alert sent to peer: unsupported_extension");
        assert_eq!(message(USSL_ERR_HANDSHAKE_EOF), c"peer closed connection during handshake");
        assert_eq!(from_tls(TlsError::IoError, Stage::Handshake, true, 0), USSL_ERR_HANDSHAKE_EOF);
        assert_eq!(from_tls(TlsError::IoError, Stage::Data, true, 0), USSL_ERR_EOF);
        assert_eq!(message(-99), c"unknown error");
        assert_ne!(message(USSL_ERR_NO_CLIENT_CERTS), c"unknown error");
    }
}
