#!/bin/sh
# Installs a yt-dlp standalone release and refuses it unless it matches the SHA-256 that release
# publishes in its SHA2-256SUMS (and, when given, the expected SHA-256 too).
# Usage: install-yt-dlp.sh <version|latest> [<sha256>] [<destination>]
#   latest    the newest release, resolved once to its tag, so binary and checksums come from the same one
#   <sha256>  optional pin; empty means "whatever the release's own SHA2-256SUMS says"
# YT_DLP_RELEASES_URL points at another copy of the releases (default: GitHub).
set -eu

version="${1:?yt-dlp version, e.g. 2025.12.08, or latest}"
expected_sha256="${2:-}"
destination="${3:-/usr/local/bin/yt-dlp}"
releases="${YT_DLP_RELEASES_URL:-https://github.com/yt-dlp/yt-dlp/releases}"

case "$(uname -m)" in
  x86_64) asset="yt-dlp_linux" ;;
  aarch64) asset="yt-dlp_linux_aarch64" ;;
  *) echo "install-yt-dlp: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

if [ "$version" = latest ]; then
  # .../releases/latest redirects to .../releases/tag/<version>.
  resolved="$(curl --fail --silent --show-error --location --retry 3 --output /dev/null \
    --write-out '%{url_effective}' "$releases/latest")"
  version="${resolved##*/tag/}"
  case "$version" in
    "" | */* | *[!0-9.]*) echo "install-yt-dlp: cannot tell the latest release from $resolved" >&2; exit 1 ;;
  esac
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl --fail --silent --show-error --location --retry 3 --output "$work/$asset" "$releases/download/$version/$asset"
curl --fail --silent --show-error --location --retry 3 --output "$work/SHA2-256SUMS" \
  "$releases/download/$version/SHA2-256SUMS"

published="$(awk -v asset="$asset" '$2 == asset || $2 == "*" asset { print $1 }' "$work/SHA2-256SUMS")"
actual="$(sha256sum "$work/$asset" | cut -d ' ' -f 1)"
if [ -z "$published" ]; then
  echo "install-yt-dlp: SHA2-256SUMS of $version lists no $asset" >&2
  exit 1
fi
if [ "$actual" != "$published" ]; then
  echo "install-yt-dlp: $asset $version does not match its release's SHA2-256SUMS" >&2
  echo "  published $published" >&2
  echo "  actual    $actual" >&2
  exit 1
fi
if [ -n "$expected_sha256" ] && [ "$actual" != "$expected_sha256" ]; then
  echo "install-yt-dlp: $asset $version is not the pinned build" >&2
  echo "  pinned $expected_sha256" >&2
  echo "  actual $actual" >&2
  exit 1
fi

install -m 0755 "$work/$asset" "$destination"
echo "install-yt-dlp: yt-dlp $("$destination" --version) ($asset, sha256 $actual)"
