//! RFC 3339 timestamps (parsing CometBFT's block times, formatting report times) and the
//! serde helpers that write durations and wall times in reports. No chrono; works on wasm.

use std::time::Duration;

use serde::Serializer;

/// Formats a wall time (since the Unix epoch) as RFC 3339 UTC with milliseconds,
/// e.g. `2023-11-14T22:13:20.000Z`.
pub(crate) fn rfc3339(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs();
    let millis = since_epoch.subsec_millis();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses an RFC 3339 timestamp (`2026-11-27T02:40:19.698407401Z`: any fraction length,
/// digits past nanoseconds ignored; `Z` or a `±HH:MM` offset) into the time since the Unix
/// epoch. `None` if malformed or before 1970.
pub fn parse_rfc3339(text: &str) -> Option<Duration> {
    let b = text.trim().as_bytes();
    // A run of ASCII digits as a number (`None` for anything else, signs included).
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let digits = b.get(r)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: u32 = 0;
    if b[i] == b'.' {
        i += 1;
        let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        for (k, c) in b[i..i + digits].iter().take(9).enumerate() {
            nanos += u32::from(c - b'0') * 10u32.pow(8 - k as u32);
        }
        i += digits;
    }
    let offset_secs = match &b[i..] {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'-' {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
    u64::try_from(secs).ok().map(|s| Duration::new(s, nanos))
}

/// (year, month, day) → days since 1970-01-01 (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds as a float (latencies keep sub-millisecond precision).
pub(crate) fn duration_ms_f64(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Serializes a `Duration` as whole milliseconds (config values).
pub(crate) fn ser_duration_ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis().min(u64::MAX as u128) as u64)
}

/// Serializes an optional `Duration` as fractional milliseconds (latencies).
pub(crate) fn ser_opt_latency_ms<S: Serializer>(
    d: &Option<Duration>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_f64(duration_ms_f64(*d)),
        None => s.serialize_none(),
    }
}

/// Serializes a `Duration` as fractional milliseconds.
pub(crate) fn ser_latency_ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(duration_ms_f64(*d))
}

/// Serializes a wall time as an RFC 3339 string.
pub(crate) fn ser_wall<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*d))
}

/// Serializes an optional wall time as an RFC 3339 string or `null`.
pub(crate) fn ser_opt_wall<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&rfc3339(*d)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(Duration::ZERO), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339(Duration::from_millis(1_700_000_000_123)),
            "2023-11-14T22:13:20.123Z"
        );
        // Leap day and a century boundary.
        assert_eq!(
            rfc3339(Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            rfc3339(Duration::from_secs(4_102_444_800 - 1)),
            "2099-12-31T23:59:59.000Z"
        );
    }

    #[test]
    fn parses_rfc3339_with_fractions_and_offsets() {
        for t in [0u64, 951_782_400_000, 1_700_000_000_123, 4_102_444_799_999] {
            let d = Duration::from_millis(t);
            assert_eq!(parse_rfc3339(&rfc3339(d)), Some(d));
        }
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.123456789Z"),
            Some(Duration::new(1_700_000_000, 123_456_789))
        );
        assert_eq!(
            parse_rfc3339("2023-11-15T00:13:20+02:00"),
            Some(Duration::from_secs(1_700_000_000))
        );
        assert_eq!(
            parse_rfc3339("2023-11-14T21:13:20-01:00"),
            Some(Duration::from_secs(1_700_000_000))
        );
        // CometBFT block time (nanoseconds), a single fraction digit, lowercase and space
        // separators, digits past nanoseconds ignored.
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(Duration::ZERO));
        assert_eq!(
            parse_rfc3339("2026-11-27T02:40:19.698407401Z"),
            Some(Duration::new(1_795_747_219, 698_407_401))
        );
        assert_eq!(
            parse_rfc3339(" 2015-10-21t07:28:00.5z "),
            Some(Duration::new(1_445_412_480, 500_000_000))
        );
        assert_eq!(
            parse_rfc3339("2015-10-21 09:28:00+02:00"),
            Some(Duration::from_secs(1_445_412_480))
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00.1234567891Z"),
            Some(Duration::new(951_782_400, 123_456_789))
        );
        for bad in [
            "",
            "2023-11-14",
            "2023-13-14T22:13:20Z",
            "2023-11-14T22:13:20",
            "2023-11-14T22:13:20.Z",
            "1969-12-31T23:59:59Z",
            "2023-11-14T22:13:2xZ",
            "2023-11-14T22:13:20+0200",
            "2023-11-14T22:13:20++2:00",
            "2023-11-14T22:13:20+24:00",
            "2023-11-14T22:13:20Zjunk",
            "+023-11-14T22:13:20Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
