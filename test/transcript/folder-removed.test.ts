/**
 * A transcript folder removed mid-call is made again, in every format (docs/transcripts.md).
 * `.md` and `.json` are rewritten whole, so they came back; `.txt` and `.jsonl` kept appending
 * to the removed file and lost the whole transcript at the end (`could not write transcript
 * gone/x.txt: the directory does not exist`, `Transcript: NOT saved`). Through the built CLI,
 * typing on its stdin, against the built-in local agent.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { CLI_PATH, cliEnv, tempDir, waitFor } from '../helpers/cli.js';

let agent: LocalAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/**
 * A call with `--transcript gone/<name>`: once the greeting is in the file, the folder is
 * removed, then `hi` typed. Resolves with the file while the call still runs (once `hi` is in
 * it), the file at the end, and stderr.
 */
async function removedMidCall(name: string) {
  agent ??= await startLocalAgent({ voice: 'tone' });
  const home = tempDir('omnia-gone-');
  const path = join(home, 'gone', name);
  const child = spawn(
    process.execPath,
    [
      CLI_PATH,
      ...['--plain', '--input', 'none', '--output', 'none', '--no-call-record'],
      ...['--api-base', agent.baseUrl, '--duration', '8', '--transcript', join('gone', name)],
    ],
    {
      cwd: home,
      env: cliEnv(home, { OMNIA_API_KEY: 'sk-test-folder-gone', OMNIA_AGENT_ID: 'demo' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await waitFor(() => read(path).includes('Hello'), { what: 'the greeting in the file' });
    rmSync(join(home, 'gone'), { recursive: true, force: true });
    child.stdin.write('hi\n');
    // The typed turn as .txt or .jsonl has it ("hi" alone is in the greeting's "something").
    const typed = /^User \(typed\): hi$|"text":"hi"/m;
    const during = await waitFor(() => (typed.test(read(path)) ? read(path) : undefined), {
      what: 'the typed turn in the file made again',
      timeoutMs: 6_000,
    }).catch(() => read(path));
    const code = await exited;
    return { code, during, end: read(path), stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

describe('a transcript folder removed mid-call', () => {
  it('.txt: made again at the next turn, whole, and the final form lands', async () => {
    const { code, during, end, stderr } = await removedMidCall('x.txt');
    expect(code, stderr).toBe(0);
    expect(during).toMatch(/^Agent: Hello!/m);
    expect(during).toMatch(/^User \(typed\): hi$/m);
    expect(end).toMatch(/^Agent: Hello!/m);
    expect(end).toMatch(/^User \(typed\): hi$/m);
    expect(end).toMatch(/^Call lasted /m);
    expect(stderr).not.toContain('could not write transcript');
    expect(stderr).not.toContain('NOT saved');
  }, 40_000);

  it('.jsonl: the same, the call line first', async () => {
    const { code, during, end, stderr } = await removedMidCall('x.jsonl');
    expect(code, stderr).toBe(0);
    const records = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; role?: string; text?: string });
    expect(records(during)[0]?.type).toBe('call');
    expect(records(during).some((r) => r.type === 'turn' && r.text === 'hi')).toBe(true);
    const final = records(end);
    expect(final.filter((r) => r.type === 'call')).toHaveLength(1);
    expect(final.some((r) => r.type === 'turn' && r.role === 'agent')).toBe(true);
    expect(final.some((r) => r.type === 'turn' && r.text === 'hi')).toBe(true);
    expect(final.at(-1)?.type).toBe('summary');
    expect(stderr).not.toContain('could not write transcript');
  }, 40_000);
});
