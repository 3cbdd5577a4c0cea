# Two commands: `make run` serves the demo hospital, `make test` passes the whole suite.
# Both set everything up from a clean clone; nothing here depends on what was installed by hand.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SERVICES := $(PY) scripts/devservices.py
# The staff app (frontend/): `npm ci` only when package-lock.json changed since the last install.
NPM_STAMP := frontend/node_modules/.package-lock-stamp

.PHONY: run test lint typecheck bench audit-check clean redis-server chromium frontend-build frontend-check screenshots

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Redis for the real broker. Installed with apt when missing and we are root (CI and these machines).
redis-server:
	@command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing redis-server with apt"; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null)); \
	  else echo "redis-server not found: the in-process broker will be used"; fi; }

$(NPM_STAMP): frontend/package-lock.json frontend/package.json
	@command -v npm >/dev/null || { echo "need Node.js 20.19+ and npm to build frontend/"; exit 1; }
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

frontend-build: $(NPM_STAMP)
	cd frontend && npm run --silent build

# Type check, lint and the Vitest unit tests of frontend/.
frontend-check: $(NPM_STAMP)
	cd frontend && npm run --silent lint && npm run --silent test

# Debian's Chromium for the browser tests (tests/e2e), driven by playwright-core; no browser download.
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium with apt"; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null)); \
	  else echo "chromium not found: the browser tests in tests/e2e will fail"; fi; }

run: $(STAMP) frontend-build
	@echo "Demo log-ins: admin@demo.local, doctor@demo.local, nurse@demo.local, ... password: $${DEMO_PASSWORD:-demo-password}"
	$(SERVICES) --data .data -- $(PY) -m server.cli serve --migrate --seed

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy server channels db domain tests

test: $(STAMP) redis-server chromium lint typecheck frontend-build frontend-check
	$(SERVICES) --temp --require-redis -- sh -c '$(PY) -m server.cli migrate && $(PY) -m pytest $(PYTEST_ARGS)'

# The real-time spine measured (bench/run.py): latency, idle sockets per process, fan-out against a bare
# websockets server; writes docs/benchmarks.md. A few minutes; not a test.
bench: $(STAMP) redis-server
	$(SERVICES) --temp --require-redis -- sh -c '$(PY) -m server.cli migrate && $(PY) -m bench.run'

# Refresh the README's screenshots (docs/screenshots/) from the browser tests.
screenshots: $(STAMP) redis-server chromium frontend-build
	$(SERVICES) --temp --require-redis -- sh -c '$(PY) -m server.cli migrate && UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/e2e'

audit-check: $(STAMP)
	$(SERVICES) --data .data -- $(PY) -m server.cli audit-check

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
