# Nicat: `make run` serves the demo world, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test lint install install-dev messages demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime $(VENV)/pycanon/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# pycanon (the k-anonymity check of the CTDC release) pins its dependencies exactly, against the
# project's lock: its own environment (docs/decisions/0008-statistics-libraries.md).
$(VENV)/pycanon/.installed: requirements-pycanon.txt | $(BIN)/python
	$(PYTHON) -m venv $(VENV)/pycanon
	$(VENV)/pycanon/bin/pip install --quiet -r requirements-pycanon.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Compile the az/ru/en catalogs (.po -> .mo) with polib: no system gettext needed.
messages: $(VENV)/.runtime
	$(BIN)/python -m nicat.catalogs

run: install messages
	NICAT_DEV=1 $(BIN)/nicat migrate --no-input
	NICAT_DEV=1 $(BIN)/nicat demo --if-empty
	NICAT_DEV=1 $(BIN)/nicat serve --port $(PORT)

# SQLite always; PostgreSQL too when NICAT_TEST_POSTGRES_URL is set (CI sets it).
test: install-dev messages lint
	$(BIN)/pytest
	@if [ -n "$$NICAT_TEST_POSTGRES_URL" ]; then \
		echo "=== the same suite on PostgreSQL ==="; \
		NICAT_TEST_DB=postgres $(BIN)/pytest; \
	else echo "NICAT_TEST_POSTGRES_URL is not set: PostgreSQL run skipped."; fi

# ruff (pyflakes, import order, bugbear, Django rules) over the tree; mypy with django-stubs on the
# lower layers (core, access, privacy, audit). Both settings live in pyproject.toml.
lint: install-dev
	$(BIN)/ruff check nicat tests bench tools conftest.py
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var/test
