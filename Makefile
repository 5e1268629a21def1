# catalogue-sync: `make demo` and `make test` do all set-up themselves on Debian/Ubuntu.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export CATALOGUE_SYNC_TEST_DATABASE_URL ?= postgresql+psycopg://catalogue_sync:catalogue_sync@127.0.0.1:5432/catalogue_sync_test
export CATALOGUE_SYNC_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test lint check services browser venv bench fuzz clean

demo: $(INSTALLED) services
	scripts/demo.sh

test: $(INSTALLED) services browser
	$(BIN)/pytest
	$(MAKE) --no-print-directory lint

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/mypy

services:
	scripts/ensure-services.sh

# Chromium, chromedriver and axe-core (node_modules) for the accessibility tests.
browser:
	scripts/ensure-browser.sh

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

bench: $(INSTALLED) services
	$(BIN)/python bench/harvest.py

# A long fuzz of every reader of outside input (MARC, OAI-PMH, KBART, ...); the test suite
# runs a small fixed budget of each (tests/fuzzing.py). Every tests/**/test_fuzz_*.py is one.
FUZZ_EXAMPLES ?= 10000
FUZZ_TESTS = $(shell find tests -name 'test_fuzz_*.py' | sort)
fuzz: $(INSTALLED)
	CATALOGUE_SYNC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider $(FUZZ_TESTS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info node_modules
