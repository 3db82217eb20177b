# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# PostgreSQL used by the test suite's second half (each run creates its own database).
ONEGATE_TEST_POSTGRES ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export ONEGATE_TEST_POSTGRES

.PHONY: run test lint venv dev-venv bench clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev

# init and serve see the same address, so the issuer URL (http://HOST:PORT unless
# ONEGATE_ISSUER says otherwise) is the one the demo data and the wallet are made for.
run: venv
	ONEGATE_HOST=$(HOST) ONEGATE_PORT=$(PORT) $(BIN)/onegate init --demo
	ONEGATE_HOST=$(HOST) ONEGATE_PORT=$(PORT) $(BIN)/onegate serve

lint: dev-venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	ONEGATE_TEST_DB=sqlite $(BIN)/python -m pytest -n 2 --dist loadfile -p no:cacheprovider
	ONEGATE_TEST_DB=postgresql $(BIN)/python -m pytest -n 2 --dist loadfile -p no:cacheprovider

# Schemathesis over /api/v1/openapi.json, long: 50,000 cases per run, a new seed each time
# (make test runs the same tests with 2,000 cases and a fixed seed).
fuzz: dev-venv
	ONEGATE_FUZZ_CASES=$${ONEGATE_FUZZ_CASES:-50000} ONEGATE_FUZZ_SEED=$${ONEGATE_FUZZ_SEED:-random} \
		ONEGATE_TEST_DB=sqlite $(BIN)/python -m pytest -p no:cacheprovider tests/admin/test_api_fuzz.py

bench: dev-venv
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info
