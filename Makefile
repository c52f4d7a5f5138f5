# Set-up for a new machine: only python3 and make are assumed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test lint build validate clean linked-assets browser vendor-yasgui bench-sparql store-servers

$(BIN)/nscn-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(MAKE) vendor-yasgui
	touch $@

validate: $(BIN)/nscn-graph
	$(BIN)/nscn-graph validate

build: $(BIN)/nscn-graph linked-assets
	$(BIN)/nscn-graph build --out dist

run: build vendor-yasgui
	$(BIN)/nscn-graph serve --host $(HOST) --port $(PORT)

test: $(BIN)/nscn-graph linked-assets browser vendor-yasgui store-servers
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(BIN)/nscn-graph
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

# Front-end assets from npm (package-lock.json), copied into the git-ignored nscn_graph/web/static/vendor/:
# Natural Earth country outlines (world-atlas) for the server-drawn maps.
VENDOR := nscn_graph/web/static/vendor
ATLAS := $(VENDOR)/world-atlas/countries-50m.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(ATLAS): node_modules/.package-lock.json
	mkdir -p $(dir $@)
	cp node_modules/world-atlas/countries-50m.json node_modules/world-atlas/LICENSE $(dir $@)

linked-assets: $(ATLAS)

# Debian's chromium for the browser tests (Playwright drives it; never `playwright install`),
# and raptor (rapper) to check the RDF with an independent parser.
browser:
	command -v chromium >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium)
	command -v rapper >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends raptor2-utils)

clean:
	rm -rf $(VENV) dist build *.egg-info

# The SPARQL query editor (YASGUI) comes from npm at build time and ships in the package:
# frontend/package-lock.json pins it; the files land in nscn_graph/web/static/vendor/ (git-ignored).
YASGUI := nscn_graph/web/static/vendor/yasgui
vendor-yasgui: $(YASGUI)/yasgui.min.js

$(YASGUI)/yasgui.min.js: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(YASGUI)
	cp frontend/node_modules/@zazuko/yasgui/build/yasgui.min.js \
	   frontend/node_modules/@zazuko/yasgui/build/yasgui.min.css $(YASGUI)/
	cp frontend/node_modules/@zazuko/yasgui/LICENSE $(YASGUI)/LICENSE 2>/dev/null || true
	touch $@

# Benchmark of /sparql against a minimal Flask + pyoxigraph endpoint, Oxigraph server and
# rdflib-endpoint (not a test; prints a table). BENCH_ARGS="--triples 1000000 --rounds 5"
bench-sparql: $(BIN)/nscn-graph
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/sparql_bench.py $(BENCH_ARGS)
