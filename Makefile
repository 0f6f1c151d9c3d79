# declone: every set-up step lives here so that a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint typecheck demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -n auto --cov --cov-report=term tests
	$(BIN)/python -m declone check --root .

demo: install
	$(BIN)/python -m declone demo examples/websocket-suite

bench: install
	$(BIN)/python benchmarks/scan.py

clean:
	rm -rf $(VENV) .coverage* htmlcov .pytest_cache .mypy_cache .ruff_cache
