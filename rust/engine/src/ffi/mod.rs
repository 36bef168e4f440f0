//! The C ABI. All `unsafe` code of the crate lives in this module (the rest of the
//! crate denies it); each unsafe block carries a `// SAFETY:` comment.
#![allow(unsafe_code)]

pub mod api;
#[cfg(target_arch = "xtensa")]
mod atomics;
mod engine;
mod panic;
pub mod platform;
#[cfg(test)]
mod tests;
