#!/usr/bin/env bash
# The secrets docker-compose.yml needs, generated once: .env (the signing key, the Redis and Grafana passwords, the
# SHA-256 of Prometheus' API key) and Deploy/secrets/prometheus-api-key (the key itself). Both are git-ignored and
# never part of an image. An existing .env is kept; delete it to rotate everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -e .env ]; then
  echo ".env exists; keeping it (delete it and Deploy/secrets/ to make new secrets)" >&2
  exit 0
fi
random() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
umask 077
mkdir -p Deploy/secrets
key=$(random 32 | tr '+/' '-_' | tr -d '=')
printf %s "$key" > Deploy/secrets/prometheus-api-key
cat > .env <<ENV
STREAMATTENTION_AUTH_SIGNING_KEY=$(random 32)
REDIS_PASSWORD=$(random 24 | tr '+/' '-_' | tr -d '=')
GRAFANA_ADMIN_PASSWORD=$(random 18 | tr '+/' '-_' | tr -d '=')
PROMETHEUS_API_KEY_SHA256=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
ENV
echo "wrote .env and Deploy/secrets/prometheus-api-key; Grafana's admin password is in .env" >&2
