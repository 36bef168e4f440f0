//! Cipher suite names (IANA, as Python's `ssl` and upstream MicroPython print them).

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
