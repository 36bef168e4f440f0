//! Zero-copy DER reader: every element is a borrowed slice of the input.
//!
//! Bounded by construction: no recursion (callers descend one level at a time with a new
//! reader over the body), single-byte tags only, definite lengths of at most 3 length bytes
//! (16 MiB), minimal encodings, and every length checked against what is left.

use super::Error;

pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const SEQUENCE: u8 = 0x30;

/// Context-specific tag `[n]`, constructed.
pub(crate) const fn explicit(n: u8) -> u8 {
    0xa0 | n
}

/// Context-specific tag `[n]`, primitive.
pub(crate) const fn implicit(n: u8) -> u8 {
    0x80 | n
}

/// One element: its tag, its contents, and its whole encoding (header included).
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub body: &'a [u8],
    pub raw: &'a [u8],
}

/// Reads consecutive elements from a byte slice.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub const fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// What is left unread.
    pub fn rest(&self) -> &'a [u8] {
        self.buf
    }

    /// The tag of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.buf.first().copied()
    }

    /// The next element.
    pub fn read(&mut self) -> Result<Tlv<'a>, Error> {
        let b = self.buf;
        let (&tag, rest) = b.split_first().ok_or(Error::Malformed)?;
        if tag & 0x1f == 0x1f {
            return Err(Error::Malformed); // multi-byte tags: never used in certificates
        }
        let (&first, rest) = rest.split_first().ok_or(Error::Malformed)?;
        let (len, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let n = (first & 0x7f) as usize;
            // 0x80 is BER's indefinite length; more than 3 bytes is beyond any certificate.
            if n == 0 || n > 3 || rest.len() < n {
                return Err(Error::Malformed);
            }
            let len = rest[..n].iter().fold(0usize, |a, &d| (a << 8) | d as usize);
            // DER: the shortest form (no leading zero byte, no long form below 128).
            if rest[0] == 0 || len < 0x80 {
                return Err(Error::Malformed);
            }
            (len, &rest[n..])
        };
        if rest.len() < len {
            return Err(Error::Malformed);
        }
        let header = b.len() - rest.len();
        self.buf = &rest[len..];
        Ok(Tlv { tag, body: &rest[..len], raw: &b[..header + len] })
    }

    /// The next element, which must have tag `tag`; returns its contents.
    pub fn expect(&mut self, tag: u8) -> Result<&'a [u8], Error> {
        let t = self.read()?;
        if t.tag != tag {
            return Err(Error::Malformed);
        }
        Ok(t.body)
    }

    /// The next element's contents if it has tag `tag`, else nothing is consumed.
    pub fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>, Error> {
        if self.peek_tag() == Some(tag) { self.expect(tag).map(Some) } else { Ok(None) }
    }

    /// Fails unless everything was read.
    pub fn finish(&self) -> Result<(), Error> {
        if self.buf.is_empty() { Ok(()) } else { Err(Error::Malformed) }
    }
}

/// A reader over the contents of a single element of tag `tag` that fills all of `buf`.
pub fn only(buf: &[u8], tag: u8) -> Result<Reader<'_>, Error> {
    let mut r = Reader::new(buf);
    let body = r.expect(tag)?;
    r.finish()?;
    Ok(Reader::new(body))
}

/// A BIT STRING's bytes; only whole bytes (no unused bits) are accepted.
pub fn bit_string_bytes(body: &[u8]) -> Result<&[u8], Error> {
    match body.split_first() {
        Some((0, rest)) => Ok(rest),
        _ => Err(Error::Malformed),
    }
}

/// The magnitude of a non-negative INTEGER (leading zero bytes removed).
pub fn unsigned(body: &[u8]) -> Result<&[u8], Error> {
    match body {
        [] => Err(Error::Malformed),
        [b, ..] if *b & 0x80 != 0 => Err(Error::Malformed), // negative
        [0, b, ..] if *b & 0x80 == 0 => Err(Error::Malformed), // not minimal
        [0, rest @ ..] => Ok(rest),
        _ => Ok(body),
    }
}

/// Writes the big-endian INTEGER magnitude `v` right-aligned into `out` (zeros before);
/// fails if it does not fit.
pub fn int_to_fixed(body: &[u8], out: &mut [u8]) -> Result<(), Error> {
    let v = unsigned(body)?;
    if v.len() > out.len() {
        return Err(Error::Malformed);
    }
    let pad = out.len() - v.len();
    out[..pad].fill(0);
    out[pad..].copy_from_slice(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_forms() {
        let mut r = Reader::new(&[0x02, 0x01, 0x05, 0x04, 0x81, 0x80]);
        let t = r.read().unwrap();
        assert_eq!((t.tag, t.body, t.raw), (2, &[5u8][..], &[2u8, 1, 5][..]));
        // Long form announcing 128 bytes with none present: truncated.
        assert_eq!(r.read().unwrap_err(), Error::Malformed);
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7u8, 256));
        let t = Reader::new(&long).read().unwrap();
        assert_eq!(t.body.len(), 256);
    }

    #[test]
    fn rejects_malformed_lengths() {
        for bad in [
            &[][..],
            &[0x30],                          // no length
            &[0x30, 0x05, 1, 2],              // truncated body
            &[0x30, 0x80, 0, 0],              // indefinite length
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], // huge length, 4 length bytes
            &[0x30, 0x83, 0xff, 0xff, 0xff],  // huge length within 3 bytes, truncated
            &[0x30, 0x81, 0x05, 1, 2, 3, 4, 5], // long form for a short length
            &[0x30, 0x82, 0x00, 0x81],        // leading zero length byte
            &[0x1f, 0x01, 0x00],              // multi-byte tag
        ] {
            assert_eq!(Reader::new(bad).read().unwrap_err(), Error::Malformed, "{bad:x?}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(unsigned(&[0x00, 0x80]).unwrap(), &[0x80]);
        assert!(unsigned(&[0x80]).is_err());
        assert!(unsigned(&[0x00, 0x01]).is_err());
        assert!(unsigned(&[]).is_err());
        let mut out = [9u8; 4];
        int_to_fixed(&[0x01, 0x02], &mut out).unwrap();
        assert_eq!(out, [0, 0, 1, 2]);
        assert!(int_to_fixed(&[1, 2, 3, 4, 5], &mut out).is_err());
    }

    #[test]
    fn nested_readers_and_finish() {
        let buf = [0x30, 0x05, 0x02, 0x01, 0x01, 0x05, 0x00, 0xff];
        // Trailing byte after the sequence: `only` refuses.
        assert!(only(&buf, SEQUENCE).is_err());
        let mut r = only(&buf[..8 - 1], SEQUENCE).unwrap();
        assert_eq!(r.expect(INTEGER).unwrap(), &[1]);
        assert_eq!(r.optional(BOOLEAN).unwrap(), None);
        assert_eq!(r.expect(NULL).unwrap(), &[] as &[u8]);
        r.finish().unwrap();
    }
}
