# Set-up for a new machine: python3 (3.11+), make and npm are assumed; `make test` installs the
# rest it needs (Debian packages when run as root).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test lint build validate clean linked-assets browser vendor-yasgui test-tools \
	bench-sparql store-servers deploy-tools

# Two installs in one venv, each with its stamp: what serving needs (`make run`), then the test
# extras on top (`make test`). The package's build step (setup.py) runs `npm ci` and copies the
# query editor and the map outlines into the git-ignored nscn_graph/web/static/vendor/.
INSTALL_INPUTS := pyproject.toml setup.py nscn_graph/assets.json package-lock.json \
	frontend/package-lock.json
$(BIN)/nscn-graph: $(INSTALL_INPUTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

TEST_EXTRAS := $(VENV)/.test-extras
$(TEST_EXTRAS): $(BIN)/nscn-graph
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

validate: $(BIN)/nscn-graph
	$(BIN)/nscn-graph validate

build: $(BIN)/nscn-graph linked-assets
	$(BIN)/nscn-graph build --out dist

run: build
	$(BIN)/nscn-graph serve --host $(HOST) --port $(PORT)

test: $(TEST_EXTRAS) test-tools browser store-servers deploy-tools
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(TEST_EXTRAS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Virtuoso Open Source 7 for the store tests (tests/test_stores.py) and bench/: installed from
# Debian when running as root; otherwise its tests are skipped, and say so.
store-servers:
	@command -v virtuoso-t >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends virtuoso-opensource >/dev/null \
	    || echo "WARNING: virtuoso-opensource could not be installed; its tests will be skipped"; \
	  else echo "WARNING: virtuoso-t missing and not root; the Virtuoso tests will be skipped"; fi; }

# HAProxy for the deployment test (tests/test_deploy.py, deploy/haproxy.cfg): from Debian when
# running as root; otherwise that test is skipped, and says so.
deploy-tools:
	@command -v haproxy >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends haproxy >/dev/null \
	    || echo "WARNING: haproxy could not be installed; the deployment test will be skipped"; \
	  else echo "WARNING: haproxy missing and not root; the deployment test will be skipped"; fi; }

# The front-end assets are part of the install (setup.py); these names remain for habit.
linked-assets vendor-yasgui: $(BIN)/nscn-graph

# Test tools from npm beside the served assets: jsonld.js (a devDependency in package.json) reads
# every JSON-LD document in tests/test_independent_parsers.py. After the install, whose build
# step installs only what is served (`npm ci --omit=dev`).
test-tools: node_modules/jsonld/package.json
node_modules/jsonld/package.json: package.json package-lock.json | $(BIN)/nscn-graph
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

# Debian's chromium for the browser tests (Playwright drives it; never `playwright install`),
# and raptor (rapper) to check the RDF with an independent parser.
browser:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)
	command -v rapper >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends raptor2-utils)

clean:
	rm -rf $(VENV) dist build *.egg-info nscn_graph/web/static/vendor

# Benchmark of /sparql against a minimal Flask + pyoxigraph endpoint, Oxigraph server and
# rdflib-endpoint (not a test; prints a table). BENCH_ARGS="--triples 1000000 --rounds 5"
bench-sparql: $(TEST_EXTRAS)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/sparql_bench.py $(BENCH_ARGS)
