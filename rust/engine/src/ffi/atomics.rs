//! Atomic load/store helpers for the ESP8266.
//!
//! The LX106 has no atomic instructions (no S32C1I); LLVM lowers the atomic loads and
//! stores used by `core` and embedded-tls (its `AtomicBool`) to `__atomic_*` calls. The
//! chip is single-core and the engine never runs from interrupts, so an aligned plain
//! access is atomic: these are volatile loads/stores.

macro_rules! load_store {
    ($load:ident, $store:ident, $t:ty) => {
        /// # Safety
        /// `p` must be valid and aligned for this access (compiler-generated calls).
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $load(p: *const $t, _ordering: i32) -> $t {
            // SAFETY: the compiler calls this for an atomic load of a valid, aligned location.
            unsafe { core::ptr::read_volatile(p) }
        }

        /// # Safety
        /// `p` must be valid and aligned for this access (compiler-generated calls).
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $store(p: *mut $t, v: $t, _ordering: i32) {
            // SAFETY: the compiler calls this for an atomic store to a valid, aligned location.
            unsafe { core::ptr::write_volatile(p, v) }
        }
    };
}

load_store!(__atomic_load_1, __atomic_store_1, u8);
load_store!(__atomic_load_2, __atomic_store_2, u16);
load_store!(__atomic_load_4, __atomic_store_4, u32);
