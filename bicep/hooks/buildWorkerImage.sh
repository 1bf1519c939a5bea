#!/usr/bin/env bash
# Builds the worker image in the provisioned registry with ACR Tasks (no local Docker needed).
# Runs as azd's postprovision hook, which exports the deployment outputs as environment variables;
# run it by hand after `az deployment group create` by setting the same two variables.
set -euo pipefail

registry="${AZURE_CONTAINER_REGISTRY_NAME:-}"
repository="${WORKER_IMAGE_REPOSITORY:-mediaferry-worker}"
tag="${WORKER_IMAGE_TAG:-latest}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dockerfile="container/Dockerfile"

if [ "${SKIP_WORKER_IMAGE_BUILD:-false}" = "true" ]; then
  echo "SKIP_WORKER_IMAGE_BUILD=true: not building ${repository}:${tag}."
  exit 0
fi

if [ -z "$registry" ]; then
  echo "error: AZURE_CONTAINER_REGISTRY_NAME is not set (it is an output of bicep/main.bicep)." >&2
  exit 2
fi
if ! command -v az >/dev/null 2>&1; then
  echo "error: the Azure CLI (az) is required to build the worker image in ACR." >&2
  exit 2
fi
if [ ! -f "${repo_root}/${dockerfile}" ]; then
  echo "error: ${dockerfile} not found under ${repo_root}." >&2
  exit 2
fi
if ! az account show --only-show-errors >/dev/null 2>&1; then
  echo "error: az is not signed in; run 'az login' (azd and az keep separate sign-ins)." >&2
  exit 2
fi

echo "Building ${registry}.azurecr.io/${repository}:${tag} from ${dockerfile} with az acr build..."
# The build context is the repository root because the worker is bundled from src/worker and src/shared.
# A .dockerignore at the root keeps node_modules and dist out of the uploaded context.
cd "$repo_root"
az acr build \
  --registry "$registry" \
  --image "${repository}:${tag}" \
  --file "$dockerfile" \
  --platform linux/amd64 \
  --only-show-errors \
  .
echo "Worker image ready: ${registry}.azurecr.io/${repository}:${tag}"
