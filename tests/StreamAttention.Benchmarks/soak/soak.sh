#!/usr/bin/env bash
# Soak: one silo with Redis clustering and storage, the ingest fed by a steady sample stream, and soak.py's API churn
# and live streams, sampled every 30 s into a CSV (docs/benchmarks.md, "Soak").
#   dotnet build Silos/StreamAttention.Silo -c Release
#   tests/StreamAttention.Benchmarks/soak/soak.sh [--port 21300] [--minutes 30] [--rate 25] [--out DIR] [-- soak.py options]
# Ports: --port (HTTP), +1 Redis, +2 silo, +3 gateway; Kafka is an embedded one (kafka-dev) on a free port.
# Every process it starts is stopped by its PID at exit.
set -euo pipefail
port=21300 minutes=30 rate=25 out=${TMPDIR:-/tmp}/streamattention-soak
while [[ $# -gt 0 ]]; do
  case $1 in
    --port) port=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/../../.." && pwd)
silo_dll=$root/Silos/StreamAttention.Silo/bin/Release/net10.0/streamattention.dll
[[ -f $silo_dll ]] || { echo "soak.sh: build first: dotnet build Silos/StreamAttention.Silo -c Release" >&2; exit 2; }
mkdir -p "$out"
pids=()
# The silo first, so that it leaves the cluster through a Redis that still answers; then Kafka and Redis.
cleanup() { for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done; }
trap cleanup EXIT

redis_port=$((port + 1))
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no > "$out/redis.log" 2>&1 &
pids+=($!)
rm -f "$out/bootstrap"
dotnet "$silo_dll" kafka-dev --bootstrap-file "$out/bootstrap" > "$out/kafka.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do [[ -s $out/bootstrap ]] && redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 1; done
key=$(head -c 32 /dev/urandom | base64)
# The eval set's 469 messages cycle as the stream and its 32 interests are the standing users (Samples:Directory).
# The Orleans dashboard stays off, as on a production silo.
dotnet "$silo_dll" local --urls "http://127.0.0.1:$port" --kafka "$(cat "$out/bootstrap")" --rate "$rate" \
  --Cluster:Clustering=redis --Cluster:Redis="127.0.0.1:$redis_port" --Cluster:SiloPort=$((port + 2)) \
  --Cluster:GatewayPort=$((port + 3)) --Auth:SigningKey="$key" --Dashboard:OrleansDashboard=false \
  --Samples:Directory="$root/tests/data/eval" > "$out/silo.log" 2>&1 &
silo_pid=$!
pids+=($silo_pid)
for _ in $(seq 180); do curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null && break; sleep 1; done
token=$(dotnet "$silo_dll" token --role operator --Auth:SigningKey="$key" 2>/dev/null)
python3 "$(dirname "$0")/soak.py" --base "http://127.0.0.1:$port" --token "$token" --pid "$silo_pid" \
  --redis-port "$redis_port" --log "$out/silo.log" --csv "$out/soak.csv" --duration $((minutes * 60)) "$@"
