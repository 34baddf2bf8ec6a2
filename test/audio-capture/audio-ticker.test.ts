import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { AudioTicker, BEAT_WATCHDOG_MS } from '../../source/audio/sources/audio-ticker.js';

describe('AudioTicker', () => {
  it('ticks once a period and reports how late a tick ran when the loop was blocked', async () => {
    const ticker = new AudioTicker(20);
    const late: number[] = [];
    ticker.onLateness = (ms) => late.push(ms);
    const times: number[] = [];
    await new Promise<void>((resolve) => {
      const stop = ticker.subscribe((at) => {
        times.push(at);
        // Block the event loop for 50 ms inside the second tick: the next one runs late.
        if (times.length === 2) {
          const until = performance.now() + 50;
          while (performance.now() < until) {
            // busy: a stalled event loop
          }
        }
        if (times.length === 4) {
          stop();
          resolve();
        }
      });
    });
    // A late tick does not bunch up the next ones: at most one per grid period.
    for (let i = 1; i < times.length; i++)
      expect(Math.floor(times[i]! / 20)).toBeGreaterThan(Math.floor(times[i - 1]! / 20));
    expect(late).toHaveLength(4);
    expect(Math.max(...late)).toBeGreaterThanOrEqual(25);
  });
});

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const from = performance.now();
  while (!done()) {
    if (performance.now() - from > timeoutMs) throw new Error(`not done in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('AudioTicker listeners and beats', () => {
  it('wakes only on the ticks its listeners want: every 2nd and every 5th', async () => {
    const ticker = new AudioTicker(20);
    // A listener gets the time its tick ran; the ticker tells how late that was first, so the
    // tick's grid time is the one less the other, however loaded the machine.
    let lateMs = 0;
    let runs = 0;
    ticker.onLateness = (ms) => {
      lateMs = ms;
      runs++;
    };
    const twos: number[] = [];
    const fives: number[] = [];
    const stopTwo = ticker.subscribe((at) => twos.push(at - lateMs), 2);
    const stopFive = ticker.subscribe((at) => fives.push(at - lateMs), 5);
    await waitUntil(() => twos.length >= 10 && fives.length >= 4, 10_000);
    stopTwo();
    stopFive();
    // On a 20 ms grid: tick numbers divisible by 2 (40 ms apart) and by 5 (100 ms apart).
    const tickNo = (gridAt: number) => gridAt / 20;
    for (const at of [...twos, ...fives]) expect(Number.isInteger(tickNo(at))).toBe(true);
    for (const at of twos) expect(tickNo(at) % 2).toBe(0);
    for (const at of fives) expect(tickNo(at) % 5).toBe(0);
    // Never a wake-up nobody wanted: every tick that ran was a 2nd or a 5th (ticks 10, 20, ...
    // serve both in one).
    expect(runs).toBe(new Set([...twos, ...fives]).size);
  });

  it('lets beats (mic frames) carry the ticks, and goes back to its timer when they stop', async () => {
    const ticker = new AudioTicker(20);
    let inBeat = false;
    const calls: Array<{ at: number; inBeat: boolean }> = [];
    const stop = ticker.subscribe((at) => calls.push({ at, inBeat }), 2);
    const beats = setInterval(() => {
      inBeat = true;
      ticker.beat(performance.now());
      inBeat = false;
    }, 20);
    await new Promise((resolve) => setTimeout(resolve, 600));
    clearInterval(beats);
    const beatsEndedAt = performance.now();
    const duringBeats = calls.length;
    await new Promise((resolve) => setTimeout(resolve, BEAT_WATCHDOG_MS + 400));
    stop();
    // While beats came, every tick after the first ran inside a beat (no wake-up of its own).
    const beaten = calls.slice(1, duringBeats);
    expect(beaten.length).toBeGreaterThanOrEqual(8);
    expect(beaten.every((c) => c.inBeat)).toBe(true);
    // Without beats it keeps ticking on its own, after at most the watchdog's period.
    const after = calls.slice(duringBeats);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after[0]!.at - beatsEndedAt).toBeLessThan(BEAT_WATCHDOG_MS + 200);
  });
});
