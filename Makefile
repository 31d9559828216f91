# The two commands: `make run` and `make test`. Each bootstraps .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEPS_HASH := $(shell cat pyproject.toml requirements*.lock 2>/dev/null | cksum | cut -d' ' -f1)
RUN_STAMP := $(VENV)/.run-$(DEPS_HASH)
TEST_STAMP := $(VENV)/.test-$(DEPS_HASH)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench install browser audit lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` needs only the runtime packages; `make test` adds the test tools.
# Dependencies come from hash-pinned lock files (regenerate with `make lock`).
$(RUN_STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.run-*; touch $@

$(TEST_STAMP): pyproject.toml requirements-test.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.test-* $(VENV)/.run-*; touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/bri-tracker serve --seed --host $(HOST) --port $(PORT)

browser:
	@scripts/ensure-chromium.sh

# `make test` checks that the audit cannot claim success without auditing (tests/test_audit.py);
# the audit itself needs PyPI's vulnerability data over the network: `make audit`.
test: $(TEST_STAMP) browser
	$(BIN)/ruff check app tests bench
	$(BIN)/mypy app
	$(BIN)/pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy app

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/soak.py

# Fails (exit 2) when it could not audit every locked package, e.g. PyPI unreachable.
audit: $(TEST_STAMP)
	$(BIN)/python scripts/audit.py

lock: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet uv==0.13.9
	$(BIN)/uv pip compile pyproject.toml -q --generate-hashes --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml -q --extra test --generate-hashes --python-version 3.11 -o requirements-test.lock

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
