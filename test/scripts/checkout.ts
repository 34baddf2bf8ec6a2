/** Copies of the project for the tests of its scripts: a checkout somewhere else. */
import { cpSync, mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
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
