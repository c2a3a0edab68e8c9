# Showdown: two commands on a fresh machine.
#   make run    set up .venv and run the whole pipeline (offline, from committed data), then build the site
#   make test   set up .venv and run the tests, including nbval over every notebook
# Other targets: make setup, make report, make collect (needs network), make lab, make clean.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: help setup run test report lab collect clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	$(PY) -m ipykernel install --sys-prefix --name showdown --display-name "Python 3 (showdown)" >/dev/null
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(TEST_STAMP)

setup: $(STAMP)  ## create .venv and install the project

EDITION ?= all

run: $(STAMP)  ## bring every step of every edition up to date (notebooks/steps.yaml), then build reports/site/
	$(PY) run_all.py --edition $(EDITION) $(ARGS)

# matplotlib keeps its font list in the project's own .cache, so a font cache left on the machine by another
# program cannot change what a chart cell prints.
test: $(TEST_STAMP)  ## unit tests, the papermill runs, and nbval over every notebook of every edition
	MPLCONFIGDIR=$(CURDIR)/.cache/matplotlib $(PY) -m pytest tests notebooks reports/notebooks --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg $(ARGS)

report: $(STAMP)  ## build the static site reports/site/ from the executed notebooks (open reports/site/index.html)
	$(PY) -m showdown_lib.present.site

lab: $(STAMP)  ## open the notebooks in JupyterLab
	$(VENV)/bin/jupyter lab notebooks

collect: $(STAMP)  ## re-collect today's edition from the network, then run it
	$(PY) run_all.py --edition current --refresh $(ARGS)

clean:  ## remove the virtual environment and caches (keeps data and reports)
	rm -rf $(VENV) .pytest_cache runs .cache
