import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MicSource } from '../../source/audio/sources/mic-source.js';
import { soxInstallHint } from '../../source/audio/sox.js';
import {
  alsaFileHome,
  estimateFrequency,
  processAlive,
  tempDir,
  tone,
  toStereo,
  waitFor,
} from './helpers.js';

const RATE = 48_000;
let root: { dir: string; cleanup: () => Promise<void> };
let home: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await tempDir('omnia-capture-');
  const inRaw = join(root.dir, 'in.raw');
  await writeFile(inRaw, toStereo(tone(440, 10_000, RATE)));
  home = await alsaFileHome(root.dir, { inRaw, outRaw: join(root.dir, 'out.raw') });
  env = { ...process.env, HOME: home };
  delete env.AUDIODEV;
  delete env.AUDIODRIVER;
});
afterAll(async () => {
  await root?.cleanup();
});

/** Collects frames with their arrival times. */
function collector() {
  const frames: Buffer[] = [];
  const errors: string[] = [];
  return {
    frames,
    errors,
    onFrame: (f: Buffer) => frames.push(f),
    onError: (m: string) => errors.push(m),
  };
}

describe('MicSource with real sox on an ALSA file device', () => {
  it('sends raw 20 ms frames of the captured tone, paced at one second per second, and stop leaves no sox behind', async () => {
    const mic = new MicSource(RATE, { env });
    const c = collector();
    await mic.start(c.onFrame, c.onError);
    expect(c.errors).toEqual([]);
    const pid = mic.pid;
    expect(pid).toBeDefined();

    await waitFor(() => c.frames.length > 0, 10_000, 'first frame');
    const firstAt = performance.now();
    const countAtFirst = c.frames.length;
    // Wall time is the point of this test: poll until 2 s have passed since the first frame.
    await waitFor(() => performance.now() - firstAt >= 2000, 10_000, '2 s of capture');
    const wallMs = performance.now() - firstAt;
    const audioMs = (c.frames.length - countAtFirst) * 20;
    await mic.stop();

    // Unpaced, the 10 s file would arrive at once; paced, about 2 s of it (at least half of it
    // even when a loaded machine holds the timers back: missed time is caught up, 200 ms at most
    // at a time).
    expect(audioMs).toBeGreaterThanOrEqual(1000);
    expect(audioMs).toBeLessThanOrEqual(Math.max(2500, wallMs + 300));

    expect(c.frames.every((f) => f.length === 1920)).toBe(true);
    const all = Buffer.concat(c.frames);
    expect(all.includes('RIFF')).toBe(false);
    expect(estimateFrequency(all.subarray(0, RATE * 2), RATE)).toBeCloseTo(440, -1);
    expect(c.errors).toEqual([]);

    expect(processAlive(pid!)).toBe(false);
    const framesAfterStop = c.frames.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(c.frames.length).toBe(framesAfterStop);

    // sox's chatter is kept for messages, not printed.
    expect(mic.stats.captureChunkBytes.length).toBeGreaterThan(0);
    expect(mic.stats.firstChunkAfterMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a missing sox in words, with how to install it', async () => {
    const empty = await tempDir('omnia-nosox-');
    try {
      const mic = new MicSource(RATE, { env: { ...env, PATH: empty.dir } });
      const c = collector();
      await mic.start(c.onFrame, c.onError);
      expect(c.errors).toHaveLength(1);
      expect(c.errors[0]).toMatch(/^sox is not installed \(.+\); /);
      expect(c.errors[0]).toContain(soxInstallHint());
      expect(c.errors[0]).toMatch(/the call continues with text input/);
      await mic.stop();
    } finally {
      await empty.cleanup();
    }
  });

  it('reports an unknown capture device quoting what sox and ALSA said', async () => {
    const mic = new MicSource(RATE, { env, device: 'nonexistent' });
    const c = collector();
    await mic.start(c.onFrame, c.onError);
    await waitFor(() => c.errors.length > 0, 10_000, 'an error');
    expect(c.errors).toHaveLength(1);
    expect(c.errors[0]).toMatch(/^no capture device: /);
    expect(c.errors[0]).toMatch(/nonexistent/);
    expect(c.errors[0]).not.toMatch(/\n/);
    // And what to do about it.
    expect(c.errors[0]).toMatch(
      /\(omnia-voice devices lists the capture devices, --input mic:<device> picks one; --input none or a \.wav file needs none\)$/,
    );
    // sox's words, its double space (``open input  `nonexistent'``) made one.
    expect(c.errors[0]).toContain("can't open input `nonexistent'");
    expect(c.errors[0]).not.toMatch(/ {2}/);
    expect(mic.stderrTail.some((l) => /FAIL/.test(l))).toBe(true);
    expect(c.frames).toHaveLength(0);
    await mic.stop();
  });

  it('reports a broken default capture device from ~/.asoundrc', async () => {
    const broken = await tempDir('omnia-broken-');
    try {
      const brokenHome = await alsaFileHome(broken.dir, {
        inRaw: join(broken.dir, 'missing.raw'),
        outRaw: join(broken.dir, 'out.raw'),
        capture: 'no_such_pcm',
      });
      const mic = new MicSource(RATE, { env: { ...env, HOME: brokenHome } });
      const c = collector();
      await mic.start(c.onFrame, c.onError);
      await waitFor(() => c.errors.length > 0, 10_000, 'an error');
      expect(c.errors[0]).toMatch(/^no capture device: .+/);
      await mic.stop();
    } finally {
      await broken.cleanup();
    }
  });

  it('tells the user when capture dies during the call (device unplugged, sox killed)', async () => {
    const mic = new MicSource(RATE, { env });
    const c = collector();
    await mic.start(c.onFrame, c.onError);
    await waitFor(() => c.frames.length > 5, 10_000, 'frames');
    process.kill(mic.pid!, 'SIGKILL');
    await waitFor(() => c.errors.length > 0, 10_000, 'an error');
    expect(c.errors).toEqual(['microphone capture stopped: sox was killed (SIGKILL)']);
    await mic.stop();
  });

  it('a file device, held back by the pipe, gives all of its audio in order, none dropped', async () => {
    // Tone bursts of 300 ms every second in silence. Read at the clock's pace the device fills
    // the pipe and then delivers only as fast as it is read, which looked like a live device
    // after a burst: what waited was dropped, again and again, and most bursts never went out.
    const burst = tone(440, 300, RATE);
    const second = Buffer.concat([burst, Buffer.alloc(RATE * 2 * 0.7)]);
    const dir = join(root.dir, 'bursts');
    const inRaw = join(root.dir, 'bursts.raw');
    await writeFile(inRaw, toStereo(Buffer.concat([second, second, second, second, second])));
    const burstsEnv = {
      ...env,
      HOME: await alsaFileHome(dir, { inRaw, outRaw: join(root.dir, 'bursts-out.raw') }),
    };
    const mic = new MicSource(RATE, { env: burstsEnv });
    const c = collector();
    await mic.start(c.onFrame, c.onError);
    // Wall time is the point: the pipe fills in the first moments, the drops came after.
    await waitFor(() => c.frames.length >= 200, 15_000, '4 s of frames');
    await mic.stop();
    expect(c.errors).toEqual([]);
    // Loud: the tone (half scale), not the dither sox adds to the silence.
    const loud = c.frames.slice(0, 200).map((f) => {
      for (let i = 0; i + 1 < f.length; i += 2) if (Math.abs(f.readInt16LE(i)) > 1000) return true;
      return false;
    });
    const starts = loud.flatMap((on, i) => (on && !loud[i - 1] ? [i] : []));
    const lengths = starts.map((at) => {
      let n = 0;
      while (loud[at + n]) n += 1;
      return n;
    });
    // Four bursts, 15 frames each (a frame either side at their edges), 50 frames apart.
    expect(starts, loud.map(Number).join('')).toHaveLength(4);
    for (const n of lengths) expect(Math.abs(n - 15)).toBeLessThanOrEqual(1);
    for (let i = 1; i < starts.length; i++) {
      expect(Math.abs(starts[i]! - starts[i - 1]! - 50)).toBeLessThanOrEqual(1);
    }
  });

  it('captures at a 16 kHz call rate with 20 ms frames of 640 bytes', async () => {
    const mic = new MicSource(16_000, { env });
    const c = collector();
    await mic.start(c.onFrame, c.onError);
    await waitFor(() => c.frames.length >= 25, 10_000, '25 frames');
    await mic.stop();
    expect(c.errors).toEqual([]);
    expect(c.frames.every((f) => f.length === 640)).toBe(true);
    // sox resamples the 48 kHz device to 16 kHz, so the tone keeps its pitch.
    expect(estimateFrequency(Buffer.concat(c.frames), 16_000)).toBeCloseTo(440, -1);
  });

  it('stop before start and a second stop are harmless', async () => {
    const mic = new MicSource(RATE, { env });
    await mic.stop();
    const c = collector();
    await mic.start(c.onFrame, c.onError);
    await waitFor(() => c.frames.length > 0, 10_000, 'a frame');
    await mic.stop();
    await mic.stop();
    expect(processAlive(mic.pid!)).toBe(false);
  });
});
