# edu-wh: the two set-up commands are `make demo` and `make test` (README).
# Everything installs into .venv from the committed uv.lock with the machine's Python 3.11.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
TOOLS := .local/tools
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export UV_COMPILE_BYTECODE := 1

.PHONY: help install demo test test-source chromium down clean manifest airflow serve bench reliability lint lock

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(TOOLS)/bin/uv:
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	@$(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@

install: $(VENV)/.installed ## create .venv from uv.lock (uv, Python 3.11)

demo: install ## run the pipeline on the embedded sample through Airflow and publish a release
	@$(BIN)/edu-wh demo

test: install chromium lint ## lint, then the test suite against a real embedded PostgreSQL
	@$(BIN)/pytest

# A source's tests are one module, tests/ingest/test_<name>.py (parser, loading, staging, DAG, raw suite);
# the older sources that still keep their raw-suite tests apart have them in tests/expectations/test_raw_<name>.py.
test-source: install ## one source's tests and the DAG integrity checks: make test-source SOURCE=kato
	@test -n "$(SOURCE)" || { echo "usage: make test-source SOURCE=<name> (see edu-wh sources)"; exit 2; }
	@$(BIN)/pytest -n 0 $(wildcard tests/ingest/test_$(SOURCE).py tests/expectations/test_raw_$(SOURCE).py) \
		tests/dags/test_dag_integrity.py -k "$(SOURCE) or registered_source or dagbag"

# The portal's browser test drives Debian's headless Chromium; installed when missing and possible
# (root with apt-get), otherwise that one test is skipped with the reason.
chromium:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the portal's browser test"; \
		(apt-get install -y -qq chromium >/dev/null 2>&1 || \
		 (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) || \
		echo "could not install chromium: the browser test will be skipped"; \
	fi

reliability: install ## all reliability tests incl. the long ones; writes docs/RELIABILITY.md
	@$(BIN)/python -m tests.reliability.report --long

down: ## stop the embedded warehouse
	@if [ -x $(BIN)/edu-wh ]; then $(BIN)/edu-wh down; fi

clean: down ## stop and delete everything generated (.local, .venv, dbt target)
	@rm -rf .local $(VENV) dbt_project/target dbt_project/logs .pytest_cache

manifest: install ## build the dbt manifest the DAGs are rendered from
	@$(BIN)/edu-wh manifest

airflow: install manifest ## the Airflow UI on http://127.0.0.1:8080 (standalone, no Docker)
	@$(BIN)/edu-wh airflow-standalone

serve: install ## serve the current release's portal on http://127.0.0.1:8000
	@$(BIN)/edu-wh serve

bench: install ## benchmarks at scale 1 and 10; writes docs/BENCHMARKS.md
	@$(UV) sync --frozen --python $(PYTHON) --quiet --group bench
	@$(BIN)/python -m benchmarks.run

lint: install ## ruff (with Airflow AIR rules), ruff format, sqlfluff on the dbt models
	@$(BIN)/ruff check --quiet . && $(BIN)/ruff format --check --quiet . && $(BIN)/sqlfluff lint --quiet dbt_project/models

lock: ## re-resolve dependencies (needs the package registry)
	@$(UV) lock --python $(PYTHON)
