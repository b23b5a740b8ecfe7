# Python package (packages/python, native crate bindings-python): build the abi3 wheels with
# maturin, install the one pip picks into a FRESH virtualenv and test the installed wheel
# (pytest, mypy --strict on an example consumer and the tests, stubtest of the native
# module's stubs);
# smoke-test the oldest and newest CPython (each gets its own wheel).
SETUP_TARGETS += setup-python
TEST_TARGETS += test-python
BENCH_TARGETS += bench-python

PYTHON ?= python3
# Extra `maturin build` arguments (both wheels).
MATURIN_ARGS ?=
# Other interpreters the abi3 wheel is smoke-tested on (the oldest and newest we find).
PY_COMPAT ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.9*/bin/python3.9) $(shell command -v python3.9)) \
  $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13))
PY_DIR := $(ROOT)/packages/python
PY_VENV_ROOT := $(ROOT)/.venv-py
PY_TOOLS := $(PY_VENV_ROOT)/tools
PY_WHEELHOUSE := $(PY_VENV_ROOT)/wheelhouse
PY_TEST_VENV := $(PY_VENV_ROOT)/test
PY_RUN_DIR := $(PY_VENV_ROOT)/run
PY_DIST := $(PY_DIR)/dist
PY_SETUP_STAMP := $(PY_VENV_ROOT)/.setup-stamp

.PHONY: setup-python build-python test-python clean-python

# Tools venv (maturin) + a local wheelhouse of the test dependencies, so that each test
# run can create a fresh virtualenv without going back to the package index.
setup-python: $(PY_SETUP_STAMP)

$(PY_SETUP_STAMP): $(PY_DIR)/requirements-build.txt $(PY_DIR)/requirements-dev.txt $(PY_DIR)/requirements-bench.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python >= 3.9"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 9))' || { echo "Python >= 3.9 required"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "python venv/ensurepip missing: installing python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv; }
	[ -x $(PY_TOOLS)/bin/python ] || $(PYTHON) -m venv $(PY_TOOLS)
	$(PY_TOOLS)/bin/python -m pip install -q --upgrade pip
	$(PY_TOOLS)/bin/python -m pip install -q -r $(PY_DIR)/requirements-build.txt
	rm -rf $(PY_WHEELHOUSE)
	$(PY_TOOLS)/bin/python -m pip download -q -d $(PY_WHEELHOUSE) -r $(PY_DIR)/requirements-dev.txt
	$(PY_TOOLS)/bin/python -m pip download -q -d $(PY_WHEELHOUSE) -r $(PY_DIR)/requirements-bench.txt
	@touch $@

# Build the wheels into packages/python/dist (release code, `wheel` cargo profile): the
# abi3-py311 wheel (cp311-abi3: CPython >= 3.11, which pip prefers there; `str` arguments
# are borrowed as UTF-8 without a copy) and the abi3-py39 fallback (cp39-abi3: CPython 3.9
# and 3.10). The choice and its numbers: BENCHMARKS.md ("## Python").
build-python: setup-python
	rm -rf $(PY_DIST)
	cd $(PY_DIR) && $(PY_TOOLS)/bin/maturin build \
	  --interpreter $(PYTHON) --out $(PY_DIST) $(MATURIN_ARGS)
	cd $(PY_DIR) && $(PY_TOOLS)/bin/maturin build \
	  --interpreter $(PYTHON) --out $(PY_DIST) --no-default-features \
	  --features extension-module,abi3-py311 $(MATURIN_ARGS)
	@ls $(PY_DIST)/*.whl

# Fresh venv each run; install the built wheel + test deps; run from a directory where the
# source tree is not importable, so the tests exercise the installed wheel. The client tests
# run against the devnet (started if needed; its URLs come from .devnet/env).
test-python: build-python devnet-up
	$(PYTHON) -m venv --clear $(PY_TEST_VENV)
	$(PY_TEST_VENV)/bin/python -m pip install -q --no-index --find-links $(PY_WHEELHOUSE) \
	  -r $(PY_DIR)/requirements-dev.txt
	$(PY_TEST_VENV)/bin/python -m pip install -q --no-index --no-deps --find-links $(PY_DIST) mantra-sdk
	@$(PY_TEST_VENV)/bin/python -c 'import mantra_sdk._native as n, sys; print("testing", n.__file__, "on", sys.version.split()[0])'
	rm -rf $(PY_RUN_DIR) && mkdir -p $(PY_RUN_DIR)
	cd $(PY_RUN_DIR) && MANTRA_REQUIRE_DEVNET=1 $(PY_TEST_VENV)/bin/python -m pytest -p no:cacheprovider \
	  --import-mode=importlib --rootdir=$(PY_DIR)/tests -c /dev/null $(PY_DIR)/tests -q
	cd $(PY_RUN_DIR) && $(PY_TEST_VENV)/bin/python -m mypy --strict --no-incremental \
	  $(PY_DIR)/examples/typed_consumer.py $(PY_DIR)/tests
	cd $(PY_RUN_DIR) && $(PY_TEST_VENV)/bin/python -m mypy.stubtest \
	  --allowlist $(PY_DIR)/stubtest-allowlist.txt mantra_sdk
	cd $(PY_RUN_DIR) && $(PY_TEST_VENV)/bin/python $(PY_DIR)/examples/typed_consumer.py
	@[ -n "$(strip $(PY_COMPAT))" ] || echo "(no other CPython found: abi3 smoke test skipped)"
	@set -e; for py in $(PY_COMPAT); do \
	  if ! $$py -c 'import venv, ensurepip' >/dev/null 2>&1; then echo "(no $$py here: abi3 smoke test skipped)"; continue; fi; \
	  echo "abi3 smoke test on $$($$py --version)"; \
	  $$py -m venv --clear $(PY_VENV_ROOT)/compat; \
	  $(PY_VENV_ROOT)/compat/bin/python -m pip install -q --no-index --no-deps --find-links $(PY_DIST) mantra-sdk; \
	  $(PY_VENV_ROOT)/compat/bin/python -m pip list 2>/dev/null | grep -i mantra; \
	  (cd $(PY_RUN_DIR) && $(PY_VENV_ROOT)/compat/bin/python $(PY_DIR)/examples/typed_consumer.py >/dev/null); \
	done

# Benchmarks side by side with the anchor libraries (cachetools, prometheus_client), for
# both stable-ABI levels: the distributed abi3-py39 wheel and the abi3-py311 variant (cheaper
# `str` arguments). Results: BENCHMARKS.md ("## Python").
PY_BENCH_ROOT := $(PY_VENV_ROOT)/bench
PY_BENCH_BUILDS := py39 py311
PY_BENCH_SCRIPTS ?= bench_cache bench_metrics bench_client

.PHONY: bench-python
bench-python: setup-python devnet-up
	@set -e; for b in $(PY_BENCH_BUILDS); do \
	  rm -rf $(PY_BENCH_ROOT)/dist-$$b; \
	  echo "==> building the abi3-$$b wheel"; \
	  feats=""; [ $$b = py39 ] || feats="--no-default-features --features extension-module,abi3-$$b"; \
	  (cd $(PY_DIR) && $(PY_TOOLS)/bin/maturin build -q --interpreter $(PYTHON) \
	    --out $(PY_BENCH_ROOT)/dist-$$b $$feats); \
	done
	@set -e; for b in $(PY_BENCH_BUILDS); do \
	  $(PYTHON) -m venv --clear $(PY_BENCH_ROOT)/venv-$$b; \
	  $(PY_BENCH_ROOT)/venv-$$b/bin/python -m pip install -q --no-index --find-links $(PY_WHEELHOUSE) \
	    -r $(PY_DIR)/requirements-bench.txt; \
	  $(PY_BENCH_ROOT)/venv-$$b/bin/python -m pip install -q --no-index --no-deps $(PY_BENCH_ROOT)/dist-$$b/*.whl; \
	done
	mkdir -p $(PY_RUN_DIR)
	@set -e; for s in $(PY_BENCH_SCRIPTS); do for b in $(PY_BENCH_BUILDS); do \
	  (cd $(PY_RUN_DIR) && MANTRA_BENCH_BUILD=abi3-$$b $(PY_BENCH_ROOT)/venv-$$b/bin/python $(PY_DIR)/bench/$$s.py); \
	  echo; \
	done; done

clean-python:
	rm -rf $(PY_VENV_ROOT) $(PY_DIST)
