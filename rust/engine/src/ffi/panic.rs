//! Panic handler for the no_std library: abort through the platform's `abort()`.

#[cfg(not(any(test, feature = "std")))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    unsafe extern "C" {
        fn abort() -> !;
    }
    // SAFETY: `abort` is the C library's (or the board's) abort: it takes nothing and
    // never returns.
    unsafe { abort() }
}
