#!/usr/bin/env bash
# Installs the system packages omnia-voice, its tests and (with --bench) its benchmarks use,
# where missing. Debian/Ubuntu with apt; elsewhere it names what to install.
#   the app:    sox + libsox-fmt-alsa + libsox-fmt-pulse (mic capture, playback fallback),
#               libasound2-dev (to build `speaker`), alsa-utils (device listing),
#               espeak-ng (the local agent's voice, and voices/languages), libspeexdsp1 (echo
#               cancellation)
#   the tests:  socat (pty pairs), tmux (the full-screen UI), openssl (TLS test servers),
#               procps (ps/pgrep), pulseaudio + pulseaudio-utils + libasound2-plugins (a private
#               sound server on a real-time clock: pacing, barge-in and echo tests), util-linux
#               (setpriv: a read-only HOME, tested as nobody when the tests run as root)
#   --bench:    python3 with websockets, aiohttp, numpy, pyee (the vendor's example client as
#               a peer), libportaudio2 (its audio on the sound server), stress-ng, curl, and
#               util-linux's unshare (the example's host name mapped to the bench server);
#               and, when Debian's python3-websockets is older than 13 (no websockets.asyncio,
#               which the example imports), Debian 13's python3-websockets unpacked into
#               .tools/python (pure Python; the bench puts it on PYTHONPATH)
# macOS: brew install sox speexdsp (espeak-ng optional).
set -euo pipefail

packages=(sox libsox-fmt-alsa libsox-fmt-pulse libasound2-dev alsa-utils espeak-ng libspeexdsp1
  socat tmux openssl procps pulseaudio pulseaudio-utils libasound2-plugins util-linux)
if [ "${1:-}" = "--bench" ]; then
  packages+=(python3 python3-websockets python3-aiohttp python3-numpy python3-pyee libportaudio2
    stress-ng curl)
fi

# The example client needs websockets.asyncio (websockets >= 13): bookworm has 10.4.
bench_websockets() {
  local root dest deb
  root="$(cd "$(dirname "$0")/.." && pwd)"
  dest="$root/.tools/python"
  if PYTHONPATH="$dest/usr/lib/python3/dist-packages" /usr/bin/python3 -c 'import websockets.asyncio' \
    >/dev/null 2>&1; then
    return
  fi
  deb="python3-websockets_15.0.1-1_$(dpkg --print-architecture).deb"
  echo "setup: unpacking Debian 13's $deb into .tools/python (the example client needs websockets >= 13)"
  mkdir -p "$dest"
  curl -fsSL -o "$dest/$deb" "http://deb.debian.org/debian/pool/main/p/python-websockets/$deb"
  dpkg-deb -x "$dest/$deb" "$dest"
  rm -f "$dest/$deb"
}

need=()
for pkg in "${packages[@]}"; do
  if command -v dpkg >/dev/null 2>&1; then
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  fi
done
if ! command -v dpkg >/dev/null 2>&1; then
  command -v sox >/dev/null 2>&1 || need+=(sox)
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "setup: system packages present"
  if [ "${1:-}" = "--bench" ]; then bench_websockets; fi
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: missing ${need[*]}: install them with your package manager (macOS: brew install sox speexdsp)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "setup: installing system packages: ${need[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
if [ "${1:-}" = "--bench" ]; then bench_websockets; fi
