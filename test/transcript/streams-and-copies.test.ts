/**
 * `--transcript` to a stream and `--save-transcripts` beside it, through the built CLI and the
 * built-in local agent: `/dev/stdout` or a FIFO needs no extension (the `transcriptFormat`
 * setting, md by default) and gets the call's final form once, after what was printed before;
 * `--save-transcripts` saves into the transcript directory (a copy beside `--transcript`), and
 * the summary's last line says where.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

const CALL = ['--plain', '--input', 'none', '--output', 'none', '--duration', '2'];

describe('a transcript to a stream', () => {
  it('/dev/stdout: the plain lines, then the Markdown transcript once, whole', async () => {
    const home = tempDir('omnia-stream-');
    const run = await runCli([...CALL, '--transcript', '/dev/stdout'], {
      env: cliEnv(home),
      timeoutMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('# Omnia Voice call')).toHaveLength(2);
    const [printed, transcript] = run.stdout.split('# Omnia Voice call') as [string, string];
    expect(printed).toMatch(/^\[call\] connected/m);
    expect(transcript).toMatch(/^\*\*Agent\*\* \(\+0:00\): Hello!/m);
    expect(transcript).toMatch(/^- Ended: --duration 2s reached$/m);
  }, 40_000);

  it('a FIFO with no extension: the format the setting names (jsonl), read as it is written', async () => {
    const home = tempDir('omnia-fifo-');
    const fifo = join(home, 'transcript-pipe');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const reading = new Promise<string>((resolve, reject) => {
      createReadStream(fifo)
        .on('data', (chunk) => chunks.push(chunk as Buffer))
        .on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
        .on('error', reject);
    });
    const run = await runCli([...CALL, '--transcript', fifo], {
      env: cliEnv(home, { OMNIA_TRANSCRIPT_FORMAT: 'jsonl' }),
      timeoutMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const records = (await reading)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; role?: string });
    expect(records.filter((r) => r.type === 'call')).toHaveLength(1);
    expect(records.some((r) => r.type === 'turn' && r.role === 'agent')).toBe(true);
  }, 40_000);

  it('a regular file still needs its extension', async () => {
    const home = tempDir('omnia-noext-');
    const run = await runCli([...CALL, '--transcript', 'notes'], {
      env: cliEnv(home),
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot tell the transcript format of "notes"');
  }, 40_000);
});

/** A call with `extra` options saving into a transcript directory: its stderr lines, the file. */
async function savingRun(prefix: string, extra: string[]) {
  const home = tempDir(prefix);
  const dir = join(home, 'saved');
  const run = await runCli([...CALL, ...extra, '--save-transcripts'], {
    env: cliEnv(home, { OMNIA_TRANSCRIPT_DIR: dir }),
    timeoutMs: 30_000,
  });
  expect(run.code, run.stderr).toBe(0);
  const saved = readdirSync(dir);
  expect(saved).toHaveLength(1);
  return { run, home, lines: run.stderr.trimEnd().split('\n'), savedPath: join(dir, saved[0]!) };
}

describe('--save-transcripts: where the run went, once, at the end of the summary', () => {
  it('alone: the summary ends with a Transcript: line naming the saved file', async () => {
    const { run, lines, savedPath } = await savingRun('omnia-saved-', []);
    expect(lines.at(-1)).toBe(`Transcript: ${savedPath}`);
    expect(lines.filter((l) => l.includes(savedPath))).toHaveLength(1);
    expect(run.stderr.indexOf('Call lasted')).toBeLessThan(run.stderr.indexOf('Transcript:'));
  }, 40_000);

  it('beside --transcript: keeps the given file, saves a copy into the directory, names both', async () => {
    const { home, lines, savedPath } = await savingRun('omnia-copy-', [
      ...['--transcript', 'mine.md', '--record', 'rec.wav'],
    ]);
    // The files last, the transcript's at the very end.
    expect(lines.slice(-3)).toEqual([
      'Recording: rec.wav',
      'Transcript: mine.md',
      `Transcript copy: ${savedPath}`,
    ]);
    const mine = readFileSync(join(home, 'mine.md'), 'utf8');
    expect(readFileSync(savedPath, 'utf8')).toBe(mine);
  }, 40_000);
});
