//! ussl: the KeyUpdate handshake message (RFC 8446 section 4.6.3), absent from 0.19.0.

use crate::TlsError;
use crate::parse_buffer::ParseBuffer;

/// `request_update`: whether the sender asks the receiver to update its own sending keys too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct KeyUpdate {
    pub request_update: bool,
}

impl KeyUpdate {
    /// The body is exactly one byte, 0 (update_not_requested) or 1 (update_requested).
    pub fn parse(buf: &mut ParseBuffer<'_>, content_len: u32) -> Result<Self, TlsError> {
        if content_len != 1 {
            return Err(TlsError::InvalidHandshake);
        }
        match buf.read_u8().map_err(|_| TlsError::InvalidHandshake)? {
            0 => Ok(Self { request_update: false }),
            1 => Ok(Self { request_update: true }),
            _ => Err(TlsError::InvalidHandshake),
        }
    }
}
