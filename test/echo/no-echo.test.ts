import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { NO_ECHO_AFTER_MS, openEchoPath } from '../../source/audio/echo/path.js';
import { measurePcm } from '../../source/audio/levels.js';
import { tone } from '../helpers/signal.js';

const RATE = 16_000;
const FRAME_MS = 20;
const FRAME_BYTES = (RATE * FRAME_MS * 2) / 1000;
const MIC = { inputKind: 'mic', loudspeaker: true };

/**
 * `cancel` with a mic that never hears the loudspeaker (headphones on the default mode): the
 * agent's audio plays, the mic is quiet, then the user talks over the agent.
 */
describe('echo cancellation when the mic hears no loudspeaker', () => {
  it('opens the mic to the user once it has been quiet through 800 ms of the agent playing', async () => {
    const path = await openEchoPath('cancel', MIC, { input: RATE, output: RATE });
    expect(path.mode).toBe('cancel');
    const agent = tone(440, FRAME_MS, RATE, 0.5);
    const quiet = Buffer.alloc(FRAME_BYTES);
    const user = tone(300, FRAME_MS, RATE, 0.3);
    const playing = { playing: true, levelDb: measurePcm(agent).rmsDb };
    const frame = (mic: Buffer) => {
      path.onPlayed(agent, performance.now());
      return path.process(mic, playing);
    };
    try {
      // Early in the reply a voice cannot be told from an echo on its way: silenced.
      for (let ms = 0; ms < 200; ms += FRAME_MS) expect(frame(quiet).guarding).toBe(true);
      expect(frame(user).guarding).toBe(true);
      // The user's frame restarted the count: quiet again for the whole time.
      for (let ms = 0; ms < NO_ECHO_AFTER_MS - FRAME_MS; ms += FRAME_MS) frame(quiet);
      expect(frame(user).guarding).toBe(true);
      for (let ms = 0; ms < NO_ECHO_AFTER_MS; ms += FRAME_MS) frame(quiet);
      // The user is heard, through the canceller (its output runs a frame behind its input).
      const heard = Array.from({ length: 5 }, () => frame(user));
      expect(heard.map((r) => r.guarding)).toEqual([false, false, false, false, false]);
      for (const r of heard.slice(1))
        expect(measurePcm(r.frame).rmsDb).toBeGreaterThan(measurePcm(user).rmsDb - 6);
    } finally {
      path.close();
    }
  });
});
