import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CallRecorder } from '../../source/audio/recorder.js';
import { parseWav } from '../../source/audio/wav.js';
import { RATE, samples, tempDir, tone, toneShare } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function channel(x: Int16Array, c: 0 | 1): Int16Array {
  const out = new Int16Array(x.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = x[i * 2 + c]!;
  return out;
}

const asBuffer = (x: Int16Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

describe('CallRecorder', () => {
  it('puts the user on the left and the agent on the right, placed by wall-clock time', async () => {
    let now = 1_000_000;
    const path = join(tmp.dir, 'call.wav');
    const rec = new CallRecorder(path, RATE, { now: () => now });
    const user = tone(2000, 440, 8_000);
    const agent = tone(1500, 1000, 6_000);
    const userFrame = (ms: number) => user.subarray((ms - 20) * 96, ms * 96);
    // 0–2 s in 10 ms steps: the user speaks 0–1 s and 1.5–2 s (a stall in between), the
    // agent's audio arrives from 0.5 s on, in 10 ms blocks like Player.onBlock.
    for (let t = 10; t <= 2000; t += 10) {
      now = 1_000_000 + t;
      if (t % 20 === 0 && (t <= 1000 || t > 1500)) rec.pushUser(userFrame(t));
      if (t > 500) rec.pushAgent(agent.subarray((t - 510) * 96, (t - 500) * 96));
    }
    await rec.close();

    const wav = parseWav(readFileSync(path));
    expect(wav).toMatchObject({ sampleRate: RATE, channels: 2, bitsPerSample: 16 });
    const x = samples(wav.data);
    const left = channel(x, 0);
    const right = channel(x, 1);
    expect(left.length).toBe(2 * RATE);
    const s = (ms: number) => (ms * RATE) / 1000;
    // Left: the user's audio, with silence where nothing was sent.
    expect(asBuffer(left.subarray(0, s(1000))).equals(user.subarray(0, s(1000) * 2))).toBe(true);
    expect(left.subarray(s(1000), s(1500)).every((v) => v === 0)).toBe(true);
    expect(asBuffer(left.subarray(s(1500))).equals(user.subarray(s(1500) * 2))).toBe(true);
    // Right: silence until the agent's first block, then exactly its audio.
    expect(right.subarray(0, s(500)).every((v) => v === 0)).toBe(true);
    expect(asBuffer(right.subarray(s(500))).equals(agent)).toBe(true);
  });

  it('user audio at another rate (--input-rate) is resampled to the recording: same pitch, same time', async () => {
    let now = 0;
    const path = join(tmp.dir, 'rates.wav');
    const rec = new CallRecorder(path, RATE, { now: () => now, userSampleRate: 16_000 });
    const user = tone(2000, 440, 8_000, 16_000);
    const agent = tone(2000, 880, 8_000);
    // 2 s: the user's 20 ms frames at 16 kHz (640 bytes), the agent's 20 ms blocks at 48 kHz.
    for (let t = 20; t <= 2000; t += 20) {
      now = t;
      rec.pushUser(user.subarray((t - 20) * 32, t * 32));
      rec.pushAgent(agent.subarray((t - 20) * 96, t * 96), t - 20);
    }
    await rec.close();
    const wav = parseWav(readFileSync(path));
    const left = channel(samples(wav.data), 0);
    // Two seconds, as the call lasted (unresampled: 2/3 s of it, three times too fast).
    expect(Math.abs(left.length - 2 * RATE)).toBeLessThanOrEqual(RATE / 50);
    const loud = left.filter((v) => Math.abs(v) > 1000).length;
    expect(loud / RATE).toBeGreaterThan(1.8);
    expect(toneShare(left, 440)).toBeGreaterThan(0.8);
  });

  it('after a stall, agent audio stays at its place on the device timeline, not where it arrived', async () => {
    let now = 0;
    const path = join(tmp.dir, 'stall.wav');
    const rec = new CallRecorder(path, RATE, { now: () => now });
    // Noise, not a tone: a shift by whole periods of a tone would look like no shift at all.
    const agent = Buffer.alloc(RATE * 2);
    for (let i = 0; i < RATE; i++)
      agent.writeInt16LE(1 + Math.floor(Math.random() * 12_000), i * 2);
    const block = (ms: number) => agent.subarray(ms * 96, (ms + 20) * 96);
    // The device plays the agent from 0 ms on, told to the recorder block by block.
    for (let t = 0; t < 400; t += 20) {
      now = t + 20;
      rec.pushAgent(block(t), t);
      if (t % 20 === 0) rec.pushUser(Buffer.alloc(1920));
    }
    // The event loop stalls 300 ms; the mic's timer comes first and the file moves on.
    now = 720;
    rec.pushUser(Buffer.alloc(1920));
    // Then the player reports the blocks that played meanwhile, each at its own place.
    for (let t = 400; t < 1000; t += 20) {
      rec.pushAgent(block(t), t);
      now = Math.max(now, t + 20);
      rec.pushUser(Buffer.alloc(1920));
    }
    await rec.close();
    const right = channel(samples(parseWav(readFileSync(path)).data), 1);
    const s = (ms: number) => (ms * RATE) / 1000;
    // Every sample of the agent that is in the file is where the device played it; what the
    // file had already passed is missing (silence), never shifted later.
    for (let i = 0; i < s(1000); i++) {
      const v = right[i]!;
      if (v !== 0) expect(v, `sample ${i}`).toBe(agent.readInt16LE(i * 2));
    }
    expect(asBuffer(right.subarray(s(700), s(1000))).equals(agent.subarray(s(700) * 2))).toBe(true);
  });

  it("after a stall, the mic's catch-up burst ends where it arrived and the user stays in step", async () => {
    let now = 0;
    const path = join(tmp.dir, 'burst.wav');
    const rec = new CallRecorder(path, RATE, { now: () => now });
    // Noise: every user frame is told apart by its content.
    const user = Buffer.alloc(RATE * 2 * 2);
    for (let i = 0; i < RATE * 2; i++)
      user.writeInt16LE(1 + Math.floor(Math.random() * 12_000), i * 2);
    const frame = (k: number) => user.subarray(k * 1920, (k + 1) * 1920);
    let k = 0;
    const tick = (t: number) => {
      now = t;
      rec.pushUser(frame(k++));
      rec.pushAgent(Buffer.alloc(1920), t - 20);
    };
    for (let t = 20; t <= 1000; t += 20) tick(t);
    // The event loop stalls 300 ms. The source owes at most 200 ms: it hands over ten frames
    // at once (the oldest 100 ms were dropped as stale), then the player catches up.
    now = 1300;
    const burstFirst = k;
    for (let i = 0; i < 10; i++) rec.pushUser(frame(k++));
    for (let t = 1000; t < 1300; t += 20) rec.pushAgent(Buffer.alloc(1920), t);
    for (let t = 1320; t <= 2000; t += 20) tick(t);
    await rec.close();
    const left = channel(samples(parseWav(readFileSync(path)).data), 0);
    const s = (ms: number) => (ms * RATE) / 1000;
    const at = (endMs: number) => asBuffer(left.subarray(s(endMs - 20), s(endMs)));
    // The file runs to the end of the call, not past it.
    expect(left.length / RATE).toBeCloseTo(2, 2);
    // The burst is the 200 ms before it arrived, the dropped 100 ms before it silence.
    expect(left.subarray(s(1000), s(1100)).every((v) => v === 0)).toBe(true);
    for (let i = 0; i < 10; i++) expect(at(1120 + i * 20).equals(frame(burstFirst + i))).toBe(true);
    // Every frame after the stall is where it arrived, to the end.
    for (let t = 1320, j = burstFirst + 10; t <= 2000; t += 20, j++)
      expect(at(t).equals(frame(j)), `frame at ${t} ms`).toBe(true);
  });

  it('does not insert silence into a continuous side whose pushes jitter', async () => {
    let now = 0;
    const path = join(tmp.dir, 'jitter.wav');
    const rec = new CallRecorder(path, RATE, { now: () => now });
    const user = tone(1000, 440, 8_000);
    const jitterMs = [0, 0, 35, 5, 60, 0, 15, 90];
    for (let i = 1; i <= 50; i++) {
      now = i * 20 + jitterMs[i % jitterMs.length]!;
      rec.pushUser(user.subarray((i - 1) * 1920, i * 1920));
      rec.pushAgent(Buffer.alloc(1920));
    }
    await rec.close();
    const left = channel(samples(parseWav(readFileSync(path)).data), 0);
    expect(asBuffer(left.subarray(0, user.length / 2)).equals(user)).toBe(true);
  });

  it('keeps the file valid while recording (header refreshed every second)', () => {
    let now = 0;
    const path = join(tmp.dir, 'live.wav');
    const rec = new CallRecorder(path, RATE, { now: () => now });
    for (let t = 20; t <= 2500; t += 20) {
      now = t;
      rec.pushUser(tone(20, 440));
      rec.pushAgent(tone(20, 880));
    }
    // Not closed: read it as a crash would leave it.
    const file = readFileSync(path);
    const wav = parseWav(file);
    expect(wav.channels).toBe(2);
    const declaredMs = (file.readUInt32LE(40) / 4 / RATE) * 1000;
    expect(declaredMs).toBeGreaterThanOrEqual(1000);
    expect(rec.durationMs - declaredMs).toBeLessThanOrEqual(1000);
  });

  it('refuses an unwritable path with one line', () => {
    expect(() => new CallRecorder(join(tmp.dir, 'missing', 'r.wav'), RATE)).toThrow(
      /^cannot write .*r\.wav: the directory does not exist$/,
    );
  });
});
