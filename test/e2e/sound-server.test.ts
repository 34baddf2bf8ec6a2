import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TONE_HZ } from '../../source/local-agent/audio.js';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import { onsetsHeard } from '../helpers/heard.js';
import { goertzel, tone } from '../helpers/signal.js';
import { READER_SETTLE_MS, type SoundServer, startSoundServer } from '../helpers/sound-server.js';

/**
 * Barge-in through the whole app on a sound server that keeps real time: the built CLI with the
 * default devices (`--input mic --output speaker`, sox and the speaker child through PulseAudio),
 * headphones' echo mode (asked for, or the default on a sink that says it is a headset), the
 * local agent greeting with beeps sent four times faster than they play, and a user who
 * talks over it in the room. What the user hears is read back from `speaker.monitor`.
 */
const RATE = 48_000;
const WINDOW_MS = 50;

let server: SoundServer;
let headphones: SoundServer;
let agent: LocalAgent | undefined;
beforeAll(async () => {
  server = await startSoundServer({ rate: RATE });
  // The same, with the speaker sink saying what a headset's sink says of itself.
  headphones = await startSoundServer({
    rate: RATE,
    speakerProperties: 'device.form_factor=headphone',
  });
});
afterAll(async () => {
  await agent?.close();
  await server?.close();
  await headphones?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('barge-in through the whole app on a real-time sound server', () => {
  it('stops the agent as heard soon after the user talks over it (--echo off)', async () => {
    // The mic hears the room's voice, not the speaker: headphones, whose mode this is.
    const result = await talkOverGreeting(server, ['--echo', 'off']);
    expect(result.stdout).toContain('echo: off (turned off by --echo off)');
  }, 60_000);

  it('on headphones the sound server names, the default echo mode lets the user talk over the agent', async () => {
    // No --echo: the default `cancel` would keep the mic closed while the agent talks until it
    // had learnt an echo, and headphones have none. The sink says it is a headset: echo is off.
    const result = await talkOverGreeting(headphones, []);
    expect(result.stdout).toMatch(
      /echo: off \(the output is headphones: Null Output \(device\.form_factor headphone\)/,
    );
  }, 60_000);
});

describe('the default echo mode on headphones the sound server does not name', () => {
  it('tells the user, on stdout in plain mode, that their speech was held back, and how to avoid it', async () => {
    // The mic hears the room's voice and none of the agent (headphones), and the sink says
    // nothing of itself: the canceller keeps the mic closed over the greeting, and the user's
    // talking keeps it closed (audio-capture.md). Lost speech must not go unsaid.
    await agent?.close();
    agent = await startLocalAgent({ voice: 'tone', sendSpeed: 4 });
    const heard = server.recordSpeaker({ latencyMs: 5 });
    await sleep(READER_SETTLE_MS);
    const room = server.playIntoRoom({ latencyMs: 200 });
    // A greeting of 30 words (5.4 s of beeps), through an inline call, so that the user talks
    // over it for far longer than the 1.5 s the warning needs. With the demo greeting (2.5 s)
    // the room's start-up delay and the delay search taking the voice for an echo for up to a
    // second (UNCONFIRMED_ECHO_MS) left 1.4 s held back once, under the suite's load, and no
    // warning was due.
    const greeting = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const call = callOnDevices(server, agent, tempDir(), [
      ...['--prompt', 'You are a test agent.', '--voice', 'Alex', '--language', 'en-us'],
      ...['--greeting', greeting, '--duration', '10'],
    ]);
    // Into the room at the greeting's first beep, for 4.5 s: at least 3 s of it over the
    // greeting whatever the room's start-up delay.
    await until(() => firstBeep(heard.pcm()), 20_000);
    room.stdin.write(tone(300, 4_500, RATE, 0.6));
    const result = await call;
    await room.close();
    await heard.stop();
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stdout.split('\n').filter((l) => /held back/.test(l));
    expect(warnings, result.stdout).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^\[warning\] your speech was held back while the agent talked: .*with headphones use --echo off, or --echo guard/,
    );
  }, 60_000);
});

/** A plain call to the local agent on `sound`'s default mic and speaker, with `extra` flags. */
function callOnDevices(
  sound: SoundServer,
  local: LocalAgent,
  home: string,
  extra: string[],
): ReturnType<typeof runCli> {
  return runCli(
    [
      ...['--plain', '--api-base', local.baseUrl],
      // The demo agent, unless the call is an inline one.
      ...(extra.includes('--prompt') ? [] : ['--agent', 'demo']),
      ...['--input', 'mic', '--output', 'speaker', '--sample-rate', String(RATE), ...extra],
    ],
    {
      env: cliEnv(home, { ...sound.env, OMNIA_API_KEY: 'test-key-sound-server' }),
      timeoutMs: 40_000,
    },
  );
}

/**
 * A call on `sound` with the default devices; once the greeting is heard the user talks over it
 * in the room for 1.5 s: the agent must stop, as heard on the speaker sink.
 */
async function talkOverGreeting(sound: SoundServer, echoArgs: string[]) {
  await agent?.close();
  agent = await startLocalAgent({ voice: 'tone', sendSpeed: 4 });
  const heard = sound.recordSpeaker({ latencyMs: 5 });
  // When the user's voice is in the room (the room stream's own start-up delay varies).
  const mic = sound.record('mic', { latencyMs: 5 });
  await sleep(READER_SETTLE_MS);
  const room = sound.playIntoRoom({ latencyMs: 200 });
  const home = tempDir();
  const call = callOnDevices(sound, agent, home, ['--verbose', '--duration', '8', ...echoArgs]);
  // Wait for the greeting to be heard, then talk over it for 1.5 s.
  const greetingAt = await until(() => firstBeep(heard.pcm()), 20_000);
  const greetingPerf = timeOf(heard.arrivals(), greetingAt);
  await sleep(500);
  room.stdin.write(tone(300, 1_500, RATE, 0.6));
  const result = await call;
  await room.close();
  const pcm = await heard.stop();
  await mic.stop();
  const [talkAt] = onsetsHeard(mic.pcm(), mic.arrivals(), RATE, {
    loudPeak: 3_000,
    quietMs: 300,
  });
  if (talkAt === undefined) throw new Error('the user was never heard in the room');
  expect(result.code, result.stderr).toBe(0);
  expect(agent.calls[0]?.serverMessages.map((m) => m.type)).toContain('playback_clear_buffer');

  // Beeps heard per 50 ms window, from the talk on: the greeting (2.5 s of beeps, most of it
  // still queued when the user spoke) must stop; the agent answers only after the user stops.
  const arrivals = heard.arrivals();
  const beepFrom = (perf: number) => indexAt(arrivals, perf);
  const windows = (fromPerf: number, toPerf: number) => {
    const out: boolean[] = [];
    for (let at = beepFrom(fromPerf); at + windowBytes() <= beepFrom(toPerf); at += windowBytes())
      out.push(goertzel(pcm.subarray(at, at + windowBytes()), TONE_HZ, RATE) > 0.05);
    return out;
  };
  expect(greetingPerf).toBeLessThan(talkAt);
  expect(windows(greetingPerf, talkAt).filter(Boolean).length).toBeGreaterThan(2);
  // From 700 ms after the user started (detection, the clear, and room for a loaded machine)
  // until the user stops at 1.5 s: silence.
  expect(windows(talkAt + 700, talkAt + 1_500).filter(Boolean)).toEqual([]);
  return result;
}

function windowBytes(): number {
  return ((RATE * WINDOW_MS) / 1000) * 2;
}

/** Byte offset of the first 50 ms window that holds the agent's beep, or undefined. */
function firstBeep(pcm: Buffer): number | undefined {
  for (let at = 0; at + windowBytes() <= pcm.length; at += windowBytes()) {
    if (goertzel(pcm.subarray(at, at + windowBytes()), TONE_HZ, RATE) > 0.05) return at;
  }
  return undefined;
}

/** performance.now() by which byte `offset` of a read-back had arrived. */
function timeOf(arrivals: ReadonlyArray<{ at: number; end: number }>, offset: number): number {
  return arrivals.find((a) => a.end > offset)?.at ?? Number.NaN;
}

/** Byte offset (whole window grid) of what had arrived by `perf`. */
function indexAt(arrivals: ReadonlyArray<{ at: number; end: number }>, perf: number): number {
  let end = 0;
  for (const a of arrivals) {
    if (a.at > perf) break;
    end = a.end;
  }
  return end - (end % 2);
}

async function until<T>(get: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error('timed out waiting for the greeting');
    await sleep(20);
  }
}
