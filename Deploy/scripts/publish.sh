#!/usr/bin/env bash
# Publishes the `streamattention` executable (silo, ingest, setup) into OUT_DIR. Both images run this in their build
# stage and CI runs it as is, so a publish that would break an image build breaks CI first.
# Usage: publish.sh OUT_DIR [ONNXRUNTIME_PACKAGE [ONNXRUNTIME_VERSION]]   (default Microsoft.ML.OnnxRuntime, the CPU
#        package, at Directory.Packages.props' version; the GPU image passes Microsoft.ML.OnnxRuntime.Gpu.Linux and its version)
set -euo pipefail
out=$1
package=${2:-Microsoft.ML.OnnxRuntime}
version_argument=()
[ -n "${3:-}" ] && version_argument=(-p:OnnxRuntimeVersion="$3")
cd "$(dirname "$0")/../.."
# Portable (no runtime identifier): the native libraries stay under runtimes/<rid>/native, where the embedded-Kafka
# resolver looks for librdkafka's fallback build.
dotnet publish Silos/StreamAttention.Silo/StreamAttention.Silo.csproj -c Release -o "$out" \
  -p:OnnxRuntimePackage="$package" "${version_argument[@]}" -nologo -v q
