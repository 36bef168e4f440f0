//! Certificate validity times (UTCTime, GeneralizedTime) as unix seconds, and the build-time
//! floor below which the device clock is taken as never set.

use super::Error;
use super::der;

// Written by build.rs: the build date (SOURCE_DATE_EPOCH when set, for reproducible builds).
include!(concat!(env!("OUT_DIR"), "/build_time.rs"));

/// Unix time of the build: a clock reading earlier than this was never set.
pub(crate) const CLOCK_FLOOR: i64 = BUILD_UNIX_TIME;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(s: &[u8]) -> Result<i64, Error> {
    s.iter().try_fold(0i64, |a, &c| {
        if c.is_ascii_digit() { Ok(a * 10 + i64::from(c - b'0')) } else { Err(Error::Malformed) }
    })
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// A validity time element (tag and contents) as unix seconds. DER form only: seconds
/// present, no fractions, 'Z' (UTC).
pub fn parse(tag: u8, body: &[u8]) -> Result<i64, Error> {
    let (year, rest) = match (tag, body.len()) {
        // YYMMDDHHMMSSZ; RFC 5280: YY >= 50 means 19YY.
        (der::UTC_TIME, 13) => {
            let yy = digits(&body[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &body[2..])
        }
        // YYYYMMDDHHMMSSZ
        (der::GENERALIZED_TIME, 15) => (digits(&body[..4])?, &body[4..]),
        _ => return Err(Error::Malformed),
    };
    if rest[10] != b'Z' {
        return Err(Error::Malformed);
    }
    let (mo, d, h, mi, s) =
        (digits(&rest[0..2])?, digits(&rest[2..4])?, digits(&rest[4..6])?, digits(&rest[6..8])?, digits(&rest[8..10])?);
    let mdays = [31, if is_leap(year) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d < 1 || d > mdays[(mo - 1) as usize] || h > 23 || mi > 59 || s > 59 {
        return Err(Error::Malformed);
    }
    Ok(days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms() {
        assert_eq!(parse(der::UTC_TIME, b"700101000000Z").unwrap(), 0);
        assert_eq!(parse(der::UTC_TIME, b"491231235959Z").unwrap(), 2_524_607_999);
        assert_eq!(parse(der::UTC_TIME, b"500101000000Z").unwrap(), -631_152_000);
        assert_eq!(parse(der::GENERALIZED_TIME, b"20240229120000Z").unwrap(), 1_709_208_000);
        assert_eq!(parse(der::GENERALIZED_TIME, b"99991231235959Z").unwrap(), 253_402_300_799);
    }

    #[test]
    fn rejects_bad_times() {
        for (tag, s) in [
            (der::UTC_TIME, &b"230229000000Z"[..]), // not a leap year
            (der::UTC_TIME, b"2301010000Z"),        // no seconds
            (der::UTC_TIME, b"230101000000+"),
            (der::UTC_TIME, b"231301000000Z"),
            (der::GENERALIZED_TIME, b"20230101000000.5Z"),
            (der::GENERALIZED_TIME, b"2023010100000aZ"),
            (der::OCTET_STRING, b"230101000000Z"),
        ] {
            assert!(parse(tag, s).is_err(), "{:?}", core::str::from_utf8(s));
        }
    }

    #[test]
    fn floor_is_recent() {
        // 2024-01-01: the floor comes from the build, not from a constant.
        assert!(CLOCK_FLOOR > 1_704_067_200);
    }
}
