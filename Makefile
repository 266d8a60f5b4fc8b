# Kewei: the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
KEWEI := $(BIN)/kewei
DEMO_CUSTOMERS ?= 20000
DEMO_SEED ?= 20261126
BENCH_SCALE ?= 10000
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint bench messages lock clean

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Kewei 需要 Python 3.11 或更高版本 / Kewei needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.base: $(VENV)/.python-ok requirements/base.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(VENV)/.dev: $(VENV)/.base requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.txt
	@touch $@

demo: $(VENV)/.base
	$(KEWEI) migrate --noinput
	$(KEWEI) collectstatic --noinput --verbosity 0
	$(KEWEI) seed_demo --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED)
	$(KEWEI) serve_demo $(HOST):$(PORT)

test: $(VENV)/.dev
	$(BIN)/python -m kewei.testing.run_suite

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(KEWEI) schedule --check deploy/systemd
	$(BIN)/python -m kewei.cli makemigrations --check --dry-run
	$(BIN)/python -m kewei.testing.deploy_check

bench: $(VENV)/.dev
	$(BIN)/python -m kewei.bench.run --scale $(BENCH_SCALE)

messages: $(VENV)/.dev
	cd kewei && ../$(KEWEI) makemessages --locale en --no-obsolete --no-location
	$(BIN)/python -m kewei.testing.compile_messages

# Re-pin requirements/*.txt (with hashes) from pyproject.toml.
lock: $(VENV)/.dev
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements/base.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements/dev.txt

clean:
	rm -rf $(VENV) var
