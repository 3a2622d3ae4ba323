# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PY := .venv/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shop
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run test setup migrate lint format bench

setup:
	@scripts/bootstrap

migrate: setup
	$(PY) manage.py migrate_all

# Embedded default: SQLite files under var/, local-memory cache, no services needed.
run: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports importlinter.ini

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# The production stack: PostgreSQL and Redis, started when they are not running;
# promtool and Chromium, installed when missing, for the alerting rules' and the
# admin's browser tests.
test: setup lint
	@scripts/services
	@scripts/tools
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) .venv/bin/pytest $(PYTEST_ARGS)

# Load benchmarks over HTTP on PostgreSQL and Redis (figures and ratios; not tests).
bench: setup
	@scripts/services
	@scripts/bench-tools
	$(PY) -m bench.run $(BENCH_ARGS)
