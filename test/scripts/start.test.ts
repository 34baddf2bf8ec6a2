/**
 * `npm start` in a checkout: before set-up has built dist/ it says so in one line (it was Node's
 * stack trace for `Cannot find module .../dist/cli.js`); once built, it runs the app on the
 * project's Node with the arguments given after `--`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess, tempDir } from '../helpers/cli.js';
import { checkoutCopy, provisionedNode, ROOT, scriptEnv } from './checkout.js';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

describe('npm start', () => {
  it('before set-up (no dist/): says in one line to run set-up first', async () => {
    const dir = checkoutCopy();
    const env = scriptEnv(join(tempDir('omnia-start-'), 'home'));
    const start = await runProcess('npm', ['start', '-s', '--', '--version'], { cwd: dir, env });
    expect(start.code).toBe(1);
    expect(start.stdout).toBe('');
    expect(start.stderr).toBe(
      'npm start: there is no dist/cli.js yet: run "bash scripts/setup.sh" first (or, once set up, "npm run build")\n',
    );
  });

  it('once built: runs the app on the project’s Node, with the arguments after --', async () => {
    const dir = checkoutCopy();
    // The Node running the tests (22 or newer) as the checkout's .tools/node.
    provisionedNode(dir, dirname(dirname(process.execPath)));
    const env = scriptEnv(join(tempDir('omnia-start-'), 'home'));
    const built = await runProcess(process.execPath, ['scripts/build.mjs'], {
      cwd: dir,
      env,
      timeoutMs: 60_000,
    });
    expect(built.code, built.stderr).toBe(0);
    const start = await runProcess('npm', ['start', '-s', '--', '--version'], { cwd: dir, env });
    expect(start.stderr).toBe('');
    expect(start.stdout.trim()).toBe(VERSION);
    expect(start.code).toBe(0);
  }, 60_000);
});
