use crate::TlsError;
use crate::buffer::CryptoBuffer;
use crate::parse_buffer::ParseBuffer;
use crate::suite::{HashOut, MAX_HASH_LEN};
use core::fmt::{Debug, Formatter};

// ussl: sized at run time (the suite's hash length) instead of by a type parameter.
pub struct Finished {
    pub verify: HashOut,
    pub hash: Option<HashOut>,
}

#[cfg(feature = "defmt")]
impl defmt::Format for Finished {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "verify length:{}", &self.verify.len());
    }
}

impl Debug for Finished {
    fn fmt(&self, f: &mut Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Finished").finish()
    }
}

impl Finished {
    /// The whole message body is verify_data; a length other than the suite's hash length
    /// fails the MAC check later, one longer than any hash fails here.
    pub fn parse(buf: &mut ParseBuffer, len: u32) -> Result<Self, TlsError> {
        let len = len as usize;
        if len > MAX_HASH_LEN {
            return Err(TlsError::InvalidHandshake);
        }
        let data = buf.slice(len).map_err(|_| TlsError::InvalidHandshake)?;
        Ok(Self { verify: HashOut::from_slice(data.as_slice()), hash: None })
    }

    pub(crate) fn encode(&self, buf: &mut CryptoBuffer<'_>) -> Result<(), TlsError> {
        buf.extend_from_slice(&self.verify)
            .map_err(|_| TlsError::EncodeError)?;
        Ok(())
    }
}
