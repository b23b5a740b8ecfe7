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

/// Parses an HTTP-date (RFC 9110: IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, obsolete
/// RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` or asctime `Sun Nov  6 08:49:37 1994`) to time
/// since the Unix epoch. Same rules as the `httpdate` crate (years 1970–9999, the weekday
/// must match the date), without its code in the wasm build.
pub(crate) fn parse_http_date(text: &str) -> Option<Duration> {
    if !text.is_ascii() {
        return None;
    }
    let s = text.trim().as_bytes();
    let num = |b: &[u8]| -> Option<u64> {
        b.iter().try_fold(0u64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u64::from(c - b'0'))
        })
    };
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    const DAYS: [&[u8]; 7] = [
        b"Monday",
        b"Tuesday",
        b"Wednesday",
        b"Thursday",
        b"Friday",
        b"Saturday",
        b"Sunday",
    ];
    let month = |b: &[u8]| MONTHS.iter().position(|m| *m == b).map(|i| i as u64 + 1);
    let short_day = |b: &[u8]| DAYS.iter().position(|d| d[..3] == *b).map(|i| i as u64 + 1);
    // (day, month, year, "hh:mm:ss", weekday 1 = Monday); the separators httpdate checks.
    let (day, mon, year, t, wday) = match s.len() {
        29 => {
            // IMF-fixdate
            if &s[3..5] != b", " || s[7] != b' ' || s[11] != b' ' || s[16] != b' ' {
                return None;
            }
            if &s[25..] != b" GMT" {
                return None;
            }
            let wday = short_day(&s[..3])?;
            (
                num(&s[5..7])?,
                month(&s[8..11])?,
                num(&s[12..16])?,
                &s[17..25],
                wday,
            )
        }
        24 => {
            // asctime (day of month space-padded)
            if s[3] != b' ' || s[7] != b' ' || s[10] != b' ' || s[19] != b' ' {
                return None;
            }
            let day = if s[8] == b' ' {
                num(&s[9..10])?
            } else {
                num(&s[8..10])?
            };
            (
                day,
                month(&s[4..7])?,
                num(&s[20..24])?,
                &s[11..19],
                short_day(&s[..3])?,
            )
        }
        _ => {
            // RFC 850: "<Weekday>, dd-Mon-yy hh:mm:ss GMT"
            let (wday, rest) = DAYS.iter().enumerate().find_map(|(i, d)| {
                s.strip_prefix(*d)?
                    .strip_prefix(b", ")
                    .map(|r| (i as u64 + 1, r))
            })?;
            if rest.len() != 22 || rest[2] != b'-' || rest[6] != b'-' || &rest[18..] != b" GMT" {
                return None;
            }
            let yy = num(&rest[7..9])?;
            let year = if yy < 70 { yy + 2000 } else { yy + 1900 };
            (
                num(&rest[0..2])?,
                month(&rest[3..6])?,
                year,
                &rest[10..18],
                wday,
            )
        }
    };
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    let (hour, min, sec) = (num(&t[0..2])?, num(&t[3..5])?, num(&t[6..8])?);
    if hour >= 24 || min >= 60 || sec >= 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year as i64, mon as i64, day as i64);
    // A day that does not exist in its month (31 Apr) or the wrong weekday is invalid.
    let (y, m, d) = civil_from_days(days);
    if (y, u64::from(m), u64::from(d)) != (year as i64, mon, day)
        || (days + 3) % 7 + 1 != wday as i64
    {
        return None;
    }
    Some(Duration::from_secs(
        days as u64 * 86_400 + hour * 3600 + min * 60 + sec,
    ))
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
    fn http_dates_parse_like_httpdate() {
        use std::time::UNIX_EPOCH;
        let theirs = |s: &str| {
            httpdate::parse_http_date(s)
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        };
        let check = |s: &str| assert_eq!(parse_http_date(s), theirs(s), "{s:?}");
        let nov_6_1994 = Some(Duration::from_secs(784_111_777));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), nov_6_1994);
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            nov_6_1994
        );
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), nov_6_1994);
        for s in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "  Wed, 21 Oct 2015 07:28:00 GMT ",
            "Mon, 06 Nov 1994 08:49:37 GMT", // wrong weekday
            "Thu, 31 Apr 2014 00:00:00 GMT", // no such day
            "Thu, 29 Feb 2024 23:59:59 GMT",
            "Thu, 01 Jan 1970 00:00:00 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Thu, 01 Jan 1970 24:00:00 GMT",
            "Thu, 01 Jan 1970 00:60:00 GMT",
            "Thursday, 01-Jan-70 00:00:00 GMT",
            "Monday, 01-Jan-01 00:00:00 GMT",
            "Thursday, 01-Jan-70X00:00:00 GMT", // httpdate does not check this separator
            "Thu Jan  1 00:00:00 1970",
            "Thu Jan 01 00:00:00 1970",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "Sun 06 Nov 1994 08:49:37 GMT",
            "",
            "Sun, 06 Nov 1994 08:49:37 GMT\u{e9}",
            "120",
        ] {
            check(s);
        }
        // Every day of a few decades in all three forms, and one-byte mutations.
        let names = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        let mut x: u64 = 12345;
        for day in (0..25_000u64).step_by(7) {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let t = UNIX_EPOCH + Duration::from_secs(day * 86_400 + (x >> 40) % 86_400);
            let imf = httpdate::fmt_http_date(t);
            check(&imf);
            let b = imf.as_bytes();
            let wday = names.iter().find(|n| n[..3] == imf[..3]).unwrap();
            let rfc850 = format!(
                "{wday}, {}-{}-{} {} GMT",
                &imf[5..7],
                &imf[8..11],
                &imf[14..16],
                &imf[17..25]
            );
            check(&rfc850);
            let d = if b[5] == b'0' {
                format!(" {}", &imf[6..7])
            } else {
                imf[5..7].to_string()
            };
            let asctime = format!(
                "{} {} {d} {} {}",
                &imf[..3],
                &imf[8..11],
                &imf[17..25],
                &imf[12..16]
            );
            check(&asctime);
            for s in [imf, rfc850, asctime] {
                let mut m = s.into_bytes();
                let i = (x % m.len() as u64) as usize;
                m[i] = b" 0123456789:-,GMTJanDecSunMon"[(x >> 20) as usize % 29];
                check(std::str::from_utf8(&m).unwrap());
            }
        }
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
