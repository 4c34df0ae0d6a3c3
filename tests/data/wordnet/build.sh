#!/usr/bin/env bash
# Rebuilds this directory's interests.jsonl, messages.jsonl, labels.jsonl and split.jsonl from the WordNet 3.0
# database in Debian's wordnet-base package (needs `apt-get update` once, and dotnet). The output is the same on
# every run: `git diff --exit-code tests/data/wordnet` afterwards shows nothing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && apt-get download wordnet-base)
dpkg-deb -x "$work"/wordnet-base_*.deb "$work/package"
wordnet="$work/package/usr/share/wordnet"

# The WordNet 3.0 database files the committed set was built from (wordnet-base 1:3.0-37).
(cd "$wordnet" && sha256sum --check --quiet) <<'SUMS'
fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2  data.noun
adcf43e35b581e8036d8b5a52d63d9cd3d3b4870b2720d3c03c799df44777bc2  data.verb
c89120dfc1f046ddff4a631bf9b7e9fa1a36b5e86565a23bf82dbe14f30b88a7  data.adj
444a63bf3955080ab7524f5079cfc07ff9bc682cb98bdb1db73b0fb9829f1139  data.adv
SUMS

dotnet run --project "$root/Silos/StreamAttention.Silo" -c Release -- eval-data wordnet --wordnet "$wordnet" --out "$here"
