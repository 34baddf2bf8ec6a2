/**
 * Push-to-talk held is the user asking to be heard: on open speakers, before the canceller has
 * learnt the echo (when it holds the mic back while the agent talks), holding the talk control
 * lets the user talk over the agent, with what the filter has learnt taken out. A new-user trial
 * pressed Space over a reply and nothing reached the agent (`MIC HELD: learning echo`).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EchoGuard } from '../../source/audio/echo-guard.js';
import { clockedPath, FRAME_MS, fromFirstWord } from '../helpers/echo-clock.js';
import { rigVoices } from '../helpers/echo-rig.js';
import { db, power, Room, toS16 } from '../helpers/room.js';

const RATE = 16_000;
const FRAME_BYTES = (RATE * FRAME_MS * 2) / 1000;

/** The room's echo of what played, and the user's words on top, as the mic hears them. */
function heard(room: Room, played: Buffer, words: Buffer): Buffer {
  const echo = room.process(played);
  for (let i = 0; i < echo.length; i++)
    echo[i]! += i * 2 < words.length ? words.readInt16LE(i * 2) : 0;
  return toS16(echo);
}

describe('push-to-talk held over the agent', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('with the canceller still learning: the mic is held, unless the talk control is', async () => {
    const voices = await rigVoices(RATE);
    const agent = fromFirstWord(voices.agent);
    const user = fromFirstWord(voices.user);
    for (const talking of [false, true]) {
      const { path, frame } = await clockedPath(agent, RATE);
      const room = new Room({ rate: RATE, delayMs: 80, gain: 0.3 });
      try {
        // The user talks from the agent's first words (the filter has learnt nothing yet).
        const said: Buffer[] = [];
        const sent: Buffer[] = [];
        let held = 0;
        for (let i = 0; i < 1_000 / FRAME_MS; i++) {
          const words = user.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES);
          const result = frame((played) => heard(room, played, words), false, talking);
          if (result.guarding) held++;
          said.push(words);
          sent.push(Buffer.from(result.frame));
        }
        if (!talking) {
          // Not asked for: held back while the echo is learnt, as before.
          expect(held * FRAME_MS).toBeGreaterThanOrEqual(900);
        } else {
          expect(held).toBe(0);
          // Their voice reaches the agent at its level (within 6 dB).
          expect(db(power(Buffer.concat(sent)) / power(Buffer.concat(said)))).toBeGreaterThan(-6);
        }
      } finally {
        path.close();
        vi.restoreAllMocks();
      }
    }
  });

  it('with the guard: the mic goes through while the talk control is held, however soft', () => {
    const guard = new EchoGuard();
    const soft = Buffer.alloc(FRAME_BYTES, 1);
    const playing = { playing: true, levelDb: -20 };
    expect(guard.process(soft, playing, 0).active).toBe(true);
    const held = guard.process(soft, { ...playing, talking: true }, FRAME_MS);
    expect(held.active).toBe(false);
    expect(held.frame).toBe(soft);
  });
});
