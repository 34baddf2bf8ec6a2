import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  heardSpeech,
  runLoop,
  type Scene,
  sampleAt,
  selfInterruptions,
  sentSampleAt,
  userVoices,
} from '../helpers/echo-app.js';
import { db, power } from '../helpers/room.js';
import { startSoundServer } from '../helpers/sound-server.js';

/**
 * The whole built app on open speakers through a private PulseAudio (see test/helpers/echo-app.ts).
 * The full scene (the greeting, the user's first words, the reply, the user talking over it)
 * runs here once, with the 80 ms room; bench/echo.ts runs it with 20, 80 and 200 ms rooms and
 * reports how often the agent interrupted itself and how often the barge-in got through.
 */
let scene: Scene;
beforeAll(async () => {
  scene = { server: await startSoundServer({ rate: 48_000 }), ...(await userVoices()) };
}, 30_000);
afterAll(async () => {
  await scene?.server.close();
});

describe('echo cancellation through the whole app on open speakers', () => {
  it('engages: finds the loudspeaker-to-mic delay and keeps the greeting out of what is sent', async () => {
    const run = await runLoop(scene, 80, 'cancel', false);
    const context = `\n${run.stdout}\n${run.log.map((l) => l.line).join('\n')}`;
    expect(run.stdout, context).toMatch(/\[info\] echo: cancelling/);
    const delays = [...run.stdout.matchAll(/the mic hears the loudspeaker (\d+) ms late/g)].map(
      (m) => Number(m[1]),
    );
    expect(delays.length, context).toBeGreaterThan(0);
    // The room's 80 ms plus the sound server's own buffers.
    expect(Math.min(...delays), context).toBeGreaterThanOrEqual(80);
    expect(run.stdout, context).toMatch(/echo cancel, ERLE \d+ dB/);

    // From 1 s into the greeting's echo at the mic to 3 s, what reached the server is far below
    // what the mic heard. The echo comes back through the rig's loop, which adds about 290 ms of
    // the server's own to the room's delay (more on a busy machine; audio-capture.md), so the
    // window starts where the mic first hears it, not at the loudspeaker.
    const micSamples = new Int16Array(run.mic.buffer, run.mic.byteOffset, run.mic.length >> 1);
    let onset = Math.max(0, sampleAt(run.greetingAt, run.micStartedAt));
    while (onset < micSamples.length && Math.abs(micSamples[onset]!) < 800) onset++;
    expect(onset, `the mic heard no echo of the greeting${context}`).toBeLessThan(
      micSamples.length,
    );
    const from = run.micStartedAt + (onset * 1000) / 48_000 + 1_000;
    const to = from + 2_000;
    const micPower = power(
      run.mic,
      sampleAt(from, run.micStartedAt),
      sampleAt(to, run.micStartedAt),
    );
    const sentPower = power(run.sent, sentSampleAt(run, from), sentSampleAt(run, to));
    // The rig made an echo worth cancelling: above the room's noise (-60 dBFS). It measured
    // -33 to -37 dBFS alone, -41.5 under the whole suite's load and -50 with both cores kept
    // busy by stress-ng, where the app's output runs dry now and then and the window holds
    // less of the greeting.
    expect(
      db(micPower / 32_768 ** 2),
      'the echo at the mic is loud enough to matter',
    ).toBeGreaterThan(-55);
    expect(db(micPower / sentPower), context).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('lets the user talk over the agent, and the agent never hears itself', async () => {
    // Up to three calls, as below: in about one call in five the echo moves between the
    // greeting and the reply (a clean CI run saw 380 → 460 ms, and the filter had not learnt the
    // moved echo by the time the user talked, so the mic was rightly held). The agent must never
    // hear itself in any call; the barge-in must get through in one.
    const misses: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const run = await runLoop(scene, 80, 'cancel', true);
      const context = `\n${run.stdout}\n${run.log.map((l) => l.line).join('\n')}`;
      // The agent took nothing of its own voice for the user's, from the greeting on.
      expect(selfInterruptions(run), context).toEqual([]);
      // The user talked over the reply 3 s in, and the server cut the agent off for it.
      expect(run.bargeInAt, context).toBeDefined();
      if (run.clearedAt !== undefined) {
        expect(run.clearedAt, context).toBeGreaterThan(run.bargeInAt!);
        return;
      }
      misses.push(`call ${attempt}: the barge-in did not get through${context}`);
    }
    expect.fail(misses.join('\n\n'));
  }, 240_000);

  it('lets the user talk over the start of a reply that follows a pause', async () => {
    // The user's first words and the server's answer: well over a second without agent audio
    // before the reply. The user talks 0.7 s into it (their voice reaches the mic about 0.3 s
    // later), where the reply's echo has been at the mic for 0.3 s (the rig's loop adds about
    // 290 ms to the room's 80): the filter learnt on the greeting has to be trusted again by
    // then. It was not before (a new-user trial could not talk over the first 2.5-4 s of any
    // reply): 25 frames at 15 dB took the mic to 0.9 s at best, and the user's voice, once
    // there, kept the filter from showing them.
    //
    // Up to three calls. On this rig the echo moves between the greeting and the reply in about
    // one call in five (by 20-100 ms, cause not known; audio-capture.md), and then holding the
    // mic is right: the filter must learn the moved echo first. The agent must never hear
    // itself in any call; the barge-in must get through in one where the echo held still.
    const misses: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const run = await runLoop(scene, 80, 'cancel', true, [], 700);
      const context = `\n${run.stdout}\n${run.log.map((l) => l.line).join('\n')}`;
      // The rig waits for 800 ms of quiet after the greeting before the user's first words.
      expect(run.replyAt! - run.askedAt!, context).toBeGreaterThan(run.firstWordsMs);
      expect(selfInterruptions(run), context).toEqual([]);
      expect(run.bargeInAt, context).toBeDefined();
      const heard = heardSpeech(run, run.bargeInAt!, Number.POSITIVE_INFINITY).length > 0;
      if (heard && run.clearedAt !== undefined) return;
      misses.push(`call ${attempt}: the barge-in did not get through${context}`);
    }
    expect.fail(misses.join('\n\n'));
  }, 240_000);

  it('without it the agent interrupts itself (the rig can tell)', async () => {
    const run = await runLoop(scene, 80, 'off', false);
    const context = `\n${run.stdout}\n${run.log.map((l) => l.line).join('\n')}`;
    expect(
      heardSpeech(run, run.greetingAt, Number.POSITIVE_INFINITY).length,
      context,
    ).toBeGreaterThan(0);
  }, 60_000);
});
