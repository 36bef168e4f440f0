//! Shared state between the C side and the connection task.
//!
//! Everything here is plain interior mutability (`Cell`/`RefCell`) over fixed-size
//! arrays: no allocator, no atomics. The C ABI layer moves bytes in and out of these
//! queues between polls of the task; the task (see `driver`) moves them between the
//! queues and embedded-tls. `RefCell` borrows are only ever held inside synchronous
//! code (never across an `.await`), so they never overlap.

use core::cell::{Cell, RefCell};

/// Ciphertext from the socket waiting for the engine.
pub(crate) const CIPHER_IN_CAP: usize = 512;
/// Plaintext accepted by `ussl_write`, waiting to be put into a record.
pub(crate) const PLAIN_IN_CAP: usize = 256;
/// Decrypted plaintext waiting for `ussl_read`.
pub(crate) const PLAIN_OUT_CAP: usize = 256;

/// Fixed-capacity FIFO ring of bytes.
pub struct ByteQueue<const N: usize> {
    buf: [u8; N],
    head: usize,
    len: usize,
}

impl<const N: usize> ByteQueue<N> {
    pub const fn new() -> Self {
        Self { buf: [0; N], head: 0, len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn free(&self) -> usize {
        N - self.len
    }

    /// Appends as much of `data` as fits; returns the count appended.
    pub fn push(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.free());
        let tail = (self.head + self.len) % N;
        let first = n.min(N - tail);
        self.buf[tail..tail + first].copy_from_slice(&data[..first]);
        self.buf[..n - first].copy_from_slice(&data[first..n]);
        self.len += n;
        n
    }

    /// The contiguous free space right after the queued bytes: (offset into the ring, length;
    /// 0 when full). Writing there and then calling `commit` appends without a copy.
    pub fn spare(&self) -> (usize, usize) {
        let tail = (self.head + self.len) % N;
        let n = if self.len == N {
            0
        } else if tail >= self.head {
            N - tail
        } else {
            self.head - tail
        };
        (tail, n)
    }

    /// Appends the first `n` bytes of the `spare` region (written in place), at most its
    /// length; returns the count appended.
    pub fn commit(&mut self, n: usize) -> usize {
        let n = n.min(self.spare().1);
        self.len += n;
        n
    }

    /// Start of the ring's storage (for writes into the `spare` region).
    /// No reference is formed: address arithmetic only.
    pub fn storage(q: *mut Self) -> *mut u8 {
        q.cast::<u8>().wrapping_add(core::mem::offset_of!(Self, buf))
    }

    /// Removes up to `out.len()` bytes into `out`; returns the count removed.
    pub fn pop(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len);
        let first = n.min(N - self.head);
        out[..first].copy_from_slice(&self.buf[self.head..self.head + first]);
        out[first..n].copy_from_slice(&self.buf[..n - first]);
        self.head = (self.head + n) % N;
        self.len -= n;
        if self.len == 0 {
            self.head = 0;
        }
        n
    }
}

/// Where the connection is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    Handshake,
    Established,
    /// Closed by us (`ussl_close` finished, or closed before the handshake ended).
    Closed,
    /// Failed; `Io::code` holds the error code.
    Failed,
}

/// The ciphertext the engine currently wants on the wire.
///
/// Zero-copy: the transport's `write` publishes the slice it was given (it points into
/// the caller's tx record buffer, which outlives the task) and stays pending until the C
/// side reports how much of it went to the socket. The task keeps that slice borrowed
/// while it is suspended there, so the pointer stays valid until the next poll.
pub struct OutSlot {
    ptr: Cell<*const u8>,
    len: Cell<usize>,
    consumed: Cell<usize>,
}

impl OutSlot {
    const fn new() -> Self {
        Self { ptr: Cell::new(core::ptr::null()), len: Cell::new(0), consumed: Cell::new(0) }
    }

    pub fn offer(&self, data: &[u8]) {
        self.ptr.set(data.as_ptr());
        self.len.set(data.len());
        self.consumed.set(0);
    }

    /// The not yet consumed part: start address and length (length 0 if none).
    pub fn pending(&self) -> (*const u8, usize) {
        let c = self.consumed.get();
        (self.ptr.get().wrapping_add(c), self.len.get() - c)
    }

    /// The C side wrote `n` bytes of `pending()` to the socket.
    pub fn consume(&self, n: usize) {
        let c = self.consumed.get() + n.min(self.len.get() - self.consumed.get());
        self.consumed.set(c);
    }

    /// Completes the offer if some of it was consumed: returns that count.
    pub fn take_consumed(&self) -> Option<usize> {
        let c = self.consumed.get();
        if c == 0 {
            return None;
        }
        self.clear();
        Some(c)
    }

    pub fn clear(&self) {
        self.ptr.set(core::ptr::null());
        self.len.set(0);
        self.consumed.set(0);
    }
}

/// All state shared by the C ABI and the connection task.
pub struct Io {
    pub cipher_in: RefCell<ByteQueue<CIPHER_IN_CAP>>,
    pub plain_in: RefCell<ByteQueue<PLAIN_IN_CAP>>,
    pub plain_out: RefCell<ByteQueue<PLAIN_OUT_CAP>>,
    pub out: OutSlot,
    /// The peer closed TCP (`ussl_feed_eof`).
    pub eof: Cell<bool>,
    /// `ussl_close` was called.
    pub close_requested: Cell<bool>,
    /// Plaintext accepted so far must be sealed into a record and sent.
    pub flush_requested: Cell<bool>,
    /// The peer sent close_notify.
    pub peer_closed: Cell<bool>,
    phase: Cell<Phase>,
    code: Cell<i32>,
    /// Decrypted bytes still inside the engine's record buffer (not yet in `plain_out`).
    pub decrypted_left: Cell<usize>,
    /// Set by the certificate verifier when it rejects the peer (an error code).
    pub verify_code: Cell<i32>,
    /// Length of the leaf certificate copied into the caller's peer-cert buffer (0: none,
    /// USSL_ERR_BUFFER: it did not fit).
    pub peer_cert_len: Cell<i32>,
    /// The suite the server chose (IANA code point), 0 until its ServerHello.
    pub suite: Cell<u16>,
    /// Bumped whenever bytes move or the phase changes; the C ABI re-polls while it moves.
    progress: Cell<u32>,
    /// The task holds no reference into its handshake memory any more (set by the task).
    handshake_mem_released: Cell<bool>,
}

impl Io {
    pub const fn new() -> Self {
        Self {
            cipher_in: RefCell::new(ByteQueue::new()),
            plain_in: RefCell::new(ByteQueue::new()),
            plain_out: RefCell::new(ByteQueue::new()),
            out: OutSlot::new(),
            eof: Cell::new(false),
            close_requested: Cell::new(false),
            flush_requested: Cell::new(false),
            peer_closed: Cell::new(false),
            phase: Cell::new(Phase::Handshake),
            code: Cell::new(0),
            decrypted_left: Cell::new(0),
            verify_code: Cell::new(0),
            peer_cert_len: Cell::new(0),
            suite: Cell::new(0),
            handshake_mem_released: Cell::new(false),
            progress: Cell::new(0),
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase.get()
    }

    pub fn set_phase(&self, p: Phase) {
        self.phase.set(p);
        self.bump();
    }

    /// Called by the task once nothing it holds refers to its handshake memory.
    pub fn release_handshake_mem(&self) {
        self.handshake_mem_released.set(true);
        self.bump();
    }

    pub fn handshake_mem_released(&self) -> bool {
        self.handshake_mem_released.get()
    }

    /// Records a failure (the first one wins).
    pub fn fail(&self, code: i32) {
        if self.phase.get() != Phase::Failed {
            self.code.set(code);
            self.set_phase(Phase::Failed);
        }
    }

    pub fn code(&self) -> i32 {
        self.code.get()
    }

    pub fn bump(&self) {
        self.progress.set(self.progress.get().wrapping_add(1));
    }

    pub fn progress(&self) -> u32 {
        self.progress.get()
    }
}

impl Default for Io {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_wraps() {
        let mut q: ByteQueue<8> = ByteQueue::new();
        assert_eq!(q.push(b"abcdef"), 6);
        let mut o = [0u8; 4];
        assert_eq!(q.pop(&mut o), 4);
        assert_eq!(&o, b"abcd");
        assert_eq!(q.push(b"ghijklmn"), 6);
        let mut o = [0u8; 16];
        assert_eq!(q.pop(&mut o), 8);
        assert_eq!(&o[..8], b"efghijkl");
        assert!(q.is_empty());
    }

    #[test]
    fn spare_and_commit() {
        let mut q: ByteQueue<8> = ByteQueue::new();
        assert_eq!(q.spare(), (0, 8));
        q.buf[..3].copy_from_slice(b"abc");
        assert_eq!(q.commit(3), 3);
        assert_eq!(q.spare(), (3, 5));
        let mut o = [0u8; 2];
        assert_eq!(q.pop(&mut o), 2);
        assert_eq!(&o, b"ab");
        // head 2, len 1: free space wraps; the contiguous part is [3, 8)
        assert_eq!(q.spare(), (3, 5));
        assert_eq!(q.push(b"defgh"), 5);
        // tail wrapped to 0: contiguous free space up to head
        assert_eq!(q.spare(), (0, 2));
        assert_eq!(q.commit(9), 2); // never more than the spare region
        assert_eq!(q.spare(), (2, 0));
        assert_eq!(q.commit(1), 0);
        let mut o = [0u8; 8];
        assert_eq!(q.pop(&mut o), 8);
        assert_eq!(&o[..6], b"cdefgh");
    }
}
