import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WavFileSource } from '../../source/audio/sources/wav-source.js';
import { encodeWav, estimateFrequency, hasSound, sine, tempDir, waitFor } from './helpers.js';

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir('omnia-wavsrc-');
});
afterAll(async () => {
  await root?.cleanup();
});

async function wavFile(name: string, bytes: Buffer): Promise<string> {
  const path = join(root.dir, name);
  await writeFile(path, bytes);
  return path;
}

/** Runs a source until `done` says so; returns frames, errors and when the end was reported. */
async function run(source: WavFileSource, done: (frames: Buffer[]) => boolean) {
  const frames: Buffer[] = [];
  const errors: string[] = [];
  const startedAt = performance.now();
  await source.start(
    (f) => frames.push(f),
    (m) => errors.push(m),
  );
  if (errors.length === 0) await waitFor(() => done(frames), 15_000, 'frames');
  await source.stop();
  return { frames, errors, wallMs: performance.now() - startedAt };
}

describe('WavFileSource', () => {
  it('sends a 16 kHz file into a 48 kHz call at 48 kHz, with its pitch and length, in real time, then silence', async () => {
    const path = await wavFile('tone16k.wav', encodeWav([sine(440, 600, 16_000)], 16_000, 16));
    let endedAfterFrames = -1;
    const frames: Buffer[] = [];
    const source = new WavFileSource(path, 48_000, {
      onEnd: () => {
        endedAfterFrames = frames.length;
      },
    });
    const startedAt = performance.now();
    await source.start(
      (f) => frames.push(f),
      (m) => {
        throw new Error(m);
      },
    );
    expect(source.durationMs).toBeCloseTo(600, 0);
    expect(source.fileFormat).toEqual({ sampleRate: 16_000, channels: 1, bitsPerSample: 16 });
    await waitFor(() => frames.length >= 40, 15_000, '40 frames');
    const wallMs = performance.now() - startedAt;
    await source.stop();

    expect(frames.every((f) => f.length === 1920)).toBe(true);
    // 600 ms of sound = 30 frames at 20 ms, then digital silence.
    const sounding = frames.filter(hasSound).length;
    expect(sounding).toBe(30);
    expect(frames.slice(30).some(hasSound)).toBe(false);
    expect(endedAfterFrames).toBe(30);
    const audio = Buffer.concat(frames.slice(0, 30));
    expect(estimateFrequency(audio, 48_000)).toBeCloseTo(440, -1);
    // 40 frames = 800 ms of audio; paced, that takes at least ~780 ms of wall time.
    expect(wallMs).toBeGreaterThanOrEqual(700);
  });

  it('mixes a stereo 24-bit 44.1 kHz file down to mono at the call rate', async () => {
    const left = sine(440, 400, 44_100, 0.6);
    const right = sine(440, 400, 44_100, 0.2);
    const path = await wavFile('stereo24.wav', encodeWav([left, right], 44_100, 24));
    const source = new WavFileSource(path, 16_000);
    const { frames, errors } = await run(source, (f) => f.length >= 25);
    expect(errors).toEqual([]);
    expect(source.fileFormat).toEqual({ sampleRate: 44_100, channels: 2, bitsPerSample: 24 });
    expect(frames.every((f) => f.length === 640)).toBe(true);
    expect(frames.filter(hasSound).length).toBe(20);
    const audio = Buffer.concat(frames.slice(0, 20));
    expect(estimateFrequency(audio, 16_000)).toBeCloseTo(440, -1);
    // Average of 0.6 and 0.2 is 0.4 of full scale.
    let peak = 0;
    for (let i = 0; i < audio.length; i += 2) peak = Math.max(peak, Math.abs(audio.readInt16LE(i)));
    expect(peak / 32768).toBeGreaterThan(0.37);
    expect(peak / 32768).toBeLessThan(0.43);
  });

  it('loops when asked instead of going silent', async () => {
    const path = await wavFile('short.wav', encodeWav([sine(440, 100, 48_000)], 48_000, 16));
    let ended = false;
    const source = new WavFileSource(path, 48_000, { loop: true, onEnd: () => (ended = true) });
    const { frames } = await run(source, (f) => f.length >= 20);
    expect(frames.slice(0, 20).every(hasSound)).toBe(true);
    expect(ended).toBe(false);
  });

  it('reports a missing file in one line and sends nothing', async () => {
    const source = new WavFileSource(join(root.dir, 'nope.wav'), 48_000);
    const { frames, errors } = await run(source, () => true);
    expect(errors).toEqual([`cannot read WAV file ${join(root.dir, 'nope.wav')}: no such file`]);
    expect(frames).toEqual([]);
  });

  it('reports a file that is not a WAV in one line', async () => {
    const path = await wavFile('notes.wav', Buffer.from('just some text, not audio\n'));
    const source = new WavFileSource(path, 48_000);
    const { errors } = await run(source, () => true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/not a supported WAV file/);
    expect(errors[0]).not.toMatch(/\n/);
    await expect(new WavFileSource(path, 48_000).load()).rejects.toThrow(/not a supported WAV/);
  });

  it('keeps escape sequences in a file name out of its description and messages', async () => {
    const source = new WavFileSource(join(root.dir, 'evil\u001b[2J.wav'), 48_000);
    expect(source.description).not.toMatch(/\u001b/);
    const { errors } = await run(source, () => true);
    expect(errors[0]).not.toMatch(/\u001b/);
  });
});
