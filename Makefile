# Two commands do all the set-up on a fresh machine:
#   make run    set up .venv, then run the split job on the bundled corpus into ./out/
#   make test   set up .venv, then run ruff and the whole test suite
# `make setup` alone builds the environment. See README.md.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CDS := .cache/splitlib.jsa

export SPARK_LOCAL_IP := 127.0.0.1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SPLITLIB_CDS_ARCHIVE := $(CURDIR)/$(CDS)
export SPLITLIB_JAVA_OPTIONS := -XX:TieredStopAtLevel=1 -Xlog:cds=off -Xlog:cds+dynamic=off
export PYTHONUNBUFFERED := 1

.PHONY: setup run test lint java bench

setup: $(STAMP) $(CDS)

java:
	@command -v java >/dev/null 2>&1 || [ -n "$$JAVA_HOME" ] || { \
	  echo "installing Java 17 (Spark needs it)"; \
	  apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

# torch first, with the exact pin: it takes the CPU wheel; another spec pulls a multi-GB CUDA build.
# The rest through uv, which installs the same packages in about a fifth of pip's time (measured:
# 1.4 min against 10 min from cold caches); it stays in the venv for the tests' tool venvs.
# --no-compile: pip would byte-compile every module of torch's wheel, 40 of its 52 s here; Python
# compiles the few it imports when it first imports them (uv does not byte-compile either).
# --no-cache: uv rebuilds pyspark's sdist on every install and keeps each build (about 1.8 GB) in
# its cache; repeated set-ups on one machine filled the disk, so the build lives only for the install.
$(STAMP): pyproject.toml | java
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --no-compile torch==2.13.0 uv
	$(BIN)/uv pip install -q --no-cache --python $(BIN)/python -e ".[dev,embed]"
	touch $(STAMP)

# a class-data-sharing archive of Spark's JVM classes: later JVMs start in about half the time
$(CDS): $(STAMP)
	mkdir -p $(dir $(CDS))
	$(BIN)/python scripts/build_cds_archive.py

run: setup
	$(BIN)/splitlib run $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check splitlib jobs udfs

# two xdist workers, a test file at a time each, longest files first (tests/conftest.py);
# PYTEST_ARGS='-n 0' runs serially
test: setup lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

# the benchmarks of benchmarks/README.md (about an hour on 2 cores); they rewrite benchmarks/RESULTS.md
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed:
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q data-selection numpy
	touch $@

# long jobs want the JVM's optimizing compiler: no TieredStopAtLevel=1 here
bench: export SPLITLIB_JAVA_OPTIONS := -Xlog:cds=off -Xlog:cds+dynamic=off
bench: setup $(BENCH_VENV)/.installed
	$(BIN)/python -m benchmarks.bench_perf --repeats 3
	$(BIN)/python -m benchmarks.bench_split --scales 1x3 4x3 16x1 94x1 --edge
	$(BIN)/python -m benchmarks.bench_cost --copies 4 --k 4 7 14 --sample 5000 20000 40000
