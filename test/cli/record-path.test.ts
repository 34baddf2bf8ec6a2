/**
 * `--record` writes a WAV file, so its name must say so: `--record notes.txt` is refused before
 * any call is made (exit 2, one line), and an existing file of that name is left as it was.
 * `.WAV` in any case is a WAV name; a device such as /dev/null needs no extension. Through the
 * built CLI against the Omnia double.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { tempDir } from '../helpers/cli.js';
import { double, QUIET_CALL, runAgainst } from '../omnia/helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];
const CALL = [...QUIET_CALL, '--agent', 'agt_front', '--no-call-record'];

describe('--record with a name that is not .wav', () => {
  it('is refused before the call, exit 2, naming the WAV name to use; the file is untouched', async () => {
    const server = await double({ agents: AGENTS });
    const home = tempDir('omnia-record-name-');
    writeFileSync(join(home, 'notes.txt'), 'my notes');
    const cases: Array<[string, string]> = [
      ['notes.txt', 'notes.wav'],
      ['rec', 'rec.wav'],
      ['calls/rec.wav.bak', 'calls/rec.wav'],
    ];
    for (const [path, suggested] of cases) {
      const run = await runAgainst(server, [...CALL, '--duration', '1', '--record', path], {
        home,
      });
      expect(run.code, `${path}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim()).toBe(
        `error: cannot write the recording to ${path}: a recording is a WAV file, so its name must end in .wav (${suggested}, say)`,
      );
    }
    // The extension alone: a hidden file with no name (a trial made `.wav`).
    for (const [path, suggested] of [
      ['.wav', 'rec.wav'],
      ['calls/.WAV', 'calls/rec.wav'],
    ] as const) {
      const run = await runAgainst(server, [...CALL, '--duration', '1', '--record', path], {
        home,
      });
      expect(run.code, `${path}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim()).toBe(
        `error: cannot write the recording to ${path}: the name has nothing before .wav (${suggested}, say)`,
      );
    }
    expect(existsSync(join(home, '.wav'))).toBe(false);
    expect(server.calls).toHaveLength(0);
    expect(readFileSync(join(home, 'notes.txt'), 'utf8')).toBe('my notes');
    expect(existsSync(join(home, 'rec'))).toBe(false);
    expect(existsSync(join(home, 'calls')), 'no folder made for a refused name').toBe(false);
  }, 40_000);

  it('.WAV in capitals, /dev/null, and a link to it with any name are recorded to', async () => {
    const server = await double({ agents: AGENTS });
    const home = tempDir('omnia-record-name-');
    const upper = await runAgainst(server, [...CALL, '--duration', '1', '--record', 'CALL.WAV'], {
      home,
    });
    expect(upper.code, upper.stderr).toBe(0);
    expect(parseWav(readFileSync(join(home, 'CALL.WAV'))).channels).toBe(2);

    symlinkSync('/dev/null', join(home, 'discard.txt'));
    for (const path of ['/dev/null', 'discard.txt']) {
      const run = await runAgainst(server, [...CALL, '--duration', '1', '--record', path], {
        home,
      });
      expect(run.code, `${path}: ${run.stderr}`).toBe(0);
    }
    expect(server.calls).toHaveLength(3);
  }, 60_000);
});

describe('--record or --output naming a pipe (FIFO)', () => {
  it('is refused before the call, exit 2: opening one nothing reads held the run for ever', async () => {
    const server = await double({ agents: AGENTS });
    const home = tempDir('omnia-record-fifo-');
    const fifo = join(home, 'rec.wav');
    spawnSync('mkfifo', [fifo]);
    for (const flag of ['--record', '--output']) {
      const run = await runAgainst(server, [...CALL, '--duration', '1', flag, fifo], {
        home,
        timeoutMs: 15_000,
      });
      expect(run.code, `${flag}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim()).toMatch(
        /^error: cannot write the (recording|agent's audio) to .*rec\.wav: it is a pipe \(FIFO\), and a WAV file's header is written again as it grows; give a file$/,
      );
    }
    expect(server.calls).toHaveLength(0);
  }, 40_000);
});
