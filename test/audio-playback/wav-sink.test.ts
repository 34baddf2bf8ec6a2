import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WavFileSink } from '../../source/audio/sinks/wav-sink.js';
import { parseWav } from '../../source/audio/wav.js';
import { RATE, samples, tempDir, tone, toneShare, waitFor } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const fixture = join(import.meta.dirname, 'fixtures', 'write-wav.ts');

describe('WavFileSink', () => {
  it('writes a valid mono WAV holding exactly what was written', async () => {
    const path = join(tmp.dir, 'plain.wav');
    const sink = new WavFileSink(path, RATE);
    await sink.open();
    const pcm = tone(2500, 440);
    for (let at = 0; at < pcm.length; at += 960) sink.write(pcm.subarray(at, at + 960));
    await sink.close();
    const file = readFileSync(path);
    expect(file.readUInt32LE(40)).toBe(pcm.length);
    expect(file.readUInt32LE(4)).toBe(36 + pcm.length);
    const wav = parseWav(file);
    expect(wav).toMatchObject({ sampleRate: RATE, channels: 1, bitsPerSample: 16 });
    expect(wav.data.equals(pcm)).toBe(true);
  });

  it('refuses an unwritable path at open with one line naming the file', async () => {
    const sink = new WavFileSink(join(tmp.dir, 'no-such-dir', 'x.wav'), RATE);
    await expect(sink.open()).rejects.toThrow(/^cannot write .*x\.wav: no such directory$/);
  });

  it('leaves a parseable file when the writing process is killed with SIGKILL', async () => {
    const path = join(tmp.dir, 'killed.wav');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const size = () => {
      try {
        return statSync(path).size;
      } catch {
        return 0;
      }
    };
    // 2.5 s of audio written, so at least two header refreshes happened.
    await waitFor(() => size() > 44 + 2.5 * RATE * 2, 20_000, `child writing (${stderr})`);
    child.kill('SIGKILL');
    await exited;

    const file = readFileSync(path);
    const declared = file.readUInt32LE(40);
    const actual = file.length - 44;
    expect(declared).toBeGreaterThan(0);
    expect(actual - declared).toBeLessThanOrEqual(RATE * 2 * 1.05);
    const wav = parseWav(file);
    expect(wav.data.length).toBe(declared);
    // The child started its pump before queueing, so skip the first second (lead of silence).
    expect(toneShare(samples(wav.data.subarray(RATE * 2, RATE * 4)), 1000)).toBeGreaterThan(0.99);
  });
});
