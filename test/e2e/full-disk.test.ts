/**
 * A call's WAV files that cannot be written on (a full disk, a file size limit), through the
 * built CLI against the built-in local agent: the file stops, said once, its header says what
 * it holds, and the call goes on to its normal end and summary (`docs/reliability.md`, Faults).
 * Before, a full disk under `--record` ended the call 1 s in with `fatal: cannot write …`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { CLI_PATH, cliEnv, runCli, runProcess, tempDir } from '../helpers/cli.js';
import {
  fileSizeLimit,
  fillDisk,
  mountTinyDisk,
  prlimitMissing,
  type TinyDisk,
} from '../helpers/full-disk.js';
import { skipWhenMissing } from '../helpers/requires.js';

const disks: TinyDisk[] = [];
afterEach(() => {
  while (disks.length > 0) disks.pop()?.unmount();
});

/** A 64 KB disk, mounted for this test (root only: skipped, loudly, elsewhere). */
function tinyDisk(ctx: Parameters<typeof skipWhenMissing>[0], home: string): string {
  const disk = mountTinyDisk(home, 64 * 1024);
  skipWhenMissing(ctx, typeof disk === 'string' ? disk : undefined, { installable: false });
  disks.push(disk as TinyDisk);
  return (disk as TinyDisk).dir;
}

/** `--plain`, no mic, a transcript, hung up by `--duration`. */
function callArgs(home: string, seconds: number, extra: string[]): string[] {
  return [
    '--plain',
    '--input',
    'none',
    '--transcript',
    join(home, 'call.md'),
    '--duration',
    String(seconds),
    ...extra,
  ];
}

/**
 * The WAV's header says what the file holds: its RIFF size is the file's less 8, and its data
 * size every whole frame written (a player reads the header; one left at data size 0 read as
 * empty).
 */
function expectHeaderMatchesFile(path: string, frameBytes: number): number {
  const file = readFileSync(path);
  const size = statSync(path).size;
  const dataBytes = file.readUInt32LE(40);
  expect(file.readUInt32LE(4), 'RIFF size').toBe(36 + dataBytes);
  expect(dataBytes % frameBytes).toBe(0);
  expect(dataBytes, 'data size').toBeGreaterThan(0);
  // Every whole frame on disk is counted (a partial frame at the end may be left out).
  expect(size - 44 - dataBytes).toBeGreaterThanOrEqual(0);
  expect(size - 44 - dataBytes).toBeLessThan(frameBytes);
  expect(parseWav(file).data.length).toBe(dataBytes);
  return dataBytes;
}

function lines(text: string, pattern: RegExp): string[] {
  return text.split('\n').filter((line) => pattern.test(line));
}

describe('a WAV file that stops during a call (built CLI, local agent)', () => {
  it('--record on a disk that fills: the recording stops, said once; the call goes on and ends with its summary', async (ctx) => {
    const home = tempDir('omnia-full-disk-');
    const record = join(tinyDisk(ctx, home), 'rec.wav');
    const run = await runCli(
      callArgs(home, 4, ['--output', 'none', '--record', record, '--no-call-record']),
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    expect(run.stderr).not.toMatch(/fatal/);
    expect(run.code, run.stderr).toBe(0);
    // Said once, as an error, with why.
    const said = lines(run.stdout, /recording stopped/);
    expect(said, run.stdout).toEqual([
      `[error] recording stopped at 0:00: cannot write ${record}: the disk is full; the call goes on unrecorded`,
    ]);
    // The call ran to its --duration and its summary was printed, naming the file as stopped.
    expect(run.stderr).toMatch(/^Call lasted [45]s$/m);
    expect(run.stderr).toMatch(/^Ended: --duration 4s reached$/m);
    expect(run.stderr).toContain(`Recording: ${record} (stopped at 0:00: the disk is full)\n`);
    expect(run.stderr).not.toMatch(new RegExp(`^Recording: ${record}$`, 'm'));
    const transcript = readFileSync(join(home, 'call.md'), 'utf8');
    expect(transcript).toContain('- Ended: --duration 4s reached');
    expect(transcript).not.toContain('the app was stopped');
    // The header holds what was recorded: players play it.
    expectHeaderMatchesFile(record, 4);
  }, 60_000);

  it('--record on a disk full from the start: the call still happens, and says it was not recorded', async (ctx) => {
    const home = tempDir('omnia-full-at-start-');
    const dir = tinyDisk(ctx, home);
    fillDisk(dir);
    const record = join(dir, 'rec.wav');
    const output = join(dir, 'out.wav');
    const run = await runCli(
      callArgs(home, 3, ['--output', output, '--record', record, '--no-call-record']),
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    // It used to end there, exit 1, the call created and never joined.
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(lines(run.stdout, /^\[error\]/), run.stdout).toEqual([
      `[error] recording stopped at 0:00: cannot write ${record}: the disk is full; the call goes on unrecorded`,
      `[error] no audio output: cannot write ${output}: the disk is full; the call goes on without sound`,
    ]);
    expect(run.stdout).toMatch(/^Agent: Hello!/m);
    expect(run.stderr).toMatch(/^Ended: --duration 3s reached$/m);
    expect(run.stderr).toContain(`Recording: ${record} (stopped at 0:00: the disk is full)\n`);
    expect(run.stderr).toContain(`Agent audio: ${output} (stopped at 0:00: the disk is full)\n`);
  }, 60_000);

  it('--record past a file size limit (EFBIG): the same, with that reason', async (ctx) => {
    skipWhenMissing(ctx, prlimitMissing());
    const home = tempDir('omnia-fsize-');
    const record = join(home, 'rec.wav');
    // 200 KB: about a second of 48 kHz stereo; the transcript stays far below it.
    const limited = fileSizeLimit(200_000, process.execPath, [
      CLI_PATH,
      ...callArgs(home, 4, ['--output', 'none', '--record', record, '--no-call-record']),
    ]);
    const run = await runProcess(limited.command, limited.args, {
      env: cliEnv(home),
      timeoutMs: 40_000,
    });
    expect(run.stderr).not.toMatch(/fatal/);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout, /recording stopped/), run.stdout).toEqual([
      `[error] recording stopped at 0:01: cannot write ${record}: file too large; the call goes on unrecorded`,
    ]);
    expect(run.stderr).toMatch(/^Ended: --duration 4s reached$/m);
    expect(run.stderr).toContain(`Recording: ${record} (stopped at 0:01: file too large)\n`);
    const dataBytes = expectHeaderMatchesFile(record, 4);
    // About a second: what fitted under the limit.
    expect(dataBytes).toBeGreaterThan(150_000);
  }, 60_000);

  it('an output WAV on a disk that fills: the summary says it stopped, and the reply then playing reads as cut', async (ctx) => {
    const home = tempDir('omnia-full-output-');
    const output = join(tinyDisk(ctx, home), 'out.wav');
    const run = await runCli(callArgs(home, 5, ['--output', output, '--no-call-record']), {
      env: cliEnv(home),
      timeoutMs: 40_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout, /audio output stopped/), run.stdout).toEqual([
      `[error] audio output stopped: WAV file ${output}; the call goes on without sound`,
    ]);
    // The greeting was playing when the file stopped (0.7 s of 48 kHz mono fill 64 KB): the
    // rest of it was never heard, and it does not read as heard whole.
    expect(run.stdout).toMatch(/^Agent: Hello! I am the Omnia .* \[interrupted\]$/m);
    const transcript = readFileSync(join(home, 'call.md'), 'utf8');
    expect(transcript).toMatch(/\*\*Agent\*\* \(\+0:00\): Hello! .* _\(interrupted\)_/);
    // Not a barge-in: the summary says what cut it.
    expect(run.stderr).toMatch(
      /^Turns: 1 \(user 0, agent 1\), interruptions: 0; a reply was cut off when the audio output stopped$/m,
    );
    expect(transcript).toContain(
      '- Turns: 1 (user 0, agent 1), interruptions: 0; a reply was cut off when the audio output stopped',
    );
    expect(run.stderr).toMatch(/^Ended: --duration 5s reached$/m);
    expect(run.stderr).toContain(`Agent audio: ${output} (stopped at 0:00: the disk is full)\n`);
    expect(existsSync(output)).toBe(true);
    expectHeaderMatchesFile(output, 2);
  }, 60_000);
});
