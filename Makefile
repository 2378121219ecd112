# Newsroom — the two commands in README.md: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Links in mail lead here when no request says otherwise (the served port, not 8000).
SITE_URL ?= http://127.0.0.1:$(PORT)
STAMP := $(VENV)/.installed
# axe-core and the Nu HTML checker (vnu.jar) come from npm; the tests run them offline.
NODE_STAMP := node_modules/.installed

.PHONY: run test lint format lock clean bench bench-faults bench-scale bench-edge bench-newsletters

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## Serve the demo site on http://127.0.0.1:$(PORT) (SQLite, development settings)
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py load_demo_comments
	DEBUG=1 $(PY) manage.py load_demo_newsletters
	DEBUG=1 $(PY) manage.py ensure_admin
	DEBUG=1 SITE_URL=$(SITE_URL) $(PY) manage.py runserver 127.0.0.1:$(PORT)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the browser and HTML checks: apt-get install -y nodejs npm (bash .ci/run installs it)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

test: $(STAMP) $(NODE_STAMP)  ## The whole test suite (DATABASE_URL picks the database; SQLite by default)
	$(PY) -m pytest

bench: $(STAMP)  ## Speed goals under load (needs wrk; PostgreSQL and Redis for the second setup)
	$(PY) bench/run.py

bench-faults: $(STAMP)  ## Faults against the real server: strange input, floods, abuse, cache/database/storage down, kill -9
	$(PY) bench/faults.py

bench-scale: $(STAMP)  ## Every page uncached on the demo and on 100,000 articles (SQLite, PostgreSQL)
	$(PY) bench/run.py --scale

bench-newsletters: $(STAMP)  ## One edition to 100,000 subscribers through db_worker and a local SMTP sink, and again with the worker killed halfway
	$(PY) bench/newsletters.py

bench-edge: $(STAMP)  ## Varnish in front: ratios and a publishing spike (needs varnish, wrk, Redis)
	$(PY) bench/run.py --setup edge

lint: $(STAMP)  ## Style, complexity, formatting, the dependency rule and missing migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: $(STAMP)  ## Re-pin every dependency after changing pyproject.toml
	$(PY) -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) staticfiles node_modules test-artifacts
