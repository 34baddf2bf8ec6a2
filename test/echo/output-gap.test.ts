import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openEchoPath } from '../../source/audio/echo/path.js';
import { measurePcm } from '../../source/audio/levels.js';
import { rigVoices } from '../helpers/echo-rig.js';
import { Room, toS16 } from '../helpers/room.js';

const RATE = 16_000;
const FRAME_MS = 20;
const FRAME_BYTES = (RATE * FRAME_MS * 2) / 1000;

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
    let now = 10_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const path = await openEchoPath(
      'cancel',
      { inputKind: 'mic', loudspeaker: true },
      { input: RATE, output: RATE },
    );
    const room = new Room({ rate: RATE, delayMs: 80, gain: 0.3 });
    let k = 0;
    const frame = () => {
      const played = agent.subarray(k * FRAME_BYTES, (k + 1) * FRAME_BYTES);
      k++;
      path.onPlayed(played, now);
      const result = path.process(toS16(room.process(played)), {
        playing: true,
        levelDb: measurePcm(played).rmsDb,
      });
      now += FRAME_MS;
      return result;
    };
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
