import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseServerMessage } from '../../source/protocol/messages.js';
import { applyTranscript, markInterrupted } from '../../source/session/transcript.js';
import type { Turn } from '../../source/session/types.js';

const hostileText = fc.oneof(
  fc.string(),
  fc.constantFrom('\u001b[2J', '\u001b]0;t\u0007', '\u202e', '\u0000', '\u009b31m', '😀', '\n'),
);

// A well-formed transcript most of the time, so the reducer is really exercised.
const transcript = fc.record(
  {
    type: fc.constant('transcript'),
    role: fc.constantFrom('user', 'agent'),
    medium: fc.constantFrom('voice', 'text'),
    ordinal: fc.nat({ max: 40 }),
    text: hostileText,
    delta: hostileText,
    final: fc.boolean(),
  },
  { requiredKeys: ['type', 'role', 'ordinal'] },
);

// Mutations a loose or hostile server could produce.
const mutated = fc.tuple(transcript, fc.string(), fc.anything()).map(([msg, key, value]) => {
  const copy: Record<string, unknown> = { ...msg };
  copy[['role', 'ordinal', 'text', 'delta', 'final', 'medium', 'type', key][key.length % 8]!] =
    value;
  return copy;
});

const frame = fc.oneof(
  { weight: 5, arbitrary: transcript.map((m) => JSON.stringify(m)) },
  { weight: 2, arbitrary: mutated.map((m) => JSON.stringify(m) ?? 'undefined') },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constant('interrupt') },
);

function check(turns: readonly Turn[]): void {
  for (let i = 1; i < turns.length; i++) {
    expect(turns[i]!.ordinal).toBeGreaterThan(turns[i - 1]!.ordinal);
  }
  for (const turn of turns) {
    expect(turn.text).not.toMatch(
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/,
    );
    expect(turn.typed).toBe(turn.role === 'user' && turn.medium === 'text');
    if (turn.final) expect(turn.endedAt).toBeTypeOf('number');
  }
}

describe('parseServerMessage + applyTranscript (property)', () => {
  it('never throw, and keep turns sorted by unique ordinal with clean text', () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 60 }), (frames) => {
        let turns: readonly Turn[] = [];
        let now = 0;
        for (const text of frames) {
          now += 1;
          if (text === 'interrupt') {
            turns = markInterrupted(turns, now, { evenIfFinal: now % 2 === 0 });
            continue;
          }
          const parsed = parseServerMessage(text);
          if (parsed.kind === 'invalid') expect(parsed.reason.length).toBeGreaterThan(0);
          if (parsed.kind !== 'message' || parsed.message.type !== 'transcript') continue;
          const before = turns;
          const update = applyTranscript(turns, parsed.message, now);
          if (update.problem) expect(update.turns).toBe(before);
          turns = update.turns;
          check(turns);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a final turn never changes again', () => {
    fc.assert(
      fc.property(fc.array(transcript, { maxLength: 40 }), (msgs) => {
        let turns: readonly Turn[] = [];
        const frozen = new Map<number, Turn>();
        for (const raw of msgs) {
          const parsed = parseServerMessage(JSON.stringify(raw));
          if (parsed.kind !== 'message' || parsed.message.type !== 'transcript') continue;
          turns = applyTranscript(turns, parsed.message, 1).turns;
          for (const t of turns) {
            const seen = frozen.get(t.ordinal);
            if (seen) expect(t).toEqual(seen);
            else if (t.final) frozen.set(t.ordinal, t);
          }
        }
      }),
    );
  });
});
