//! Metric and label name rules (Prometheus data model) and sanitizing.

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub(crate) fn validate_metric_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':' => {}
        _ => return Err(format!("invalid metric name {name:?}")),
    }
    if chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(format!("invalid metric name {name:?}"))
    }
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved).
pub(crate) fn validate_label_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let ok = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        _ => false,
    };
    if !ok {
        return Err(format!("invalid label name {name:?}"));
    }
    if name.starts_with("__") {
        return Err(format!("label name {name:?} is reserved (starts with __)"));
    }
    Ok(())
}

/// Valid, distinct label names.
pub(crate) fn validate_label_names<S: AsRef<str>>(names: &[S]) -> Result<(), String> {
    for (i, n) in names.iter().enumerate() {
        validate_label_name(n.as_ref())?;
        if names[..i].iter().any(|m| m.as_ref() == n.as_ref()) {
            return Err(format!("duplicate label name {:?}", n.as_ref()));
        }
    }
    Ok(())
}

pub(crate) fn validate_const_labels(labels: &[(String, String)]) -> Result<(), String> {
    let names: Vec<&str> = labels.iter().map(|(k, _)| k.as_str()).collect();
    validate_label_names(&names)?;
    if names.contains(&"le") {
        return Err("label name \"le\" is reserved for histogram buckets".into());
    }
    Ok(())
}

/// Turns arbitrary text into a metric-name fragment: every character outside
/// `[a-zA-Z0-9_]` becomes `_`, and runs of `_` collapse to one; leading/trailing `_` are
/// trimmed. Returns `None` when nothing usable is left.
pub(crate) fn sanitize_fragment(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if c == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(validate_metric_name("mantra_x:y_total").is_ok());
        assert!(validate_metric_name("9x").is_err());
        assert!(validate_metric_name("a-b").is_err());
        assert!(validate_metric_name("").is_err());
        assert!(validate_label_name("protocol").is_ok());
        assert!(validate_label_name("__name__").is_err());
        assert!(validate_label_name("a:b").is_err());
        assert!(validate_label_names(&["a", "b", "a"]).is_err());
    }

    #[test]
    fn sanitizing() {
        assert_eq!(
            sanitize_fragment("business logic/v2").as_deref(),
            Some("business_logic_v2")
        );
        assert_eq!(sanitize_fragment("--a--b--").as_deref(), Some("a_b"));
        assert_eq!(sanitize_fragment("héllo").as_deref(), Some("h_llo"));
        assert_eq!(sanitize_fragment("???"), None);
    }
}
