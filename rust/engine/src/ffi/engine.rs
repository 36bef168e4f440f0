//! The engine object in caller memory, and the polling of its task.
//!
//! Layout and aliasing rules: `UsslEngine` is written once into the caller's memory by
//! `place` and never moves until `destroy`. The task borrows `io` (a shared reference:
//! `Io` is all interior mutability) and the caller's rx/tx buffers for `'static` -- the
//! lie is contained here: the task is dropped before any of that memory is released.
//! No `&mut UsslEngine` is ever formed, only references to single fields, so the task's
//! `&Io` is never invalidated.

use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use zeroize::Zeroize;

use crate::driver::{self, DriverFut, HandshakeMem, Params};
use crate::io::Io;

/// The connection task: the client's, or (feature `server`) the server's.
pub enum Task {
    Client(DriverFut),
    #[cfg(feature = "server")]
    Server(crate::server::ServerFut),
}

impl Task {
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: structural pinning: the variant's future is never moved out of the enum,
        // which itself stays pinned (see `run`).
        unsafe {
            match self.get_unchecked_mut() {
                Task::Client(f) => poll_client(Pin::new_unchecked(f), cx),
                #[cfg(feature = "server")]
                Task::Server(f) => poll_server(Pin::new_unchecked(f), cx),
            }
        }
    }
}

// One function per side, never inlined: merged into `Task::poll`, the two state machines'
// frames would add up on every call (the lx106's engine stack overflowed in the client's
// handshake once the server was built in).
#[inline(never)]
fn poll_client(f: Pin<&mut DriverFut>, cx: &mut Context<'_>) -> Poll<()> {
    f.poll(cx)
}

#[cfg(feature = "server")]
#[inline(never)]
fn poll_server(f: Pin<&mut crate::server::ServerFut>, cx: &mut Context<'_>) -> Poll<()> {
    f.poll(cx)
}

/// A TLS client connection (opaque to C). Lives in caller memory, see `ussl_client_new`.
pub struct UsslEngine {
    io: Io,
    task: Option<Task>,
    rx: *mut u8,
    rx_len: usize,
    tx: *mut u8,
    tx_len: usize,
    /// The handshake's memory (caller's), NULL once the task let go of it and it was wiped.
    hs: *mut HandshakeMem,
    /// `hs` holds a server's `ServerHs`, not a `HandshakeMem`.
    #[cfg(feature = "server")]
    hs_server: bool,
}

#[cfg(feature = "server")]
const _: () = assert!(
    core::mem::size_of::<crate::server::ServerHs>() <= HANDSHAKE_MEM_SIZE
        && core::mem::align_of::<crate::server::ServerHs>() <= HANDSHAKE_MEM_ALIGN
);

pub const ENGINE_SIZE: usize = core::mem::size_of::<UsslEngine>();
pub const ENGINE_ALIGN: usize = core::mem::align_of::<UsslEngine>();
pub const HANDSHAKE_MEM_SIZE: usize = core::mem::size_of::<HandshakeMem>();
pub const HANDSHAKE_MEM_ALIGN: usize = core::mem::align_of::<HandshakeMem>();

/// Writes a new engine into `mem` and creates its task.
///
/// # Safety
/// `mem` must be valid for writes of `ENGINE_SIZE` bytes and aligned to `ENGINE_ALIGN`,
/// `hs` likewise for `HANDSHAKE_MEM_SIZE` / `HANDSHAKE_MEM_ALIGN` (until `handshake_mem_in_use`
/// says false, or `destroy`);
/// `rx`/`tx` valid for reads and writes of `rx_len`/`tx_len` bytes (`tx_used <= tx_len`);
/// `params.ca` must point to memory that stays valid; all of it must stay valid and
/// unmoved, and not be accessed otherwise, until `destroy`.
pub unsafe fn place(
    mem: *mut u8,
    rx: *mut u8,
    rx_len: usize,
    tx: *mut u8,
    tx_len: usize,
    tx_used: usize,
    hs: *mut u8,
    params: Params,
) -> *mut UsslEngine {
    let e = mem.cast::<UsslEngine>();
    let hs = hs.cast::<HandshakeMem>();
    // SAFETY: `mem` is valid and aligned for a `UsslEngine` (caller contract, checked by
    // ussl_client_new); whatever was there is overwritten without being read.
    unsafe {
        e.write(UsslEngine {
            io: Io::new(),
            task: None,
            rx,
            rx_len,
            tx,
            tx_len,
            hs,
            #[cfg(feature = "server")]
            hs_server: false,
        })
    };
    // SAFETY: `hs` is valid and aligned for a `HandshakeMem` (caller contract, checked by
    // ussl_client_new), not otherwise accessed until released below; overwritten unread.
    let hs_ref: &'static mut HandshakeMem = unsafe {
        hs.write(HandshakeMem::new(params));
        &mut *hs
    };
    // SAFETY: `io` is initialised and stays at this address until `destroy`, which drops
    // the task (the only holder of this reference) before the memory is released.
    let io: &'static Io = unsafe { &*(&raw const (*e).io) };
    // SAFETY: rx/tx are the caller's buffers, valid and exclusively ours until `destroy`
    // (caller contract); the task is dropped there before they are released.
    let (rx, tx) = unsafe {
        (core::slice::from_raw_parts_mut(rx, rx_len), core::slice::from_raw_parts_mut(tx, tx_used))
    };
    let fut = driver::start(io, rx, tx, hs_ref);
    // SAFETY: `e` was initialised above; only the `task` field is written, through a raw
    // place, so the shared borrow of `io` held by the future stays valid.
    unsafe { (&raw mut (*e).task).write(Some(Task::Client(fut))) };
    e
}

/// Writes a new server engine into `mem` and creates its task. `hs` is handshake memory as
/// for `place`; it receives the verifier (`params.hs`, set here), and stays in use (so the
/// caller keeps the chain and key) until the handshake ended.
///
/// # Safety
/// As for `place`.
#[cfg(feature = "server")]
pub unsafe fn place_server(
    mem: *mut u8,
    rx: *mut u8,
    rx_len: usize,
    tx: *mut u8,
    tx_len: usize,
    hs: *mut u8,
    mut params: crate::server::ServerParams,
) -> *mut UsslEngine {
    let e = mem.cast::<UsslEngine>();
    let server_hs = hs.cast::<crate::server::ServerHs>();
    if !server_hs.is_null() {
        // SAFETY: `hs` is valid and aligned for a `HandshakeMem`, which is at least as large and
        // aligned as a `ServerHs` (asserted at compile time); not otherwise accessed until
        // released; overwritten unread.
        params.hs = Some(unsafe {
            server_hs.write(crate::server::ServerHs { verifier: None });
            &mut *server_hs
        });
    }
    // SAFETY: `mem` is valid and aligned for a `UsslEngine` (caller contract, checked by
    // ussl_server_new); whatever was there is overwritten without being read.
    unsafe {
        e.write(UsslEngine { io: Io::new(), task: None, rx, rx_len, tx, tx_len, hs: hs.cast(), hs_server: true })
    };
    // SAFETY: as in `place`.
    let io: &'static Io = unsafe { &*(&raw const (*e).io) };
    // SAFETY: as in `place`.
    let (rx, tx) = unsafe { (core::slice::from_raw_parts_mut(rx, rx_len), core::slice::from_raw_parts_mut(tx, tx_len)) };
    let fut = crate::server::start(io, rx, tx, params);
    // SAFETY: as in `place`.
    unsafe { (&raw mut (*e).task).write(Some(Task::Server(fut))) };
    e
}

/// The shared state of a live engine.
///
/// # Safety
/// `e` must come from `place` and not have been destroyed.
pub unsafe fn io<'a>(e: *const UsslEngine) -> &'a Io {
    // SAFETY: caller contract; `io` is only ever accessed through shared references.
    unsafe { &*(&raw const (*e).io) }
}

/// Polls the task once, and again while it makes progress (moves bytes / changes phase).
///
/// # Safety
/// `e` must come from `place` and not have been destroyed; not re-entrant.
pub unsafe fn run(e: *mut UsslEngine) {
    // SAFETY: caller contract.
    let io = unsafe { io(e) };
    // SAFETY: the `task` field is only ever accessed here and in `destroy`, never
    // concurrently (single-threaded C caller, not re-entrant); it does not overlap `io`.
    let task = unsafe { &mut *(&raw mut (*e).task) };
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        let Some(fut) = task.as_mut() else { return };
        let before = io.progress();
        // SAFETY: the future lives inside the engine, which never moves until `destroy`,
        // and it is dropped in place (set to None here or in `destroy`) before its
        // memory is reused: the pinning guarantee holds.
        let fut = unsafe { Pin::new_unchecked(fut) };
        if let Poll::Ready(()) = fut.poll(&mut cx) {
            *task = None;
            io.out.clear();
            io.bump();
            // SAFETY: caller contract; the task is gone.
            unsafe { release_handshake_mem(e) };
            return;
        }
        if io.handshake_mem_released() {
            // SAFETY: caller contract; the task said it no longer refers to it.
            unsafe { release_handshake_mem(e) };
        }
        if io.progress() == before {
            return;
        }
    }
}

/// Drops and wipes the handshake memory (once), after which the caller may free it.
///
/// # Safety
/// `e` must come from `place` and not have been destroyed; the task must hold no reference
/// into the handshake memory (it said so, or it was dropped).
unsafe fn release_handshake_mem(e: *mut UsslEngine) {
    // SAFETY: the `hs` field is only accessed here and in `place`/`handshake_mem_in_use`.
    let slot = unsafe { &mut *(&raw mut (*e).hs) };
    let hs = core::mem::replace(slot, core::ptr::null_mut());
    if hs.is_null() {
        return;
    }
    #[cfg(feature = "server")]
    // SAFETY: the flag is only written by `place`/`place_server`.
    if unsafe { (*e).hs_server } {
        // SAFETY: `hs` holds the `ServerHs` written by `place_server`, no longer referenced;
        // dropped once, then the whole handshake memory is wiped as bytes.
        unsafe {
            core::ptr::drop_in_place(hs.cast::<crate::server::ServerHs>());
            core::slice::from_raw_parts_mut(hs.cast::<u8>(), HANDSHAKE_MEM_SIZE).zeroize();
        }
        return;
    }
    // SAFETY: `hs` holds the `HandshakeMem` written by `place`, no longer referenced (caller
    // contract); dropped once (the field is NULL from now on), then wiped as bytes.
    unsafe {
        core::ptr::drop_in_place(hs);
        core::slice::from_raw_parts_mut(hs.cast::<u8>(), HANDSHAKE_MEM_SIZE).zeroize();
    }
}

/// Whether the engine may still use the handshake memory given to `place`.
///
/// # Safety
/// `e` must come from `place` and not have been destroyed.
pub unsafe fn handshake_mem_in_use(e: *const UsslEngine) -> bool {
    // SAFETY: caller contract; plain read of a field no reference covers.
    unsafe { !(*e).hs.is_null() }
}

/// Drops the task (ending the connection without sending anything).
///
/// # Safety
/// As for `run`.
pub unsafe fn stop(e: *mut UsslEngine) {
    // SAFETY: as in `run`.
    let task = unsafe { &mut *(&raw mut (*e).task) };
    *task = None;
    // SAFETY: caller contract.
    unsafe { io(e) }.out.clear();
    // SAFETY: the task is gone.
    unsafe { release_handshake_mem(e) };
}

/// Drops the task and wipes the engine and both record buffers.
///
/// # Safety
/// `e` must come from `place` and not have been destroyed; it is invalid afterwards.
pub unsafe fn destroy(e: *mut UsslEngine) {
    // SAFETY: caller contract; after this the task (keys, transcript) is gone.
    unsafe { stop(e) };
    // SAFETY: fields are plain data, read before the memory is wiped.
    let (rx, rx_len, tx, tx_len) = unsafe { ((*e).rx, (*e).rx_len, (*e).tx, (*e).tx_len) };
    // SAFETY: rx/tx are still the caller's buffers (released only after this returns);
    // the task that borrowed them was dropped above.
    unsafe {
        core::slice::from_raw_parts_mut(rx, rx_len).zeroize();
        core::slice::from_raw_parts_mut(tx, tx_len).zeroize();
    }
    // SAFETY: the remaining fields need no drop (Io holds plain bytes, task is None);
    // the engine's memory is wiped as bytes and never used as an engine again.
    unsafe { core::slice::from_raw_parts_mut(e.cast::<u8>(), ENGINE_SIZE).zeroize() };
}
