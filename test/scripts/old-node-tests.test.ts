/**
 * The tests started on a Node older than 22 (`npx vitest run ...` from a shell whose `node` is
 * the machine's older one): they ran, the CLI tests on that Node failed and Vitest's reporter
 * crashed (`Map.groupBy is not a function`). vitest.config.ts refuses in one line, saying how to
 * run them on the project's Node.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/cli.js';
import { NO_OLDER_NODE, olderNode } from '../helpers/old-node.js';
import { skipWhenMissing } from '../helpers/requires.js';
import { ROOT } from './checkout.js';

describe('the tests on a Node older than 22', () => {
  it('refuse at once, in one line that says how to run them', async (ctx) => {
    const node = olderNode();
    skipWhenMissing(ctx, node ? undefined : NO_OLDER_NODE, { installable: false });
    const run = await runProcess(
      node as string,
      [
        join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        'test/scripts/spaced-path.test.ts',
      ],
      { cwd: ROOT, env: process.env, timeoutMs: 60_000 },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^The tests need Node\.js 22 or newer, and this is v\d+\.\d+\.\d+: run them with "npm test" \(one file: "npm test -- test\/<file>\.test\.ts"\), which uses the project's Node, or first "\. scripts\/node-env\.sh" in this shell\.\n$/,
    );
  }, 60_000);
});
