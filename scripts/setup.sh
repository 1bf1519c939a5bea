#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for mediaferry's local stack and tests:
# ffmpeg/ffprobe, openssl, shellcheck and chromium from the distribution, a current yt-dlp where one can be had
# (else the distribution's), then the npm dependencies. Non-interactive; quick when offline.
# MEDIAFERRY_YTDLP=distribution skips the attempts to fetch a current yt-dlp.
set -euo pipefail
cd "$(dirname "$0")/.."

# Where a current yt-dlp goes: the path the worker image uses, preferred by the worker over Debian's.
current_ytdlp=/usr/local/bin/yt-dlp
release_url=https://github.com/yt-dlp/yt-dlp/releases/latest/download

sudo_cmd=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo -n); fi

missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
# The web library's browser tests drive the distribution's Chromium (playwright-core downloads none).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

apt_install() {
  if [ "$(id -u)" -ne 0 ] && [ ${#sudo_cmd[@]} -eq 0 ]; then
    echo "Need root or sudo to install: $*" >&2
    exit 1
  fi
  echo "Installing $* from the distribution..."
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq "$@" >/dev/null
}

# The standalone release (no Python needed), accepted only if it matches the release's SHA-256 list.
install_release_ytdlp() {
  command -v curl >/dev/null 2>&1 || return 1
  local dir
  dir=$(mktemp -d)
  # Short connect timeout: an offline machine gives up in seconds.
  if curl -fsSL --connect-timeout 5 --max-time 180 -o "$dir/yt-dlp_linux" "$release_url/yt-dlp_linux" &&
    curl -fsSL --connect-timeout 5 --max-time 30 -o "$dir/SHA2-256SUMS" "$release_url/SHA2-256SUMS" &&
    (cd "$dir" && grep -E ' \*?yt-dlp_linux$' SHA2-256SUMS | sha256sum -c --status -); then
    "${sudo_cmd[@]}" install -m 0755 "$dir/yt-dlp_linux" "$current_ytdlp"
    rm -rf "$dir"
    return 0
  fi
  rm -rf "$dir"
  return 1
}

# pip into a virtual environment of the system Python (a pyenv/venv python3 first on PATH may lack it).
install_pip_ytdlp() {
  local venv=/usr/local/lib/mediaferry-yt-dlp
  [ -x /usr/bin/python3 ] || return 1
  "${sudo_cmd[@]}" /usr/bin/python3 -m venv "$venv" >/dev/null 2>&1 || return 1
  if "${sudo_cmd[@]}" "$venv/bin/pip" install --quiet --disable-pip-version-check --timeout 5 --retries 0 \
    --upgrade 'yt-dlp[default]' >/dev/null 2>&1; then
    "${sudo_cmd[@]}" ln -sf "$venv/bin/yt-dlp" "$current_ytdlp"
    return 0
  fi
  "${sudo_cmd[@]}" rm -rf "$venv"
  return 1
}

ytdlp_source=""
if [ "${MEDIAFERRY_YTDLP:-}" != distribution ] && { [ "$(id -u)" -eq 0 ] || [ ${#sudo_cmd[@]} -gt 0 ]; }; then
  echo "Fetching a current yt-dlp (release binary, else pip)..."
  if install_release_ytdlp; then
    ytdlp_source="the yt-dlp release binary (checksum verified)"
  elif install_pip_ytdlp; then
    ytdlp_source="pip"
  else
    echo "No current yt-dlp could be fetched (offline?); using the distribution's."
  fi
fi
if [ -z "$ytdlp_source" ] && [ -x "$current_ytdlp" ]; then
  ytdlp_source="$current_ytdlp, installed earlier"
elif [ -z "$ytdlp_source" ]; then
  # yt-dlp must run on the system Python; a pyenv/venv python3 first on PATH cannot import it.
  [ -x /usr/bin/yt-dlp ] || command -v yt-dlp >/dev/null 2>&1 || missing+=(yt-dlp)
  ytdlp_source="the distribution"
fi

if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

if [ -n "${CI:-}" ] || [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

# The yt-dlp the worker runs by default: the current one if installed, else Debian's, else PATH's.
ytdlp=yt-dlp
for candidate in "$current_ytdlp" /usr/bin/yt-dlp; do
  if [ -x "$candidate" ]; then
    ytdlp=$candidate
    break
  fi
done
ytdlp_version=$("$ytdlp" --version 2>/dev/null || echo unknown)

# yt-dlp versions are release dates (YYYY.MM.DD); large sites change faster than a few months.
age_days=""
if [[ $ytdlp_version =~ ^([0-9]{4})\.([0-9]{2})\.([0-9]{2}) ]]; then
  released=$(date -d "${BASH_REMATCH[1]}-${BASH_REMATCH[2]}-${BASH_REMATCH[3]}" +%s 2>/dev/null || echo "")
  [ -n "$released" ] && age_days=$((($(date +%s) - released) / 86400))
fi

echo "Setup complete: $(ffmpeg -version | head -n1 | cut -d' ' -f1-3), node $(node --version)"
echo "yt-dlp $ytdlp_version at $ytdlp, from $ytdlp_source."
if [ -z "$age_days" ]; then
  echo "  Its age is unknown: fine for the local stack's own media; check it before trying sites like YouTube."
elif [ "$age_days" -gt 90 ]; then
  echo "  It is $age_days days old: fine for the local stack's own media (served from 127.0.0.1), too old"
  echo "  for sites like YouTube, which change often; jobs there will likely fail (SOURCE_FORBIDDEN,"
  echo "  UNSUPPORTED_URL). Run this script again with internet access to get a current one."
else
  echo "  It is $age_days days old: current enough for sites like YouTube, which from data-centre"
  echo "  addresses may still ask to sign in (SOURCE_SIGN_IN_REQUIRED). The worker gives it Node.js as"
  echo "  its JavaScript runtime (--js-runtimes), which YouTube needs since yt-dlp 2025.11.12."
fi
