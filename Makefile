# Model Steward: every target installs what it needs on a fresh machine.
SHELL := /bin/bash
export SAM_CLI_TELEMETRY := 0
.DEFAULT_GOAL := help

VENV       := .venv
BIN        := $(VENV)/bin
PY         := $(BIN)/python
STAMP      := $(VENV)/.installed
REGION     ?= eu-west-1
BROWSER    := /usr/bin/chromium
# The Lambda runtime is python3.13: `sam build` needs that interpreter on PATH.
PY313_DIR   = $(shell d=$$(dirname "$$(scripts/find-python)"); [ -x "$$d/python3.13" ] && echo "$$d")

.PHONY: help dev lint format test unit integration demo local build lock deploy bench bench-cli bench-package bench-diagnostics bench-watch bench-sitewise clean browser

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

dev: $(STAMP) ## create .venv with the package (editable) and its dev tools; provides .venv/bin/steward

format: $(STAMP) ## format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint: $(STAMP) ## ruff, mypy, import contracts, sam validate --lint, checkov
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/sam validate --lint --template template.yaml --region $(REGION)
	scripts/checkov

unit: $(STAMP) ## pure tests, the service suite on in-memory fakes, contract and emulator tests (no local stack)
	$(BIN)/pytest tests/unit tests/service tests/contract tests/adapters tests/emulator

integration: $(STAMP) ## tests through the local stack (template deployed into moto + emulator)
	$(BIN)/pytest tests/integration

browser: ## Debian's chromium for the report's browser test (apt-get as root; without it the test skips)
	@if [ -x $(BROWSER) ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "make browser: no $(BROWSER), and no apt-get as root to install it: the browser test will skip"; fi

test: dev lint browser ## everything CI checks: dev, lint, all tests (random order: PYTEST_ARGS=--randomly-seed=N repeats one)
	$(BIN)/pytest $(PYTEST_ARGS)

demo: $(STAMP) ## run Model Steward locally (moto + Lookout for Equipment emulator)
	$(PY) -m emulators.demo

local: $(STAMP) ## the local stack with the demo fleet until Ctrl-C; `source .local/env` to use steward on it
	$(PY) -m emulators.local

bench: $(STAMP) ## all benchmarks (print figures; never timed tests)
	PATH="$(PY313_DIR):$$PATH" $(PY) -m benchmarks.run

bench-package: $(STAMP) ## Lambda package size and cold import per function, CLI start
	PATH="$(PY313_DIR):$$PATH" $(PY) -m benchmarks.package_bench
	PATH="$(PY313_DIR):$$PATH" $(PY) -m benchmarks.coldstart_bench

bench-cli: $(STAMP) ## how long `steward` takes to start (whole processes)
	$(PY) -m benchmarks.cli_start_bench

bench-diagnostics: $(STAMP) ## diagnostics summary vs gzip inflation, memory across file sizes
	$(PY) -m benchmarks.diagnostics_bench

bench-watch: $(STAMP) ## Lookout calls and wall time per tick for 1,000 watched models
	$(PY) -m benchmarks.watch_bench

bench-sitewise: $(STAMP) ## SiteWise calls and wall time per tick for 200 units
	$(PY) -m benchmarks.sitewise_bench

build: $(STAMP) ## sam build: one package per function, checked (size, bytecode, SDK, imports)
	@test -n "$(PY313_DIR)" || { echo "make build: python3.13 not found (the Lambda runtime)"; exit 1; }
	PATH="$(PY313_DIR):$$PATH" $(BIN)/sam build --no-cached --template template.yaml
	$(PY) -m scripts.lambda_package check .aws-sam/build

lock: $(STAMP) ## pin what functions/requirements.txt resolves to for the Lambda runtime
	$(PY) -m scripts.lambda_package lock

deploy: build ## sam deploy (CONFIG_ENV=default|prod)
	$(BIN)/sam deploy --config-env $${CONFIG_ENV:-default}

clean: ## remove build output and caches (keeps .venv)
	rm -rf .aws-sam demo-output .local .pytest_cache .mypy_cache .ruff_cache .hypothesis
