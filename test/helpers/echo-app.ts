/**
 * The whole built app on open speakers, through a private PulseAudio (test/echo/app-loop.test.ts,
 * bench/echo.ts): the app plays the local agent into `speaker`; a room model reads it back from
 * `speaker.monitor` and plays its echo into `room`, which is the app's mic; the user's voice
 * (espeak-ng) is played into `room` too. Real sox capture, real speaker output, the real local
 * agent over a real WebSocket.
 */
import { performance } from 'node:perf_hooks';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, startCli, tempDir, waitFor } from './cli.js';
import { db, power, speak, startRoomLoop } from './room.js';
import type { SoundServer } from './sound-server.js';

export const RATE = 48_000;
/**
 * Direct path at the mic relative to what is played; with the reflections the echo is about
 * 14 dB below the loudspeaker signal: loud enough that the local agent's speech detector
 * (-40 dBFS) hears the agent without cancellation.
 */
export const ROOM_GAIN = 0.1;
/** The user talks over the agent's reply this long after it is first heard (by default). */
const BARGE_IN_AFTER_MS = 3_000;
/** Agent audio louder than this at the loudspeaker counts as heard. */
const HEARD_DB = -40;

/** The sound server and the user's two utterances. */
export interface Scene {
  readonly server: SoundServer;
  readonly firstWords: Buffer;
  readonly userSpeech: Buffer;
}

export async function userVoices(): Promise<{ firstWords: Buffer; userSpeech: Buffer }> {
  const [firstWords, userSpeech] = await Promise.all([
    speak('Hello, can you hear me?', RATE, 'en-gb+f3', 150),
    speak('Wait, stop, I have a question for you.', RATE, 'en-gb+f3', 150),
  ]);
  return { firstWords, userSpeech };
}

export interface LoopRun {
  /** Local agent log lines with when they were logged (performance.now()). */
  readonly log: ReadonlyArray<{ at: number; line: string }>;
  /** When the greeting was first heard at the loudspeaker. */
  readonly greetingAt: number;
  /** When the user's first words were played into the room, and how long they last (ms). */
  readonly askedAt: number | undefined;
  readonly firstWordsMs: number;
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
  readonly stderr: string;
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
 * replies; `bargeInAfterMs` (3 s) into the reply the user talks over it. `bargeIn: false` stops
 * after the greeting.
 */
export async function runLoop(
  scene: Scene,
  delayMs: number,
  echo: 'cancel' | 'off',
  bargeIn = true,
  extraArgs: readonly string[] = [],
  bargeInAfterMs = BARGE_IN_AFTER_MS,
): Promise<LoopRun> {
  const { server, firstWords, userSpeech } = scene;
  const log: Array<{ at: number; line: string }> = [];
  const agent: LocalAgent = await startLocalAgent({
    voice: 'espeak',
    log: (line) => log.push({ at: performance.now(), line }),
  });
  const room = startRoomLoop(server, { rate: RATE, delayMs, gain: ROOM_GAIN });
  await room.ready;
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
      ...extraArgs,
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
  let askedAt: number | undefined;
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
      const asked = say(firstWords);
      askedAt = asked;
      replyAt = await waitFor(() => nextLoudAt(speaker, asked + 500), {
        timeoutMs: 15_000,
        intervalMs: 20,
        what: 'the reply at the loudspeaker',
      });
      await waitFor(() => performance.now() >= replyAt! + bargeInAfterMs, {
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
      { timeoutMs: 12_000, intervalMs: 10, what: 'the end of the scene' },
      // No throw on time-out: the caller's checks say what did not happen, with the output.
    ).catch(() => undefined);
    app.child.kill('SIGTERM');
    await waitFor(exited, { timeoutMs: 10_000, what: 'the app to hang up' });
    for (const user of users) await user.close();
    const call = agent.calls[0];
    return {
      log,
      greetingAt,
      askedAt,
      firstWordsMs: (firstWords.length / 2 / RATE) * 1000,
      replyAt,
      bargeInAt,
      clearedAt,
      mic: await mic.stop(),
      micStartedAt: mic.startedAt() ?? 0,
      sent: call?.audio ?? Buffer.alloc(0),
      sentProgress,
      stdout: app.output().stdout,
      stderr: app.output().stderr,
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
export function sampleAt(at: number, startedAt: number): number {
  return Math.max(0, Math.round(((at - startedAt) * RATE) / 1000));
}

/**
 * Sample index in what the server received for the time `at`: from the poll closest to it (the
 * app sends one second of audio per second, so the stream advances with the clock).
 */
export function sentSampleAt(run: LoopRun, at: number): number {
  let best = run.sentProgress[0]!;
  for (const p of run.sentProgress) if (Math.abs(p.at - at) < Math.abs(best.at - at)) best = p;
  return Math.max(0, Math.round(best.bytes / 2 + ((at - best.at) * RATE) / 1000));
}

/**
 * When the agent heard itself: speech it detected from the greeting until the user talked over
 * it, other than the user's first words (detected up to a second after they were played into
 * the room: the capture, and the agent's speech detector). A window counted back from the reply
 * counted the user's words as the agent's own whenever the reply took over 3 s to come.
 */
export function selfInterruptions(run: LoopRun): string[] {
  const until = run.bargeInAt ?? Number.POSITIVE_INFINITY;
  return run.log
    .filter((l) => l.at >= run.greetingAt && l.at < until && /user speech started/.test(l.line))
    .filter(
      (l) =>
        run.askedAt === undefined ||
        l.at < run.askedAt ||
        l.at > run.askedAt + Math.min(run.firstWordsMs, 1_000),
    )
    .map((l) => l.line);
}

/** Log lines of the local agent hearing speech between two times. */
export function heardSpeech(run: LoopRun, from: number, to: number): string[] {
  return run.log
    .filter((l) => l.at >= from && l.at < to && /user speech started/.test(l.line))
    .map((l) => l.line);
}
