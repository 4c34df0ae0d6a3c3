#!/usr/bin/env bash
# Offline checks of the deployment files, for CI without a Docker engine or a cluster:
#   1. docker-compose.yml parses (Debian's docker-compose 1.29), with and without the `gpu` profile;
#   2. yamllint (Deploy/.yamllint) over docker-compose.yml and every YAML file under Deploy/;
#   3. the Prometheus scrape config and alerting rules (promtool: the rules' unit tests too) and the Grafana dashboard JSON parse;
#   4. the Kubernetes overlays render and validate against the official schemas (Deploy/tools, npm), and equal
#      kubectl kustomize's rendering where kubectl is installed; the PrometheusRule's groups are alerts.yml's;
#   5. the images' build steps: every script and COPY source the Dockerfiles name exists, the GPU image's ONNX Runtime
#      package restores at its version and links the CUDA major of the image's CUDA base, and the scripts run as the
#      build stage runs them (publish, then prepare the default model with the published executable).
# Needs: docker-compose, yamllint, promtool (Debian's prometheus), readelf (binutils), node and npm, the .NET SDK.
# The metric names the dashboard and the alerts use are checked against a live silo and its ingest by
# tests/StreamAttention.Dashboard.Tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "== validate: $*"; }

step "docker-compose.yml"
# Placeholders for the secrets that Deploy/scripts/make-secrets.sh writes to .env: without them compose refuses to start.
export STREAMATTENTION_AUTH_SIGNING_KEY=placeholder REDIS_PASSWORD=placeholder GRAFANA_ADMIN_PASSWORD=placeholder PROMETHEUS_API_KEY_SHA256=placeholder
docker-compose -f docker-compose.yml config -q
docker-compose -f docker-compose.yml --profile gpu config -q
# No secret is written into the compose file, the ConfigMap or the images' inputs.
if grep -nE 'SigningKey: [A-Za-z0-9+/=]{20,}|requirepass [^$"]|password=[^$]' docker-compose.yml Deploy/kubernetes -r; then
  echo "a secret value is written into a deployment file" >&2
  exit 1
fi

step "yamllint"
yamllint --strict -c Deploy/.yamllint docker-compose.yml Deploy

step "Prometheus and Grafana"
# --syntax-only: the credentials file is a compose secret that exists only in the running container.
promtool check config --syntax-only Deploy/prometheus/prometheus.yml
promtool check rules Deploy/prometheus/alerts.yml
promtool test rules Deploy/prometheus/alerts.test.yml
for dashboard in Deploy/grafana/dashboards/*.json; do
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$dashboard"
done

step "Kubernetes manifests"
# The lock file pins the schema packages; node_modules is git-ignored and reinstalled when the lock changes
# (a copy of the lock it was installed from lies beside it).
if ! cmp -s Deploy/tools/package-lock.json Deploy/tools/node_modules/.installed-lock.json; then
  (cd Deploy/tools && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.installed-lock.json)
fi
# Kubernetes gets alerts.yml's rules as a PrometheusRule (Kustomize reads no file outside its folder): the same groups.
(cd Deploy/tools && node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { isDeepStrictEqual } from "node:util";
  import { parse } from "yaml";
  const [rules, prometheusRule] = process.argv.slice(1).map((file) => parse(readFileSync(file, "utf8")));
  if (!isDeepStrictEqual(rules.groups, prometheusRule.spec.groups)) {
    console.error("Deploy/kubernetes/base/prometheus-rule.yaml: spec.groups differ from Deploy/prometheus/alerts.yml groups");
    process.exit(1);
  }
' ../prometheus/alerts.yml ../kubernetes/base/prometheus-rule.yaml)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for overlay in Deploy/kubernetes/overlays/*/; do
  overlay=${overlay%/}
  if command -v kubectl >/dev/null; then
    kubectl kustomize "$overlay" > "$work/kustomize.yaml"
    node Deploy/tools/check-kubernetes.mjs "$overlay" --compare "$work/kustomize.yaml"
  else
    node Deploy/tools/check-kubernetes.mjs "$overlay"
  fi
done

step "image build steps"
for dockerfile in Deploy/Dockerfile Deploy/Dockerfile.gpu; do
  for script in $(grep -oE '^RUN Deploy/scripts/[A-Za-z0-9_.-]+' "$dockerfile" | cut -d' ' -f2); do
    [ -x "$script" ] || { echo "$dockerfile: $script is not an executable script" >&2; exit 1; }
  done
  for source in $(sed -nE 's/^COPY ([^-][^ ]*( [^ ]+)*) [^ ]+$/\1/p' "$dockerfile"); do
    [ -e "$source" ] || { echo "$dockerfile: COPY source $source does not exist" >&2; exit 1; }
  done
done
# The GPU image's ONNX Runtime package, restored at the image's version into a folder of its own (not the project's
# obj/): that version must exist (NuGet would quietly take a later one, NU1603), and the CUDA major its CUDA provider
# library links must be the one CUDA_IMAGE carries, or the GPU image's silos would fall back to CPU at start.
gpu_package=$(sed -nE 's/^ARG ONNXRUNTIME_PACKAGE=(.+)$/\1/p' Deploy/Dockerfile.gpu)
gpu_version=$(sed -nE 's/^ARG ONNXRUNTIME_VERSION=(.+)$/\1/p' Deploy/Dockerfile.gpu)
image_cuda_major=$(sed -nE 's/^ARG CUDA_IMAGE=[^:]+:([0-9]+)\..*$/\1/p' Deploy/Dockerfile.gpu)
dotnet restore Silos/StreamAttention.Onnx/StreamAttention.Onnx.csproj --no-dependencies -nologo -v q -warnaserror:NU1603 \
    -p:OnnxRuntimePackage="$gpu_package" -p:OnnxRuntimeVersion="$gpu_version" -p:MSBuildProjectExtensionsPath="$work/gpu-restore/"
cuda_provider=$(node -e '
  const [file, name, version] = process.argv.slice(1);
  const assets = JSON.parse(require("fs").readFileSync(file, "utf8"));
  if (!assets.libraries[`${name}/${version}`]) { console.error(`${name} ${version} was not restored`); process.exit(1); }
  const folder = Object.keys(assets.packageFolders)[0];
  console.log(`${folder}${name.toLowerCase()}/${version}/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so`);
' "$work/gpu-restore/project.assets.json" "$gpu_package" "$gpu_version")
provider_cuda_major=$(readelf -d "$cuda_provider" | sed -nE 's/.*\[libcudart\.so\.([0-9]+)\].*/\1/p')
if [ -z "$image_cuda_major" ] || [ "$provider_cuda_major" != "$image_cuda_major" ]; then
  echo "Deploy/Dockerfile.gpu: CUDA_IMAGE carries CUDA ${image_cuda_major:-?}, but $gpu_package $gpu_version links CUDA ${provider_cuda_major:-?} ($cuda_provider)" >&2
  exit 1
fi
# As the build stage runs them (the GPU image differs only in the ONNX Runtime package).
Deploy/scripts/publish.sh "$work/app"
Deploy/scripts/prepare-model.sh "$work/app" "$work/models"

echo "== validate: all checks passed"
