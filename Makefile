# Two commands: `make run` serves the demo hospital, `make test` passes the whole suite.
# Both set everything up from a clean clone; nothing here depends on what was installed by hand.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SERVICES := $(PY) scripts/devservices.py

.PHONY: run test lint typecheck bench audit-check clean redis-server

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

run: $(STAMP)
	@echo "Demo log-ins: admin@demo.local, doctor@demo.local, nurse@demo.local, ... password: $${DEMO_PASSWORD:-demo-password}"
	$(SERVICES) --data .data -- $(PY) -m server.cli serve --migrate --seed

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy server channels db domain tests

test: $(STAMP) redis-server lint typecheck
	$(SERVICES) --temp --require-redis -- sh -c '$(PY) -m server.cli migrate && $(PY) -m pytest $(PYTEST_ARGS)'

audit-check: $(STAMP)
	$(SERVICES) --data .data -- $(PY) -m server.cli audit-check

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
