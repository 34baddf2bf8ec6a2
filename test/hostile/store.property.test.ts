/**
 * Property-based fuzzing of the whole session store: a real SessionStore connected over a real
 * socket to the hostile double, fed fast-check generated sequences of valid, mutated and junk
 * frames (text and binary). Whatever arrives, no exception escapes, the call stays live, and
 * the snapshot keeps its invariants.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCall } from '../../source/api/create-call.js';
import { Player } from '../../source/audio/player.js';
import { NullSink } from '../../source/audio/sinks/null-sink.js';
import { SilenceSource } from '../../source/audio/sources/silence-source.js';
import { MAX_EVENTS, SessionStore } from '../../source/session/store.js';
import type { Snapshot } from '../../source/session/types.js';
import { waitFor } from '../helpers/cli.js';
import { KEY } from './helpers.js';
import { type HostileCall, type HostileServer, startHostileServer } from './server.js';

const RATE = 16_000;
const END_MARK = 'fuzz-run-complete';
const PHASES = ['creating', 'connecting', 'live', 'ending', 'ended', 'error'];
const STATES = ['idle', 'listening', 'thinking', 'speaking'];
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** One frame the server sends: text (any string) or binary (agent audio of any length). */
type Frame = { text: string } | { binary: Buffer };

const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '\u001b[2J\u001b[H',
    '\u001b]0;title\u0007',
    '\u001bP+q\u001b\\',
    '\u009b31m',
    '\u202eevil',
    '\u0000\u0007\b',
    '\r\n',
    `key ${KEY} leaked`,
    '😀',
    '\u001b[',
  ),
);

const ordinal = fc.oneof(fc.nat({ max: 12 }), fc.constantFrom(-1, 1.5, 2 ** 53, Number.NaN));

const validMessage = fc.oneof(
  fc.record({ type: fc.constant('call_started'), callId: hostileText }),
  fc.record({ type: fc.constant('state'), state: fc.constantFrom(...STATES, 'dancing', '') }),
  fc.record(
    {
      type: fc.constant('transcript'),
      role: fc.constantFrom('user', 'agent'),
      medium: fc.constantFrom('voice', 'text'),
      ordinal,
      text: hostileText,
      delta: hostileText,
      final: fc.boolean(),
    },
    { requiredKeys: ['type', 'role', 'ordinal'] },
  ),
  fc.constant({ type: 'playback_clear_buffer' }),
  fc.record({ type: fc.constant('pong'), timestamp: fc.double() }),
  fc.record({
    type: fc.constant('client_tool_invocation'),
    toolName: hostileText,
    invocationId: fc.string({ minLength: 1, maxLength: 12 }),
    parameters: fc.object(),
  }),
  fc.record({ type: fc.constant('debug'), message: hostileText }),
  fc.record({ type: fc.constant('error'), message: hostileText }),
  fc.record({ type: hostileText, payload: fc.anything() }),
);

// A valid message with one field replaced by anything at all.
const mutated = fc
  .tuple(
    validMessage,
    fc.constantFrom(
      'type',
      'role',
      'ordinal',
      'text',
      'delta',
      'final',
      'state',
      'message',
      'toolName',
      'invocationId',
      'timestamp',
      'callId',
    ),
    fc.anything(),
  )
  .map(([msg, key, value]) => ({ ...(msg as Record<string, unknown>), [key]: value }));

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 6, arbitrary: validMessage.map((m) => ({ text: JSON.stringify(m) })) },
  { weight: 3, arbitrary: mutated.map((m) => ({ text: JSON.stringify(m) ?? 'undefined' })) },
  { weight: 1, arbitrary: fc.json().map((text) => ({ text })) },
  { weight: 1, arbitrary: fc.string().map((text) => ({ text })) },
  {
    weight: 1,
    arbitrary: validMessage.map((m) => {
      const text = JSON.stringify(m);
      return { text: text.slice(0, Math.max(0, text.length - 3)) };
    }),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 2_001 }).map((n) => ({ binary: Buffer.alloc(n, 7) })),
  },
);

let server: HostileServer;
let script: (call: HostileCall) => void = () => undefined;

beforeAll(async () => {
  server = await startHostileServer({ call: (call) => script(call) });
});
afterAll(async () => {
  await server.close();
});

async function openStore(): Promise<SessionStore> {
  const call = await createCall({
    apiBase: server.baseUrl,
    agentId: 'x',
    inputSampleRate: RATE,
    outputSampleRate: RATE,
  });
  const sink = new NullSink(RATE);
  await sink.open();
  const store = new SessionStore({
    websocketUrl: call.websocketUrl,
    local: false,
    source: new SilenceSource(RATE),
    player: new Player(sink, { leadMs: 40, maxQueueMs: 2_000 }),
    inputSampleRate: RATE,
    outputSampleRate: RATE,
    input: { kind: 'none', description: 'none' },
    output: { kind: 'none', description: 'none' },
    echoGuard: false,
    ptt: false,
    secrets: [KEY],
  });
  await store.start();
  return store;
}

/** The snapshot invariants every reader relies on. */
function checkSnapshot(s: Snapshot): void {
  expect(PHASES).toContain(s.phase);
  expect(STATES).toContain(s.agentState);
  for (let i = 1; i < s.turns.length; i++) {
    expect(s.turns[i]!.ordinal).toBeGreaterThan(s.turns[i - 1]!.ordinal);
  }
  for (const turn of s.turns) {
    expect(Number.isSafeInteger(turn.ordinal) && turn.ordinal >= 0).toBe(true);
    expect(turn.text).not.toMatch(CONTROL);
    expect(turn.text.includes(KEY)).toBe(false);
  }
  expect(s.events.length).toBeLessThanOrEqual(MAX_EVENTS);
  for (let i = 1; i < s.events.length; i++) {
    expect(s.events[i]!.id).toBeGreaterThan(s.events[i - 1]!.id);
  }
  for (const event of s.events) {
    expect(event.message).not.toMatch(CONTROL);
    expect(event.message).not.toMatch(/\n/);
    expect(event.message.includes(KEY)).toBe(false);
  }
  for (const text of [s.error, s.endReason, s.callId]) {
    if (text === undefined) continue;
    expect(text).not.toMatch(CONTROL);
    expect(text.includes(KEY)).toBe(false);
  }
  expect(s.queuedMs).toBeGreaterThanOrEqual(0);
}

/**
 * Expected tool answers: one per client_tool_invocation the server sent that names its
 * invocation, valid or not (an unreadable one is answered with an error).
 */
function validInvocationIds(frames: Frame[]): string[] {
  const ids: string[] = [];
  for (const f of frames) {
    if (!('text' in f)) continue;
    try {
      const m = JSON.parse(f.text) as Record<string, unknown>;
      if (
        m?.type === 'client_tool_invocation' &&
        typeof m.invocationId === 'string' &&
        m.invocationId.length > 0
      ) {
        ids.push(m.invocationId);
      }
    } catch {
      // junk: no answer expected
    }
  }
  return ids;
}

describe('the session store under fuzzed server traffic (real socket)', () => {
  it('never throws, stays live, keeps the snapshot valid, answers every tool call', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(frame, { maxLength: 40 }), async (frames) => {
          script = (call) => {
            for (const f of frames) {
              if ('text' in f) call.text(f.text);
              else call.audio(f.binary);
            }
            call.json({ type: 'debug', message: END_MARK });
          };
          const store = await openStore();
          const seen: Snapshot[] = [];
          const unsubscribe = store.subscribe(() => seen.push(store.getSnapshot()));
          try {
            await waitFor(
              () => store.getSnapshot().events.some((e) => e.message.includes(END_MARK)),
              { what: 'the end mark', timeoutMs: 10_000 },
            );
            const s = store.getSnapshot();
            expect(s.phase).toBe('live');
            checkSnapshot(s);
            for (const snap of seen) checkSnapshot(snap);
            const call = server.calls.at(-1)!;
            const expected = validInvocationIds(frames);
            await waitFor(
              () =>
                call.messages.filter((m) => (m as { type?: string }).type === 'client_tool_result')
                  .length >= expected.length,
              { what: 'tool answers' },
            );
            const answered = call.messages
              .filter((m) => (m as { type?: string }).type === 'client_tool_result')
              .map((m) => (m as { invocationId: string }).invocationId);
            expect(answered).toEqual(expected);
          } finally {
            unsubscribe();
            await store.actions.hangUp();
          }
        }),
        { numRuns: 150 },
      );
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  }, 60_000);

  it('a flood of 3,000 bad frames keeps the events log at its cap and the call live', async () => {
    script = (call) => {
      for (let i = 0; i < 1_500; i++) call.json({ type: `future_${i}`, x: i });
      for (let i = 0; i < 1_500; i++) call.text(`{"type":"transcript","ordinal":${i}`);
      call.json({ type: 'debug', message: END_MARK });
    };
    const store = await openStore();
    try {
      await waitFor(() => store.getSnapshot().events.some((e) => e.message.includes(END_MARK)), {
        what: 'the end mark',
      });
      const s = store.getSnapshot();
      expect(s.phase).toBe('live');
      expect(s.events).toHaveLength(MAX_EVENTS);
      // The pane says how many went: every event had an id from 1, the dropped ones included.
      expect(s.eventsDropped).toBeGreaterThan(2_500);
      expect(s.eventsDropped + s.events.length).toBe(s.events.at(-1)!.id);
      // The newest events are the ones kept.
      expect(s.events.at(-1)!.message).toContain(END_MARK);
      checkSnapshot(s);
    } finally {
      await store.actions.hangUp();
    }
  }, 30_000);
});
