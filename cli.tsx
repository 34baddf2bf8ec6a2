#!/usr/bin/env node
/**
 * The `omnia-voice` command. Nothing is imported above the version check: on a Node.js older
 * than 22 the dependencies may not even load, and the user gets one line instead of a stack.
 */
const NODE_MIN_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (major < NODE_MIN_MAJOR) {
  process.stderr.write(
    `omnia-voice needs Node.js ${NODE_MIN_MAJOR} or newer, and this is ${process.version}: ` +
      'run "npm run setup" in the project (it provisions Node.js 24 LTS), or install Node.js 24 LTS.\n',
  );
  process.exit(1);
}
// Compiled code of the modules a call loads is cached on disk: later starts skip the compile.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('./source/cli/main.js');
