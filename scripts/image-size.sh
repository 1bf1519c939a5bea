#!/usr/bin/env bash
# Builds the worker image (unless --no-build) and reports its uncompressed size, with Docker or
# Podman, whichever exists. The target is under 400 MB; docs/worker.md records the measured size.
#   scripts/image-size.sh [--no-build] [image]     (default image: mediaferry-worker:size-check)
set -euo pipefail
cd "$(dirname "$0")/.."

build=true
if [ "${1:-}" = "--no-build" ]; then
  build=false
  shift
fi
image="${1:-mediaferry-worker:size-check}"
limit_mb=400

engine=""
for candidate in docker podman; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" info >/dev/null 2>&1; then
    engine="$candidate"
    break
  fi
done
if [ -z "$engine" ]; then
  echo "No container engine (docker or podman) is running here, so the image size cannot be measured." >&2
  echo "Build in Azure instead: az acr build -r <registry> -t $image -f container/Dockerfile ." >&2
  echo "and read the size with: az acr manifest show-metadata <registry>.azurecr.io/$image" >&2
  exit 2
fi

if [ "$build" = true ]; then
  "$engine" build --file container/Dockerfile --tag "$image" .
fi
bytes=$("$engine" image inspect --format '{{.Size}}' "$image")
mb=$((bytes / 1000 / 1000))
echo "$image: $mb MB uncompressed ($bytes bytes), measured with $engine"
if [ "$mb" -ge "$limit_mb" ]; then
  echo "Above the $limit_mb MB target." >&2
  exit 1
fi
