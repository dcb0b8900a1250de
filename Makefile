# Two commands: `make run` opens the window, `make test` runs the checks. Both create .venv
# on first use and reuse it afterwards; dependencies are reinstalled only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint contracts typecheck pytest screenshots translations icons bench mutate clean-venv package package-test dist

run: $(VENV)/.installed-app
	$(BIN)/workbench

test: $(VENV)/.installed-test lint contracts typecheck pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check workbench tests bench packaging

# The floors' import contracts ([tool.importlinter] in pyproject.toml).
contracts: $(VENV)/.installed-test
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy workbench bench packaging

pytest: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Workbench needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The window with every feature: ONNX export included.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[onnx]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-app

clean-venv:
	rm -rf $(VENV)

screenshots: $(VENV)/.installed-app
	$(BIN)/python -m workbench.gui.screenshots docs

# Benchmarks (not part of the tests): QUICK=1 for a two-minute run, DEVICE=cuda on a GPU machine,
# ONLY=scaling for the DDP scaling section alone (bench/results/latest-scaling[-cuda].md), ONLY=lr_finder
# for the learning-rate finder's check on every offline preset (bench/results/latest-lr_finder.md),
# ONLY=health for what measuring layer health costs (bench/results/latest-health.md), ONLY=sweep for a
# sweep's runs in parallel processes against one after another (bench/results/latest-sweep.md),
# ONLY=startup for the window's first seconds: shown, Train usable, the first curve point, Stop
# (bench/results/latest-startup.md).
bench: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench $(if $(QUICK),--quick) $(if $(DEVICE),--device $(DEVICE)) $(if $(ONLY),--only $(ONLY))

# Mutation testing of the spec and engine floors (see README, Development): the files changed
# since SINCE (a commit; default HEAD, the uncommitted changes), or FILES="workbench/engine/x.py ...".
mutate: $(VENV)/.installed-mutate
	$(BIN)/python -m tests.mutation --since $(or $(SINCE),HEAD) $(FILES)

$(VENV)/.installed-mutate: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet -e ".[test,mutate]"
	touch $@

# The gettext catalogs (workbench/i18n.py): the sentences marked with _(), N_() and ngettext() in
# the code and those the forms show from the spec's metadata (workbench/i18n_extract.py), merged
# into every language's .po (new ones untranslated, gone ones dropped), then compiled to the .mo
# files Workbench reads. Translate the new entries, then run it again.
translations: $(VENV)/.installed-test
	$(BIN)/python -m workbench.i18n_extract workbench/locale/workbench.pot
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --width 100 -i workbench/locale/workbench.pot -d workbench/locale -D workbench
	# A fixed date: the files change only when a sentence does.
	sed -i 's/^"POT-Creation-Date: .*/"POT-Creation-Date: 2026-01-01 00:00+0000\\n"/' workbench/locale/*/LC_MESSAGES/workbench.po
	$(BIN)/pybabel compile -d workbench/locale -D workbench --statistics

# The application icon's PNG sizes, rendered from resources/icons/workbench.svg (packaging/README.md).
icons: $(VENV)/.installed-app
	$(BIN)/python packaging/render_icons.py

# The wheel and the source distribution a release publishes (.github/workflows/release.yml does the
# same on a tag): dist/neural_workbench-VERSION-py3-none-any.whl and dist/neural_workbench-VERSION.tar.gz.
dist: | $(BIN)/python
	$(BIN)/python -m pip install --quiet build
	rm -f dist/neural_workbench-*
	$(BIN)/python -m build --outdir dist .

# A standalone bundle that runs with no Python installed (dist/workbench/) and a .deb made from it
# (packaging/README.md). Slow and gigabytes big: not part of `make test`. It installs the package
# and PyInstaller into an environment of its own, so the bundle holds nothing of .venv.
PACKAGE_VENV := build/package-venv
package:
	rm -rf $(PACKAGE_VENV) dist/workbench dist/neural-workbench_*.deb
	$(PYTHON) -m venv $(PACKAGE_VENV)
	$(PACKAGE_VENV)/bin/python -m pip install --quiet ".[onnx]" "pyinstaller>=6.10"
	$(PACKAGE_VENV)/bin/python packaging/bundle.py

# Runs the built bundle as a user without Python would (INSTALL=1, as root: installs the .deb too).
package-test: $(VENV)/.installed-app
	$(BIN)/python packaging/bundle_test.py $(if $(INSTALL),--install)
