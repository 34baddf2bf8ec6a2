#!/bin/sh
# Runs a command with the project's Node.js (see node-env.sh) first on PATH: npm start, npm test
# and npm run bench use it even from a shell whose own node is older than 22.
. "$(dirname "$0")/node-env.sh"
exec "$@"
