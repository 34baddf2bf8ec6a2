#!/bin/sh
# npm start: the built app (dist/cli.js) on the project's Node (with-node.sh), with npm start's
# arguments. Before set-up has built dist/ it says so in a line, not with Node's stack trace of
# a module it cannot find.
if [ ! -f dist/cli.js ]; then
  echo "npm start: there is no dist/cli.js yet: run \"bash scripts/setup.sh\" first (or, once set up, \"npm run build\")" >&2
  exit 1
fi
exec sh "$(dirname "$0")/with-node.sh" node dist/cli.js "$@"
