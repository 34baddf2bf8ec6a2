#!/usr/bin/env bash
# Sets omnia-voice up on this machine, and says what it did:
#   1. system packages (scripts/install-system-deps.sh: sox, ALSA headers, test tools, ...);
#   2. Node.js 22 or newer: when the `node` on PATH is older, Node.js 24 LTS from the npm
#      registry into .tools/node, for this project only (scripts/node-env.sh);
#   3. npm dependencies, with native modules compiled against that Node;
#   4. the build (dist/), a step of its own, so that a failed build is said as one.
# Run it again at any time; it only does what is missing. CI runs it with CI=true (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

provisioned=0
if [ -x .tools/node/bin/node ]; then provisioned=1; fi
export OMNIA_PROVISION_NODE=1
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "setup: Node.js $(node -v) is too old and none could be provisioned: install Node.js 22+" >&2
  exit 1
fi
if [ "$provisioned" = 1 ]; then
  echo "setup: Node.js $(node -v) is already in .tools/node: not fetched again"
else
  echo "setup: using Node.js $(node -v) at $(command -v node)"
fi

if [ -d node_modules ]; then
  echo "setup: installing dependencies (only what is missing or changed)..."
else
  echo "setup: installing dependencies (compiles the speaker module, about 30 s)..."
fi
# The install's prepare script leaves the build to the step below (scripts/build.mjs).
export OMNIA_SETUP_BUILDS=1
if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then
  install=(npm ci --no-audit --no-fund)
else
  install=(npm install --no-audit --no-fund)
fi
if ! "${install[@]}"; then
  echo "setup: ${install[*]} failed (npm's errors are above); nothing was built" >&2
  exit 1
fi

echo "setup: building dist/"
if ! node scripts/build.mjs; then
  # The last build that worked is kept (build.mjs replaces dist/ only when whole).
  if [ -f dist/cli.js ]; then
    kept="npm start runs the last build that worked until then"
  else
    kept="npm start needs dist/"
  fi
  echo "setup: the build failed (scripts/build.mjs, its errors are above): $kept;" \
    "run bash scripts/setup.sh again when they are fixed" >&2
  exit 1
fi

# A native module that did not build degrades (sox plays instead of speaker), so say which.
# Each is loaded in a child of its own: speaker's binding asks ALSA's default device for its
# formats when it loads and aborts the process where there is none (no sound card and no
# ~/.asoundrc). The check gives it a null default device in a scratch HOME, so it tells whether
# the module was built for this Node; the app itself loads speaker in a child (see
# docs/audio-playback.md) and reports a machine with no output device in one line.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf 'pcm.!default { type null }\n' > "$scratch/.asoundrc"
check_module() { # name, what is lost without it
  local out rc=0
  out=$(HOME="$scratch" node -e '
    try { require(process.argv[1]); console.log("loads"); }
    catch (e) { console.log(String(e.message).split("\n")[0]); process.exitCode = 3; }' "$1" 2>/dev/null) || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "setup: $1 loads"
  elif [ "$rc" -eq 3 ]; then
    echo "setup: $1 does not load (${out:-no message}): $2"
  else
    echo "setup: loading $1 ended the process (exit $rc): $2"
  fi
}
check_module speaker "playback falls back to sox play"
check_module @serialport/bindings-cpp "no --serial control"

echo "setup: done: npm start runs the app, npm test the tests"
