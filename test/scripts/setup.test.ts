/**
 * scripts/setup.sh in a checkout (under a path with a space), run again after set-up: what it
 * says it does and skips, and how it says that a step failed. npm and dpkg are stand-ins (an
 * install in a test would fetch the registry and rebuild the native modules; dpkg says every
 * system package is there, so nothing is installed); Node (.tools/node), the build
 * (scripts/build.mjs, esbuild) and the module checks are the real ones.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { runProcess, tempDir } from '../helpers/cli.js';
import { skipWhenMissing } from '../helpers/requires.js';
import {
  checkoutCopy,
  nodeWithHeaders,
  provisionedNode,
  ROOT,
  scriptEnv,
  writeScript,
} from './checkout.js';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

/** A checkout copy set up before (.tools/node there), and stand-ins for npm and dpkg. */
function setUpCheckout(ctx: TestContext, npmExit = 0) {
  const node = nodeWithHeaders();
  skipWhenMissing(ctx, node ? undefined : 'no Node with its headers (run scripts/setup.sh)', {
    installable: false,
  });
  const dir = checkoutCopy();
  provisionedNode(dir, node as string);
  const base = tempDir('omnia-setup-');
  const bin = join(base, 'bin');
  mkdirSync(bin);
  const npmLog = join(base, 'npm.log');
  writeScript(
    bin,
    'npm',
    `echo "$* OMNIA_SETUP_BUILDS=$OMNIA_SETUP_BUILDS" >> '${npmLog}'\nexit ${npmExit}`,
  );
  writeScript(bin, 'dpkg', 'exit 0');
  const env = scriptEnv(join(base, 'home'), { PATH: `${bin}:${process.env.PATH}` });
  const run = () => runProcess('bash', ['scripts/setup.sh'], { cwd: dir, env, timeoutMs: 90_000 });
  return { dir, npmLog, run };
}

describe('scripts/setup.sh', () => {
  it('says each step, what it skipped, and that it is done; the build is its own step', async (ctx) => {
    const { dir, npmLog, run } = setUpCheckout(ctx);
    const setup = await run();
    expect(setup.code, setup.stderr).toBe(0);
    const lines = setup.stdout.trim().split('\n');
    expect(lines).toContain('setup: system packages present');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^setup: Node\.js v\d+\.\d+\.\d+ is already in \.tools\/node: not fetched again$/,
      ),
    );
    expect(lines).toContain('setup: installing dependencies (only what is missing or changed)...');
    expect(lines).toContain('setup: building dist/');
    expect(lines.at(-1)).toBe('setup: done: npm start runs the app, npm test the tests');
    expect(lines.indexOf('setup: building dist/')).toBeGreaterThan(
      lines.findIndex((line) => line.startsWith('setup: installing dependencies')),
    );
    // The install leaves the build to setup's own step (the prepare script skips it).
    expect(readFileSync(npmLog, 'utf8')).toBe(
      'install --no-audit --no-fund OMNIA_SETUP_BUILDS=1\n',
    );
    const ran = await runProcess(process.execPath, [join(dir, 'dist', 'cli.js'), '--version'], {
      env: process.env,
    });
    expect(ran.stdout.trim()).toBe(VERSION);
  }, 100_000);

  it('says in a line of its own that the build failed, with esbuild’s errors and no stack trace', async (ctx) => {
    const { dir, run } = setUpCheckout(ctx);
    const cli = join(dir, 'cli.tsx');
    const good = readFileSync(cli, 'utf8');
    writeFileSync(cli, "import './source/no-such-module.js';\n");
    const setup = await run();
    expect(setup.code).toBe(1);
    expect(setup.stderr).toMatch(/Could not resolve "\.\/source\/no-such-module\.js"/);
    expect(setup.stderr).toContain(
      'build: failed (1 error, shown above); dist/ was left as it was\n',
    );
    expect(setup.stderr).toContain(
      'setup: the build failed (scripts/build.mjs, its errors are above): npm start needs dist/; run bash scripts/setup.sh again when they are fixed\n',
    );
    expect(setup.stderr).not.toMatch(/^\s+at /m);
    expect(setup.stdout).not.toContain('setup: done');
    expect(existsSync(join(dir, 'dist', 'cli.js'))).toBe(false);

    // Set up once it works, then broken again: the build that worked is kept, and still runs.
    writeFileSync(cli, good);
    expect((await run()).code).toBe(0);
    writeFileSync(cli, "import './source/no-such-module.js';\n");
    const again = await run();
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'setup: the build failed (scripts/build.mjs, its errors are above): npm start runs the last build that worked until then; run bash scripts/setup.sh again when they are fixed\n',
    );
    const ran = await runProcess(process.execPath, [join(dir, 'dist', 'cli.js'), '--version'], {
      env: process.env,
    });
    expect(ran.stdout.trim()).toBe(VERSION);
    expect(existsSync(join(dir, 'dist.next'))).toBe(false);
  }, 200_000);

  it('says that the install failed, and builds nothing', async (ctx) => {
    const { dir, run } = setUpCheckout(ctx, 1);
    const setup = await run();
    expect(setup.code).toBe(1);
    expect(setup.stderr).toContain(
      "setup: npm install --no-audit --no-fund failed (npm's errors are above); nothing was built\n",
    );
    expect(setup.stdout).not.toContain('setup: building dist/');
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  }, 100_000);

  it("npm's prepare builds dist/, but not in setup's install (setup builds next)", async () => {
    const dir = checkoutCopy();
    const env = scriptEnv(join(tempDir('omnia-prepare-'), 'home'));
    const skipped = await runProcess('npm', ['run', '-s', 'prepare'], {
      cwd: dir,
      env: { ...env, OMNIA_SETUP_BUILDS: '1' },
      timeoutMs: 60_000,
    });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    const built = await runProcess('npm', ['run', '-s', 'prepare'], {
      cwd: dir,
      env,
      timeoutMs: 60_000,
    });
    expect(built.code, built.stderr).toBe(0);
    expect(existsSync(join(dir, 'dist', 'cli.js'))).toBe(true);
  }, 100_000);
});
