# Set-up for a new machine: only python3 and make are assumed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: run test lint build validate clean

$(BIN)/nscn-graph: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

validate: $(BIN)/nscn-graph
	$(BIN)/nscn-graph validate

build: $(BIN)/nscn-graph
	$(BIN)/nscn-graph build --out dist

run: build
	$(BIN)/nscn-graph serve --host $(HOST) --port $(PORT)

test: $(BIN)/nscn-graph
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(BIN)/nscn-graph
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) dist build *.egg-info
