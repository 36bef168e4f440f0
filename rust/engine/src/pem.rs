//! In-place PEM -> DER for one certificate (the first PEM block in the buffer).

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn b64(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// True if the buffer starts (after whitespace) with a PEM header.
pub fn looks_like_pem(buf: &[u8]) -> bool {
    let start = buf.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(buf.len());
    buf[start..].starts_with(BEGIN)
}

/// Decodes the first PEM block of `buf` into the start of `buf`; returns the DER length.
pub fn pem_to_der_in_place(buf: &mut [u8]) -> Option<usize> {
    let begin = find(buf, BEGIN, 0)?;
    // End of the "-----BEGIN XXX-----" line.
    let label_end = find(buf, b"-----", begin + BEGIN.len())? + 5;
    let end = find(buf, END, label_end)?;
    let (mut acc, mut bits, mut out) = (0u32, 0u32, 0usize);
    let mut pad = false;
    for i in label_end..end {
        let c = buf[i];
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            pad = true;
            continue;
        }
        if pad {
            return None;
        }
        let v = b64(c)?;
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            // `out` never catches up with `i`: 4 input chars give at most 3 bytes.
            buf[out] = (acc >> bits) as u8;
            out += 1;
        }
    }
    (out > 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        let mut b = *b"-----BEGIN CERTIFICATE-----\nAAEC/w==\n-----END CERTIFICATE-----\n";
        assert!(looks_like_pem(&b));
        assert_eq!(pem_to_der_in_place(&mut b), Some(4));
        assert_eq!(&b[..4], &[0, 1, 2, 255]);
        let mut bad = *b"-----BEGIN X-----\nA!==\n-----END X-----";
        assert_eq!(pem_to_der_in_place(&mut bad), None);
    }
}
