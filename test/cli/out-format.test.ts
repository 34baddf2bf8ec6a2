/**
 * `calls show ID --out notes`: a file name with no extension said to use an extension and not
 * that `--format` does it too (a new-user trial). Both are named now, and `--format` works.
 * Against the built-in local agent, through the built CLI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

let agent: LocalAgent;
let callId = '';
const env = () => cliEnv(tempDir('omnia-out-format-'), { OMNIA_API_KEY: 'x' });

beforeAll(async () => {
  agent = await startLocalAgent({ port: 0, voice: 'tone' });
  const call = await runCli(
    [
      ...['--plain', '--input', 'none', '--output', 'none', '--duration', '1'],
      ...['--agent', 'demo', '--api-base', agent.baseUrl],
    ],
    { env: env(), timeoutMs: 30_000 },
  );
  expect(call.code, call.stderr).toBe(0);
  const listed = await runCli(['calls', '--json', '--api-base', agent.baseUrl], { env: env() });
  callId = (JSON.parse(listed.stdout) as Array<{ callId: string }>)[0]?.callId ?? '';
}, 60_000);
afterAll(async () => {
  await agent.close();
});

describe('calls show --out with no extension', () => {
  it('names --format beside the extensions, and --format saves it', async () => {
    const out = join(tempDir('omnia-out-format-'), 'notes');
    const show = (...extra: string[]) =>
      runCli(['calls', 'show', callId, '--out', out, ...extra, '--api-base', agent.baseUrl], {
        env: env(),
      });
    const refused = await show();
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      `error: cannot tell the transcript format of "${out}": use a file name ending in .md, .txt, .json or .jsonl, or give the format: --format md, txt, json or jsonl.`,
    );
    const saved = await show('--format', 'md');
    expect(saved.code, saved.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^# Omnia Voice call\n/);
  }, 30_000);
});
