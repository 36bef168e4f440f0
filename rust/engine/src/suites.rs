//! Cipher suite names: IANA's (as Python's `ssl` prints them), and mbedTLS's TLS 1.3
//! spellings accepted as well, so code written for upstream MicroPython's mbedTLS module
//! (`set_ciphers(["TLS1-3-AES-128-GCM-SHA256"])`) works unchanged.

use core::ffi::CStr;

use embedded_tls::Suite;

pub fn name(s: Suite) -> &'static CStr {
    match s {
        Suite::Aes128GcmSha256 => c"TLS_AES_128_GCM_SHA256",
        #[cfg(feature = "aes256gcm-sha384")]
        Suite::Aes256GcmSha384 => c"TLS_AES_256_GCM_SHA384",
        #[cfg(feature = "chacha20poly1305-sha256")]
        Suite::Chacha20Poly1305Sha256 => c"TLS_CHACHA20_POLY1305_SHA256",
    }
}

fn mbedtls_name(s: Suite) -> &'static [u8] {
    match s {
        Suite::Aes128GcmSha256 => b"TLS1-3-AES-128-GCM-SHA256",
        #[cfg(feature = "aes256gcm-sha384")]
        Suite::Aes256GcmSha384 => b"TLS1-3-AES-256-GCM-SHA384",
        #[cfg(feature = "chacha20poly1305-sha256")]
        Suite::Chacha20Poly1305Sha256 => b"TLS1-3-CHACHA20-POLY1305-SHA256",
    }
}

/// The suite built in under this name (exact, case-sensitive as upstream), if any.
pub fn from_name(n: &[u8]) -> Option<Suite> {
    Suite::ALL.iter().copied().find(|&s| name(s).to_bytes() == n || mbedtls_name(s) == n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &s in Suite::ALL {
            assert_eq!(from_name(name(s).to_bytes()), Some(s));
            assert_eq!(from_name(mbedtls_name(s)), Some(s));
        }
        assert_eq!(from_name(b"TLS_AES_128_CCM_SHA256"), None);
        assert_eq!(from_name(b"tls_aes_128_gcm_sha256"), None);
        assert_eq!(from_name(b""), None);
    }
}
