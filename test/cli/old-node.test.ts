/**
 * The CLI on a Node older than 22 says so in one line, with what to do where it is: in a checkout
 * set up (.tools/node there), `npm start`, which runs it on that Node; in a checkout not set up
 * yet, set-up; installed as a package, a newer Node. It used to tell everyone to run set-up "in
 * the project", also a set-up checkout's user who had run `node dist/cli.js`, and a package's.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, type TestContext } from 'vitest';
import { CLI_PATH, runProcess, tempDir } from '../helpers/cli.js';
import { NO_OLDER_NODE, olderNode } from '../helpers/old-node.js';
import { skipWhenMissing } from '../helpers/requires.js';
import { provisionedNode, ROOT } from '../scripts/checkout.js';

const DIST = dirname(CLI_PATH);
const HEAD = /^omnia-voice needs Node\.js 22 or newer, and this is v\d+\.\d+\.\d+: /;

function older(ctx: TestContext): string {
  const node = olderNode();
  skipWhenMissing(ctx, node ? undefined : NO_OLDER_NODE, { installable: false });
  return node as string;
}

/** A checkout's dist/ and scripts/setup.sh, under `name`; .tools/node when `setUp`. */
function checkout(setUp: boolean): string {
  const dir = join(tempDir('omnia-old-node-'), 'omnia voice');
  cpSync(DIST, join(dir, 'dist'), { recursive: true });
  mkdirSync(join(dir, 'scripts'));
  cpSync(join(ROOT, 'scripts', 'setup.sh'), join(dir, 'scripts', 'setup.sh'));
  if (setUp) provisionedNode(dir, dirname(dirname(process.execPath)));
  return dir;
}

async function refusal(node: string, cli: string): Promise<string> {
  const run = await runProcess(node, [cli, '--version'], { env: process.env });
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(HEAD);
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  return run.stderr.replace(HEAD, '').trim();
}

describe('on a Node older than 22', () => {
  it('in a checkout that was set up: npm start there, which runs it on .tools/node', async (ctx) => {
    const node = older(ctx);
    const dir = checkout(true);
    expect(await refusal(node, join(dir, 'dist', 'cli.js'))).toBe(
      `run it with "npm start -- <options>" in ${dir}: that uses the Node.js set-up put in .tools/node.`,
    );
  });

  it('in a checkout not set up yet: set-up, which provisions a Node', async (ctx) => {
    const node = older(ctx);
    const dir = checkout(false);
    expect(await refusal(node, join(dir, 'dist', 'cli.js'))).toBe(
      `run "bash scripts/setup.sh" in ${dir} (it provisions Node.js 24 LTS for the project), then "npm start -- <options>".`,
    );
  });

  it('installed as a package (no project): a newer Node', async (ctx) => {
    const node = older(ctx);
    const dir = join(tempDir('omnia-old-node-'), 'node_modules', 'omnia-voice');
    cpSync(DIST, join(dir, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    expect(await refusal(node, join(dir, 'dist', 'cli.js'))).toBe(
      'install Node.js 22 or newer (24 LTS recommended).',
    );
  });
});
