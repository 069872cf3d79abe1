# airflow-provider-starrocks developer commands. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
AIRFLOW_SPEC ?= apache-airflow==3.3.2
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(subst =,_,$(subst >,_,$(subst <,_,$(AIRFLOW_SPEC))))

.PHONY: help venv install chromium lint test demo clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null; \
		$(BIN)/python -m pip install -q --disable-pip-version-check uv; }
	$(BIN)/uv pip install -q --python $(BIN)/python -e ".[dev]" "$(AIRFLOW_SPEC)"
	@touch $@

venv: $(STAMP) ## Create or reuse the virtual environment only (no browser)

install: $(STAMP) chromium ## Create or reuse the virtual environment with the package and its test extras

# The browser tests (tests/ui) drive Debian's Chromium through playwright; never `playwright install`, which
# downloads a browser build of its own. Installed when missing, and always checked with apt-get in CI (CI=true),
# so that a machine which happens to have it cannot hide a broken install step. Without root the tests skip.
chromium: ## Install Debian's chromium and chromium-driver for the browser tests (as root, with apt-get)
	@missing=; [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || missing=1; \
	if [ -z "$$missing" ] && [ "$${CI:-}" != true ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
		if [ "$${CI:-}" = true ]; then echo "CI needs Chromium: run as root on Debian (apt-get)" >&2; exit 1; fi; \
		echo "No /usr/bin/chromium and no root apt-get: the browser tests (tests/ui) will be skipped"; exit 0; \
	fi; \
	{ [ -z "$$missing" ] || { echo "Installing Debian's chromium and chromium-driver"; apt-get update -qq; }; } && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null && \
	/usr/bin/chromium --version 2>/dev/null || { echo "apt-get could not install chromium" >&2; [ "$${CI:-}" != true ]; }

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
