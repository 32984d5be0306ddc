# Caducée — the two commands: `make demo` (a working demo server) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo

.PHONY: demo test lint format bench clean test-tools example

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## make demo: install, initialise ./demo (demo.caducee.test) and run the server in the foreground
demo: $(VENV)/.installed
	$(BIN)/caducee demo $(DEMO_DIR)

## make test: install with the test extras and the Debian tools the tests drive, then run the whole suite
test: $(VENV)/.installed test-tools
	$(BIN)/pytest $(PYTEST_ARGS)

test-tools:
	@bash deploy/dev/install-test-tools.sh

## make lint: ruff, mypy and the layer contracts
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make example: regenerate deploy/caducee.example.toml from the schema
example: $(VENV)/.installed
	$(BIN)/caducee config example > deploy/caducee.example.toml

## make bench: run the benchmarks (they install their reference servers from Debian)
bench: $(VENV)/.installed
	@# As modules from the repository root: run as files, bench/directory.py would shadow the directory package.
	@for b in bench/*.py; do m=$$(basename $$b .py); echo "== bench.$$m"; $(BIN)/python -m bench.$$m || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache .hypothesis
