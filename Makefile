# The two commands: `make run` and `make test`. Everything they need is installed on first use.
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
UV := .tools/bin/uv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install run test lint format clean
.DEFAULT_GOAL := run

$(UV):
	@test -n "$(PYTHON)" || { echo "Python 3.12+ is required."; exit 1; }
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

# The whole site on the embedded default: SQLite, a filesystem Celery broker, e-mail written to var/mail.
run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(VENV)/bin/honcho -f Procfile.dev start

# SQLite and in-memory cache by default; DATABASE_URL / REDIS_URL switch to PostgreSQL and Redis. One xdist worker
# per core (each with its own test database); the browser tests stay together on one of them. The state machines
# run a few examples unless HYPOTHESIS_PROFILE=ci (.ci/run sets it). Examples: make test XDIST= (one process),
# make test PYTEST_ARGS='-m "not slow"' (no state machines, browser or real Celery worker).
XDIST ?= -n auto --dist loadgroup
test: install
	@scripts/ensure-chromium || true
	@scripts/ensure-nginx || true
	$(PY) -m pytest $(XDIST) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .tools var .pytest_cache
