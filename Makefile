# Two commands: `make run` opens the window, `make test` runs the checks. Both create .venv
# on first use and reuse it afterwards; dependencies are reinstalled only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint contracts typecheck pytest screenshots bench mutate clean-venv

run: $(VENV)/.installed-app
	$(BIN)/workbench

test: $(VENV)/.installed-test lint contracts typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check workbench tests bench

# The floors' import contracts ([tool.importlinter] in pyproject.toml).
contracts: $(VENV)/.installed-test
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy workbench bench

pytest: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Workbench needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-app

clean-venv:
	rm -rf $(VENV)

screenshots: $(VENV)/.installed-app
	$(BIN)/python -m workbench.gui.screenshots docs

# Benchmarks (not part of the tests): QUICK=1 for a two-minute run, DEVICE=cuda on a GPU machine.
bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench $(if $(QUICK),--quick) $(if $(DEVICE),--device $(DEVICE))

# Mutation testing of the spec and engine floors (see README, Development): the files changed
# since SINCE (a commit; default HEAD, the uncommitted changes), or FILES="workbench/engine/x.py ...".
mutate: $(VENV)/.installed-mutate
	$(BIN)/python -m tests.mutation --since $(or $(SINCE),HEAD) $(FILES)

$(VENV)/.installed-mutate: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e ".[test,mutate]"
	touch $@
