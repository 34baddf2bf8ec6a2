# Sourced by the project's scripts: puts a Node.js 22+ first on PATH and points native builds
# (speaker, @serialport/bindings-cpp) at that Node's headers, so they load in the Node that runs
# them. Uses, in order: the Node that scripts/setup.sh provisioned in .tools/node, else the
# `node` on PATH when it is 22 or newer. With OMNIA_PROVISION_NODE=1 (scripts/setup.sh) and an
# older `node`, provisions Node 24 LTS from the npm registry's node-<platform>-<arch> package
# into .tools/node; nothing outside the project changes (but for a project path with a space in
# it: a link in the cache directory, see omnia_nodedir).
# shellcheck shell=sh

OMNIA_NODE_MIN_MAJOR=22
# The Node the project is tested on (24 LTS), as the npm registry ships it.
OMNIA_NODE_VERSION=24.22.3
# This file lives in scripts/: under bash BASH_SOURCE names it; under sh, $0 names the script in
# scripts/ that sourced it.
omnia_root=$(cd "$(dirname "${BASH_SOURCE:-$0}")/.." && pwd)
omnia_tools="$omnia_root/.tools/node"

omnia_node_major() {
  "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

omnia_provision_node() {
  platform=$(node -p 'process.platform' 2>/dev/null || uname -s | tr 'A-Z' 'a-z')
  arch=$(node -p 'process.arch' 2>/dev/null || echo x64)
  pkg="node-$platform-$arch@$OMNIA_NODE_VERSION"
  tmp=$(mktemp -d)
  echo "setup: fetching Node.js $OMNIA_NODE_VERSION ($pkg) from the npm registry" >&2
  if ! (cd "$tmp" && npm pack --silent "$pkg" >/dev/null); then
    rm -rf "$tmp"
    echo "setup: could not fetch $pkg; install Node.js 22 or newer (24 LTS recommended) yourself" >&2
    return 1
  fi
  tar -xzf "$tmp"/node-*.tgz -C "$tmp"
  rm -rf "$omnia_tools"
  mkdir -p "$(dirname "$omnia_tools")"
  mv "$tmp/package" "$omnia_tools"
  rm -rf "$tmp"
}

if [ ! -x "$omnia_tools/bin/node" ]; then
  system_major=$(omnia_node_major node)
  if [ "$system_major" -lt "$OMNIA_NODE_MIN_MAJOR" ] && [ "${OMNIA_PROVISION_NODE:-0}" = 1 ]; then
    omnia_provision_node || return 1 2>/dev/null || exit 1
    echo "setup: your node ($(node -v 2>/dev/null || echo none)) is older than $OMNIA_NODE_MIN_MAJOR;" \
      "installed Node.js $("$omnia_tools/bin/node" -v) in .tools/node for this project only." >&2
    echo "setup: npm start, npm test and npm run bench use it; your system node is unchanged." >&2
  fi
fi

# The directory node-gyp is given as the Node whose headers native modules are built against:
# .tools/node, or, when the project's path has a space in it, a link to it whose path has none.
# node-gyp's Makefiles do not quote the include paths (gyp's bug, nodejs/node-gyp#65): a path
# with a space was split in two (`cc: error: two/.tools/node/include/node: linker input file not
# found`), speaker did not build, and npm dropped it (optional) without a word. The link lives in
# the user's cache directory (or /tmp/omnia-voice-<uid> when that path has a space too), named
# after the project's path, and is made again whenever it is missing.
omnia_nodedir() {
  case $omnia_tools in
    *[[:space:]]*) ;;
    *) echo "$omnia_tools" && return ;;
  esac
  omnia_key=$(printf '%s' "$omnia_tools" | cksum | cut -d ' ' -f 1)
  for omnia_base in "${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/omnia-voice" \
    "/tmp/omnia-voice-$(id -u)"; do
    case $omnia_base in *[[:space:]]*) continue ;; esac
    # Only a directory of the user's own: another user's could point the link elsewhere.
    mkdir -p "$omnia_base" 2>/dev/null && [ -O "$omnia_base" ] || continue
    omnia_link="$omnia_base/nodedir-$omnia_key"
    if [ "$(readlink "$omnia_link" 2>/dev/null)" != "$omnia_tools" ]; then
      ln -sfn "$omnia_tools" "$omnia_link" 2>/dev/null || continue
    fi
    echo "$omnia_link" && return
  done
  echo "$omnia_tools"
}

if [ -x "$omnia_tools/bin/node" ]; then
  PATH="$omnia_tools/bin:$PATH"
  # node-gyp builds native modules against these headers (include/node), not the system's.
  npm_config_nodedir=$(omnia_nodedir)
  export PATH npm_config_nodedir
fi
