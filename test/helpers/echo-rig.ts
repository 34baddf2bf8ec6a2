/**
 * The canceller alone, in-process, in a modelled room: the agent speaks (espeak-ng), what the
 * loudspeaker plays goes through {@link Room} back into the mic, the user talks over the agent
 * for a while, and every 20 ms frame goes through the canceller as in the app (reference pushed
 * with its play time, mic frame processed with its capture time). Shared by
 * test/echo/canceller.test.ts and bench/echo.ts.
 */
import { performance } from 'node:perf_hooks';
import { EchoCanceller } from '../../source/audio/echo/canceller.js';
import type { SpeexDsp } from '../../source/audio/echo/speexdsp.js';
import { db, power, Room, type RoomOptions, speak, toS16 } from './room.js';

export const AGENT_TEXT =
  'Good morning, this is the weather for today. It will be mostly sunny with a light breeze ' +
  'from the west, and temperatures around twenty degrees in the afternoon. Later in the evening ' +
  'it may rain a little, so take an umbrella when you go out tonight.';
export const USER_TEXT = 'Wait, stop, I have a different question for you.';
/** The agent starts after this much silence, as a reply does. */
export const AGENT_START_MS = 500;
/** The user starts talking over the agent here. */
export const USER_START_MS = 4_500;
const FRAME_MS = 20;

export interface RigVoices {
  readonly rate: number;
  readonly agent: Buffer;
  readonly user: Buffer;
}

/** The two voices at `rate`, made once per process. */
const voices = new Map<number, Promise<RigVoices>>();
export function rigVoices(rate: number): Promise<RigVoices> {
  let v = voices.get(rate);
  if (!v) {
    v = Promise.all([
      speak(AGENT_TEXT, rate, 'en-us', 165),
      speak(USER_TEXT, rate, 'en-gb+f3', 150),
    ]).then(([agent, user]) => ({ rate, agent, user }));
    voices.set(rate, v);
  }
  return v;
}

export interface RigResult {
  /** ERLE per 250 ms window from the agent's start to the user's, dB. */
  readonly erleWindowsDb: number[];
  /** ERLE over everything from 1 s after the agent started until the user starts, dB. */
  readonly erleAfter1sDb: number;
  /** Earliest time after the agent started from which the ERLE to the user's start is ≥ 20 dB. */
  readonly convergenceMs: number;
  /** User's level at the canceller's output minus their level at the mic, during double-talk, dB. */
  readonly doubleTalkDb: number;
  /** The same without the canceller (the mic as is): the echo makes it louder. */
  readonly doubleTalkUncancelledDb: number;
  /** CPU time of the canceller per second of audio, ms. */
  readonly cpuMsPerS: number;
  readonly stats: EchoCanceller['stats'];
  /** The mic and the canceller's output (with `keepAudio`). */
  readonly audio?: { readonly mic: Buffer; readonly out: Buffer };
}

export interface RigOptions extends Partial<Omit<RoomOptions, 'rate'>> {
  readonly delayMs: number;
  readonly rate?: number;
  /** Give the canceller the room's delay instead of letting it estimate it. */
  readonly knownDelay?: boolean;
  readonly keepAudio?: boolean;
  /**
   * The devices' latency jumps by `jumpMs` at `jumpAtMs` (PulseAudio raises a stream's latency
   * after an underrun): the echo path moves under the filter.
   */
  readonly jump?: { readonly atMs: number; readonly byMs: number };
  /**
   * The agent falls silent at `atMs` for `ms` (a pause between two replies), then goes on with
   * the rest of its speech.
   */
  readonly pause?: { readonly atMs: number; readonly ms: number };
  /** Called after each frame with its time (ms from the start) and the canceller. */
  readonly onFrame?: (ms: number, canceller: EchoCanceller) => void;
}

export async function runCancellerRig(dsp: SpeexDsp, o: RigOptions): Promise<RigResult> {
  const rate = o.rate ?? 48_000;
  const { agent, user } = await rigVoices(rate);
  const frame = (rate * FRAME_MS) / 1000;
  const total = Math.round((rate * (USER_START_MS + 1_000)) / 1000) + user.length / 2;
  const played = Buffer.alloc(total * 2);
  const agentAt = Math.round((rate * AGENT_START_MS) / 1000);
  if (o.pause) {
    const cut = Math.round((rate * (o.pause.atMs - AGENT_START_MS)) / 1000) * 2;
    agent.copy(played, agentAt * 2, 0, cut);
    agent.copy(played, Math.round((rate * (o.pause.atMs + o.pause.ms)) / 1000) * 2, cut);
  } else {
    agent.copy(played, agentAt * 2);
  }
  const userAt = Math.round((rate * USER_START_MS) / 1000);
  const userAtMic = Buffer.alloc(total * 2);
  user.copy(userAtMic, userAt * 2, 0, Math.min(user.length, (total - userAt) * 2));

  const room = new Room({ rate, gain: 0.3, ...o });
  const echo = room.process(played);
  if (o.jump) {
    const moved = new Room({ rate, gain: 0.3, ...o, delayMs: o.delayMs + o.jump.byMs }).process(
      played,
    );
    echo.set(
      moved.subarray(Math.round((rate * o.jump.atMs) / 1000)),
      Math.round((rate * o.jump.atMs) / 1000),
    );
  }
  const mic = Buffer.alloc(total * 2);
  const withUser = new Float64Array(total);
  for (let i = 0; i < total; i++) withUser[i] = echo[i]! + userAtMic.readInt16LE(i * 2);
  toS16(withUser).copy(mic);

  const canceller = new EchoCanceller(dsp, {
    inputRate: rate,
    outputRate: rate,
    ...(o.knownDelay ? { fixedDelayMs: Math.max(0, o.delayMs - 40) } : {}),
  });
  const out = Buffer.alloc(total * 2);
  let cpuMs = 0;
  for (let k = 0; (k + 1) * frame <= total; k++) {
    const at = k * FRAME_MS;
    const span = [k * frame * 2, (k + 1) * frame * 2] as const;
    const started = performance.now();
    canceller.pushReference(played.subarray(...span), at);
    canceller.process(mic.subarray(...span), at).copy(out, span[0]);
    cpuMs += performance.now() - started;
    o.onFrame?.(at, canceller);
  }
  const stats = canceller.stats;
  canceller.close();

  const window = rate / 4;
  const erleWindowsDb: number[] = [];
  for (let at = agentAt; at + window <= userAt; at += window) {
    erleWindowsDb.push(db(power(mic, at, at + window) / power(out, at, at + window)));
  }
  const erleFrom = (ms: number) => {
    const from = agentAt + Math.round((rate * ms) / 1000);
    return db(power(mic, from, userAt) / power(out, from, userAt));
  };
  let convergenceMs = Number.POSITIVE_INFINITY;
  for (let ms = 0; agentAt + (rate * ms) / 1000 < userAt - window; ms += 50) {
    if (erleFrom(ms) >= 20) {
      convergenceMs = ms;
      break;
    }
  }

  // Double-talk: only the 20 ms frames where the user is clearly talking.
  let userSum = 0;
  let outSum = 0;
  let micSum = 0;
  const loud = (32_768 * 10 ** (-40 / 20)) ** 2;
  for (let at = userAt; at + frame <= total; at += frame) {
    const u = power(userAtMic, at, at + frame);
    if (u < loud) continue;
    userSum += u;
    outSum += power(out, at, at + frame);
    micSum += power(mic, at, at + frame);
  }
  return {
    erleWindowsDb,
    erleAfter1sDb: erleFrom(1_000),
    convergenceMs,
    doubleTalkDb: db(outSum / userSum),
    doubleTalkUncancelledDb: db(micSum / userSum),
    cpuMsPerS: cpuMs / (total / rate),
    stats,
    ...(o.keepAudio ? { audio: { mic, out } } : {}),
  };
}
