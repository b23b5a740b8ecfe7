#!/usr/bin/env python3
"""Metrics bench table: kept for `make bench-metrics`; same as `bench_report.py metrics`."""
import os
import sys

sys.argv = [sys.argv[0], "metrics", *sys.argv[1:]]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report  # noqa: E402

bench_report.main()
