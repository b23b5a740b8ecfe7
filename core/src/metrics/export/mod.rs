//! Exporters over a [`MetricsSnapshot`](super::MetricsSnapshot): Prometheus text 0.0.4,
//! OTLP/HTTP JSON (and the snapshot's own JSON, [`to_json`](super::MetricsSnapshot::to_json)).

pub(crate) mod otlp;
pub(crate) mod prometheus;

/// Formats `v` exactly as the Prometheus Go client does (`strconv.FormatFloat(v, 'g', -1,
/// 64)` with `+Inf`, `-Inf`, `NaN`): shortest round-trip digits, exponent form
/// (`1.5e+06`, `1e-05`) when the decimal exponent is `< -4` or `>= 6`.
pub fn format_prometheus_float(v: f64) -> String {
    let mut s = String::new();
    push_float(&mut s, v);
    s
}

pub(crate) fn push_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    if v == 0.0 {
        out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    let e = format!("{v:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((e.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        out.push_str(mant);
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else {
        out.push_str(&v.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::format_prometheus_float as f;

    #[test]
    fn floats_match_go_formatting() {
        assert_eq!(f(0.0), "0");
        assert_eq!(f(1.0), "1");
        assert_eq!(f(0.005), "0.005");
        assert_eq!(f(2.5), "2.5");
        assert_eq!(f(10.0), "10");
        assert_eq!(f(123456.0), "123456");
        assert_eq!(f(1234567.0), "1.234567e+06");
        assert_eq!(f(1e6), "1e+06");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(0.00001), "1e-05");
        assert_eq!(f(-1.5e-7), "-1.5e-07");
        assert_eq!(f(1.7e18), "1.7e+18");
        assert_eq!(f(1e100), "1e+100");
        assert_eq!(f(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(f(f64::INFINITY), "+Inf");
        assert_eq!(f(f64::NEG_INFINITY), "-Inf");
        assert_eq!(f(f64::NAN), "NaN");
    }
}
