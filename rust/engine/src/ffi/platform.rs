//! What the platform (C side) provides to the engine.

unsafe extern "C" {
    /// Fills `buf[0..len]` with cryptographically secure random bytes; returns 0 on success.
    fn ussl_platform_entropy(buf: *mut u8, len: usize) -> i32;
}

/// Fills `buf` from the platform's entropy source; false if it failed.
pub fn entropy(buf: &mut [u8]) -> bool {
    // SAFETY: the pointer and length describe `buf`, which is valid for writes for the
    // duration of the call; the C contract is to write at most `len` bytes and not keep it.
    unsafe { ussl_platform_entropy(buf.as_mut_ptr(), buf.len()) == 0 }
}

/// Host tests only: the entropy source from the operating system.
#[cfg(all(feature = "std", not(feature = "fuzzing")))]
mod host {
    extern crate std;
    use std::io::Read;

    #[unsafe(no_mangle)]
    pub extern "C" fn ussl_platform_entropy(buf: *mut u8, len: usize) -> i32 {
        if buf.is_null() {
            return -1;
        }
        // SAFETY: the engine passes a pointer/length pair from a live `&mut [u8]`.
        let out = unsafe { core::slice::from_raw_parts_mut(buf, len) };
        match std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(out)) {
            Ok(()) => 0,
            Err(_) => -1,
        }
    }
}

/// Fuzzing only: the same "random" bytes for every connection, so that a server flight
/// recorded once (fuzz/capture-seeds.sh) decrypts again when replayed.
#[cfg(feature = "fuzzing")]
mod fuzzing {
    #[unsafe(no_mangle)]
    pub extern "C" fn ussl_platform_entropy(buf: *mut u8, len: usize) -> i32 {
        if buf.is_null() {
            return -1;
        }
        // SAFETY: the engine passes a pointer/length pair from a live `&mut [u8]`.
        let out = unsafe { core::slice::from_raw_parts_mut(buf, len) };
        for (i, b) in out.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        0
    }
}
