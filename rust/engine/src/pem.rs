//! In-place PEM -> DER for a certificate or a bundle of certificates.

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

/// Decodes the base64 in `buf[from..to]` to `buf[out..]`; returns the new end of output.
/// In place is safe: every 4 input characters give at most 3 bytes, so the output never
/// catches up with the input (`out <= from` on entry).
fn decode(buf: &mut [u8], from: usize, to: usize, mut out: usize) -> Option<usize> {
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut pad = false;
    for i in from..to {
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
            buf[out] = (acc >> bits) as u8;
            out += 1;
        }
    }
    Some(out)
}

/// Decodes every "CERTIFICATE" block of a PEM bundle (other labels are skipped) into the
/// start of `buf`, DER certificates back to back; returns the total length.
pub fn pem_bundle_to_der_in_place(buf: &mut [u8]) -> Option<usize> {
    blocks_to_der_in_place(buf, |label| label == b"CERTIFICATE", false)
}

/// Decodes the first private key block ("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY";
/// certificates around it are skipped) into the start of `buf`; returns its length.
pub fn pem_key_to_der_in_place(buf: &mut [u8]) -> Option<usize> {
    blocks_to_der_in_place(buf, |label| matches!(label, b"PRIVATE KEY" | b"EC PRIVATE KEY" | b"RSA PRIVATE KEY"), true)
}

/// Decodes the blocks whose label `accept`s (only the first if `first_only`) into the start
/// of `buf`, back to back; returns the total length (None: none, or bad base64).
fn blocks_to_der_in_place(buf: &mut [u8], accept: impl Fn(&[u8]) -> bool, first_only: bool) -> Option<usize> {
    let (mut pos, mut out) = (0usize, 0usize);
    while let Some(begin) = find(buf, BEGIN, pos) {
        let label_start = begin + BEGIN.len();
        let label_end = find(buf, b"-----", label_start)?;
        let body = label_end + 5;
        let end = find(buf, END, body)?;
        if accept(&buf[label_start..label_end]) {
            let start = out;
            out = decode(buf, body, end, out)?;
            if out == start {
                return None;
            }
            if first_only {
                break;
            }
        }
        pos = find(buf, b"-----", end + END.len())? + 5;
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
        assert_eq!(pem_bundle_to_der_in_place(&mut b), Some(4));
        assert_eq!(&b[..4], &[0, 1, 2, 255]);
        let mut bad = *b"-----BEGIN CERTIFICATE-----\nA!==\n-----END CERTIFICATE-----";
        assert_eq!(pem_bundle_to_der_in_place(&mut bad), None);
    }

    #[test]
    fn decodes_bundles() {
        let mut b = *b"junk\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n\
            -----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n\
            -----BEGIN CERTIFICATE-----\nMAEF\n-----END CERTIFICATE-----\n";
        assert_eq!(pem_bundle_to_der_in_place(&mut b), Some(5));
        assert_eq!(&b[..5], &[0x30, 0x00, 0x30, 0x01, 0x05]);
        let mut none = *b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert_eq!(pem_bundle_to_der_in_place(&mut none), None);
        let mut cut = *b"-----BEGIN CERTIFICATE-----\nMAA=\n";
        assert_eq!(pem_bundle_to_der_in_place(&mut cut), None);
        let mut k = *b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n\
            -----BEGIN EC PRIVATE KEY-----\nMAEF\n-----END EC PRIVATE KEY-----\n\
            -----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n";
        assert_eq!(pem_key_to_der_in_place(&mut k), Some(3));
        assert_eq!(&k[..3], &[0x30, 0x01, 0x05]);
        let mut enc = *b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert_eq!(pem_key_to_der_in_place(&mut enc), None);
        let mut cut = *b"-----BEGIN PRIVATE KEY-----\nMAA=\n";
        assert_eq!(pem_key_to_der_in_place(&mut cut), None);
        assert_eq!(pem_bundle_to_der_in_place(&mut cut), None);
    }
}
