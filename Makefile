# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PY := .venv/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/shop
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
TEST_EVENTS_BROKER ?= kafka://127.0.0.1:9092

.PHONY: run test setup migrate lint format bench rehearse-extraction

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
	.venv/bin/mypy

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# The production stack: PostgreSQL and Redis, started when they are not running;
# promtool and Chromium, installed when missing, for the alerting rules' and the
# admin's browser tests.
test: setup lint
	@TEST_EVENTS_BROKER=$(TEST_EVENTS_BROKER) scripts/services
	@scripts/tools
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  TEST_EVENTS_BROKER=$(TEST_EVENTS_BROKER) .venv/bin/pytest $(PYTEST_ARGS)
	@if [ -z "$(PYTEST_ARGS)" ]; then $(MAKE) --no-print-directory rehearse-extraction; fi

# Load benchmarks over HTTP on PostgreSQL and Redis (figures and ratios; not tests).
bench: setup
	@scripts/services
	@scripts/bench-tools
	$(PY) -m bench.run $(BENCH_ARGS)

# Extraction rehearsal (after the full suite): each app's tests pass in a process that
# serves that app alone (SHOP_APPS), with only its own database; the other apps'
# contracts are bound to the fakes its tests use.
rehearse-extraction:
	@for app in inventory orders payments; do \
		echo "SHOP_APPS=$$app pytest tests/$$app"; \
		SHOP_APPS=$$app DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
			.venv/bin/pytest tests/$$app || exit 1; \
	done
