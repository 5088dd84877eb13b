#!/usr/bin/env bash
# `make evaluate`: Rasa's own evaluation of the trained model, written to reports/evaluation/
# (git-ignored): `rasa test nlu` on the held-out set (intent and entity reports, confusion
# matrices and confidence histograms as PNG) and `rasa test core` on the test stories
# (story confusion matrix, failed stories), then a Markdown summary of the numbers; then the
# held-out conversation set (tests/conversations/) on the project and on the bench's peer side
# by side (scripts/evaluate_conversations.py: conversations.md, .json, .png).
# Usage: evaluate.sh VENV MODEL
set -euo pipefail
venv=$1
model=$2
cd "$(dirname "$0")/.."
out=reports/evaluation
heldout=tests/nlu_heldout.yml
stories=tests/stories
[[ -f "$model" ]] || { echo "No model at $model: run 'make train' first." >&2; exit 1; }
[[ -f "$heldout" ]] || { echo "No held-out NLU set at $heldout." >&2; exit 1; }
[[ -d "$stories" ]] || { echo "No test stories in $stories." >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)

echo "==> rasa test nlu on $heldout"
"$venv/bin/rasa" test nlu --model "$model" --nlu "$heldout" --out "$out/nlu" --successes \
  > "$out/nlu.log" 2>&1 || { tail -30 "$out/nlu.log" >&2; exit 1; }

echo "==> rasa test core on $stories"
# Prediction errors are findings for the report, not a failure of `make evaluate`
# (`make test` is where wrong predictions fail the build).
"$venv/bin/rasa" test core --model "$model" --stories "$stories" --out "$out/core" --successes \
  > "$out/core.log" 2>&1 || { tail -30 "$out/core.log" >&2; exit 1; }

"$venv/bin/python" scripts/evaluation_summary.py "$out" --model "$model" > "$out/summary.md"
cat "$out/summary.md"

echo "==> held-out conversations over REST: the project vs Rasa's default pipeline (the bench's peer)"
# Starts and stops its own servers on free ports; the peer's model is cached by its inputs' hash.
"$venv/bin/python" scripts/evaluate_conversations.py --model "$model" --out "$out"
echo "==> reports in $out/ (PNG plots, JSON reports, summary.md, conversations.md) in $(( $(date +%s) - start ))s"
