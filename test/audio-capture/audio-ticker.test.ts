import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { AudioTicker } from '../../source/audio/sources/audio-ticker.js';

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
