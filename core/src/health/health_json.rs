//! `application/health+json` (IETF draft-inadarei-api-health-check) rendering.

use serde_json::{json, Map, Value};

use super::{HealthStatus, SystemHealth};
use crate::time_fmt::{duration_ms_f64, rfc3339};

/// Media type of [`SystemHealth::to_health_json`].
pub const HEALTH_JSON_CONTENT_TYPE: &str = "application/health+json";

impl SystemHealth {
    /// Renders the report per the IETF health-check draft:
    ///
    /// ```json
    /// {"status": "pass|warn|fail", "serviceId": "...", "description": "...", "output": "...",
    ///  "checks": {"dex": [{"componentId": "dex", "status": "pass",
    ///                      "time": "2023-11-14T22:13:20.000Z",
    ///                      "observedValue": 12.5, "observedUnit": "ms"}]}}
    /// ```
    ///
    /// Status mapping: healthy → `pass`, degraded and unknown → `warn`, unhealthy → `fail`.
    /// `observedValue` is the check's reported details when it gave some, otherwise the
    /// check's latency in milliseconds (with `observedUnit: "ms"`). `output` (the failure
    /// text or degradation reason) is omitted for `pass`, as the draft recommends;
    /// `serviceId`/`description` appear when configured.
    pub fn to_health_json(&self) -> Value {
        let mut root = Map::new();
        root.insert("status".into(), json!(self.overall_status.as_health_json()));
        if let Some(id) = &self.service_name {
            root.insert("serviceId".into(), json!(id));
        }
        if let Some(d) = &self.description {
            root.insert("description".into(), json!(d));
        }
        if let Some(out) = self.summary_output() {
            root.insert("output".into(), json!(out));
        }
        let mut checks = Map::new();
        for (name, c) in &self.components {
            let mut e = Map::new();
            e.insert("componentId".into(), json!(name));
            e.insert("status".into(), json!(c.status.as_health_json()));
            if let Some(t) = c.last_checked {
                e.insert("time".into(), json!(rfc3339(t)));
            }
            match (&c.details, c.last_latency) {
                (Some(d), _) => {
                    e.insert("observedValue".into(), d.clone());
                }
                (None, Some(l)) => {
                    e.insert("observedValue".into(), json!(duration_ms_f64(l)));
                    e.insert("observedUnit".into(), json!("ms"));
                }
                (None, None) => {}
            }
            if c.status != HealthStatus::Healthy {
                let out = match c.status {
                    HealthStatus::Unknown => Some("not checked yet".to_string()),
                    _ => c.output.clone().or_else(|| c.last_error.clone()),
                };
                if let Some(out) = out {
                    e.insert("output".into(), json!(out));
                }
            }
            if !c.tags.is_empty() {
                e.insert("componentType".into(), json!(c.tags[0]));
            }
            checks.insert(name.clone(), Value::Array(vec![Value::Object(e)]));
        }
        root.insert("checks".into(), Value::Object(checks));
        Value::Object(root)
    }

    /// HTTP status to serve the health+json document with: 503 when the overall status is
    /// `fail` (unhealthy), 200 otherwise (pass and warn).
    pub fn http_status(&self) -> u16 {
        if self.overall_status == HealthStatus::Unhealthy {
            503
        } else {
            200
        }
    }

    fn summary_output(&self) -> Option<String> {
        let list = |s: HealthStatus| self.components_with_status(s).join(", ");
        match self.overall_status {
            HealthStatus::Healthy => None,
            HealthStatus::Unknown => Some("no health checks have run yet".into()),
            HealthStatus::Unhealthy | HealthStatus::Degraded => {
                let mut parts = Vec::new();
                let unhealthy = list(HealthStatus::Unhealthy);
                if !unhealthy.is_empty() {
                    parts.push(format!("unhealthy: {unhealthy}"));
                }
                let degraded = list(HealthStatus::Degraded);
                if !degraded.is_empty() {
                    parts.push(format!("degraded: {degraded}"));
                }
                Some(parts.join("; "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::report::test_component;
    use super::*;

    fn system() -> SystemHealth {
        let mut dex = test_component("dex", HealthStatus::Healthy, true);
        dex.last_checked = Some(Duration::from_secs(1_700_000_000));
        dex.last_latency = Some(Duration::from_micros(12_500));
        dex.tags = vec!["protocol".into()];
        let mut cache = test_component("cache", HealthStatus::Degraded, false);
        cache.last_checked = Some(Duration::from_secs(1_700_000_001));
        cache.details = Some(json!(0.91));
        cache.output = Some("pressure high".into());
        let comps = [dex, cache]
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect();
        let mut s = SystemHealth::from_components(comps);
        s.service_name = Some("mantra-client".into());
        s
    }

    #[test]
    fn shape_follows_the_draft() {
        let s = system();
        let v = s.to_health_json();
        assert_eq!(v["status"], "warn");
        assert_eq!(v["serviceId"], "mantra-client");
        assert!(v.get("description").is_none());
        assert_eq!(v["output"], "degraded: cache");
        let dex = &v["checks"]["dex"][0];
        assert_eq!(dex["status"], "pass");
        assert_eq!(dex["time"], "2023-11-14T22:13:20.000Z");
        assert_eq!(dex["observedValue"], 12.5);
        assert_eq!(dex["observedUnit"], "ms");
        assert_eq!(dex["componentType"], "protocol");
        assert!(dex.get("output").is_none(), "output omitted for pass");
        let cache = &v["checks"]["cache"][0];
        assert_eq!(cache["status"], "warn");
        assert_eq!(cache["observedValue"], 0.91);
        assert!(cache.get("observedUnit").is_none());
        assert_eq!(cache["output"], "pressure high");
        assert_eq!(s.http_status(), 200);
    }

    #[test]
    fn fail_is_503_and_unknown_is_warn_200() {
        let mut s = system();
        let mut down = test_component("node", HealthStatus::Unhealthy, true);
        down.last_error = Some("connection refused".into());
        down.output = Some("connection refused".into());
        s.components.insert("node".into(), down);
        s.overall_status = HealthStatus::Unhealthy;
        let v = s.to_health_json();
        assert_eq!(v["status"], "fail");
        assert_eq!(v["checks"]["node"][0]["status"], "fail");
        assert_eq!(v["checks"]["node"][0]["output"], "connection refused");
        assert_eq!(v["output"], "unhealthy: node; degraded: cache");
        assert_eq!(s.http_status(), 503);

        let empty = SystemHealth::from_components(Default::default());
        assert_eq!(empty.overall_status, HealthStatus::Unknown);
        let v = empty.to_health_json();
        assert_eq!(v["status"], "warn");
        assert_eq!(v["checks"], json!({}));
        assert_eq!(empty.http_status(), 200);
    }
}
