# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# PostgreSQL used by the test suite's second half (each run creates its own database).
ONEGATE_TEST_POSTGRES ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export ONEGATE_TEST_POSTGRES

.PHONY: run test lint security venv dev-venv bench bench-servers bench-micro cluster \
	test-cluster load fuzz clean

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

# Static security checks and known-vulnerability audit of the pinned dependencies.
# bandit's skipped test ids are justified in pyproject.toml ([tool.bandit]).
# pip-audit asks PyPI's vulnerability data about every pin in constraints.txt; ignored
# advisories go in PIP_AUDIT_IGNORE as --ignore-vuln ID, each with its reason here
# (none today). tools/dependency_audit.py prints what it found and how many pins it
# could look up at all; `make security PIP_AUDIT_FLAGS=--strict` fails when some
# could not be looked up.
PIP_AUDIT_IGNORE :=
PIP_AUDIT_FLAGS ?=
security: dev-venv
	$(BIN)/bandit -q -c pyproject.toml -r edge keys identifiers audit idp credentials verify admin
	$(BIN)/python tools/dependency_audit.py $(BIN)/pip-audit $(PIP_AUDIT_FLAGS) $(PIP_AUDIT_IGNORE)

test: lint security
	ONEGATE_TEST_DB=sqlite $(BIN)/python -m pytest -n 2 --dist loadfile -p no:cacheprovider
	ONEGATE_TEST_DB=postgresql $(BIN)/python -m pytest -n 2 --dist loadfile -p no:cacheprovider

# Schemathesis over /api/v1/openapi.json, long: 50,000 cases per run, a new seed each time
# (make test runs the same tests with 2,000 cases and a fixed seed).
fuzz: dev-venv
	ONEGATE_FUZZ_CASES=$${ONEGATE_FUZZ_CASES:-50000} ONEGATE_FUZZ_SEED=$${ONEGATE_FUZZ_SEED:-random} \
		ONEGATE_TEST_DB=sqlite $(BIN)/python -m pytest -p no:cacheprovider tests/admin/test_api_fuzz.py

# onegate beside its references in one run, as ratios against issue 9's targets
# (docs/PERFORMANCE.md): `make bench QUICK=1 ONLY=jwks,token BENCH_DB=postgresql SERVER=gevent`.
# Needs wrk and taskset (apt-get install -y wrk); results in bench/results/. NODE=1 adds
# node-oidc-provider (bench/node/, npm ci from its lock file) beside token and introspect;
# it needs node and npm (apt-get install -y nodejs npm), make bench without it does not.
BENCH_DB ?= sqlite
BENCH_FLAGS = --db $(BENCH_DB) $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY)) \
	$(if $(SERVER),--server $(SERVER)) $(if $(NODE),--node)
bench: dev-venv
	$(BIN)/python bench/http_bench.py $(BENCH_FLAGS)

# The WSGI servers side by side on the hot endpoints (jwks, token, verify).
bench-servers: dev-venv
	$(BIN)/python bench/servers.py --db $(BENCH_DB) $(if $(QUICK),--quick)

# Two `onegate serve` processes on PostgreSQL and Redis behind HAProxy (Debian's
# package), from nothing; Ctrl-C stops it and drops its database. tests/reliability/
# test_cluster.py (part of make test's PostgreSQL half) starts the same cluster.
cluster: dev-venv
	$(BIN)/python bench/cluster.py $(if $(SERVER),--server $(SERVER))

test-cluster: dev-venv
	ONEGATE_TEST_DB=postgresql $(BIN)/python -m pytest -p no:cacheprovider tests/reliability/test_cluster.py

# In-process micro-benchmarks: issuance, status lists, QR rendering, verification.
bench-micro: dev-venv
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick)

# 60 s at 64 connections on the token, verify and issuance endpoints of a live server
# on loopback (make test runs the same test for 5 s at 16); prints p50/p99 and rates.
LOAD_DB ?= postgresql
LOAD_SECONDS ?= 60
LOAD_CONNECTIONS ?= 64
load: dev-venv
	ONEGATE_TEST_DB=$(LOAD_DB) ONEGATE_LOAD_SECONDS=$(LOAD_SECONDS) \
	ONEGATE_LOAD_CONNECTIONS=$(LOAD_CONNECTIONS) \
	$(BIN)/python -m pytest -p no:cacheprovider tests/reliability/test_load.py

clean:
	rm -rf $(VENV) build *.egg-info
