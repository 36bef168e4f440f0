//! Server name against the certificate's subjectAltName (RFC 6125 / RFC 9525 rules):
//! dNSName with a wildcard only as the whole left-most label, iPAddress for IP literals,
//! never the subject CN.

use super::Error;
use super::der::{self, Reader};

const SAN_DNS: u8 = der::implicit(2);
const SAN_IP: u8 = der::implicit(7);

/// The server name as given by the caller, classified once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host<'a> {
    Dns(&'a [u8]),
    V4([u8; 4]),
    V6([u8; 16]),
}

impl<'a> Host<'a> {
    pub fn new(name: &'a str) -> Self {
        let b = name.as_bytes();
        if let Some(a) = parse_v4(b) {
            Host::V4(a)
        } else if let Some(a) = parse_v6(b) {
            Host::V6(a)
        } else {
            Host::Dns(b)
        }
    }

    pub fn is_ip(&self) -> bool {
        !matches!(self, Host::Dns(_))
    }
}

fn parse_v4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = s.split(|&c| c == b'.');
    for o in out.iter_mut() {
        let p = parts.next()?;
        // 1-3 decimal digits, no leading zero (would read as octal elsewhere).
        if p.is_empty() || p.len() > 3 || (p.len() > 1 && p[0] == b'0') || !p.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = p.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
        *o = u8::try_from(v).ok()?;
    }
    parts.next().is_none().then_some(out)
}

fn parse_v6(s: &[u8]) -> Option<[u8; 16]> {
    if !s.contains(&b':') || s.len() > 45 {
        return None;
    }
    // Groups before and after "::" (at most one).
    let (head, tail) = match s.windows(2).position(|w| w == b"::") {
        Some(i) => (&s[..i], Some(&s[i + 2..])),
        None => (s, None),
    };
    let mut words = [0u16; 8];
    let mut n = 0;
    let fill = |part: &[u8], words: &mut [u16; 8], n: &mut usize| -> Option<()> {
        if part.is_empty() {
            return Some(());
        }
        for g in part.split(|&c| c == b':') {
            if g.is_empty() || g.len() > 4 || *n >= 8 {
                return None;
            }
            let mut v = 0u16;
            for &c in g {
                v = (v << 4) | (c as char).to_digit(16)? as u16;
            }
            words[*n] = v;
            *n += 1;
        }
        Some(())
    };
    fill(head, &mut words, &mut n)?;
    if let Some(tail) = tail {
        let mut t = [0u16; 8];
        let mut m = 0;
        fill(tail, &mut t, &mut m)?;
        // "::" stands for at least one zero group.
        if n + m > 7 {
            return None;
        }
        words[8 - m..].copy_from_slice(&t[..m]);
    } else if n != 8 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, w) in words.iter().enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&w.to_be_bytes());
    }
    Some(out)
}

/// One dNSName pattern against a DNS host name (ASCII case-insensitive).
pub fn dns_matches(pattern: &[u8], host: &[u8]) -> bool {
    if host.is_empty() || pattern.is_empty() {
        return false;
    }
    if let Some(suffix) = pattern.strip_prefix(b"*.") {
        // The wildcard stands for exactly one whole label, and the rest must have at least
        // two labels: "*.example.com" yes, "*.com" never.
        if !suffix.contains(&b'.') || suffix.contains(&b'*') {
            return false;
        }
        let Some(dot) = host.iter().position(|&c| c == b'.') else { return false };
        return dot > 0 && host[dot + 1..].eq_ignore_ascii_case(suffix);
    }
    // Any other '*' (partial labels like "w*.example.com") is not honoured.
    !pattern.contains(&b'*') && pattern.eq_ignore_ascii_case(host)
}

/// Checks `host` against the SAN GeneralNames body. No SAN (None) never matches.
pub fn check(san: Option<&[u8]>, host: &Host<'_>) -> Result<(), Error> {
    let Some(san) = san else { return Err(Error::Hostname) };
    let mut r = Reader::new(san);
    while !r.is_empty() {
        let gn = r.read()?;
        let hit = match (gn.tag, host) {
            (SAN_DNS, Host::Dns(h)) => dns_matches(gn.body, h),
            (SAN_IP, Host::V4(a)) => gn.body == a,
            (SAN_IP, Host::V6(a)) => gn.body == a,
            _ => false,
        };
        if hit {
            return Ok(());
        }
    }
    Err(Error::Hostname)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(dns_matches(b"example.com", b"EXAMPLE.com"));
        assert!(dns_matches(b"*.example.com", b"www.example.com"));
        assert!(dns_matches(b"*.Example.COM", b"WWW.example.com"));
        assert!(!dns_matches(b"*.example.com", b"a.b.example.com"));
        assert!(!dns_matches(b"*.example.com", b"example.com"));
        assert!(!dns_matches(b"*.example.com", b".example.com"));
        assert!(!dns_matches(b"*.com", b"example.com"));
        assert!(!dns_matches(b"*", b"localhost"));
        assert!(!dns_matches(b"w*.example.com", b"www.example.com"));
        assert!(!dns_matches(b"www.*.com", b"www.example.com"));
        assert!(!dns_matches(b"*.*.example.com", b"a.b.example.com"));
        assert!(!dns_matches(b"", b""));
        assert!(!dns_matches(b"example.com", b"example.com.evil"));
    }

    #[test]
    fn ip_literals() {
        assert_eq!(Host::new("127.0.0.1"), Host::V4([127, 0, 0, 1]));
        assert_eq!(Host::new("1.2.3"), Host::Dns(b"1.2.3"));
        assert_eq!(Host::new("01.2.3.4"), Host::Dns(b"01.2.3.4"));
        assert_eq!(Host::new("256.2.3.4"), Host::Dns(b"256.2.3.4"));
        let mut lo = [0u8; 16];
        lo[15] = 1;
        assert_eq!(Host::new("::1"), Host::V6(lo));
        let v6 = Host::new("2001:db8::8:800:200c:417a");
        assert_eq!(v6, Host::V6([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a]));
        assert!(matches!(Host::new("1:2:3:4:5:6:7:8"), Host::V6(_)));
        assert!(matches!(Host::new("1:2:3:4:5:6:7:8:9"), Host::Dns(_)));
        assert!(matches!(Host::new("1::2::3"), Host::Dns(_)));
        assert!(matches!(Host::new("1:2:3:4:5:6:7::8"), Host::Dns(_)));
        assert!(matches!(Host::new("12345::"), Host::Dns(_)));
    }

    #[test]
    fn san_lists() {
        // [DNS:localhost, IP:127.0.0.1]
        let san = [0x82, 9, b'l', b'o', b'c', b'a', b'l', b'h', b'o', b's', b't', 0x87, 4, 127, 0, 0, 1];
        assert!(check(Some(&san), &Host::new("localhost")).is_ok());
        assert!(check(Some(&san), &Host::new("127.0.0.1")).is_ok());
        assert_eq!(check(Some(&san), &Host::new("127.0.0.2")), Err(Error::Hostname));
        assert_eq!(check(Some(&san), &Host::new("example.com")), Err(Error::Hostname));
        assert_eq!(check(None, &Host::new("localhost")), Err(Error::Hostname));
        // Truncated entry and a huge announced length: malformed, not a crash.
        assert_eq!(check(Some(&san[..5]), &Host::new("x")), Err(Error::Malformed));
        assert_eq!(check(Some(&[0x82, 0x83, 0xff, 0xff, 0xff]), &Host::new("x")), Err(Error::Malformed));
    }
}
