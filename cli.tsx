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
      `${await olderNodeAdvice()}\n`,
  );
  process.exit(1);
}

/**
 * What to do about an older Node, by where this file is. In a checkout (scripts/setup.sh beside
 * dist/) that was set up, set-up's Node is in .tools/node and `npm start` runs the app on it (the
 * older one ran it here through `node dist/cli.js`, or a command `npm link` made, which runs on
 * the shell's `node`); in one not set up yet, set-up provisions it. Installed as a package there
 * is no project: a newer Node is the way.
 */
async function olderNodeAdvice(): Promise<string> {
  const { existsSync } = await import('node:fs');
  const { basename, dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  // dist/cli.js is one level below the project; cli.tsx (run from source) is in it. Never a
  // folder above: another project's set-up there is not this one's.
  const here = dirname(fileURLToPath(import.meta.url));
  const root = basename(here) === 'dist' ? dirname(here) : here;
  if (!existsSync(join(root, 'scripts', 'setup.sh'))) {
    return 'install Node.js 22 or newer (24 LTS recommended).';
  }
  if (existsSync(join(root, '.tools', 'node', 'bin', 'node'))) {
    return `run it with "npm start -- <options>" in ${root}: that uses the Node.js set-up put in .tools/node.`;
  }
  return `run "bash scripts/setup.sh" in ${root} (it provisions Node.js 24 LTS for the project), then "npm start -- <options>".`;
}
// Compiled code of the modules a call loads is cached on disk: later starts skip the compile.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
await import('./source/cli/main.js');
