use core::ops::Range;

use crate::{
    TlsError, alert::AlertDescription, common::decrypted_buffer_info::DecryptedBufferInfo,
    handshake::ServerHandshake, handshake::key_update::KeyUpdate,
    record::ServerRecord,
};

pub struct DecryptedReadHandler<'a> {
    pub source_buffer: Range<*const u8>,
    pub buffer_info: &'a mut DecryptedBufferInfo,
    pub is_open: &'a mut bool,
    /// ussl: a KeyUpdate ended the record; the caller switches keys after decryption.
    pub key_update: Option<KeyUpdate>,
}

impl DecryptedReadHandler<'_> {
    pub fn handle(
        &mut self,
        record: ServerRecord<'_>,
    ) -> Result<(), TlsError> {
        // ussl: a KeyUpdate must be the last message of its record (RFC 8446 section 5.1).
        if self.key_update.is_some() {
            return Err(TlsError::InvalidHandshake);
        }
        match record {
            ServerRecord::ApplicationData(data) => {
                let slice = data.data.as_slice();
                let slice_ptrs = slice.as_ptr_range();

                debug_assert!(
                    self.source_buffer.contains(&slice_ptrs.start)
                        && self.source_buffer.contains(&slice_ptrs.end)
                );

                let offset = unsafe {
                    // SAFETY: The assertion above ensures `slice` is a subslice of the read buffer.
                    // This, in turn, ensures we don't violate safety constraints of `offset_from`.

                    // TODO: We are only assuming here that the pointers are derived from the read
                    // buffer. While this is reasonable, and we don't do any pointer magic,
                    // it's not an invariant.
                    slice_ptrs.start.offset_from(self.source_buffer.start) as usize
                };

                self.buffer_info.offset = offset;
                self.buffer_info.len = slice.len();
                self.buffer_info.consumed = 0;
                Ok(())
            }
            ServerRecord::Alert(alert) => {
                if let AlertDescription::CloseNotify = alert.description {
                    *self.is_open = false;
                    Err(TlsError::ConnectionClosed)
                } else {
                    // ussl: report the peer's alert (0.19.0 said InternalError).
                    Err(TlsError::HandshakeAborted(alert.level, alert.description))
                }
            }
            ServerRecord::ChangeCipherSpec(_) => Err(TlsError::InvalidRecord),
            ServerRecord::Handshake(ServerHandshake::NewSessionTicket(_)) => {
                // TODO: we should validate extensions and abort. We can do this automatically
                // as long as the connection is unsplit, however, split connections must be aborted
                // by the user.
                Ok(())
            }
            ServerRecord::Handshake(ServerHandshake::KeyUpdate(update)) => {
                self.key_update = Some(update);
                Ok(())
            }
            // ussl: 0.19.0 reached unimplemented!() here (a server could abort the client).
            // Post-handshake authentication is not offered, so anything else is unexpected.
            ServerRecord::Handshake(_) => Err(TlsError::InvalidHandshake),
        }
    }
}
