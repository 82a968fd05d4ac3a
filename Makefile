# Set-up is part of every target: system packages, a virtualenv at .venv, the package in
# editable mode with its test dependencies. A second run finds everything in place.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench system clean

run: system $(STAMP)
	$(BIN)/reader

test: system $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src tests benchmarks
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src tests benchmarks

# Compiled first: a source change (or PYTHONDONTWRITEBYTECODE) would otherwise leave
# stale bytecode that every new process of the bench compiles again.
bench: system $(STAMP)
	$(BIN)/python -m compileall -q src benchmarks > /dev/null
	$(BIN)/python benchmarks/run.py

system:
	@scripts/ensure-system-packages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "reader needs Python 3.11 or newer (found $$($(PYTHON) --version))" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,neural,cluster]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
