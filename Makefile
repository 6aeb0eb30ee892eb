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

# SQLite always; PostgreSQL too when NICAT_TEST_POSTGRES_URL is set (CI sets it). The two runs go side by
# side, each with a var directory of its own (test databases are per process already): on two cores the
# whole suite takes the time of its longer half, not of both. The PostgreSQL run's output is kept in
# var/test-postgres/pytest.log and printed when both have ended; the recipe fails if either failed.
test: install-dev messages lint
	@if [ -n "$$NICAT_TEST_POSTGRES_URL" ]; then \
		mkdir -p var/test-postgres; \
		NICAT_TEST_DB=postgres NICAT_VAR_DIR="$(CURDIR)/var/test-postgres" $(BIN)/pytest -p no:cacheprovider \
			> var/test-postgres/pytest.log 2>&1 & pg=$$!; \
		trap 'kill $$pg 2>/dev/null' INT TERM; \
		echo "=== the suite on SQLite (PostgreSQL runs beside it: var/test-postgres/pytest.log) ==="; \
		$(BIN)/pytest; sqlite=$$?; \
		wait $$pg; postgres=$$?; \
		echo "=== the same suite on PostgreSQL ==="; cat var/test-postgres/pytest.log; \
		echo "=== SQLite: exit $$sqlite; PostgreSQL: exit $$postgres ==="; \
		[ $$sqlite -eq 0 ] && [ $$postgres -eq 0 ]; \
	else $(BIN)/pytest && echo "NICAT_TEST_POSTGRES_URL is not set: PostgreSQL run skipped."; fi

# ruff (pyflakes, import order, bugbear, Django rules) over the tree; mypy with django-stubs on the
# lower layers (core, access, privacy, audit). Both settings live in pyproject.toml.
lint: install-dev
	$(BIN)/ruff check nicat tests bench tools conftest.py
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var/test var/test-postgres
