# The two commands of the README's quick start:
#   make lab    install (once) and open the course in JupyterLab
#   make test   install the test tools (once) and run the whole test suite (lint, unit, notebooks, browser)
# Each target builds its own virtual environment in .venv, so either one works first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: lab test lint bench data execute clean help

help:
	@echo "make lab    - open the course in JupyterLab (installs into $(VENV) on first use)"
	@echo "make test   - lint + unit tests + every notebook under nbval + the browser test"
	@echo "make bench  - run the benchmarks and write benchmarks/results.md"
	@echo "make data   - download full MNIST into the cache (run once before an offline workshop)"
	@echo "make execute - re-run every notebook top to bottom in a fresh kernel and store its outputs"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed; found: $$($(PYTHON) --version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp file per set of extras: re-installs when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$*]"
	@touch $@

# scripts/lab.py prints the address to open (with its token) and copes with root, no display and a
# taken port 8888. Its options go in LAB_ARGS, e.g. make lab LAB_ARGS=--print-command
LAB_ARGS ?=

lab: $(VENV)/.installed-lab
	$(BIN)/python scripts/lab.py $(LAB_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check helpers tests solutions benchmarks notebooks scripts

# The tests and the stored notebook outputs use the offline MNIST sample: no network, same digits.
# Two pytest workers share two cores, so each gets one BLAS thread: more threads than cores make
# OpenBLAS spin-wait, and a 7 s notebook then takes minutes.
TEST_ENV := HELPERS_MNIST_SOURCE=sample OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

test: lint
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 --dist loadscope \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(PYTEST_ARGS)

bench: $(VENV)/.installed-test $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

data: $(VENV)/.installed-lab
	$(BIN)/python -m helpers.data --download

execute: $(VENV)/.installed-test
	cd notebooks && for nb in [0-9][0-9]*_*.ipynb; do \
		echo "$$nb"; $(TEST_ENV) ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
