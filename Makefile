# The two commands of the README's quick start:
#   make lab    install (once) and open the course in JupyterLab
#   make test   install the test tools (once) and run the whole test suite
# Each target builds its own virtual environment in .venv, so either one works first.
# Without make, see the README: python -m venv .venv, pip install -e ".[lab]", jupyter lab.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: lab check test fragility lint bench data execute constraints floors clean help

help:
	@echo "make lab         open the course in JupyterLab (installs into $(VENV) on first use)"
	@echo "make check       the fast loop: lint and the unit tests, no notebooks, no browser (< 1 min)"
	@echo "make test        lint, unit tests, every notebook under nbval, the browser test"
	@echo "make fragility   every notebook under nbval again, its data nudged by one ulp up, then down"
	@echo "make execute     re-run every notebook (or NB=notebooks/01_...ipynb) and store its outputs"
	@echo "make constraints refresh constraints.txt, the versions make test installs"
	@echo "make floors      the unit tests with the lowest versions pyproject.toml allows (one-off)"
	@echo "make bench       the benchmarks, written to benchmarks/results.md"
	@echo "make data        download full MNIST into the cache (once, before an offline workshop)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed; found: $$($(PYTHON) --version)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make lab` installs current versions for learners; `make test` the versions it was checked with
# (constraints.txt), so a new release of numpy, matplotlib or ipywidgets cannot turn an
# instructor's CI red overnight. Each stamp re-installs when its inputs change.
$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	@touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]" -c constraints.txt
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
PYTEST := $(TEST_ENV) $(BIN)/python -m pytest -p no:cacheprovider
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

check: lint
	$(PYTEST) -n 2 -m "not notebook and not browser and not slow" tests $(PYTEST_ARGS)

# Notebooks and unit tests on two workers, then the browser test on a quiet machine.
# TESTS narrows the first run, e.g. make test TESTS=notebooks (then the browser test is skipped).
TESTS ?= tests notebooks
test: lint
	$(PYTEST) -n 2 --dist loadscope $(NBVAL) -m "not browser" $(TESTS) $(PYTEST_ARGS)
	@if [ "$(TESTS)" = "tests notebooks" ]; then $(PYTEST) -m browser tests/browser $(PYTEST_ARGS); fi

# The fragility check: every notebook again, its floats nudged by one unit in the last place from
# outside (tests/fragility/nudge_startup.py, an IPython startup file in a temporary IPYTHONDIR).
# A stored output that changes names its cell: it depends on rounding, as on another CPU.
fragility: $(VENV)/.installed-test
	@for direction in up down; do \
		dir=$$(mktemp -d) && mkdir -p $$dir/profile_default/startup && \
		cp tests/fragility/nudge_startup.py $$dir/profile_default/startup/00-nudge.py && \
		echo "fragility check: data nudged $$direction by one ulp" && \
		IPYTHONDIR=$$dir HELPERS_NUDGE=$$direction $(PYTEST) -n 2 --dist loadscope $(NBVAL) \
			notebooks $(PYTEST_ARGS) || exit 1; \
	done

NB ?= notebooks/[0-9D]*_*.ipynb
execute: $(VENV)/.installed-test
	@for nb in $(NB); do echo "$$nb"; \
		$(TEST_ENV) $(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; \
	done

# Refresh the pinned test versions: a fresh environment with the newest versions pyproject.toml
# allows, checked with `make test`, then frozen. Commit constraints.txt when the tests pass.
constraints: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade -e ".[test]"
	{ echo "# The versions make test installs (pip install -c). Refresh: make constraints, then make test."; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e'; } > constraints.txt
	@touch $(VENV)/.installed-test
	@echo "constraints.txt refreshed; now run make test and commit it if the tests pass"

# The lowest versions pyproject.toml allows, in a separate environment (one-off, needs network).
floors:
	rm -rf .venv-floors && $(PYTHON) -m venv .venv-floors
	.venv-floors/bin/python -m pip install --quiet uv
	.venv-floors/bin/python -m uv pip install --python .venv-floors/bin/python \
		--resolution lowest-direct -e ".[test]"
	$(TEST_ENV) .venv-floors/bin/python -m pytest -p no:cacheprovider -n 2 \
		-m "not notebook and not browser" tests

bench: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks

data: $(VENV)/.installed-lab
	$(BIN)/python -m helpers.kit.data --download

clean:
	rm -rf $(VENV) .venv-floors test-artifacts
