/**
 * A session store on a real call with the built-in local agent, for the session tests: the
 * agent, a real player into a null sink, and the sources a test's mic can be.
 */
import { createCall } from '../../source/api/create-call.js';
import { Player } from '../../source/audio/player.js';
import { NullSink } from '../../source/audio/sinks/null-sink.js';
import type { AudioSource } from '../../source/audio/types.js';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { SessionStore, type SessionStoreOptions } from '../../source/session/store.js';
import { tone } from '../helpers/signal.js';

export const RATE = 16_000;
export const FRAME_BYTES = (RATE / 50) * 2;
/** The key every test store redacts. */
export const SECRET = 'sk_secret_key_123456';

/** What a test tears down after it, newest first. */
export type Cleanups = Array<() => Promise<void> | void>;

/** A paced source that plays a loud tone forever: the mic of a user who keeps talking. */
export class ToneSource implements AudioSource {
  readonly description = 'test tone';
  readonly sampleRate = RATE;
  private timer: NodeJS.Timeout | undefined;
  async start(onFrame: (pcm: Buffer) => void): Promise<void> {
    const frame = tone(440, 20, RATE, 0.3);
    this.timer = setInterval(() => onFrame(frame), 20);
  }
  async stop(): Promise<void> {
    clearInterval(this.timer);
  }
}

/** A paced source: frame `n` (from 1) every 20 ms is `frame(n)`. */
export function pacedSource(description: string, frame: (n: number) => Buffer): AudioSource {
  let timer: NodeJS.Timeout | undefined;
  return {
    description,
    sampleRate: RATE,
    async start(onFrame) {
      let n = 0;
      timer = setInterval(() => onFrame(frame(++n)), 20);
    },
    async stop() {
      clearInterval(timer);
    },
  };
}

/** A paced source of digital silence: a mic in a quiet room. */
export function silentSource(): AudioSource {
  let timer: NodeJS.Timeout | undefined;
  return {
    description: 'silence',
    sampleRate: RATE,
    async start(onFrame) {
      const frame = Buffer.alloc(FRAME_BYTES);
      timer = setInterval(() => onFrame(frame), 20);
    },
    async stop() {
      clearInterval(timer);
    },
  };
}

/**
 * The local agent (tone voice) and a call created on it: with `demo`, which greets, unless told
 * another agent (`support`: the caller speaks first).
 */
export async function localCall(
  cleanups: Cleanups,
  agentId = 'demo',
): Promise<{ agent: LocalAgent; url: string }> {
  const agent = await startLocalAgent({ voice: 'tone' });
  cleanups.push(() => agent.close());
  const call = await createCall({
    apiBase: agent.baseUrl,
    agentId,
    inputSampleRate: RATE,
    outputSampleRate: RATE,
  });
  return { agent, url: call.websocketUrl };
}

export interface TestStoreOptions {
  readonly source?: AudioSource;
  /** What the output is to the user: a device by default; `none` as with --output none. */
  readonly outputKind?: string;
  /** Any other store option (`ptt`, `clientTools`, …). */
  readonly extra?: Partial<SessionStoreOptions>;
}

/** A store with a real player into a null sink, not started yet. */
export async function makeStore(
  websocketUrl: string,
  cleanups: Cleanups,
  { source = new ToneSource(), outputKind = 'test', extra = {} }: TestStoreOptions = {},
): Promise<{ store: SessionStore; player: Player }> {
  const sink = new NullSink(RATE);
  await sink.open();
  const player = new Player(sink, { leadMs: 40 });
  const store = new SessionStore({
    websocketUrl,
    local: true,
    source,
    player,
    inputSampleRate: RATE,
    outputSampleRate: RATE,
    input: { kind: 'test', description: source.description },
    output: { kind: outputKind, description: outputKind === 'none' ? 'none' : 'a null device' },
    echoGuard: false,
    ptt: false,
    secrets: [SECRET],
    ...extra,
  });
  cleanups.push(() => store.actions.hangUp());
  return { store, player };
}
