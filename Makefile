# Relais 211 — the two commands: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export UV_PYTHON_DOWNLOADS := never
export TF_CPP_MIN_LOG_LEVEL := 3

.PHONY: install run test lint bench clean-models

$(BIN)/python:
	python3.10 -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml uv.lock
	$(BIN)/pip install -q uv
	# bytecode compiled once: this machine sets PYTHONDONTWRITEBYTECODE, so without it every
	# process (Rasa, actions, tests) would recompile torch and transformers (10-20 s each)
	$(BIN)/uv sync --frozen --compile-bytecode
	touch $@

widget/node_modules/.package-lock.json: widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund --loglevel=error

# Schemathesis checks the HTTP API against its OpenAPI document (tests/web/test_openapi_fuzz.py)
# from an environment of its own: it needs a jsonschema newer than Rasa allows.
SCHEMATHESIS := $(VENV)/schemathesis/bin/schemathesis
$(SCHEMATHESIS): tests/tools/schemathesis.txt | $(VENV)/.installed
	python3.10 -m venv $(VENV)/schemathesis
	$(BIN)/uv pip install -q --no-config --python $(VENV)/schemathesis/bin/python --require-hashes -r tests/tools/schemathesis.txt
	touch $@

install: $(VENV)/.installed widget/node_modules/.package-lock.json $(SCHEMATHESIS)
	@bash scripts/ensure-system-deps.sh

# The search encoder (bot/search/training/build.py): built once, a few minutes on CPU.
SEARCH_MODEL := models/search/relais-static/modules.json
$(SEARCH_MODEL): | $(VENV)/.installed
	$(BIN)/relais search build-model --if-missing

run: install $(SEARCH_MODEL)
	$(BIN)/relais run

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bot actions tests bench
	$(BIN)/mypy
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bot actions tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python -m bench

clean-models:
	rm -rf models/*.tar.gz
