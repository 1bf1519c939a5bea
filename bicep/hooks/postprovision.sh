#!/bin/sh
# azd's postprovision hook: builds the worker image, then finishes the web library's sign-in.
set -eu
hooks="$(cd "$(dirname "$0")" && pwd)"
bash "$hooks/buildWorkerImage.sh"
sh "$hooks/completeWebSignIn.sh"
