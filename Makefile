# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app webapp

.PHONY: install run test test-fast bench screenshots contract-check clean

# The virtual environment, rebuilt when the dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Migrate, seed demo data on the first run, and serve on the embedded SQLite default.
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite; browser tests skip with a reason when no Chromium is installed (CI requires them).
test: install
	$(BIN)/python -m pytest

# Everything but the browser tests.
test-fast: install
	$(BIN)/python -m pytest -m "not browser"

# The README's screenshots, taken by the browser suite from the demo data.
screenshots: install
	SCREENSHOTS_DIR=static/screenshots $(BIN)/python -m pytest tests/browser/test_screenshots.py -q

# Real HTTP load (wrk, Debian's `wrk` package) against gunicorn on 127.0.0.1; every figure a
# ratio to the floor of the stack measured in the same run (see bench/README.md).
# BENCH_DATABASE_URL=postgresql://... adds the same run on PostgreSQL.
bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
