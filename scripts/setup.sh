#!/usr/bin/env bash
# Sets omnia-voice up on this machine, and says what it did:
#   1. system packages (scripts/install-system-deps.sh: sox, ALSA headers, test tools, ...);
#   2. Node.js 22 or newer: when the `node` on PATH is older, Node.js 24 LTS from the npm
#      registry into .tools/node, for this project only (scripts/node-env.sh);
#   3. npm dependencies, with native modules compiled against that Node, and the build (dist/).
# Run it again at any time; it only does what is missing. CI runs it with CI=true (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

export OMNIA_PROVISION_NODE=1
# shellcheck source=scripts/node-env.sh
. scripts/node-env.sh
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "setup: Node.js $(node -v) is too old and none could be provisioned: install Node.js 22+" >&2
  exit 1
fi
echo "setup: using Node.js $(node -v) at $(command -v node)"

if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

# A native module that did not build degrades (sox plays instead of speaker), so say which.
node -e '
  for (const [name, what] of [["speaker", "playback falls back to sox play"],
                              ["@serialport/bindings-cpp", "no --serial control"]]) {
    try { require(name); console.log(`setup: ${name} loads`); }
    catch (e) { console.log(`setup: ${name} does not load (${String(e.message).split("\n")[0]}): ${what}`); }
  }'
