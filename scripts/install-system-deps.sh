#!/usr/bin/env bash
# Installs the system tools omnia-voice and its tests use, where missing:
#   sox (mic capture and the playback fallback), libasound2-dev (to build the `speaker` module),
#   socat (pty pairs for serial tests), tmux (full-screen UI tests), espeak-ng (the local agent's
#   voice), alsa-utils (device listing). Debian/Ubuntu with apt; on macOS: brew install sox.
set -euo pipefail

need=()
command -v sox >/dev/null 2>&1 || need+=(sox)
dpkg -s libsox-fmt-alsa >/dev/null 2>&1 || need+=(libsox-fmt-alsa)
dpkg -s libasound2-dev >/dev/null 2>&1 || need+=(libasound2-dev)
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v arecord >/dev/null 2>&1 || need+=(alsa-utils)

if [ ${#need[@]} -eq 0 ]; then
  echo "system packages present"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing: ${need[*]} (install them with your package manager; macOS: brew install sox)" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
