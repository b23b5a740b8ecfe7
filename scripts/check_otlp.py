#!/usr/bin/env python3
"""Validate an OTLP/HTTP JSON ExportMetricsServiceRequest against the real protobuf schema.

Usage: check_otlp.py OTLP_JSON_FILE [PROMETHEUS_FILE]

Parses with google.protobuf.json_format (ignore_unknown_fields=False, so every field name
and value type must match the proto3 JSON mapping), then checks that metric names, data
points, attributes and histogram counts round-trip, and (optionally) that every family in
the Prometheus exposition with samples is present in the OTLP request.
"""
import json
import math
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.metrics.v1.metrics_pb2 import AGGREGATION_TEMPORALITY_CUMULATIVE


def fail(msg):
    print(f"check_otlp: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def as_float(v):
    if isinstance(v, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]
    return float(v)


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b or abs(a - b) <= 1e-12 * max(1, abs(a))


def attrs(pb_attrs):
    return [(a.key, a.value.string_value) for a in pb_attrs]


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    raw = json.loads(text)
    req = ExportMetricsServiceRequest()
    json_format.Parse(text, req, ignore_unknown_fields=False)

    if len(req.resource_metrics) != 1:
        fail("expected one resourceMetrics")
    rm = req.resource_metrics[0]
    if not any(a.key == "service.name" for a in rm.resource.attributes):
        fail("resource lacks service.name")
    raw_metrics = raw["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    metrics = rm.scope_metrics[0].metrics
    if [m.name for m in metrics] != [m["name"] for m in raw_metrics]:
        fail("metric names did not round-trip")
    if len(metrics) == 0:
        fail("no metrics")

    points = 0
    for m, r in zip(metrics, raw_metrics):
        kind = m.WhichOneof("data")
        if kind not in r:
            fail(f"{m.name}: data kind {kind} not in JSON")
        if kind == "sum":
            if not m.sum.is_monotonic or m.sum.aggregation_temporality != AGGREGATION_TEMPORALITY_CUMULATIVE:
                fail(f"{m.name}: counter must be a monotonic cumulative sum")
            dps, rdps = m.sum.data_points, r["sum"]["dataPoints"]
        elif kind == "gauge":
            dps, rdps = m.gauge.data_points, r["gauge"]["dataPoints"]
        elif kind == "histogram":
            if m.histogram.aggregation_temporality != AGGREGATION_TEMPORALITY_CUMULATIVE:
                fail(f"{m.name}: histogram must be cumulative")
            dps, rdps = m.histogram.data_points, r["histogram"]["dataPoints"]
        else:
            fail(f"{m.name}: unexpected data kind {kind}")
        if len(dps) != len(rdps) or len(dps) == 0:
            fail(f"{m.name}: {len(dps)} data points parsed, {len(rdps)} in JSON")
        for dp, rdp in zip(dps, rdps):
            points += 1
            want = [(a["key"], a["value"]["stringValue"]) for a in rdp.get("attributes", [])]
            if attrs(dp.attributes) != want:
                fail(f"{m.name}: attributes did not round-trip: {attrs(dp.attributes)} != {want}")
            if dp.time_unix_nano != int(rdp["timeUnixNano"]) or dp.time_unix_nano < 10**18:
                fail(f"{m.name}: bad timeUnixNano {dp.time_unix_nano}")
            if dp.start_time_unix_nano > dp.time_unix_nano:
                fail(f"{m.name}: start time after time")
            if kind == "histogram":
                if len(dp.bucket_counts) != len(dp.explicit_bounds) + 1:
                    fail(f"{m.name}: bucketCounts must be explicitBounds + 1 long")
                if sum(dp.bucket_counts) != dp.count or dp.count != int(rdp["count"]):
                    fail(f"{m.name}: bucket counts {list(dp.bucket_counts)} do not add up to count {dp.count}")
                if list(dp.explicit_bounds) != sorted(set(dp.explicit_bounds)):
                    fail(f"{m.name}: explicitBounds not strictly increasing")
                if not same(dp.sum, as_float(rdp["sum"])):
                    fail(f"{m.name}: sum did not round-trip")
            else:
                if dp.WhichOneof("value") != "as_double" or not same(dp.as_double, as_float(rdp["asDouble"])):
                    fail(f"{m.name}: value did not round-trip: {dp.as_double} vs {rdp['asDouble']}")

    if len(sys.argv) > 2:
        prom = open(sys.argv[2], encoding="utf-8").read().splitlines()
        with_samples = set()
        for line in prom:
            if line and not line.startswith("#"):
                name = line.split("{")[0].split(" ")[0]
                for suffix in ("_bucket", "_sum", "_count"):
                    if name.endswith(suffix) and any(
                        l == f"# TYPE {name[: -len(suffix)]} histogram" for l in prom
                    ):
                        name = name[: -len(suffix)]
                with_samples.add(name)
        missing = with_samples - {m.name for m in metrics}
        if missing:
            fail(f"families in the Prometheus exposition missing from OTLP: {sorted(missing)}")

    print(f"check_otlp: OK: {len(metrics)} metrics, {points} data points parsed by protobuf {json_format.__name__}")


if __name__ == "__main__":
    main()
