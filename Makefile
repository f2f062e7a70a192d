# Flyt: `make run` serves the product with demo data; `make test` runs lint (ruff, import layers) and the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_DB ?= flyt
PYTEST_ARGS ?=

.PHONY: run test venv services lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

# PostgreSQL and Redis for the tests: started when they are not answering, database created.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || { \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n1) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { \
	  echo "starting Redis"; \
	  mkdir -p /var/lib/redis /var/log/redis; \
	  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
	    --dir /var/lib/redis --logfile /var/log/redis/ci.log; \
	  for i in $$(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done; }
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(PG_DB)'" | grep -q 1 || \
	  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(PG_DB)"

# ruff, then the import layers (contracts in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo

test: $(STAMP) services lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
	  echo "PostgreSQL and Redis configured: starting a worker and beat beside the web server"; \
	  trap 'kill 0' EXIT; \
	  $(BIN)/celery -A config worker -Q webhooks,sync,default --loglevel=INFO & \
	  $(BIN)/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule & \
	  echo "Flyt is at http://127.0.0.1:8000/"; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000; \
	else \
	  echo "Embedded default: SQLite in var/, tasks run in process. Flyt is at http://127.0.0.1:8000/"; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache
