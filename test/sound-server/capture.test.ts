import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MicSource } from '../../source/audio/sources/mic-source.js';
import { onsetsHeard } from '../helpers/heard.js';
import { tone } from '../helpers/signal.js';
import { READER_SETTLE_MS, type SoundServer, startSoundServer } from '../helpers/sound-server.js';

/**
 * The microphone through sox on a sound server that keeps real time (PulseAudio, as on a Linux
 * desktop; sox takes its pulseaudio driver when a server answers): what the server of the call
 * would receive, and when. Bounds are loose enough for a loaded two-core machine;
 * `bench/pulse.ts` has the figures against the vendor's example client.
 */
const RATE = 48_000;
const FRAME_MS = 20;

let server: SoundServer;
beforeAll(async () => {
  server = await startSoundServer({ rate: RATE });
});
afterAll(async () => {
  await server?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the mic through sox on a real-time sound server', () => {
  it('sends 20 ms frames as they are spoken: one second per second, never in bursts', async () => {
    const mic = new MicSource(RATE, { env: { ...process.env, ...server.env } });
    const arrivals: number[] = [];
    const errors: string[] = [];
    await mic.start(
      (frame) => {
        expect(frame.length).toBe((RATE * 2 * FRAME_MS) / 1000);
        arrivals.push(performance.now());
      },
      (message) => errors.push(message),
    );
    await sleep(4_000);
    // What sox asked the server for: 20 ms blocks (its default would be 2 s, whatever the load).
    const outputs = execFileSync('pactl', ['list', 'source-outputs'], {
      env: { ...process.env, ...server.env },
    }).toString();
    const sox = outputs.split(/^Source Output #/m).find((o) => /application\.name = "SoX"/.test(o));
    expect(sox).toBeDefined();
    const bufferUs = Number(/Buffer Latency: (\d+) usec/.exec(sox!)?.[1]);
    expect(bufferUs).toBeGreaterThan(0);
    expect(bufferUs).toBeLessThanOrEqual(FRAME_MS * 1000);
    await mic.stop();
    expect(errors).toEqual([]);
    // After start-up, a frame every 20 ms. Without a block size of its own, PulseAudio gave sox
    // its default of 2 s blocks: half the audio was dropped as stale and the rest came late.
    const steady = arrivals.filter((at) => at - arrivals[0]! > 1_000);
    const spanMs = steady.at(-1)! - steady[0]!;
    expect((steady.length - 1) * FRAME_MS).toBeGreaterThan(spanMs * 0.9);
    expect((steady.length - 1) * FRAME_MS).toBeLessThan(spanMs * 1.1 + FRAME_MS);
    const gaps = steady.slice(1).map((at, i) => at - steady[i]!);
    expect(Math.max(...gaps)).toBeLessThan(150);
  }, 20_000);

  it('says the mic lost its device when the sound server goes away, not that sox exited 0', async () => {
    const own = await startSoundServer({ rate: RATE });
    const errors: string[] = [];
    const mic = new MicSource(RATE, { env: { ...process.env, ...own.env } });
    try {
      await mic.start(
        () => undefined,
        (message) => errors.push(message),
      );
      await sleep(1_000);
      process.kill(own.pid, 'SIGKILL');
      const until = performance.now() + 5_000;
      while (errors.length === 0 && performance.now() < until) await sleep(50);
    } finally {
      await mic.stop();
      await own.close();
    }
    // sox exits with 0 when its device goes away mid-stream: no "exited with code 0".
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^microphone capture stopped: sox lost its device: /);
    expect(errors[0]).not.toMatch(/code 0|FAIL|sox: /);
  }, 20_000);

  it('hands over a word spoken into the room within a frame or two of hearing it', async () => {
    const reference = server.record('mic', { latencyMs: 5 });
    await sleep(READER_SETTLE_MS);
    const mic = new MicSource(RATE, { env: { ...process.env, ...server.env } });
    const loudFrames: number[] = [];
    await mic.start(
      (frame) => {
        let peak = 0;
        for (let i = 0; i + 1 < frame.length; i += 2)
          peak = Math.max(peak, Math.abs(frame.readInt16LE(i)));
        if (peak > 3_000) loudFrames.push(performance.now());
      },
      () => undefined,
    );
    await sleep(500);
    const room = server.playIntoRoom({ latencyMs: 200 });
    // Three words, written whole, a second apart (the room stream runs dry in between).
    for (let word = 0; word < 3; word++) {
      room.stdin.write(tone(300, 300, RATE, 0.5));
      await sleep(1_000);
    }
    await room.close();
    await mic.stop();
    await reference.stop();
    const onsets = onsetsHeard(reference.pcm(), reference.arrivals(), RATE, {
      loudPeak: 3_000,
      quietMs: 300,
    });
    expect(onsets.length).toBe(3);
    for (const onset of onsets) {
      const first = loudFrames.find((at) => at >= onset - 30);
      expect(first).toBeDefined();
      // The mic's own block (20 ms) and frame (20 ms) beyond a 5 ms reader of the same mic,
      // about 40 ms on a quiet machine; with both cores kept busy by stress-ng sox and the test
      // wait their turn (136 and 534 ms seen), so the bound only tells it from a backlog of the
      // server's default 2 s blocks (the block size itself is checked above). The figure is
      // `bench/pulse.ts`'s.
      expect(first! - onset).toBeLessThan(1_000);
    }
  }, 20_000);
});
