# mantra-sdk — entry points. `make demo` (the main job) and `make test` (everything).
# Each area adds its own targets in mk/*.mk: TEST_TARGETS, BENCH_TARGETS, SETUP_TARGETS.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
export PATH := $(HOME)/.cargo/bin:$(HOME)/go/bin:/usr/local/go/bin:$(PATH)
CARGO ?= cargo

TEST_TARGETS :=
BENCH_TARGETS :=
SETUP_TARGETS :=

.DEFAULT_GOAL := help
include $(sort $(wildcard mk/*.mk))

.PHONY: help setup test bench demo
help:
	@echo "make demo   - the main job: run a live workload through MantraClient"
	@echo "make test   - every test, every language"
	@echo "make bench  - benchmarks side by side with the anchor libraries"

setup: $(SETUP_TARGETS)

test: setup
	@set -e; for t in $(TEST_TARGETS); do echo "==> make $$t"; $(MAKE) --no-print-directory $$t; done
	@echo "==> all test suites passed"

bench: setup
	@set -e; for t in $(BENCH_TARGETS); do echo "==> make $$t"; $(MAKE) --no-print-directory $$t; done
