# airflow-provider-starrocks developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
AIRFLOW_SPEC ?= apache-airflow==3.3.2
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(subst =,_,$(subst >,_,$(subst <,_,$(AIRFLOW_SPEC))))

.PHONY: help install lint test demo clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null; \
		$(BIN)/python -m pip install -q --disable-pip-version-check uv; }
	$(BIN)/uv pip install -q --python $(BIN)/python -e ".[dev]" "$(AIRFLOW_SPEC)"
	@touch $@

install: $(STAMP) ## Create or reuse the virtual environment with the package and its test extras

lint: $(STAMP) ## Ruff (lint and format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint ## Lint, then the whole test suite against the local StarRocks stack
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP) ## Run the main example DAG against the local stack (or a real cluster, see README)
	$(BIN)/python -m airflow_provider_starrocks.testing.demo

clean: ## Remove the virtual environments and caches
	rm -rf .venv .venv-airflow2 .demo .pytest_cache .mypy_cache .ruff_cache
