#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for mediaferry's local stack and tests:
# ffmpeg/ffprobe, yt-dlp and openssl from the distribution, then the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
# yt-dlp must run on the system Python; a pyenv/venv python3 first on PATH cannot import it.
[ -x /usr/bin/yt-dlp ] || command -v yt-dlp >/dev/null 2>&1 || missing+=(yt-dlp)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from the distribution..."
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "Need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -n "${CI:-}" ] || [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
echo "Setup complete: $(ffmpeg -version | head -n1 | cut -d' ' -f1-3), yt-dlp $(yt-dlp --version), node $(node --version)"
