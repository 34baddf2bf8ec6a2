import { describe, expect, it } from 'vitest';
import {
  applyTranscript,
  findTurn,
  liveTurn,
  markInterrupted,
  type TranscriptInput,
} from '../../source/session/transcript.js';
import type { Turn } from '../../source/session/types.js';

function run(messages: TranscriptInput[], start: readonly Turn[] = []): readonly Turn[] {
  let turns = start;
  messages.forEach((msg, i) => {
    turns = applyTranscript(turns, msg, 1000 + i).turns;
  });
  return turns;
}

const texts = (turns: readonly Turn[]) => turns.map((t) => `${t.ordinal}:${t.role}:${t.text}`);

describe('applyTranscript', () => {
  it('streams an agent turn from deltas and closes it with final', () => {
    let turns: readonly Turn[] = [];
    const a = applyTranscript(turns, { role: 'agent', ordinal: 1, delta: 'Hel' }, 100);
    expect(a.changed).toMatchObject({ text: 'Hel', final: false, startedAt: 100 });
    expect(a.finalized).toBeUndefined();
    turns = a.turns;
    turns = applyTranscript(turns, { role: 'agent', ordinal: 1, delta: 'lo' }, 110).turns;
    const done = applyTranscript(
      turns,
      { role: 'agent', ordinal: 1, delta: '!', final: true },
      120,
    );
    expect(done.finalized).toMatchObject({
      text: 'Hello!',
      final: true,
      startedAt: 100,
      endedAt: 120,
    });
    expect(done.turns).toHaveLength(1);
    expect(done.problem).toBeUndefined();
  });

  it('text replaces what the deltas built', () => {
    const turns = run([
      { role: 'agent', ordinal: 2, delta: 'helo wrld' },
      { role: 'agent', ordinal: 2, text: 'hello world', final: true },
    ]);
    expect(turns[0]).toMatchObject({ text: 'hello world', final: true });
  });

  it('a final message without new text closes the turn with its text so far', () => {
    const turns = run([
      { role: 'agent', ordinal: 0, delta: 'ok' },
      { role: 'agent', ordinal: 0, final: true },
    ]);
    expect(turns[0]).toMatchObject({ text: 'ok', final: true });
  });

  it('orders turns by ordinal, including a late message for a much older ordinal', () => {
    const turns = run([
      { role: 'agent', ordinal: 0, text: 'Hi', final: true },
      { role: 'agent', ordinal: 20, delta: 'later' },
      { role: 'user', ordinal: 5, text: 'late user', final: true },
      { role: 'agent', ordinal: 10, text: 'middle', final: true },
      { role: 'user', ordinal: 1, text: 'first user', final: true },
    ]);
    expect(texts(turns)).toEqual([
      '0:agent:Hi',
      '1:user:first user',
      '5:user:late user',
      '10:agent:middle',
      '20:agent:later',
    ]);
    // Updating an older turn in place keeps the order.
    const updated = applyTranscript(turns, { role: 'agent', ordinal: 20, delta: ' on' }, 9);
    expect(texts(updated.turns).at(-1)).toBe('20:agent:later on');
  });

  it('marks typed user turns (medium text) and not spoken ones or agent text turns', () => {
    const turns = run([
      { role: 'user', ordinal: 0, medium: 'text', text: 'typed', final: true },
      { role: 'user', ordinal: 1, medium: 'voice', text: 'spoken', final: true },
      { role: 'agent', ordinal: 2, medium: 'text', text: 'reply', final: true },
    ]);
    expect(turns.map((t) => t.typed)).toEqual([true, false, false]);
    expect(turns.map((t) => t.medium)).toEqual(['text', 'voice', 'text']);
  });

  it('ignores a delta for a final turn and says so', () => {
    const turns = run([{ role: 'agent', ordinal: 3, text: 'done', final: true }]);
    const r = applyTranscript(turns, { role: 'agent', ordinal: 3, delta: ' extra' }, 5);
    expect(r.turns).toBe(turns);
    expect(r.changed).toBeUndefined();
    expect(r.problem).toBe('delta for turn 3 after it was final: ignored');
  });

  it('ignores a second final and says so', () => {
    const turns = run([{ role: 'user', ordinal: 3, text: 'hi', final: true }]);
    const r = applyTranscript(
      turns,
      { role: 'user', ordinal: 3, text: 'hi again', final: true },
      5,
    );
    expect(r.turns[0]?.text).toBe('hi');
    expect(r.finalized).toBeUndefined();
    expect(r.problem).toBe('second "final" for turn 3 after it was final: ignored');
  });

  it('ignores a role change for an existing ordinal and says so', () => {
    const turns = run([{ role: 'agent', ordinal: 4, delta: 'agent words' }]);
    const r = applyTranscript(turns, { role: 'user', ordinal: 4, text: 'hijack' }, 5);
    expect(r.turns).toBe(turns);
    expect(r.problem).toMatch(/turn 4 says user but the turn is the agent's/);
  });

  it('reports a message with nothing in it instead of throwing', () => {
    const r = applyTranscript([], { role: 'agent', ordinal: 1 }, 5);
    expect(r.turns).toEqual([]);
    expect(r.problem).toMatch(/no text or delta/);
    expect(applyTranscript([], { role: 'agent', ordinal: -2, text: 'x' }, 5).problem).toMatch(
      /invalid ordinal/,
    );
  });

  it('sanitises text and deltas', () => {
    const turns = run([
      { role: 'agent', ordinal: 0, delta: 'a\u001b[2J' },
      { role: 'agent', ordinal: 0, delta: '\u001b]0;title\u0007b\u202e' },
    ]);
    expect(turns[0]?.text).toBe('ab');
  });

  it('does not mutate the input array or turns', () => {
    const before = run([{ role: 'agent', ordinal: 0, delta: 'a' }]);
    const snapshot = JSON.stringify(before);
    const after = applyTranscript(before, { role: 'agent', ordinal: 0, delta: 'b' }, 9).turns;
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(after).not.toBe(before);
    expect(after[0]?.text).toBe('ab');
  });

  it('handles thousands of turns with lookups by ordinal', () => {
    const many: TranscriptInput[] = [];
    for (let i = 0; i < 3000; i++) {
      many.push({ role: i % 2 ? 'agent' : 'user', ordinal: i * 2, text: `t${i}`, final: true });
    }
    const turns = run(many);
    expect(turns).toHaveLength(3000);
    expect(findTurn(turns, 2 * 1234)?.text).toBe('t1234');
    expect(findTurn(turns, 3)).toBeUndefined();
    const inserted = applyTranscript(turns, { role: 'user', ordinal: 3, text: 'odd' }, 1).turns;
    expect(inserted.map((t) => t.ordinal).slice(0, 4)).toEqual([0, 2, 3, 4]);
  });
});

describe('markInterrupted', () => {
  it('flags the agent live turn and keeps it open for late deltas', () => {
    const turns = run([
      { role: 'user', ordinal: 0, text: 'question', final: true },
      { role: 'agent', ordinal: 1, delta: 'Well, the answer' },
    ]);
    const marked = markInterrupted(turns, 50);
    expect(marked[1]).toMatchObject({ ordinal: 1, interrupted: true, final: false });
    expect(turns[1]?.interrupted).toBe(false);
    const late = applyTranscript(
      marked,
      { role: 'agent', ordinal: 1, delta: ' is', final: true },
      60,
    );
    expect(late.turns[1]).toMatchObject({
      text: 'Well, the answer is',
      interrupted: true,
      final: true,
    });
    expect(liveTurn(late.turns, 'agent')).toBeUndefined();
  });

  it('does nothing without a live agent turn, or when already flagged', () => {
    const turns = run([
      { role: 'agent', ordinal: 0, text: 'done', final: true },
      { role: 'user', ordinal: 1, delta: 'speaking' },
    ]);
    expect(markInterrupted(turns, 1)).toBe(turns);
    const live = run([{ role: 'agent', ordinal: 2, delta: 'x' }], turns);
    const once = markInterrupted(live, 1);
    expect(once).not.toBe(live);
    expect(markInterrupted(once, 2)).toBe(once);
  });

  it('with evenIfFinal flags the latest agent turn still being played', () => {
    const turns = run([
      { role: 'user', ordinal: 0, text: 'q', final: true },
      { role: 'agent', ordinal: 1, text: 'long answer', final: true },
    ]);
    expect(markInterrupted(turns, 1)).toBe(turns);
    expect(markInterrupted(turns, 1, { evenIfFinal: true })[1]).toMatchObject({
      ordinal: 1,
      interrupted: true,
      final: true,
    });
    // A user turn after it means the agent was not cut off.
    const answered = run([{ role: 'user', ordinal: 2, text: 'next', final: true }], turns);
    expect(markInterrupted(answered, 1, { evenIfFinal: true })).toBe(answered);
  });
});
