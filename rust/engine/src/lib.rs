//! ussl-engine: a TLS 1.3 client for small devices, as a resumable sans-I/O engine with
//! a C ABI (see `ffi::api` and the generated `ussl_engine.h`).
//!
//! The C side moves bytes between the socket and the engine (ussl_feed / ussl_output);
//! the engine never blocks and never allocates. Internally the whole connection is one
//! async task over embedded-tls's async API, polled by hand whenever bytes move.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![feature(type_alias_impl_trait)]
#![deny(unsafe_op_in_unsafe_fn, unsafe_code)]

mod client_auth;
mod driver;
pub mod error;
pub mod ffi;
mod io;
mod pem;
mod provider;
mod rng;
#[cfg(feature = "server")]
mod server;
mod suites;
mod transport;
mod verify;

pub use ffi::api::*;
#[cfg(feature = "fuzzing")]
pub use verify::fuzzing as fuzz_verify;
