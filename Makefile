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
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export ACTION_HOST ?= localhost
export WIDGET_PORT ?= 8080
export LOCK_STORE_TYPE ?= stores.memory_lock_store.ShortWaitInMemoryLockStore
export LOCK_STORE_URL ?=
# Conversations (endpoints.yml tracker_store): an SQLite file by default; PostgreSQL via
# TRACKER_DIALECT=postgresql TRACKER_HOST=host:port TRACKER_DB=... TRACKER_USER=... TRACKER_PASSWORD=...
export TRACKER_DIALECT ?= sqlite
export TRACKER_HOST ?=
export TRACKER_DB ?= $(CURDIR)/models/tracker.db
export TRACKER_USER ?=
export TRACKER_PASSWORD ?=
# The action server has no authentication: it listens on loopback only.
export ACTION_BIND ?= 127.0.0.1
# Rasa (REST + socket.io) listens on loopback too; RASA_BIND=0.0.0.0 exposes it (README "Reverse proxy").
export RASA_BIND ?= 127.0.0.1

.PHONY: audit help install install-test train run shell test validate thresholds followups bench evaluate constraints clean cluster bench-cluster widget browser-deps nginx-deps prune

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

run: train widget ## train if needed, then start actions (5055), Rasa (5005) and the widget page (8080)
	@scripts/run.sh $(VENV) $(MODEL)

cluster: train ## REPLICAS Rasa servers (default 2: ports 5005, 5006) + actions on local PostgreSQL/Redis
	@scripts/cluster.sh $(VENV) $(MODEL)

shell: install ## chat in the terminal (start `make run` first, or it starts the actions itself)
	@scripts/shell.sh $(VENV) $(MODEL)

thresholds: install ## choose FallbackClassifier thresholds by cross-validation (~5 min)
	$(PY) scripts/fallback_thresholds.py

followups: train install-test ## choose the follow-up rule (actions/context.py) on the development conversations (~1 min a setting)
	$(PY) scripts/tune_followups.py --model $(MODEL)

# The chat page: npm packages from package-lock.json (again only when it changes), built into widget/dist.
widget/node_modules/.installed: widget/package-lock.json widget/package.json
	@command -v npm >/dev/null || { echo "npm not found: the chat page needs Node.js 18+ and npm (e.g. 'apt-get install nodejs npm')"; exit 1; }
	@echo "==> installing the chat widget's npm packages (npm ci)"
	cd widget && npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

widget/dist/index.html: widget/node_modules/.installed $(wildcard widget/*.html widget/*.css widget/*.js widget/*.mjs)
	@cd widget && npm run --silent build

widget: widget/dist/index.html ## build the chat page into widget/dist (npm ci when package-lock.json changed)

browser-deps: ## Debian's chromium for the browser tests (apt-get, only when /usr/bin/chromium is missing)
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "==> installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium; \
	fi

nginx-deps: ## Debian's nginx for the reverse-proxy test (apt-get, only when /usr/sbin/nginx is missing)
	@if [ ! -x /usr/sbin/nginx ]; then \
	  echo "==> installing Debian's nginx for the reverse-proxy test"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends nginx; \
	fi

validate: install ## check the training data and domain for conflicts
	$(RASA) data validate --fail-on-warnings

test: install-test train widget browser-deps nginx-deps ## run every test suite against real servers
	@scripts/services.sh
	@scripts/test.sh $(VENV) $(MODEL)

bench: install-test ## vs Rasa's default config, then 2 replicas vs 1 (~16 min, +5-15 first time; reports/bench/)
	@$(PY) scripts/sync_lookups.py >/dev/null
	@$(PY) -m bench.run $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-cluster

bench-cluster: install-test train ## 2 replicas vs 1 on PostgreSQL + Redis: throughput, p95, lost events (~6 min)
	@scripts/services.sh
	@$(PY) -m bench.cluster $(BENCH_CLUSTER_ARGS)

evaluate: install train ## Rasa's NLU and dialogue evaluation, held-out conversations vs the peer (+5-15 min first time; reports/evaluation/)
	@scripts/evaluate.sh $(VENV) $(MODEL)

prune: install ## delete conversations idle for ISK_RETENTION_DAYS (30) from the tracker store
	@$(PY) scripts/prune.py $(PRUNE_ARGS)

.PHONY: review check-content
review: install ## what readers asked, from the tracker store: reports/review/ (REVIEW_ARGS="--since 2021-09-01 --until ...")
	@$(PY) scripts/review.py $(REVIEW_ARGS)

check-content: install train ## walk every suggestion button through the assistant; map in reports/content/map.png
	@$(PY) scripts/check_content.py $(CHECK_CONTENT_ARGS)

audit: ## check pinned dependencies for known vulnerabilities (pip-audit in .venv-audit)
	@scripts/audit.sh

constraints: install-test ## re-pin every transitive dependency after changing requirements/
	$(PY) -m pip freeze --all | grep -v -E '^(rasa|rasa-sdk|PyYAML|pip|wheel)==' | sed '1i # Every transitive package pinned, as resolved together on Python 3.10 (pip freeze).\n# Regenerate: make constraints' > requirements/constraints.txt

clean: ## remove models, reports and the virtualenv
	rm -rf models reports $(VENV) .venv-audit .pytest_cache
