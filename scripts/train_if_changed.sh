#!/usr/bin/env bash
# Train only when the training inputs changed: a hash of config, domain, data and the Rasa
# version is kept next to the model. Usage: train_if_changed.sh RASA_BIN MODEL_PATH
set -euo pipefail
rasa_bin=$1
model=$2
cd "$(dirname "$0")/.."
inputs_hash() {
  { "$rasa_bin" --version 2>/dev/null | grep -E '^Rasa Version'; cat config.yml domain.yml;
    find data -type f -name '*.yml' | LC_ALL=C sort | xargs cat; } | sha256sum | cut -d' ' -f1
}
hash=$(inputs_hash)
stamp="${model%.tar.gz}.sha256"
if [[ -f "$model" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  echo "==> model up to date ($model): data and config unchanged, not retraining"
  exit 0
fi
echo "==> training a new model (data or config changed)"
mkdir -p "$(dirname "$model")"
start=$(date +%s)
"$rasa_bin" train --fixed-model-name "$(basename "$model" .tar.gz)" --out "$(dirname "$model")" --quiet
echo "$hash" > "$stamp"
echo "==> trained $model in $(( $(date +%s) - start ))s"
