/** Copies of the project for the tests of its scripts: a checkout somewhere else. */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/cli.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A copy of what the build and the scripts read (no dist/, no .tools/), in a directory named
 * `name` (a path with a space by default); node_modules is linked, not copied or installed.
 */
export function checkoutCopy(name = 'omnia two'): string {
  const dir = join(tempDir('omnia-checkout-'), name);
  mkdirSync(dir);
  for (const entry of ['package.json', 'tsconfig.json', 'cli.tsx', 'source', 'scripts']) {
    cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
  return dir;
}

/**
 * A Node 22+ with its headers, as set-up leaves one in .tools/node: set-up's own, else the one
 * running the tests when it has its headers; undefined when neither does.
 */
export function nodeWithHeaders(): string | undefined {
  const candidates = [join(ROOT, '.tools', 'node'), dirname(dirname(process.execPath))];
  for (const dir of candidates) {
    if (
      existsSync(join(dir, 'bin', 'node')) &&
      existsSync(join(dir, 'include', 'node', 'node.h'))
    ) {
      return realpathSync(dir);
    }
  }
  return undefined;
}

/** Links `node` (a Node's directory) as the checkout's .tools/node. */
export function provisionedNode(dir: string, node: string): void {
  mkdirSync(join(dir, '.tools'), { recursive: true });
  symlinkSync(node, join(dir, '.tools', 'node'));
}

/** An executable shell script `name` in `dir`. */
export function writeScript(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * The environment for a script run in a copy: the tests' own, but nothing of the npm that may
 * run them (its prefix, its nodedir, its config), no CI, and a HOME of its own.
 */
export function scriptEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && !/^(CI|XDG_CACHE_HOME|OMNIA_.*)$/.test(key)) env[key] = value;
  }
  mkdirSync(home, { recursive: true });
  return { ...env, HOME: home, ...extra };
}
