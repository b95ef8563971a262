# govkit developer commands. Each target creates .venv on first use, so a fresh machine with
# Python 3.11 and pip needs nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXAMPLE := examples/adult

.PHONY: demo test test-fast typecheck lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

## demo: install govkit, train the example model, audit it, and print the verdict and the report's path
demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python $(EXAMPLE)/train.py
	@# exit 0 (passed) and 1 (a blocking check failed) both mean the audit ran
	@# the example's skops model holds a tree type skops does not trust by default: the operator trusts it here
	cd $(EXAMPLE) && ../../$(BIN)/govkit audit --trust-type sklearn.tree._tree.Tree; status=$$?; [ $$status -le 1 ] || exit $$status
	@echo "Open $(EXAMPLE)/build/report/report.html in a browser."

# The test dependencies (and govkit, editable), installed again only when pyproject.toml changes.
$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

## test: install govkit with its test dependencies; ruff, mypy, the import contracts and the whole test suite (end-to-end included)
test: $(VENV)/.test-deps
	$(BIN)/ruff check src tests examples $(wildcard benchmarks)
	$(BIN)/mypy
	$(BIN)/lint-imports
	@# pyproject's addopts skip the slow tests; a second -m replaces that filter. The Spark tests run in a
	@# process of their own: a Spark session leaves a JVM thread behind, and no worker forks beside a thread.
	$(BIN)/python -m pytest -m "(slow or not slow) and not spark"
	$(BIN)/python -m pytest -m spark

## test-fast: the loop while editing: every test except the end-to-end ones on the example (plain `pytest`)
test-fast: $(VENV)/.test-deps
	$(BIN)/python -m pytest

## typecheck: mypy (strict for the core and the report, see pyproject.toml) and the import-layer contracts
typecheck: $(VENV)/.test-deps
	$(BIN)/mypy
	$(BIN)/lint-imports

lint: $(BIN)/python
	$(BIN)/ruff check src tests examples $(wildcard benchmarks)

## bench: the performance harness (slow; run on demand)
bench: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(EXAMPLE)/build $(EXAMPLE)/.govkit dist .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
