import { afterEach, describe, expect, it, vi } from 'vitest';
import { HELD_SPEECH_NOTICE_MS, NO_ECHO_HEARD_MS } from '../../source/audio/echo/path.js';
import { echoFact } from '../../source/ui/components/CallFacts.js';
import { clockedPath, FRAME_MS, fromFirstWord } from '../helpers/echo-clock.js';
import { rigVoices } from '../helpers/echo-rig.js';
import { db, power, Room, toS16 } from '../helpers/room.js';
import { tone } from '../helpers/signal.js';

const RATE = 16_000;
const FRAME_BYTES = (RATE * FRAME_MS * 2) / 1000;

/**
 * `cancel` with a mic that never hears the loudspeaker (headphones the sound server did not name
 * as such, on the default mode): the agent's audio plays to a quiet mic. Until the agent has
 * talked NO_ECHO_HEARD_MS to it the mic stays closed while the agent talks (an echo may still be
 * on its way); then it is let through, so the user can talk over the agent, until an echo shows
 * up. The device clock is modelled (20 ms a frame), the canceller is speexdsp's.
 */
describe('echo cancellation when the mic hears no loudspeaker', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([40, 100])(
    'opens the mic after the agent talked to a quiet mic, and closes it when an echo shows up (%i ms room)',
    async (roomMs) => {
      const voices = await rigVoices(RATE);
      const userVoice = fromFirstWord(voices.user);
      const { path, frame } = await clockedPath(fromFirstWord(voices.agent), RATE);
      expect(path.mode).toBe('cancel');
      // 40 ms: inside the filter's window as it starts (no realignment); 100 ms: beyond it.
      const room = new Room({ rate: RATE, delayMs: roomMs, gain: 0.3 });
      const user = tone(300, FRAME_MS, RATE, 0.3);
      const quiet = toS16(
        new Room({ rate: RATE, delayMs: 0, gain: 0 }).process(Buffer.alloc(FRAME_BYTES)),
      );
      const unheard = () => path.figures()?.unheardMs ?? -1;
      const open = () => path.figures()?.noEchoHeard === true;
      try {
        // A second of the agent to a quiet mic, then the user says a word: not through yet (an
        // echo could still be on its way), and the count starts again.
        for (let ms = 0; ms < 1_000; ms += FRAME_MS) expect(frame(() => quiet).guarding).toBe(true);
        // (The first frames of a word may be too soft to tell a quiet mic by.)
        expect(unheard()).toBeGreaterThanOrEqual(900);
        expect(frame(() => user).guarding).toBe(true);
        expect(unheard()).toBe(0);
        // NO_ECHO_HEARD_MS of the agent to a quiet mic: the mic opens.
        for (let ms = FRAME_MS; ms < NO_ECHO_HEARD_MS; ms += FRAME_MS) {
          expect(frame(() => quiet).guarding).toBe(true);
        }
        expect(open()).toBe(false);
        expect(frame(() => quiet).guarding).toBe(false);
        expect(open()).toBe(true);
        // The user talks over the agent for a second and a half: every frame goes through, and
        // their voice keeps its level (within 6 dB, as in double-talk on open speakers).
        const said: Buffer[] = [];
        const sent: Buffer[] = [];
        for (let i = 0; i < 1_500 / FRAME_MS; i++) {
          const words = userVoice.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES);
          const result = frame(() => words);
          expect(result.guarding).toBe(false);
          said.push(words);
          sent.push(Buffer.from(result.frame));
        }
        expect(db(power(Buffer.concat(sent)) / power(Buffer.concat(said)))).toBeGreaterThan(-6);
        expect(open()).toBe(true);
        // Between replies nothing changes.
        path.process(quiet, { playing: false, levelDb: -96 });
        expect(open()).toBe(true);
        // The loudspeaker comes into the mic's reach: once the canceller finds the echo, the mic
        // waits again until the filter has learnt it.
        let closedAfterMs: number | undefined;
        for (let ms = 0; ms < 6_000 && closedAfterMs === undefined; ms += FRAME_MS) {
          if (frame((played) => toS16(room.process(played))).guarding) closedAfterMs = ms;
        }
        expect(closedAfterMs).toBeDefined();
        expect(open()).toBe(false);
        // The delay search needs 2.5-3 s of echo after 3 s of a quiet mic (audio-capture.md).
        expect(closedAfterMs).toBeLessThan(4_000);
        expect(path.figures()?.delayMs).toBeGreaterThanOrEqual(roomMs - 40);
        expect(path.figures()?.delayMs).toBeLessThanOrEqual(roomMs + 60);
      } finally {
        path.close();
      }
    },
  );

  it('counts the user talking into the hold on a mic that hears no agent, not an echo being learnt', async () => {
    const voices = await rigVoices(RATE);
    const userVoice = fromFirstWord(voices.user);
    const agentVoice = fromFirstWord(voices.agent);
    const held = (path: { figures(): { heldSpeechMs: number } | undefined }) =>
      path.figures()?.heldSpeechMs ?? -1;

    // Headphones the server did not name: the user talks over the agent from its first words.
    // Their voice keeps the count of a quiet mic at 0, so the mic stays closed: held back.
    const deaf = await clockedPath(agentVoice, RATE);
    try {
      let guarded = 0;
      for (let i = 0; i < 2_500 / FRAME_MS; i++) {
        const words = userVoice.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES);
        if (deaf.frame(() => words).guarding) guarded++;
      }
      expect(guarded * FRAME_MS).toBeGreaterThanOrEqual(2_000);
      expect(held(deaf.path)).toBeGreaterThanOrEqual(HELD_SPEECH_NOTICE_MS);
    } finally {
      deaf.path.close();
      vi.restoreAllMocks();
    }

    // The same with the mic muted (or push-to-talk up): the user holds their voice back
    // themselves, and is not told the canceller did.
    const muted = await clockedPath(agentVoice, RATE);
    try {
      for (let i = 0; i < 2_500 / FRAME_MS; i++) {
        muted.frame(() => userVoice.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES), true);
      }
      expect(held(muted.path)).toBe(0);
    } finally {
      muted.path.close();
      vi.restoreAllMocks();
    }

    // Open speakers: the mic is loud with the agent's echo until the canceller has found it,
    // well before the notice's threshold: no user is said to be held back.
    const open = await clockedPath(agentVoice, RATE);
    const room = new Room({ rate: RATE, delayMs: 80, gain: 0.3 });
    try {
      for (let ms = 0; ms < 4_000; ms += FRAME_MS)
        open.frame((played) => toS16(room.process(played)));
      expect(open.path.figures()?.delayMs).toBeDefined();
      // (620 ms of it here, before the canceller found the echo: the threshold is 1.5 s.)
      expect(held(open.path)).toBeLessThan(1_000);
    } finally {
      open.path.close();
    }
  });

  it('says so in the facts', () => {
    expect(echoFact({ mode: 'cancel', unheard: true })).toBe('cancel · mic hears no agent');
    expect(echoFact({ mode: 'cancel', erleDb: 20 })).toBe('cancel · ERLE 20 dB');
  });
});
