//! Runs every shared conformance scenario in `tests/scenarios/*.json` (format:
//! `tests/scenarios/README.md`) against the Rust core, each on its own current-thread runtime
//! with a `ManualClock`. Prints one line per scenario and fails listing every failing
//! scenario with its step index and a diff. Unknown keys and ops are failures too, so data
//! errors in a scenario file cannot pass silently.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use mantra_sdk::runtime::BoxFuture;
use mantra_sdk::{
    estimate_json_weight, BatchConfig, BatchExecutor, BatchManager, BatchOperation, BatchOutcome,
    CacheConfig, CacheManager, CacheType, CheckOutcome, Clock, Error, HealthCheck,
    HealthCheckOptions, HealthChecker, HealthConfig, ManualClock, MetricType, MetricsCollector,
    MetricsConfig, Priority, SystemHealth, TtlCache,
};
use parking_lot::Mutex;
use serde_json::{json, Map, Value};
use tokio::task::JoinHandle;

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios")
}

#[test]
fn scenarios() {
    let dir = scenario_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios in {}", dir.display());
    let only = std::env::var("SCENARIO").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for path in &files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if only.as_deref().is_some_and(|o| !stem.contains(o)) {
            continue;
        }
        ran += 1;
        let outcome = std::panic::catch_unwind(|| run_file(path, &stem))
            .unwrap_or_else(|p| Err(format!("panicked: {}", panic_text(&*p))));
        match outcome {
            Ok(()) => println!("scenario {stem} ... ok"),
            Err(e) => {
                println!("scenario {stem} ... FAILED");
                failures.push(format!("- {stem}: {e}"));
            }
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {ran} scenarios failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
    println!("{ran} scenarios passed");
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".into())
}

fn run_file(path: &Path, stem: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("read: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("invalid JSON: {e}"))?;
    let top = doc.as_object().ok_or("a scenario must be a JSON object")?;
    let component = str_field(top, "component")?;
    let extra: &[&str] = match component {
        "batch" => &["executor"],
        "health" => &["checks"],
        "cache" | "metrics" => &[],
        other => return Err(format!("unknown component `{other}`")),
    };
    let mut allowed = vec!["name", "component", "description", "config", "steps"];
    allowed.extend_from_slice(extra);
    only_keys(top, &allowed, "scenario")?;
    let name = str_field(top, "name")?;
    if name != stem {
        return Err(format!("`name` is `{name}` but the file is `{stem}.json`"));
    }
    str_field(top, "description")?;
    let config = match top.get("config") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err("`config` must be an object".into()),
    };
    let steps = top
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("`steps` must be an array")?;
    if steps.is_empty() {
        return Err("`steps` is empty".into());
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(run_steps(component, top, config, steps))
}

async fn run_steps(
    component: &str,
    top: &Map<String, Value>,
    config: Map<String, Value>,
    steps: &[Value],
) -> Result<(), String> {
    let clock = ManualClock::new();
    let setup = Setup {
        component: component.to_string(),
        config,
        executor: top.get("executor").cloned(),
        checks: top.get("checks").cloned(),
    };
    // Parse all scripted parts up front: data errors surface before anything runs.
    let prepared = setup.prepare().map_err(|e| format!("setup: {e}"))?;
    let mut driver: Option<Driver> = None;
    for (i, step) in steps.iter().enumerate() {
        let s = step
            .as_object()
            .ok_or_else(|| format!("step {i}: must be an object"))?;
        let op = s
            .get("op")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("step {i}: missing string `op`"))?;
        let ctx = |e: String| format!("step {i} ({op}): {e}");
        if op == "construct" {
            if i != 0 {
                return Err(ctx("`construct` must be the first step".into()));
            }
            only_keys(s, &[], op).map_err(ctx)?;
            let built = prepared.build(&clock).map_err(ctx)?;
            let outcome = built.map(|d| {
                driver = Some(d);
                None
            });
            check_outcome(s, outcome, None, &Approx::default()).map_err(ctx)?;
            continue;
        }
        if driver.is_none() {
            match prepared.build(&clock).map_err(|e| format!("setup: {e}"))? {
                Ok(d) => driver = Some(d),
                Err(e) => return Err(format!("construction failed: {e} ({})", e.code())),
            }
        }
        let Some(d) = driver.as_mut() else {
            return Err(ctx("component was not built".into()));
        };
        let approx = Approx::parse(s).map_err(ctx)?;
        let outcome = if op == "advance" {
            only_keys(s, &["ms"], op).map_err(ctx)?;
            clock
                .advance(Duration::from_millis(u64_field(s, "ms").map_err(ctx)?))
                .await;
            Ok(None)
        } else {
            d.step(op, s).await.map_err(ctx)?
        };
        ManualClock::settle().await;
        let resolve = |v: &Value| d.resolve(v);
        check_outcome(s, outcome, Some(&resolve), &approx).map_err(ctx)?;
    }
    Ok(())
}

/// What a step produced: `Ok(Some(result))`, `Ok(None)` (no result) or a component error.
type Outcome = Result<Option<Reported>, Error>;

/// A step result and how `expect` is matched against it.
struct Reported {
    value: Value,
    subset: bool,
}

fn exact(value: Value) -> Outcome {
    Ok(Some(Reported {
        value,
        subset: false,
    }))
}

fn report(value: Value) -> Outcome {
    Ok(Some(Reported {
        value,
        subset: true,
    }))
}

type Resolver<'a> = &'a dyn Fn(&Value) -> Result<Value, String>;

fn check_outcome(
    s: &Map<String, Value>,
    outcome: Outcome,
    resolve: Option<Resolver<'_>>,
    approx: &Approx,
) -> Result<(), String> {
    let expect = s.get("expect");
    let expect_error = match s.get("expect_error") {
        None => None,
        Some(Value::String(c)) => Some(c.as_str()),
        Some(_) => return Err("`expect_error` must be a string".into()),
    };
    let field = match s.get("field") {
        None => None,
        Some(Value::String(f)) if expect_error == Some("invalid_config") => Some(f.as_str()),
        Some(_) => {
            return Err("`field` must be a string and needs `expect_error: invalid_config`".into())
        }
    };
    if expect.is_some() && expect_error.is_some() {
        return Err("a step has either `expect` or `expect_error`, not both".into());
    }
    match (outcome, expect_error) {
        (Ok(result), None) => match (expect, result) {
            (None, _) => Ok(()),
            (Some(_), None) => Err("this op has no result to `expect`".into()),
            (Some(exp), Some(got)) => {
                let exp = match resolve {
                    Some(r) => r(exp)?,
                    None => exp.clone(),
                };
                compare(&exp, &got.value, got.subset, approx, "$").map_err(|d| {
                    format!(
                        "{d}\n    expected: {exp}\n    actual:   {}",
                        truncate(&got.value.to_string())
                    )
                })
            }
        },
        (Ok(result), Some(code)) => Err(format!(
            "expected error `{code}`, got success {}",
            result.map_or("(no result)".to_string(), |r| r.value.to_string())
        )),
        (Err(e), None) => Err(format!("unexpected error `{}`: {e}", e.code())),
        (Err(e), Some(code)) => {
            if e.code() != code {
                return Err(format!("expected error `{code}`, got `{}`: {e}", e.code()));
            }
            if let Some(want) = field {
                match &e {
                    Error::InvalidConfig { field: got, .. } if *got == want => {}
                    other => return Err(format!("expected invalid field `{want}`, got: {other}")),
                }
            }
            Ok(())
        }
    }
}

fn truncate(s: &str) -> String {
    const MAX: usize = 2000;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

/// Tolerances per key name (`"approx": {"sum": 1e-9}`).
#[derive(Default)]
struct Approx(HashMap<String, f64>);

impl Approx {
    fn parse(s: &Map<String, Value>) -> Result<Self, String> {
        let Some(a) = s.get("approx") else {
            return Ok(Self::default());
        };
        let m = a.as_object().ok_or("`approx` must be an object")?;
        let mut out = HashMap::new();
        for (k, v) in m {
            let t = v
                .as_f64()
                .filter(|t| *t >= 0.0)
                .ok_or_else(|| format!("`approx.{k}` must be a number >= 0"))?;
            out.insert(k.clone(), t);
        }
        Ok(Self(out))
    }
}

/// Compares `exp` with `got`; on mismatch returns where and how they differ.
fn compare(
    exp: &Value,
    got: &Value,
    subset: bool,
    approx: &Approx,
    path: &str,
) -> Result<(), String> {
    let key = path.rsplit('.').next().unwrap_or(path);
    match (exp, got) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            let tol = approx.0.get(key).copied().unwrap_or(0.0);
            if a == b || (a - b).abs() <= tol {
                Ok(())
            } else {
                Err(format!("at {path}: expected {a}, got {b}"))
            }
        }
        (Value::Object(e), Value::Object(g)) => {
            if !subset {
                for k in g.keys() {
                    if !e.contains_key(k) {
                        return Err(format!("at {path}: unexpected key `{k}`"));
                    }
                }
            }
            for (k, ev) in e {
                let sub = format!("{path}.{k}");
                match g.get(k) {
                    Some(gv) => compare(ev, gv, subset, approx, &sub)?,
                    None => return Err(format!("at {sub}: missing")),
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(g)) => {
            if e.len() != g.len() {
                return Err(format!(
                    "at {path}: expected {} elements, got {}",
                    e.len(),
                    g.len()
                ));
            }
            for (i, (ev, gv)) in e.iter().zip(g).enumerate() {
                compare(ev, gv, subset, approx, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (e, g) if e == g => Ok(()),
        (e, g) => Err(format!(
            "at {path}: expected {e}, got {}",
            truncate(&g.to_string())
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Strict field access
// ---------------------------------------------------------------------------------------

/// Keys every step may carry besides its op's own fields.
const COMMON_STEP_KEYS: [&str; 6] = ["op", "expect", "expect_error", "field", "approx", "note"];

fn only_keys(m: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), String> {
    let is_step = what != "scenario" && m.contains_key("op");
    let unknown: Vec<&str> = m
        .keys()
        .map(String::as_str)
        .filter(|k| !(allowed.contains(k) || is_step && COMMON_STEP_KEYS.contains(k)))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "unknown field(s) in {what}: {}",
            unknown.join(", ")
        ))
    }
}

fn str_field<'a>(m: &'a Map<String, Value>, k: &str) -> Result<&'a str, String> {
    m.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string `{k}`"))
}

fn u64_field(m: &Map<String, Value>, k: &str) -> Result<u64, String> {
    m.get(k)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("missing non-negative integer `{k}`"))
}

fn bool_field(m: &Map<String, Value>, k: &str) -> Result<bool, String> {
    m.get(k)
        .and_then(Value::as_bool)
        .ok_or_else(|| format!("missing boolean `{k}`"))
}

fn opt_u64(m: &Map<String, Value>, k: &str) -> Result<Option<u64>, String> {
    match m.get(k) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("`{k}` must be a non-negative integer")),
    }
}

fn opt_str<'a>(m: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, String> {
    match m.get(k) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| format!("`{k}` must be a string")),
    }
}

fn value_field<'a>(m: &'a Map<String, Value>, k: &str) -> Result<&'a Value, String> {
    m.get(k).ok_or_else(|| format!("missing `{k}`"))
}

/// Reads a config object field by field; `finish` rejects whatever was not read.
struct ConfigReader {
    map: Map<String, Value>,
}

impl ConfigReader {
    fn new(map: Map<String, Value>) -> Self {
        Self { map }
    }

    fn u64(&mut self, k: &str, into: &mut u64) -> Result<(), String> {
        if let Some(v) = self.map.remove(k) {
            *into = v
                .as_u64()
                .ok_or_else(|| format!("config `{k}` must be a non-negative integer"))?;
        }
        Ok(())
    }

    fn usize(&mut self, k: &str, into: &mut usize) -> Result<(), String> {
        let mut v = *into as u64;
        self.u64(k, &mut v)?;
        *into = usize::try_from(v).map_err(|_| format!("config `{k}` is too large"))?;
        Ok(())
    }

    fn u32(&mut self, k: &str, into: &mut u32) -> Result<(), String> {
        let mut v = u64::from(*into);
        self.u64(k, &mut v)?;
        *into = u32::try_from(v).map_err(|_| format!("config `{k}` is too large"))?;
        Ok(())
    }

    fn ms(&mut self, k: &str, into: &mut Duration) -> Result<(), String> {
        let mut v = 0;
        if self.map.contains_key(k) {
            self.u64(k, &mut v)?;
            *into = Duration::from_millis(v);
        }
        Ok(())
    }

    fn bool(&mut self, k: &str, into: &mut bool) -> Result<(), String> {
        if let Some(v) = self.map.remove(k) {
            *into = v
                .as_bool()
                .ok_or_else(|| format!("config `{k}` must be a boolean"))?;
        }
        Ok(())
    }

    fn take(&mut self, k: &str) -> Option<Value> {
        self.map.remove(k)
    }

    fn finish(self) -> Result<(), String> {
        if self.map.is_empty() {
            Ok(())
        } else {
            let keys: Vec<&str> = self.map.keys().map(String::as_str).collect();
            Err(format!("unknown config field(s): {}", keys.join(", ")))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Components
// ---------------------------------------------------------------------------------------

struct Setup {
    component: String,
    config: Map<String, Value>,
    executor: Option<Value>,
    checks: Option<Value>,
}

enum Prepared {
    Cache(CacheConfig, Vec<(CacheType, Duration)>),
    Batch(BatchConfig, Vec<Reply>),
    Metrics(MetricsConfig),
    Health(
        HealthConfig,
        Vec<(String, HealthCheckOptions, Vec<CheckStep>)>,
    ),
}

impl Setup {
    fn prepare(self) -> Result<Prepared, String> {
        match self.component.as_str() {
            "cache" => prepare_cache(self.config),
            "batch" => {
                let replies = match &self.executor {
                    None => Vec::new(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .enumerate()
                        .map(|(i, r)| parse_reply(r).map_err(|e| format!("executor[{i}]: {e}")))
                        .collect::<Result<_, _>>()?,
                    Some(_) => return Err("`executor` must be an array of replies".into()),
                };
                Ok(Prepared::Batch(batch_config(self.config)?, replies))
            }
            "metrics" => Ok(Prepared::Metrics(metrics_config(self.config)?)),
            "health" => {
                let mut checks = Vec::new();
                match &self.checks {
                    None => {}
                    Some(Value::Object(m)) => {
                        for (name, c) in m {
                            checks.push(
                                parse_check(name, c).map_err(|e| format!("checks.{name}: {e}"))?,
                            );
                        }
                    }
                    Some(_) => return Err("`checks` must be an object".into()),
                }
                Ok(Prepared::Health(health_config(self.config)?, checks))
            }
            other => Err(format!("unknown component `{other}`")),
        }
    }
}

impl Prepared {
    /// Builds the component: the outer error is a data error, the inner one the
    /// component's own (e.g. `invalid_config`).
    fn build(&self, clock: &ManualClock) -> Result<Result<Driver, Error>, String> {
        let shared: Arc<dyn Clock> = Arc::new(clock.clone());
        Ok(match self {
            Prepared::Cache(cfg, ttls) => {
                CacheManager::with_clock(cfg.clone(), shared).and_then(|cache| {
                    for (t, d) in ttls {
                        cache.set_type_ttl(*t, *d)?;
                    }
                    Ok(Driver::Cache(cache))
                })
            }
            Prepared::Batch(cfg, replies) => {
                BatchManager::with_clock(cfg.clone(), shared).map(|m| {
                    let exec = Arc::new(ScriptedExecutor {
                        clock: clock.clone(),
                        replies: Mutex::new(replies.iter().cloned().collect()),
                        calls: Mutex::new(Vec::new()),
                    });
                    m.set_executor(exec.clone());
                    m.set_retry_jitter(false);
                    Driver::Batch(BatchDriver {
                        manager: m,
                        exec,
                        tickets: HashMap::new(),
                        results: HashMap::new(),
                    })
                })
            }
            Prepared::Metrics(cfg) => {
                MetricsCollector::with_clock(cfg.clone(), shared).map(Driver::Metrics)
            }
            Prepared::Health(cfg, checks) => HealthChecker::with_clock(cfg.clone(), shared)
                .and_then(|checker| {
                    for (name, options, script) in checks {
                        let check = ScriptedCheck {
                            name: name.clone(),
                            clock: clock.clone(),
                            script: Arc::new(Mutex::new((script.clone(), 0))),
                        };
                        checker.register_check_with_options(
                            name.clone(),
                            check,
                            options.clone(),
                        )?;
                    }
                    Ok(Driver::Health(HealthDriver {
                        checker,
                        round: None,
                    }))
                }),
        })
    }
}

enum Driver {
    Cache(CacheManager),
    Batch(BatchDriver),
    Metrics(MetricsCollector),
    Health(HealthDriver),
}

impl Driver {
    async fn step(&mut self, op: &str, s: &Map<String, Value>) -> Result<Outcome, String> {
        match self {
            Driver::Cache(c) => cache_step(c, op, s),
            Driver::Batch(b) => b.step(op, s).await,
            Driver::Metrics(m) => metrics_step(m, op, s),
            Driver::Health(h) => h.step(op, s).await,
        }
    }

    /// Resolves weight sums in an expectation (cache scenarios only).
    fn resolve(&self, v: &Value) -> Result<Value, String> {
        match self {
            Driver::Cache(_) => resolve_weights(v),
            _ => Ok(v.clone()),
        }
    }
}

// ----- cache ---------------------------------------------------------------------------

fn prepare_cache(config: Map<String, Value>) -> Result<Prepared, String> {
    let mut r = ConfigReader::new(config);
    let mut c = CacheConfig::default();
    r.usize("max_entries", &mut c.max_entries)?;
    r.ms("default_ttl_ms", &mut c.default_ttl)?;
    r.bool("enable_stats", &mut c.enable_stats)?;
    r.ms("cleanup_interval_ms", &mut c.cleanup_interval)?;
    if let Some(v) = r.take("max_memory_bytes") {
        let n = resolve_weights(&v)?;
        c.max_memory_bytes = n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or("config `max_memory_bytes` must be a non-negative integer")?;
    }
    let mut ttls = Vec::new();
    if let Some(v) = r.take("ttl_by_type_ms") {
        let m = v.as_object().ok_or("`ttl_by_type_ms` must be an object")?;
        for (t, ms) in m {
            let ty = cache_type(t)?;
            let ms = ms
                .as_u64()
                .ok_or_else(|| format!("`ttl_by_type_ms.{t}` must be an integer"))?;
            ttls.push((ty, Duration::from_millis(ms)));
        }
    }
    r.finish()?;
    Ok(Prepared::Cache(c, ttls))
}

fn cache_type(s: &str) -> Result<CacheType, String> {
    s.parse::<CacheType>().map_err(|e| e.to_string())
}

fn step_type(s: &Map<String, Value>) -> Result<CacheType, String> {
    cache_type(opt_str(s, "type")?.unwrap_or("generic"))
}

/// The bytes the cache charges for `value` under `key`: what `put` charges.
fn entry_weight(key: &str, value: &Value) -> usize {
    // A clone, as `put` stores: capacities are then exact, as in the stored value.
    TtlCache::<Arc<Value>>::charge(key, estimate_json_weight(&value.clone()))
}

/// Replaces every weight sum `{"weights": [{key, value}...], "plus": n}` by its number.
fn resolve_weights(v: &Value) -> Result<Value, String> {
    match v {
        Value::Object(m) if m.contains_key("weights") => {
            only_keys(m, &["weights", "plus"], "weight sum")?;
            let list = m["weights"]
                .as_array()
                .ok_or("`weights` must be an array")?;
            let mut total: i128 = 0;
            for e in list {
                let e = e.as_object().ok_or("a `weights` entry must be an object")?;
                only_keys(e, &["key", "value"], "weights entry")?;
                total += entry_weight(str_field(e, "key")?, value_field(e, "value")?) as i128;
            }
            if let Some(p) = m.get("plus") {
                total += p.as_i64().ok_or("`plus` must be an integer")? as i128;
            }
            let n = u64::try_from(total).map_err(|_| format!("weight sum {total} is negative"))?;
            Ok(json!(n))
        }
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                out.insert(k.clone(), resolve_weights(x)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(a) => Ok(Value::Array(
            a.iter().map(resolve_weights).collect::<Result<_, _>>()?,
        )),
        other => Ok(other.clone()),
    }
}

fn cache_step(c: &CacheManager, op: &str, s: &Map<String, Value>) -> Result<Outcome, String> {
    Ok(match op {
        "put" => {
            only_keys(s, &["key", "value", "type", "ttl_ms"], op)?;
            let key = str_field(s, "key")?;
            let value = Arc::new(value_field(s, "value")?.clone());
            let ty = step_type(s)?;
            let r = match opt_u64(s, "ttl_ms")? {
                Some(ms) => c.put_value_with_ttl(key, value, ty, Duration::from_millis(ms)),
                None => c.put_value(key, value, ty),
            };
            r.map(|()| None)
        }
        "get" => {
            only_keys(s, &["key", "type"], op)?;
            let v = c.get_value(str_field(s, "key")?, step_type(s)?);
            exact(v.map_or(Value::Null, |v| (*v).clone()))
        }
        "remove" => {
            only_keys(s, &["key", "type"], op)?;
            exact(json!(c.remove(str_field(s, "key")?, step_type(s)?)))
        }
        "clear" => {
            only_keys(s, &[], op)?;
            c.clear();
            Ok(None)
        }
        "clear_type" => {
            only_keys(s, &["type"], op)?;
            exact(json!(c.clear_type(cache_type(str_field(s, "type")?)?)))
        }
        "len" => {
            only_keys(s, &[], op)?;
            exact(json!(c.len()))
        }
        "cleanup" => {
            only_keys(s, &[], op)?;
            exact(json!(c.cleanup()))
        }
        "stats" => {
            only_keys(s, &[], op)?;
            report(serde_json::to_value(c.stats()).map_err(|e| e.to_string())?)
        }
        "weight" => {
            only_keys(s, &["key", "value"], op)?;
            exact(json!(entry_weight(
                str_field(s, "key")?,
                value_field(s, "value")?
            )))
        }
        other => return Err(format!("unknown cache op `{other}`")),
    })
}

// ----- batch ---------------------------------------------------------------------------

fn batch_config(config: Map<String, Value>) -> Result<BatchConfig, String> {
    let mut r = ConfigReader::new(config);
    let mut c = BatchConfig::default();
    r.usize("max_batch_size", &mut c.max_batch_size)?;
    r.ms("max_batch_delay_ms", &mut c.max_batch_delay)?;
    r.bool("enable_auto_batching", &mut c.enable_auto_batching)?;
    r.usize("max_concurrent_batches", &mut c.max_concurrent_batches)?;
    r.u32("retry_attempts", &mut c.retry_attempts)?;
    r.ms("retry_delay_ms", &mut c.retry_delay)?;
    r.finish()?;
    Ok(c)
}

/// A scripted error; `batch_limit` learns the batch size at call time.
#[derive(Clone, Debug)]
enum ScriptedError {
    Ready(Error),
    BatchLimit(usize),
}

impl ScriptedError {
    fn to_error(&self, size: usize) -> Error {
        match self {
            ScriptedError::Ready(e) => e.clone(),
            ScriptedError::BatchLimit(max) => Error::BatchLimit { size, max: *max },
        }
    }
}

#[derive(Clone, Debug)]
enum Item {
    Ok(Value),
    Echo,
    Err(ScriptedError),
}

#[derive(Clone, Debug)]
enum Reply {
    Echo,
    Results(Vec<Item>, u64),
    Error(ScriptedError, u64),
}

fn parse_error(v: &Value) -> Result<ScriptedError, String> {
    let m = v.as_object().ok_or("an error must be an object")?;
    let message = opt_str(m, "message")?;
    let msg = |d: &str| message.unwrap_or(d).to_string();
    Ok(match str_field(m, "code")? {
        "transport" => {
            only_keys(m, &["code", "status", "retry_after_ms", "message"], "error")?;
            let status = opt_u64(m, "status")?
                .map(|s| u16::try_from(s).map_err(|_| "`status` too large".to_string()))
                .transpose()?;
            ScriptedError::Ready(Error::Transport {
                message: msg("scripted transport error"),
                status,
                retry_after: opt_u64(m, "retry_after_ms")?.map(Duration::from_millis),
            })
        }
        "rpc" => {
            only_keys(m, &["code", "rpc_code", "message"], "error")?;
            let code = m
                .get("rpc_code")
                .and_then(Value::as_i64)
                .ok_or("missing integer `rpc_code`")?;
            ScriptedError::Ready(Error::Rpc {
                code,
                message: msg("scripted rpc error"),
                data: None,
            })
        }
        "batch_limit" => {
            only_keys(m, &["code", "max"], "error")?;
            ScriptedError::BatchLimit(u64_field(m, "max")? as usize)
        }
        "host" => {
            only_keys(m, &["code", "message"], "error")?;
            ScriptedError::Ready(Error::Host(msg("scripted host error")))
        }
        other => return Err(format!("unknown error code `{other}`")),
    })
}

fn parse_reply(v: &Value) -> Result<Reply, String> {
    match v {
        Value::String(s) if s == "echo" => Ok(Reply::Echo),
        Value::Object(m) if m.contains_key("results") => {
            only_keys(m, &["results", "delay_ms"], "reply")?;
            let items = m["results"]
                .as_array()
                .ok_or("`results` must be an array")?
                .iter()
                .map(|r| match r {
                    Value::String(s) if s == "echo" => Ok(Item::Echo),
                    Value::Object(o) if o.len() == 1 && o.contains_key("ok") => {
                        Ok(Item::Ok(o["ok"].clone()))
                    }
                    Value::Object(o) if o.len() == 1 && o.contains_key("error") => {
                        parse_error(&o["error"]).map(Item::Err)
                    }
                    other => Err(format!(
                        "a result is \"echo\", {{\"ok\": v}} or {{\"error\": e}}, not {other}"
                    )),
                })
                .collect::<Result<_, _>>()?;
            Ok(Reply::Results(items, opt_u64(m, "delay_ms")?.unwrap_or(0)))
        }
        Value::Object(m) if m.contains_key("error") => {
            only_keys(m, &["error", "delay_ms"], "reply")?;
            Ok(Reply::Error(
                parse_error(&m["error"])?,
                opt_u64(m, "delay_ms")?.unwrap_or(0),
            ))
        }
        other => Err(format!("unknown executor reply {other}")),
    }
}

/// The host's batch function, played from the scenario's script.
struct ScriptedExecutor {
    clock: ManualClock,
    replies: Mutex<VecDeque<Reply>>,
    calls: Mutex<Vec<(u64, Vec<String>)>>,
}

impl BatchExecutor for ScriptedExecutor {
    fn execute(&self, ops: Vec<BatchOperation>) -> BoxFuture<'static, BatchOutcome> {
        let at = self.clock.now().as_millis() as u64;
        let ids: Vec<String> = ops.iter().map(|o| o.id().to_string()).collect();
        self.calls.lock().push((at, ids));
        let reply = self.replies.lock().pop_front().unwrap_or(Reply::Echo);
        let (outcome, delay) = match reply {
            Reply::Echo => (Ok(ops.iter().map(|o| Ok(o.params().clone())).collect()), 0),
            Reply::Error(e, d) => (Err(e.to_error(ops.len())), d),
            Reply::Results(items, d) => {
                // A reply of the wrong length goes to core as is (it must fail the batch).
                let out = items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| match it {
                        Item::Ok(v) => Ok(v.clone()),
                        Item::Echo => Ok(ops.get(i).map_or(Value::Null, |o| o.params().clone())),
                        Item::Err(e) => Err(e.to_error(ops.len())),
                    })
                    .collect();
                (Ok(out), d)
            }
        };
        let clock = self.clock.clone();
        Box::pin(async move {
            if delay > 0 {
                clock.sleep(Duration::from_millis(delay)).await;
            }
            outcome
        })
    }
}

struct BatchDriver {
    manager: BatchManager,
    exec: Arc<ScriptedExecutor>,
    tickets: HashMap<String, JoinHandle<mantra_sdk::Result<Value>>>,
    results: HashMap<String, Value>,
}

fn priority(s: &str) -> Result<Priority, String> {
    match s {
        "high" => Ok(Priority::High),
        "normal" => Ok(Priority::Normal),
        "low" => Ok(Priority::Low),
        other => Err(format!("unknown priority `{other}` (high, normal, low)")),
    }
}

impl BatchDriver {
    async fn step(&mut self, op: &str, s: &Map<String, Value>) -> Result<Outcome, String> {
        Ok(match op {
            "submit" => {
                only_keys(s, &["id", "params", "priority", "timeout_ms"], op)?;
                let id = str_field(s, "id")?.to_string();
                if self.tickets.contains_key(&id) || self.results.contains_key(&id) {
                    return Err(format!("duplicate operation id `{id}`"));
                }
                let params = s.get("params").cloned().unwrap_or_else(|| json!(id));
                let p = priority(opt_str(s, "priority")?.unwrap_or("normal"))?;
                let timeout = Duration::from_millis(opt_u64(s, "timeout_ms")?.unwrap_or(30_000));
                let operation = BatchOperation::from_value(id.clone(), params, p, timeout)
                    .map_err(|e| format!("bad operation: {e}"))?;
                match self.manager.enqueue(operation) {
                    Ok(ticket) => {
                        self.tickets.insert(id, tokio::spawn(ticket));
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
            "flush" => {
                only_keys(s, &[], op)?;
                self.manager.flush().await;
                Ok(None)
            }
            "done" => {
                only_keys(s, &["id"], op)?;
                let id = str_field(s, "id")?;
                let done = match self.tickets.get(id) {
                    Some(h) => h.is_finished(),
                    None if self.results.contains_key(id) => true,
                    None => return Err(format!("no operation `{id}` was submitted")),
                };
                exact(json!(done))
            }
            "await" => {
                only_keys(s, &["id"], op)?;
                let id = str_field(s, "id")?;
                if let Some(v) = self.results.get(id) {
                    return Ok(exact(v.clone()));
                }
                let h = self
                    .tickets
                    .remove(id)
                    .ok_or_else(|| format!("no operation `{id}` was submitted"))?;
                if !h.is_finished() {
                    h.abort();
                    return Err(format!(
                        "operation `{id}` has no result yet (await never waits: `advance` first)"
                    ));
                }
                let r = h.await.map_err(|e| format!("ticket task failed: {e}"))?;
                let v = match r {
                    Ok(v) => json!({ "ok": v }),
                    Err(e) => json!({ "error": e.code() }),
                };
                self.results.insert(id.to_string(), v.clone());
                exact(v)
            }
            "executor_calls" => {
                only_keys(s, &[], op)?;
                let calls: Vec<Value> = self
                    .exec
                    .calls
                    .lock()
                    .iter()
                    .map(|(at, ids)| json!({"at_ms": at, "ids": ids}))
                    .collect();
                report(Value::Array(calls))
            }
            "stats" => {
                only_keys(s, &[], op)?;
                report(serde_json::to_value(self.manager.stats()).map_err(|e| e.to_string())?)
            }
            "close" => {
                only_keys(s, &[], op)?;
                self.manager.close();
                Ok(None)
            }
            other => return Err(format!("unknown batch op `{other}`")),
        })
    }
}

// ----- metrics -------------------------------------------------------------------------

fn metrics_config(config: Map<String, Value>) -> Result<MetricsConfig, String> {
    let mut r = ConfigReader::new(config);
    let mut c = MetricsConfig::default();
    r.bool("enable_protocol_metrics", &mut c.enable_protocol_metrics)?;
    r.bool("enable_mcp_metrics", &mut c.enable_mcp_metrics)?;
    r.bool("enable_resource_metrics", &mut c.enable_resource_metrics)?;
    r.bool("enable_custom_metrics", &mut c.enable_custom_metrics)?;
    r.ms("retention_period_ms", &mut c.retention_period)?;
    r.ms("aggregation_interval_ms", &mut c.aggregation_interval)?;
    if let Some(v) = r.take("namespace") {
        c.namespace = v
            .as_str()
            .ok_or("`namespace` must be a string")?
            .to_string();
    }
    r.usize("max_series_per_family", &mut c.max_series_per_family)?;
    r.usize("max_custom_metrics", &mut c.max_custom_metrics)?;
    if let Some(v) = r.take("histogram_buckets") {
        c.histogram_buckets = v
            .as_array()
            .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
            .ok_or("`histogram_buckets` must be an array of numbers")?;
    }
    if let Some(v) = r.take("const_labels") {
        let bad = || "`const_labels` must be [[name, value], ...]".to_string();
        c.const_labels = v
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|p| match p.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
                _ => Err(bad()),
            })
            .collect::<Result<_, _>>()?;
    }
    r.finish()?;
    Ok(c)
}

fn metric_type(s: &str) -> Result<MetricType, String> {
    match s {
        "counter" => Ok(MetricType::Counter),
        "gauge" => Ok(MetricType::Gauge),
        "histogram" => Ok(MetricType::Histogram),
        other => Err(format!("unknown metric type `{other}`")),
    }
}

/// The snapshot JSON with `families` keyed by name and `series_count` added.
fn snapshot_json(m: &MetricsCollector) -> Result<Value, String> {
    let mut v = serde_json::to_value(m.get_all_metrics_sync()).map_err(|e| e.to_string())?;
    let families = v
        .get_mut("families")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .ok_or("snapshot without families")?;
    let mut by_name = Map::new();
    for mut f in families {
        let name = f["name"].as_str().unwrap_or_default().to_string();
        let n = f["series"].as_array().map_or(0, Vec::len);
        f["series_count"] = json!(n);
        by_name.insert(name, f);
    }
    v["families"] = Value::Object(by_name);
    Ok(v)
}

fn metrics_step(m: &MetricsCollector, op: &str, s: &Map<String, Value>) -> Result<Outcome, String> {
    Ok(match op {
        "record_protocol" => {
            only_keys(
                s,
                &["protocol", "operation", "latency_ms", "success", "error"],
                op,
            )?;
            m.record_protocol_operation_sync(
                str_field(s, "protocol")?,
                str_field(s, "operation")?,
                Duration::from_millis(u64_field(s, "latency_ms")?),
                bool_field(s, "success")?,
                opt_str(s, "error")?,
            );
            Ok(None)
        }
        "record_mcp" => {
            only_keys(s, &["latency_ms", "success", "transport"], op)?;
            m.record_mcp_request_sync(
                Duration::from_millis(u64_field(s, "latency_ms")?),
                bool_field(s, "success")?,
                str_field(s, "transport")?,
            );
            Ok(None)
        }
        "record_custom" => {
            only_keys(s, &["category", "name", "value", "type"], op)?;
            let value = s
                .get("value")
                .and_then(Value::as_f64)
                .ok_or("missing number `value`")?;
            m.try_record_custom_metric(
                str_field(s, "category")?,
                str_field(s, "name")?,
                value,
                metric_type(str_field(s, "type")?)?,
            )
            .map(|()| None)
        }
        "snapshot" => {
            only_keys(s, &[], op)?;
            report(snapshot_json(m)?)
        }
        "series" => {
            only_keys(s, &["family", "labels"], op)?;
            let family = str_field(s, "family")?;
            let labels = value_field(s, "labels")?;
            if !labels.is_object() {
                return Err("`labels` must be an object".into());
            }
            let snap = snapshot_json(m)?;
            let found = snap["families"]
                .get(family)
                .and_then(|f| f["series"].as_array())
                .and_then(|series| series.iter().find(|x| &x["labels"] == labels))
                .cloned()
                .unwrap_or(Value::Null);
            report(found)
        }
        "prometheus" => {
            only_keys(s, &["contains", "absent"], op)?;
            let text = m.prometheus();
            let lines: Vec<&str> = text.lines().collect();
            let list = |k: &str| -> Result<Vec<String>, String> {
                match s.get(k) {
                    None => Ok(Vec::new()),
                    Some(v) => v
                        .as_array()
                        .and_then(|a| {
                            a.iter()
                                .map(|x| x.as_str().map(str::to_string))
                                .collect::<Option<Vec<_>>>()
                        })
                        .ok_or_else(|| format!("`{k}` must be an array of strings")),
                }
            };
            let missing: Vec<String> = list("contains")?
                .into_iter()
                .filter(|l| !lines.contains(&l.as_str()))
                .collect();
            let present: Vec<String> = list("absent")?
                .into_iter()
                .filter(|p| lines.iter().any(|l| l.starts_with(p.as_str())))
                .collect();
            if !missing.is_empty() || !present.is_empty() {
                return Err(format!(
                    "prometheus text mismatch\n    missing lines: {missing:?}\n    \
                     present but absent expected: {present:?}\n    text:\n{}",
                    truncate(&text)
                ));
            }
            Ok(None)
        }
        other => return Err(format!("unknown metrics op `{other}`")),
    })
}

// ----- health --------------------------------------------------------------------------

fn health_config(config: Map<String, Value>) -> Result<HealthConfig, String> {
    let mut r = ConfigReader::new(config);
    let mut c = HealthConfig::default();
    r.ms("check_interval_ms", &mut c.check_interval)?;
    r.ms("check_timeout_ms", &mut c.check_timeout)?;
    r.u32("failure_threshold", &mut c.failure_threshold)?;
    r.u32("recovery_threshold", &mut c.recovery_threshold)?;
    r.bool("enable_auto_checks", &mut c.enable_auto_checks)?;
    r.bool("enable_auto_recovery", &mut c.enable_auto_recovery)?;
    r.bool("enable_diagnostics", &mut c.enable_diagnostics)?;
    r.ms("recovery_timeout_ms", &mut c.recovery_timeout)?;
    r.usize("history_size", &mut c.history_size)?;
    r.finish()?;
    Ok(c)
}

#[derive(Clone, Debug)]
enum CheckStep {
    Ok,
    Fail,
    Degraded,
    Timeout,
    After(u64, Box<CheckStep>),
}

fn parse_check_step(v: &Value) -> Result<CheckStep, String> {
    match v {
        Value::String(s) => match s.as_str() {
            "ok" => Ok(CheckStep::Ok),
            "fail" => Ok(CheckStep::Fail),
            "degraded" => Ok(CheckStep::Degraded),
            "timeout" => Ok(CheckStep::Timeout),
            other => Err(format!("unknown check result `{other}`")),
        },
        Value::Object(m) => {
            only_keys(m, &["after_ms", "then"], "check step")?;
            let then = match str_field(m, "then")? {
                "ok" => CheckStep::Ok,
                "fail" => CheckStep::Fail,
                "degraded" => CheckStep::Degraded,
                other => {
                    return Err(format!(
                        "`then` must be ok, fail or degraded, not `{other}`"
                    ))
                }
            };
            Ok(CheckStep::After(u64_field(m, "after_ms")?, Box::new(then)))
        }
        other => Err(format!("unknown check step {other}")),
    }
}

fn parse_check(
    name: &str,
    v: &Value,
) -> Result<(String, HealthCheckOptions, Vec<CheckStep>), String> {
    let m = v.as_object().ok_or("a check must be an object")?;
    only_keys(m, &["critical", "timeout_ms", "script"], "check")?;
    let mut options = HealthCheckOptions::default();
    if let Some(c) = m.get("critical") {
        options.critical = c.as_bool().ok_or("`critical` must be a boolean")?;
    }
    if let Some(ms) = opt_u64(m, "timeout_ms")? {
        options.timeout = Some(Duration::from_millis(ms));
    }
    let script: Vec<CheckStep> = m
        .get("script")
        .and_then(Value::as_array)
        .ok_or("missing array `script`")?
        .iter()
        .map(parse_check_step)
        .collect::<Result<_, _>>()?;
    if script.is_empty() {
        return Err("`script` is empty".into());
    }
    Ok((name.to_string(), options, script))
}

/// A health check played from its script (the last entry repeats).
struct ScriptedCheck {
    name: String,
    clock: ManualClock,
    script: Arc<Mutex<(Vec<CheckStep>, usize)>>,
}

fn outcome_of(name: &str, step: &CheckStep) -> mantra_sdk::Result<CheckOutcome> {
    match step {
        CheckStep::Fail => Err(Error::HealthCheck {
            check: name.to_string(),
            message: "scripted failure".into(),
        }),
        CheckStep::Degraded => Ok(CheckOutcome::degraded("scripted degradation")),
        _ => Ok(CheckOutcome::healthy()),
    }
}

impl HealthCheck for ScriptedCheck {
    fn check(&self) -> BoxFuture<'static, mantra_sdk::Result<CheckOutcome>> {
        let step = {
            let mut g = self.script.lock();
            let (steps, next) = &mut *g;
            let i = (*next).min(steps.len() - 1);
            *next += 1;
            steps[i].clone()
        };
        let name = self.name.clone();
        let clock = self.clock.clone();
        Box::pin(async move {
            match step {
                CheckStep::Timeout => {
                    futures::future::pending::<mantra_sdk::Result<CheckOutcome>>().await
                }
                CheckStep::After(ms, then) => {
                    clock.sleep(Duration::from_millis(ms)).await;
                    outcome_of(&name, &then)
                }
                other => outcome_of(&name, &other),
            }
        })
    }
}

struct HealthDriver {
    checker: HealthChecker,
    round: Option<JoinHandle<mantra_sdk::Result<SystemHealth>>>,
}

fn status_of(sys: &SystemHealth) -> Value {
    json!(sys.overall_status.as_str())
}

impl HealthDriver {
    fn spawn_round(&self) -> JoinHandle<mantra_sdk::Result<SystemHealth>> {
        let checker = self.checker.clone();
        tokio::spawn(async move { checker.run_health_checks().await })
    }

    async fn finished(h: JoinHandle<mantra_sdk::Result<SystemHealth>>) -> Result<Outcome, String> {
        let r = h.await.map_err(|e| format!("round task failed: {e}"))?;
        Ok(r.map(|sys| {
            Some(Reported {
                value: status_of(&sys),
                subset: false,
            })
        }))
    }

    async fn step(&mut self, op: &str, s: &Map<String, Value>) -> Result<Outcome, String> {
        Ok(match op {
            "run" => {
                only_keys(s, &[], op)?;
                let h = self.spawn_round();
                ManualClock::settle().await;
                if !h.is_finished() {
                    h.abort();
                    return Err(
                        "the round did not finish without time moving (use run_start)".into(),
                    );
                }
                return Self::finished(h).await;
            }
            "run_start" => {
                only_keys(s, &[], op)?;
                if self.round.as_ref().is_some_and(|h| !h.is_finished()) {
                    return Err("a round started by run_start is still running".into());
                }
                self.round = Some(self.spawn_round());
                Ok(None)
            }
            "run_done" => {
                only_keys(s, &[], op)?;
                let h = self.round.as_ref().ok_or("no round was started")?;
                exact(json!(h.is_finished()))
            }
            "run_result" => {
                only_keys(s, &[], op)?;
                let h = self.round.take().ok_or("no round was started")?;
                if !h.is_finished() {
                    self.round = Some(h);
                    return Err("the round has not finished (advance first)".into());
                }
                return Self::finished(h).await;
            }
            "system" => {
                only_keys(s, &[], op)?;
                report(
                    serde_json::to_value(self.checker.system_health())
                        .map_err(|e| e.to_string())?,
                )
            }
            "component" => {
                only_keys(s, &["name"], op)?;
                let name = str_field(s, "name")?;
                match self.checker.protocol_health(name) {
                    Some(c) => report(serde_json::to_value(c).map_err(|e| e.to_string())?),
                    None => return Err(format!("no check named `{name}`")),
                }
            }
            "start" => {
                only_keys(s, &[], op)?;
                self.checker.start();
                Ok(None)
            }
            "stop" => {
                only_keys(s, &[], op)?;
                self.checker.stop();
                Ok(None)
            }
            other => return Err(format!("unknown health op `{other}`")),
        })
    }
}

// ---------------------------------------------------------------------------------------
// The runner's own checks: it must catch data errors and wrong expectations.
// ---------------------------------------------------------------------------------------

/// Runs a scenario given inline; `Err` is the failure message the runner would report.
fn run_inline(doc: Value) -> Result<(), String> {
    // One directory per call: tests run in parallel threads of one process.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("mantra-scenarios-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let name = doc["name"].as_str().unwrap_or("inline").to_string();
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, doc.to_string()).map_err(|e| e.to_string())?;
    let r = run_file(&path, &name);
    let _ = std::fs::remove_dir_all(&dir);
    r
}

fn ttl_scenario(expect_hits: u64, extra_step: Option<Value>) -> Value {
    let mut steps = vec![
        json!({"op": "put", "key": "a", "value": 1}),
        json!({"op": "get", "key": "a", "expect": 1}),
        json!({"op": "stats", "expect": {"hits": expect_hits}}),
    ];
    steps.extend(extra_step);
    json!({
        "name": "inline_probe",
        "component": "cache",
        "description": "runner self-check",
        "config": {"default_ttl_ms": 1000},
        "steps": steps,
    })
}

#[test]
fn runner_passes_a_correct_scenario() {
    assert_eq!(run_inline(ttl_scenario(1, None)), Ok(()));
}

#[test]
fn runner_reports_a_wrong_expectation_with_step_and_diff() {
    let err = run_inline(ttl_scenario(2, None)).unwrap_err();
    assert!(err.contains("step 2 (stats)"), "{err}");
    assert!(err.contains("$.hits: expected 2, got 1"), "{err}");
}

#[test]
fn runner_rejects_unknown_ops_and_fields() {
    let err = run_inline(ttl_scenario(1, Some(json!({"op": "frobnicate"})))).unwrap_err();
    assert!(err.contains("unknown cache op `frobnicate`"), "{err}");
    let err = run_inline(ttl_scenario(
        1,
        Some(json!({"op": "get", "key": "a", "typo": 1})),
    ))
    .unwrap_err();
    assert!(err.contains("unknown field(s) in get: typo"), "{err}");
    let mut doc = ttl_scenario(1, None);
    doc["config"]["max_entires"] = json!(3);
    let err = run_inline(doc).unwrap_err();
    assert!(
        err.contains("unknown config field(s): max_entires"),
        "{err}"
    );
    let mut doc = ttl_scenario(1, None);
    doc["extra"] = json!(true);
    assert!(run_inline(doc).unwrap_err().contains("extra"));
}

#[test]
fn runner_checks_error_codes_and_fields() {
    let doc = |field: &str| {
        json!({
            "name": "inline_invalid",
            "component": "batch",
            "description": "runner self-check",
            "config": {"max_batch_size": 0},
            "steps": [{"op": "construct", "expect_error": "invalid_config", "field": field}],
        })
    };
    assert_eq!(run_inline(doc("max_batch_size")), Ok(()));
    let err = run_inline(doc("max_concurrent_batches")).unwrap_err();
    assert!(
        err.contains("expected invalid field `max_concurrent_batches`"),
        "{err}"
    );
}

#[test]
fn every_scenario_file_has_a_matching_name() {
    // Cheap guard that keeps the directory tidy: JSON files only, plus the README.
    let mut names = BTreeMap::new();
    for e in std::fs::read_dir(scenario_dir()).unwrap() {
        let p = e.unwrap().path();
        let file = p.file_name().unwrap().to_string_lossy().to_string();
        if file == "README.md" {
            continue;
        }
        assert!(file.ends_with(".json"), "unexpected file {file}");
        names.insert(file, ());
    }
    assert!(names.len() >= 30, "only {} scenarios", names.len());
}
