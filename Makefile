# The README's two commands: `make demo` and `make test`. Each installs what it needs, idempotently.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint unit setup chaos bench clean chromium

demo: setup
	$(VENV)/bin/c2arm demo

test: setup lint chromium
	$(PY) -m pytest -n 2 --dist loadgroup -m 'not chaos and not browser'
	# Playwright's sync API leaves an event loop in its worker: browser tests get a process of their own
	$(PY) -m pytest -m browser

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

unit: setup
	$(PY) -m pytest tests/unit -q

setup: $(PY_STAMP) $(NODE_STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall when the pins change. constraints.txt pins every package exactly (the dev lock).
$(PY_STAMP): $(PY) requirements.txt pyproject.toml constraints.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements.txt -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 and npm (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Headless Chromium for the browser tests: Debian's package (never a browser download), installed
# only when missing and only as root; otherwise the browser tests say why they are skipped.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update && apt-get install -y chromium; } \
		|| echo "chromium is missing (apt-get install chromium as root): the browser tests will be skipped"

# The chaos run (faults + host kills on a 60-unit plan, ~10 min) and every benchmark; neither is
# part of `make test`. Both print their figures; `make bench` also writes docs/benchmarks.md.
chaos: setup
	$(PY) -m pytest tests/e2e/chaos -m chaos -s -q -p no:randomly

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
