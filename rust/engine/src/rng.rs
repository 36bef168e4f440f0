//! CSPRNG for the handshake: ChaCha20 seeded from the platform's entropy source.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zeroize::Zeroize;

use crate::ffi::platform;

pub type EngineRng = ChaCha20Rng;

/// Seeds a new generator from `ussl_platform_entropy`; `None` if the platform failed.
pub fn from_platform() -> Option<EngineRng> {
    let mut seed = [0u8; 32];
    let ok = platform::entropy(&mut seed);
    // A source that "succeeds" with all zeros is broken.
    let ok = ok && seed.iter().any(|&b| b != 0);
    let rng = ok.then(|| ChaCha20Rng::from_seed(seed));
    seed.zeroize();
    rng
}
