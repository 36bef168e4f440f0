//! CSPRNG for the handshake: ChaCha20 seeded from the platform's entropy source.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zeroize::Zeroize;

use crate::ffi::platform;

pub type EngineRng = ChaCha20Rng;

/// A generator's seed: what the connection task keeps until its handshake starts (32
/// bytes instead of the generator's 320 on x86-64, held for the task's whole life).
pub type Seed = [u8; 32];

/// Takes a seed from `ussl_platform_entropy`; `None` if the platform failed.
pub fn seed_from_platform() -> Option<Seed> {
    let mut seed: Seed = [0; 32];
    let ok = platform::entropy(&mut seed);
    // A source that "succeeds" with all zeros is broken.
    if ok && seed.iter().any(|&b| b != 0) {
        return Some(seed);
    }
    seed.zeroize();
    None
}

/// The generator for a seed from [`seed_from_platform`].
pub fn from_seed(seed: Seed) -> EngineRng {
    ChaCha20Rng::from_seed(seed)
}
