#!/usr/bin/env bash
# Everything `make test` runs, in order of cost: static checks, dialogue test stories, then
# pytest (unit, NLU held-out evaluation, REST/shell/browser end-to-end against real servers).
# Usage: test.sh VENV MODEL
set -euo pipefail
venv=$1
model=$2
shift 2  # the rest goes to pytest
cd "$(dirname "$0")/.."
mkdir -p reports
start=$(date +%s)

echo "==> content store and lookup tables in sync"
"$venv/bin/python" scripts/sync_lookups.py --check

echo "==> rasa data validate"
"$venv/bin/rasa" data validate --quiet --fail-on-warnings

echo "==> test stories (rasa test core --fail-on-prediction-errors)"
"$venv/bin/rasa" test core --model "$model" --stories tests/stories --fail-on-prediction-errors \
  --out reports/core --quiet

echo "==> dependency audit (pip-audit, own venv; known unfixable findings: requirements/audit-ignore.txt)"
scripts/audit.sh

echo "==> content check (every suggestion button, section, entity)" && "$venv/bin/python" scripts/check_content.py

echo "==> pytest"
"$venv/bin/python" -m pytest "$@"
echo "==> make test finished in $(( $(date +%s) - start ))s"
