import { afterEach, describe, expect, it, vi } from 'vitest';
import { clockedPath, FRAME_MS, fromFirstWord } from '../helpers/echo-clock.js';
import { rigVoices } from '../helpers/echo-rig.js';
import { db, power, Room, toS16 } from '../helpers/room.js';

const RATE = 16_000;
const FRAME_BYTES = (RATE * FRAME_MS * 2) / 1000;
/** Agent silence between the two replies: more than the second the canceller once distrusted. */
const PAUSE_MS = 1_500;
/** The user talks this long into the second reply. */
const USER_AT_MS = 200;

/**
 * Two replies with a pause between them, on a device kept playing all along (the player's
 * `keepRunning`, what the app does while cancelling): the filter trusted on the first reply is
 * trusted again on the second once it has cancelled a short run of its echo (RETRUST_FRAMES),
 * and the user can talk over its start. A new-user trial on a loaded machine could not talk
 * over the first 2.5-4 s of any reply: the mic waited for the filter to show 15 dB on 25 frames
 * again, and the user's voice, once there, kept it from showing them. An echo that moved in
 * the pause (unseen by the player) is not let through. speexdsp's canceller on a modelled
 * device clock, 20 ms a frame, an 80 ms room.
 */
describe('echo cancellation between replies on an output kept running', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /**
   * The first reply, the pause (the device ran dry `gapMs` in it where the player saw it, or the
   * echo moved by `movedByMs` unseen), and the second reply's first `userAtMs` + 1 s, the user
   * talking over it from `userAtMs` (never when undefined).
   */
  async function twoReplies(
    keptRunning: boolean,
    o: { gapMs?: number; movedByMs?: number; userAtMs?: number } = {},
  ) {
    const { gapMs, movedByMs = 0, userAtMs = USER_AT_MS } = o;
    const voices = await rigVoices(RATE);
    const agent = fromFirstWord(voices.agent);
    const user = fromFirstWord(voices.user);
    const pause = Buffer.alloc(Math.round((RATE * PAUSE_MS) / 1000) * 2);
    const clocked = await clockedPath(Buffer.concat([agent, pause, agent]), RATE);
    const { path } = clocked;
    if (keptRunning) path.setOutputKeptRunning?.(true);
    let room = new Room({ rate: RATE, delayMs: 80, gain: 0.3 });
    const echoOf = (played: Buffer) => toS16(room.process(played));
    try {
      // The first reply: the filter converges on it.
      let firstOpenAt: number | undefined;
      for (let ms = 0; ms < (agent.length / FRAME_BYTES) * FRAME_MS; ms += FRAME_MS) {
        if (!clocked.frame(echoOf).guarding) firstOpenAt ??= ms;
      }
      // The pause; the device ran dry in it when asked.
      for (let ms = 0; ms < PAUSE_MS; ms += FRAME_MS) {
        if (gapMs !== undefined && ms === 700) path.onOutputGap?.(gapMs);
        clocked.frame(echoOf);
      }
      if (movedByMs) room = new Room({ rate: RATE, delayMs: 80 + movedByMs, gain: 0.3 });
      // The second reply: the user talks over it from userAtMs, for a second.
      let guarded = 0;
      const said: Buffer[] = [];
      const sent: Buffer[] = [];
      const echoes: Buffer[] = [];
      const echoSent: Buffer[] = [];
      for (let ms = 0; ms < userAtMs + 1_000; ms += FRAME_MS) {
        const k = (ms - userAtMs) / FRAME_MS;
        const words = k >= 0 ? user.subarray(k * FRAME_BYTES, (k + 1) * FRAME_BYTES) : undefined;
        const result = clocked.frame((played) => {
          const mic = echoOf(played);
          if (!words) {
            echoes.push(mic);
            return mic;
          }
          const mixed = Buffer.alloc(mic.length);
          for (let i = 0; i < mic.length; i += 2) {
            const s = mic.readInt16LE(i) + (i < words.length ? words.readInt16LE(i) : 0);
            mixed.writeInt16LE(Math.max(-32_768, Math.min(32_767, s)), i);
          }
          return mixed;
        });
        if (result.guarding) guarded++;
        if (words) {
          said.push(words);
          sent.push(result.frame);
        } else {
          echoSent.push(result.frame);
        }
      }
      return {
        firstOpenAt,
        guarded,
        userLevelDb: db(power(Buffer.concat(sent)) / power(Buffer.concat(said))),
        // How far below the echo at the mic what was let through before the user talked is.
        echoLeftDb: db(power(Buffer.concat(echoSent)) / power(Buffer.concat(echoes))),
      };
    } finally {
      path.close();
    }
  }

  it('trusts the filter again within the first frames of the next reply: the user talks over its start', async () => {
    const r = await twoReplies(true);
    expect(r.firstOpenAt, 'the filter never converged on the first reply').toBeDefined();
    // The echo (80 ms late) and RETRUST_FRAMES of it: the mic is open before the user talks.
    expect(r.guarded, JSON.stringify(r)).toBeLessThanOrEqual(USER_AT_MS / FRAME_MS);
    // Their voice goes through whole (within 6 dB, as in double-talk once converged), and no
    // echo went through before.
    expect(Math.abs(r.userLevelDb), JSON.stringify(r)).toBeLessThan(6);
    expect(r.echoLeftDb, JSON.stringify(r)).toBeLessThan(-25);
  }, 30_000);

  it('keeps the mic closed when the echo moved in the pause, unseen', async () => {
    // A starved speaker child the player cannot see: the echo 100 ms later on the next reply.
    // The filter trusted before does not cancel it: the mic waits until the delay search has
    // found the move and the filter has converged again.
    const r = await twoReplies(true, { movedByMs: 100, userAtMs: 1_500 });
    expect(r.firstOpenAt).toBeDefined();
    expect(r.guarded, JSON.stringify(r)).toBeGreaterThan(500 / FRAME_MS);
    expect(r.echoLeftDb, JSON.stringify(r)).toBeLessThan(-25);
  }, 30_000);

  it('still waits for the filter after a dry-out in the pause', async () => {
    const r = await twoReplies(true, { gapMs: 50 });
    expect(r.firstOpenAt).toBeDefined();
    // The echo path may have moved: the mic waits while the agent talks, and the user's voice,
    // once there, keeps the filter from showing it cancels.
    expect(r.guarded, JSON.stringify(r)).toBeGreaterThan(USER_AT_MS / FRAME_MS);
  }, 30_000);

  it('an output left to run dry between replies is distrusted after a pause, as before', async () => {
    const r = await twoReplies(false);
    expect(r.firstOpenAt).toBeDefined();
    expect(r.guarded, JSON.stringify(r)).toBeGreaterThan(USER_AT_MS / FRAME_MS);
  }, 30_000);
});
