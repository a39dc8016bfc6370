# Wegweiser — `make run` serves the demo site, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# A local .env (see .env.example) configures `make run`.
ifneq (,$(wildcard .env))
include .env
export
endif
PORT ?= 8000
export PORT
export DJANGO_DEBUG ?= 1

.DEFAULT_GOAL := help
.PHONY: help install run serve test lint format messages bench bench-load system-test-deps clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 18

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[local,test,dev]"
	touch $@

install: $(VENV)/.installed ## Create .venv and install Python packages

locales/.compiled: $(wildcard locales/*/LC_MESSAGES/django.po) | $(VENV)/.installed
	command -v msgfmt >/dev/null || scripts/apt-install gettext
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	touch $@

run: install locales/.compiled ## Serve the demo region on http://127.0.0.1:$(PORT)
	scripts/run

serve: install locales/.compiled ## Serve it as production would (gunicorn, DEBUG off, PostgreSQL)
	scripts/serve

system-test-deps: ## Install Debian and npm packages the tests need
	scripts/apt-install postgresql chromium fonts-noto-core gettext
	test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --silent

# One test process per core (pytest-xdist), a test file kept in one process (module
# fixtures such as the seeded demo region are made once); TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= auto
test: install system-test-deps locales/.compiled ## Run the whole suite (PostgreSQL, Chromium)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: install ## Ruff, mypy over the whole project and the migrations check (CI runs it)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_DEBUG=1 $(VENV)/bin/mypy .
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

format: install ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: install ## Update and compile the gettext catalogues in locales/
	for l in de en ar fa uk ru tr ps ckb ti fr; do \
	  $(PY) manage.py makemessages -l $$l --ignore=.venv --ignore=node_modules --ignore=var -v 0; done
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	touch locales/.compiled

bench: install ## Print performance figures (seed time, page timings)
	$(PY) scripts/bench.py $(BENCH_ARGS)

bench-load: install locales/.compiled ## Load-test make serve with wrk (10,000 offers; BENCH_LOAD_ARGS=--quick)
	$(PY) scripts/bench_load.py $(BENCH_LOAD_ARGS)

clean: ## Remove the local database, media and the virtualenv
	rm -rf var $(VENV) node_modules locales/.compiled
