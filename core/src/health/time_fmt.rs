//! Timestamp and duration formatting for reports (no chrono; works on wasm).

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
}
