# IS-K explainer assistant. `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 needs Python 3.10: take the first python3.10 that really runs (pyenv shims may not).
PYTHON310 ?= $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
MODEL := models/current.tar.gz

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export ACTION_HOST ?= localhost
export WIDGET_PORT ?= 8080

.PHONY: help install install-test train run shell test validate constraints clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.runtime: requirements/runtime.txt requirements/constraints.txt
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found. Rasa 3.6 needs it: install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv') or set PYTHON310=/path/to/python3.10"; exit 1; }
	@echo "==> creating $(VENV) with $(PYTHON310) and installing Rasa (a few minutes the first time)"
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --progress-bar on -r requirements/runtime.txt -c requirements/constraints.txt
	@touch $@

$(VENV)/.test: $(VENV)/.runtime requirements/test.txt
	@echo "==> installing test tools"
	$(PY) -m pip install --progress-bar on -r requirements/test.txt -c requirements/constraints.txt
	@touch $@

install: $(VENV)/.runtime ## create the virtualenv with pinned dependencies

install-test: $(VENV)/.test ## add what the tests need

train: install ## train a model only when data, domain or config changed
	@$(PY) scripts/sync_lookups.py >/dev/null
	@scripts/train_if_changed.sh $(RASA) $(MODEL)

run: train ## train if needed, then start actions (5055), Rasa (5005) and the widget page (8080)
	@scripts/run.sh $(VENV) $(MODEL)

shell: install ## chat in the terminal (start `make run` first, or it starts the actions itself)
	@scripts/shell.sh $(VENV) $(MODEL)

validate: install ## check the training data and domain for conflicts
	$(RASA) data validate --fail-on-warnings

test: install-test train ## run every test suite against real servers
	@scripts/test.sh $(VENV) $(MODEL)

constraints: install-test ## re-pin every transitive dependency after changing requirements/
	$(PY) -m pip freeze | grep -v -E '^(rasa|rasa-sdk|PyYAML)==' | sed '1i # Every transitive package pinned, as resolved together on Python 3.10 (pip freeze).\n# Regenerate: make constraints' > requirements/constraints.txt

clean: ## remove models, reports and the virtualenv
	rm -rf models reports $(VENV) .pytest_cache
