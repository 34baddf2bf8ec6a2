import { afterEach, describe, expect, it, vi } from 'vitest';
import { clockedPath, FRAME_MS } from '../helpers/echo-clock.js';
import { rigVoices } from '../helpers/echo-rig.js';
import { Room, toS16 } from '../helpers/room.js';

const RATE = 16_000;

/**
 * The output ran dry mid-reply (the player fed it late): through a sound server the stream
 * restarts with another latency and the echo moves under the filter. The path stops trusting
 * the filter at once (the mic waits while the agent talks) until it has shown it still cancels.
 * speexdsp's canceller on a modelled device clock, 20 ms a frame, an 80 ms room.
 */
describe('echo cancellation when the output ran dry mid-reply', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('closes the mic at once, and opens it again once the filter cancels', async () => {
    const { agent } = await rigVoices(RATE);
    const room = new Room({ rate: RATE, delayMs: 80, gain: 0.3 });
    const clocked = await clockedPath(agent, RATE);
    const { path } = clocked;
    const frame = () => clocked.frame((played) => toS16(room.process(played)));
    try {
      let openAt: number | undefined;
      for (let ms = 0; ms < 4_000 && openAt === undefined; ms += FRAME_MS) {
        if (!frame().guarding) openAt = ms;
      }
      expect(openAt, 'the filter never converged').toBeDefined();
      // Cancelling: a while of frames all let through.
      for (let i = 0; i < 10; i++) expect(frame().guarding).toBe(false);
      // A few ms of the player's own lateness, which the device's buffer rides over: nothing.
      path.onOutputGap?.(5);
      expect(frame().guarding).toBe(false);
      path.onOutputGap?.(50);
      expect(frame().guarding).toBe(true);
      // The echo did not move here: the filter shows it still cancels, and the mic opens again
      // within a second of speech.
      let reopenedAfter: number | undefined;
      for (let ms = 0; ms < 2_000 && reopenedAfter === undefined; ms += FRAME_MS) {
        if (!frame().guarding) reopenedAfter = ms;
      }
      expect(reopenedAfter).toBeDefined();
      expect(reopenedAfter).toBeLessThan(1_000);
    } finally {
      path.close();
    }
  });
});
