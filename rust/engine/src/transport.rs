//! embedded-io-async transport over the shared queues in [`Io`].
//!
//! `read` takes ciphertext fed by the C side and returns `Poll::Pending` when there is
//! none (and 0, i.e. end of stream, once `ussl_feed_eof` was called). `write` hands the
//! record slice to the C side without copying and stays pending until the C side has
//! sent (some of) it. `flush` has nothing to do. Waking is not used: the C ABI re-polls
//! the task after every movement of bytes.

use core::convert::Infallible;
use core::future::poll_fn;
use core::task::Poll;

use embedded_io_async::{ErrorType, Read, Write};

use crate::io::Io;

#[derive(Clone, Copy)]
pub struct Transport {
    io: &'static Io,
}

impl Transport {
    pub fn new(io: &'static Io) -> Self {
        Self { io }
    }
}

impl ErrorType for Transport {
    type Error = Infallible;
}

impl Read for Transport {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let io = self.io;
        poll_fn(|_| {
            if buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            let n = io.cipher_in.borrow_mut().pop(buf);
            if n > 0 {
                io.bump();
                Poll::Ready(Ok(n))
            } else if io.eof.get() {
                Poll::Ready(Ok(0))
            } else {
                Poll::Pending
            }
        })
        .await
    }
}

impl Write for Transport {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        if buf.is_empty() {
            return Ok(0);
        }
        let io = self.io;
        io.out.offer(buf);
        io.bump();
        poll_fn(|_| match io.out.take_consumed() {
            Some(n) => Poll::Ready(Ok(n)),
            None => Poll::Pending,
        })
        .await
    }

    async fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}
