import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, startCli, tempDir, waitFor } from '../helpers/cli.js';
import { db, power, Room, speak, startRoomLoop } from '../helpers/room.js';
import { type SoundServer, startSoundServer } from '../helpers/sound-server.js';

/**
 * The whole built app on open speakers, through a private PulseAudio: the app plays the local
 * agent's greeting into `speaker`; a room model reads it back from `speaker.monitor` and plays
 * its echo into `room`, which is the app's mic; a while into the greeting the user talks over
 * the agent (espeak-ng played into `room` too). Real sox capture, real speaker output, the real
 * local agent over a real WebSocket.
 */

const RATE = 48_000;
/** The user talks over the agent's reply this long after it is first heard. */
const BARGE_IN_AFTER_MS = 2_000;
/**
 * Direct path at the mic relative to what is played; with the reflections the echo is about
 * 10 dB below the loudspeaker signal: loud enough that the local agent's speech detector
 * (-40 dBFS) hears the agent without cancellation.
 */
const ROOM_GAIN = 0.1;
/** Agent audio louder than this at the loudspeaker counts as the greeting having started. */
const HEARD_DB = -40;

let server: SoundServer;
let userSpeech: Buffer;
let firstWords: Buffer;

beforeAll(async () => {
  server = await startSoundServer({ rate: RATE });
  userSpeech = await speak('Wait, stop, I have a question for you.', RATE, 'en-gb+f3', 150);
  firstWords = await speak('Hello, can you hear me?', RATE, 'en-gb+f3', 150);
}, 30_000);
afterAll(async () => {
  await server?.close();
});

interface LoopRun {
  /** Local agent log lines with when they were logged (performance.now()). */
  readonly log: ReadonlyArray<{ at: number; line: string }>;
  /** When the greeting was first heard at the loudspeaker. */
  readonly greetingAt: number;
  /** When the agent's reply to the user's first words was first heard. */
  readonly replyAt: number | undefined;
  /** When the user started talking over the reply. */
  readonly bargeInAt: number | undefined;
  /** When the server first sent playback_clear_buffer, if it did. */
  readonly clearedAt: number | undefined;
  /** The mic as captured from `room.monitor` and when its first byte arrived. */
  readonly mic: Buffer;
  readonly micStartedAt: number;
  /** What the server received, and how much of it had arrived when (polled). */
  readonly sent: Buffer;
  readonly sentProgress: ReadonlyArray<{ at: number; bytes: number }>;
  readonly stdout: string;
  readonly code: number | null;
}

/** When the loudspeaker, quiet for `quietMs` or more, next plays agent audio. */
function nextLoudAt(
  speaker: { pcm(): Buffer; startedAt(): number | undefined },
  after: number,
): number | undefined {
  const pcm = speaker.pcm();
  const started = speaker.startedAt();
  if (started === undefined) return undefined;
  const window = (RATE / 50) * 2;
  const from = Math.max(0, Math.round(((after - started) * RATE) / 1000) * 2);
  for (let at = from - (from % 2); at + window <= pcm.length; at += window) {
    if (db(power(pcm.subarray(at, at + window)) / 32_768 ** 2) > HEARD_DB)
      return started + (at / 2 / RATE) * 1000;
  }
  return undefined;
}

/** The loudspeaker has been quiet for `ms` up to now. */
function quietFor(speaker: { pcm(): Buffer }, ms: number): boolean {
  const pcm = speaker.pcm();
  const bytes = Math.round((RATE * ms) / 1000) * 2;
  if (pcm.length < bytes) return false;
  return db(power(pcm.subarray(pcm.length - bytes)) / 32_768 ** 2) < HEARD_DB - 10;
}

/**
 * One call: the greeting plays out (the user silent); the user says something; the agent
 * replies; two seconds into the reply the user talks over it. `bargeIn: false` stops after the
 * greeting.
 */
async function runLoop(delayMs: number, echo: 'cancel' | 'off', bargeIn = true): Promise<LoopRun> {
  const log: Array<{ at: number; line: string }> = [];
  const agent: LocalAgent = await startLocalAgent({
    voice: 'espeak',
    log: (line) => log.push({ at: performance.now(), line }),
  });
  const room = startRoomLoop(server, new Room({ rate: RATE, delayMs, gain: ROOM_GAIN }));
  const speaker = server.recordSpeaker();
  const mic = server.record('room.monitor');
  const home = tempDir('omnia-echo-');
  const app = startCli(
    [
      '--plain',
      '-v',
      '--api-base',
      agent.baseUrl,
      '--agent',
      'demo',
      '--echo',
      echo,
      '--duration',
      bargeIn ? '20' : '8',
    ],
    { env: { ...cliEnv(home, { OMNIA_API_KEY: 'test-key-echo' }), ...server.env } },
  );
  const sentProgress: Array<{ at: number; bytes: number }> = [];
  const progress = setInterval(() => {
    const bytes = agent.calls[0]?.bytesReceived ?? 0;
    if (bytes > 0) sentProgress.push({ at: performance.now(), bytes });
  }, 20);
  const exited = () => app.child.exitCode !== null || app.child.signalCode !== null;
  const users: Array<{ close(): Promise<void> }> = [];
  const say = (pcm: Buffer) => {
    const user = server.playIntoRoom();
    user.stdin.write(pcm);
    users.push(user);
    return performance.now();
  };
  let replyAt: number | undefined;
  let bargeInAt: number | undefined;
  let clearedAt: number | undefined;
  try {
    const greetingAt = await waitFor(() => nextLoudAt(speaker, 0), {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'the greeting at the loudspeaker',
    });
    if (bargeIn) {
      await waitFor(() => performance.now() > greetingAt + 2_000 && quietFor(speaker, 800), {
        timeoutMs: 15_000,
        intervalMs: 20,
        what: 'the end of the greeting',
      });
      const askedAt = say(firstWords);
      replyAt = await waitFor(() => nextLoudAt(speaker, askedAt + 500), {
        timeoutMs: 15_000,
        intervalMs: 20,
        what: 'the reply at the loudspeaker',
      });
      await waitFor(() => performance.now() >= replyAt! + BARGE_IN_AFTER_MS, {
        timeoutMs: 10_000,
        intervalMs: 10,
      });
      bargeInAt = say(userSpeech);
    }
    await waitFor(
      () => {
        if (
          clearedAt === undefined &&
          agent.calls[0]?.serverMessages.some((m) => m.type === 'playback_clear_buffer')
        )
          clearedAt = performance.now();
        return bargeInAt === undefined
          ? performance.now() > greetingAt + 5_000
          : clearedAt !== undefined && performance.now() > clearedAt + 500;
      },
      { timeoutMs: 30_000, intervalMs: 10, what: 'the end of the scene' },
    );
    app.child.kill('SIGTERM');
    await waitFor(exited, { timeoutMs: 10_000, what: 'the app to hang up' });
    for (const user of users) await user.close();
    const call = agent.calls[0];
    return {
      log,
      greetingAt,
      replyAt,
      bargeInAt,
      clearedAt,
      mic: await mic.stop(),
      micStartedAt: mic.startedAt() ?? 0,
      sent: call?.audio ?? Buffer.alloc(0),
      sentProgress,
      stdout: app.output().stdout,
      code: app.child.exitCode,
    };
  } finally {
    clearInterval(progress);
    app.child.kill('SIGKILL');
    for (const user of users) await user.close();
    await speaker.stop();
    await mic.stop();
    await room.close();
    await agent.close();
  }
}

/** Sample index in a stream that started at `startedAt` for the time `at` (both performance.now()). */
function sampleAt(at: number, startedAt: number): number {
  return Math.max(0, Math.round(((at - startedAt) * RATE) / 1000));
}

/**
 * Sample index in what the server received for the time `at`: from the poll closest to it (the
 * app sends one second of audio per second, so the stream advances with the clock).
 */
function sentSampleAt(run: LoopRun, at: number): number {
  let best = run.sentProgress[0]!;
  for (const p of run.sentProgress) if (Math.abs(p.at - at) < Math.abs(best.at - at)) best = p;
  return Math.max(0, Math.round(best.bytes / 2 + ((at - best.at) * RATE) / 1000));
}

/** Log lines of the local agent hearing speech between two times. */
function heardSpeech(run: LoopRun, from: number, to: number): string[] {
  return run.log
    .filter((l) => l.at >= from && l.at < to && /user speech started/.test(l.line))
    .map((l) => l.line);
}

describe('echo cancellation through the whole app on open speakers', () => {
  for (const delayMs of [20, 80, 200]) {
    it(`room delay ${delayMs} ms: the agent never hears itself, the user barges in`, async () => {
      const run = await runLoop(delayMs, 'cancel');
      const context = `\n${run.stdout}\n${run.log.map((l) => l.line).join('\n')}`;
      expect(run.stdout, context).toMatch(/\[info\] echo: cancelling/);
      expect(run.replyAt, context).toBeDefined();
      expect(run.bargeInAt, context).toBeDefined();

      // The agent never heard itself: during the greeting nothing counted as speech, and during
      // the reply nothing did before the user talked over it.
      expect(heardSpeech(run, run.greetingAt, run.replyAt! - 3_000), context).toEqual([]);
      expect(heardSpeech(run, run.replyAt!, run.bargeInAt!), context).toEqual([]);

      // The user's barge-in reached the server, which cleared the playback.
      expect(run.clearedAt, context).toBeDefined();
      expect(run.clearedAt! - run.bargeInAt!, context).toBeLessThan(1_500);
      expect(run.stdout, context).toMatch(/barge-in: server cleared playback/);

      // Echo: from 1 s into the reply until the user talks over it, what reached the server is
      // at least 20 dB below what the mic heard (the room's echo alone then).
      const from = run.replyAt! + 1_000;
      const to = run.bargeInAt! - 150;
      const micPower = power(
        run.mic,
        sampleAt(from, run.micStartedAt),
        sampleAt(to, run.micStartedAt),
      );
      const sentPower = power(run.sent, sentSampleAt(run, from), sentSampleAt(run, to));
      expect(
        db(micPower / 32_768 ** 2),
        'the echo at the mic is loud enough to matter',
      ).toBeGreaterThan(-38);
      expect(db(micPower / sentPower), context).toBeGreaterThanOrEqual(20);

      // The user's voice reached the server at about its level at the mic.
      const userFrom = sentSampleAt(run, run.bargeInAt! + 100);
      const userTo = userFrom + userSpeech.length / 2 - RATE / 5;
      const userAtServer = power(run.sent, userFrom, userTo);
      const userAtMic = power(userSpeech, RATE / 10, RATE / 10 + (userTo - userFrom));
      const where = `sent ${run.sent.length / 2} samples, user from ${userFrom} to ${userTo}`;
      expect(Math.abs(db(userAtServer / userAtMic)), `${where}${context}`).toBeLessThanOrEqual(6);
    }, 90_000);
  }

  it('without it the agent interrupts itself (the rig can tell)', async () => {
    const run = await runLoop(80, 'off', false);
    const context = `\n${run.stdout}\n${run.log.map((l) => l.line).join('\n')}`;
    expect(
      heardSpeech(run, run.greetingAt, Number.POSITIVE_INFINITY).length,
      context,
    ).toBeGreaterThan(0);
  }, 60_000);
});
