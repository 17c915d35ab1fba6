# mdstore developer commands. Everything installs into .venv (made from python3 >= 3.10).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8765

.PHONY: install demo bench-import test test-fast proto proto-check lint bench clean graphviz

install: $(VENV)/.installed graphviz

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "mdstore needs Python >= 3.10"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,examples]'
	touch $@

# Rendering lineage pictures needs graphviz's `dot`. Install it when we can (root + apt-get).
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -q graphviz >/dev/null 2>&1 || (apt-get update -q >/dev/null && apt-get install -y -q graphviz >/dev/null)); \
	  else echo "graphviz 'dot' is missing: install it with your package manager (apt-get install graphviz)"; fi; }

# Regenerate the descriptor set from proto/. protoc runs from its own venv with a pinned
# grpcio-tools, so the output is reproducible and the tool's protobuf pin never
# downgrades the runtime in .venv.
PROTO_VENV := .venv-proto
$(PROTO_VENV)/.installed:
	$(PYTHON) -m venv $(PROTO_VENV)
	$(PROTO_VENV)/bin/python -m pip install -q 'grpcio-tools==1.76.0'
	touch $@

proto: $(PROTO_VENV)/.installed
	$(PROTO_VENV)/bin/python -m grpc_tools.protoc -I proto --include_imports \
	  --descriptor_set_out=mdstore/proto/descriptor_set.binpb \
	  proto/ml_metadata/proto/metadata_store.proto \
	  proto/ml_metadata/proto/metadata_store_service.proto \
	  proto/mdstore/v1/audit.proto \
	  proto/mdstore/v1/lineage.proto \
	  proto/mdstore/v1/models.proto \
	  proto/mdstore/v1/mdstore.proto

proto-check: proto
	git diff --exit-code -- mdstore/proto

test: install
	$(PY) -m pytest -q -n 2 --dist loadgroup --cov --cov-report=term

test-fast: install
	$(PY) -m pytest -q -x -m "not compat and not slow"

# Side-by-side benchmark against ml-metadata (not a test); writes docs/benchmarks.md.
# BENCH_ARGS="--scale-max 100000" for a shorter run.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# import-mlmd speed and peak memory at 100k and 1M artifacts; writes docs/import-benchmark.md.
bench-import: install
	$(PY) bench/import_mlmd.py $(BENCH_ARGS)

demo: install
	$(PY) examples/demo.py --port $(PORT)

lint: install
	$(PY) -m ruff check mdstore client tests examples bench
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) .venv-mlmd .pytest_cache
