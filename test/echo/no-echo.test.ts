import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { openEchoPath } from '../../source/audio/echo/path.js';
import { measurePcm } from '../../source/audio/levels.js';
import { NO_ECHO_HEARD_HINT_MS } from '../../source/session/store.js';
import { echoFact } from '../../source/ui/components/CallFacts.js';
import { tone } from '../helpers/signal.js';

const RATE = 16_000;
const FRAME_MS = 20;
const FRAME_BYTES = (RATE * FRAME_MS * 2) / 1000;
const MIC = { inputKind: 'mic', loudspeaker: true };

/**
 * `cancel` with a mic that never hears the loudspeaker (headphones on the default mode): the
 * agent's audio plays to a quiet mic. The mic stays closed while the agent talks (an echo may
 * still be on its way), and the time the agent talked unheard is counted for the hint.
 */
describe('echo cancellation when the mic hears no loudspeaker', () => {
  it('counts the agent talking to a quiet mic; a loud mic starts the count again', async () => {
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
    const unheard = () => path.figures()?.unheardMs ?? -1;
    try {
      for (let ms = 0; ms < 1_000; ms += FRAME_MS) expect(frame(quiet).guarding).toBe(true);
      expect(unheard()).toBe(1_000);
      expect(frame(user).guarding).toBe(true);
      expect(unheard()).toBe(0);
      for (let ms = 0; ms < NO_ECHO_HEARD_HINT_MS; ms += FRAME_MS) frame(quiet);
      expect(unheard()).toBe(NO_ECHO_HEARD_HINT_MS);
      // Between replies nothing is counted.
      path.process(quiet, { playing: false, levelDb: -96 });
      expect(unheard()).toBe(NO_ECHO_HEARD_HINT_MS);
    } finally {
      path.close();
    }
  });

  it('says so in the facts, with the way out', () => {
    expect(echoFact({ mode: 'cancel', unheard: true })).toBe(
      'cancel · mic hears no agent: --echo off?',
    );
    expect(echoFact({ mode: 'cancel', erleDb: 20 })).toBe('cancel · ERLE 20 dB');
  });
});
