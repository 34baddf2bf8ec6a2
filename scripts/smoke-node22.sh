#!/usr/bin/env bash
# The smoke run on Node.js 22, the oldest Node the app supports (the whole suite runs on 24 LTS):
# the typecheck and the build, a plain call against the built-in local agent, and the full-screen UI in tmux.
# Node 22 comes from the npm registry's node-<platform>-<arch> package into .tools/node22.
# Native modules were built for the set-up's Node, so the call uses --output none.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE22_VERSION=22.23.5
dir=.tools/node22
if [ ! -x "$dir/bin/node" ]; then
  platform=$(node -p process.platform)
  arch=$(node -p process.arch)
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-$platform-$arch@$NODE22_VERSION" >/dev/null)
  tar -xzf "$tmp"/node-*.tgz -C "$tmp"
  rm -rf "$dir" && mkdir -p .tools && mv "$tmp/package" "$dir" && rm -rf "$tmp"
fi
node22="$PWD/$dir/bin/node"
echo "smoke: $("$node22" -v)"

echo "smoke: typecheck and build"
"$node22" node_modules/typescript/bin/tsc -p tsconfig.json --noEmit
"$node22" scripts/build.mjs

home=$(mktemp -d)
trap 'rm -rf "$home"; tmux -L omnia-smoke kill-server 2>/dev/null || true' EXIT

echo "smoke: a plain call against the local agent"
out=$(env -u OMNIA_API_KEY HOME="$home" "$node22" dist/cli.js --plain --local --duration 3 \
  --input none --output none 2>&1)
echo "$out" | grep -q '\[call\] connected' || { echo "$out"; echo "smoke: no call"; exit 1; }
echo "$out" | grep -q '^Agent: ' || { echo "$out"; echo "smoke: the agent said nothing"; exit 1; }

echo "smoke: the full-screen UI in tmux"
tmux -L omnia-smoke -f /dev/null new-session -d -x 100 -y 30 \
  "env -u OMNIA_API_KEY HOME='$home' '$node22' dist/cli.js --local --input none --output none; echo EXIT:\$?; sleep 30"
screen() { tmux -L omnia-smoke capture-pane -p; }
for _ in $(seq 1 100); do screen | grep -q 'live [0-9]*:[0-9][0-9]' && break; sleep 0.2; done
screen | grep -q 'q quit' || { screen; echo "smoke: the UI did not come up"; exit 1; }
tmux -L omnia-smoke send-keys q
for _ in $(seq 1 100); do screen | grep -q 'EXIT:' && break; sleep 0.2; done
screen | grep -q 'EXIT:0' || { screen; echo "smoke: the UI did not end with 0"; exit 1; }
echo "smoke: Node 22 passed"
