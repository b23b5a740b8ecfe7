#!/usr/bin/env bash
# Real Prometheus scrapes the SDK's monitoring endpoint.
#
# Starts `monitoring_serve` (core/examples) on a loopback port, starts the real `prometheus`
# server scraping it every second, and waits (at most $SCRAPE_DEADLINE seconds, default 30)
# until Prometheus' query API returns
#   1. `mantra_protocol_operations_total` series with a non-zero value (and up == 1), and
#   2. a finite number for
#      histogram_quantile(0.99, sum by (le) (rate(mantra_protocol_operation_duration_seconds_bucket[30s]))).
# Both processes are stopped on exit (trap). Loopback only; bounded in time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO="${CARGO:-cargo}"
PROMETHEUS="${PROMETHEUS:-prometheus}"
DEADLINE="${SCRAPE_DEADLINE:-30}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

command -v "$PROMETHEUS" >/dev/null || { echo "prometheus not found (make setup-prometheus)"; exit 1; }

TMP="$(mktemp -d)"
SERVE_PID=""
PROM_PID=""
cleanup() {
    for pid in $PROM_PID $SERVE_PID; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $PROM_PID $SERVE_PID; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$ROOT" && "$CARGO" build -q -p mantra-sdk --example monitoring_serve)
# Serve long enough for the whole test; the trap stops it earlier.
"$TARGET_DIR/debug/examples/monitoring_serve" 127.0.0.1:0 $((DEADLINE + 30)) >"$TMP/serve.log" 2>&1 &
SERVE_PID=$!

SERVE_ADDR=""
for _ in $(seq 1 100); do
    SERVE_ADDR="$(sed -n 's#^listening on http://##p' "$TMP/serve.log" | head -n1)"
    [ -n "$SERVE_ADDR" ] && break
    kill -0 "$SERVE_PID" 2>/dev/null || { cat "$TMP/serve.log"; echo "monitoring_serve exited"; exit 1; }
    sleep 0.1
done
[ -n "$SERVE_ADDR" ] || { cat "$TMP/serve.log"; echo "monitoring_serve did not start"; exit 1; }
echo "monitoring endpoint: http://$SERVE_ADDR/metrics"

PROM_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: mantra
    metrics_path: /metrics
    static_configs:
      - targets: ["$SERVE_ADDR"]
YML
if command -v promtool >/dev/null; then
    promtool check config "$TMP/prometheus.yml" >/dev/null
fi
"$PROMETHEUS" --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
echo "prometheus: http://127.0.0.1:$PROM_PORT (pid $PROM_PID)"

if ! python3 - "$PROM_PORT" "$DEADLINE" "$PROM_PID" <<'PY'
import json, math, os, sys, time, urllib.parse, urllib.request

port, deadline, prom_pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
base = f"http://127.0.0.1:{port}"
end = time.monotonic() + deadline

def query(q):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=2) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError(f"query failed: {body}")
    return body["data"]["result"]

def alive():
    try:
        os.kill(prom_pid, 0)
        return True
    except OSError:
        return False

def wait_for(what, check):
    last = None
    while time.monotonic() < end:
        if not alive():
            print(f"prometheus exited while waiting for {what}", file=sys.stderr)
            sys.exit(1)
        try:
            ok, last = check()
            if ok:
                return last
        except Exception as e:  # not up yet, or no data yet
            last = repr(e)
        time.sleep(0.5)
    print(f"timed out after {deadline:.0f}s waiting for {what}; last: {last}", file=sys.stderr)
    sys.exit(1)

def ops():
    res = query("mantra_protocol_operations_total")
    series = {(s["metric"].get("protocol"), s["metric"].get("operation"), s["metric"].get("status")): float(s["value"][1]) for s in res}
    ok = series.get(("dex", "swap", "success"), 0) > 0 and series.get(("bank", "send", "success"), 0) > 0
    return ok, series

series = wait_for("mantra_protocol_operations_total", ops)
print(f"mantra_protocol_operations_total: {len(series)} series, e.g. dex/swap/success = {series[('dex', 'swap', 'success')]:.0f}")
assert all(s["metric"].get("job") == "mantra" for s in query("mantra_protocol_operations_total"))

up = query('up{job="mantra"}')
assert up and float(up[0]["value"][1]) == 1.0, f"target not up: {up}"

def p99():
    res = query("histogram_quantile(0.99, sum by (le) (rate(mantra_protocol_operation_duration_seconds_bucket[30s])))")
    if len(res) != 1:
        return False, res
    v = float(res[0]["value"][1])
    return math.isfinite(v) and v > 0, v

v = wait_for("histogram_quantile p99", p99)
assert 0.001 <= v <= 10.0, f"p99 {v} out of the workload's range"
print(f"histogram_quantile(0.99, ...) = {v * 1000:.1f} ms")

with urllib.request.urlopen(f"{base}/api/v1/targets", timeout=2) as r:
    targets = json.load(r)["data"]["activeTargets"]
assert len(targets) == 1 and targets[0]["health"] == "up", targets
assert targets[0]["lastError"] == "", targets[0]["lastError"]
print("prometheus scrape: 3 passed, 0 failed")
PY
then
    echo "--- prometheus.log"; tail -n 30 "$TMP/prometheus.log" || true
    echo "--- monitoring_serve log"; tail -n 30 "$TMP/serve.log" || true
    exit 1
fi
