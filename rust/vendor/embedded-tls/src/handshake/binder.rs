use crate::TlsError;
use crate::buffer::CryptoBuffer;
use crate::suite::HashOut;
use core::fmt::{Debug, Formatter};

// ussl: sized at run time (the PSK's hash length).
pub struct PskBinder {
    pub verify: HashOut,
}

#[cfg(feature = "defmt")]
impl defmt::Format for PskBinder {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "verify length:{}", &self.verify.len());
    }
}

impl Debug for PskBinder {
    fn fmt(&self, f: &mut Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PskBinder").finish()
    }
}

impl PskBinder {
    pub(crate) fn encode(&self, buf: &mut CryptoBuffer<'_>) -> Result<(), TlsError> {
        buf.push(self.verify.len() as u8).map_err(|_| TlsError::EncodeError)?;
        buf.extend_from_slice(&self.verify)
            .map_err(|_| TlsError::EncodeError)?;
        Ok(())
    }
}
