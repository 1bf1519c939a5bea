#!/bin/sh
# Installs one pinned yt-dlp standalone release and refuses it unless its SHA-256 matches.
# Usage: install-yt-dlp.sh <version> <sha256> <destination>
set -eu

version="${1:?yt-dlp version, e.g. 2025.06.30}"
expected_sha256="${2:?sha256 of yt-dlp_linux for that version (see SHA2-256SUMS of the release)}"
destination="${3:-/usr/local/bin/yt-dlp}"

case "$(uname -m)" in
  x86_64) asset="yt-dlp_linux" ;;
  aarch64) asset="yt-dlp_linux_aarch64" ;;
  *) echo "install-yt-dlp: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

url="https://github.com/yt-dlp/yt-dlp/releases/download/${version}/${asset}"
download="$(mktemp)"
trap 'rm -f "$download"' EXIT

curl --fail --silent --show-error --location --retry 3 --output "$download" "$url"
actual_sha256="$(sha256sum "$download" | cut -d ' ' -f 1)"
if [ "$actual_sha256" != "$expected_sha256" ]; then
  echo "install-yt-dlp: checksum mismatch for ${asset} ${version}" >&2
  echo "  expected ${expected_sha256}" >&2
  echo "  actual   ${actual_sha256}" >&2
  exit 1
fi

install -m 0755 "$download" "$destination"
"$destination" --version
