import { describe, expect, it } from 'vitest';
import type { ToolCall } from '../../source/session/types.js';
import {
  defaultTranscriptName,
  formatFromPath,
  formatTranscript,
  redactSecrets,
  type TranscriptData,
} from '../../source/transcript/format.js';
import { summarize } from '../../source/transcript/summary.js';
import { T0, turn } from './fake-store.js';

const turns = [
  turn(0, 'agent', 'Hello! How can I help?'),
  turn(1, 'user', 'What are your opening hours?'),
  turn(2, 'agent', 'We open at nine and', { interrupted: true }),
  turn(3, 'user', 'Thanks, bye', { typed: true, medium: 'text' }),
  turn(4, 'agent', 'Goodbye and have a', { final: false, endedAt: undefined }),
];

const data: TranscriptData = {
  agentId: 'support-agent',
  callId: 'c0ffee12-3456',
  startedAt: T0,
  endedAt: T0 + 83_000,
  local: false,
  turns,
  events: [
    { id: 1, at: T0 + 10, kind: 'info', message: 'call started' },
    { id: 2, at: T0 + 20, kind: 'debug', message: 'tool lookupHours called' },
  ],
  summary: summarize({
    startedAt: T0,
    endedAt: T0 + 83_000,
    turns,
    interruptions: 1,
    responseLatenciesMs: [400, 900, 600],
  }),
};

/** The records of a `.jsonl` transcript, parsed. */
function jsonlRecords(d: TranscriptData): Array<Record<string, unknown>> {
  return formatTranscript('jsonl', d)
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** Each record's type, and a turn's ordinal: `turn 2`. */
function kinds(records: ReadonlyArray<Record<string, unknown>>): string[] {
  return records.map((r) => (r.type === 'turn' ? `turn ${r.ordinal}` : String(r.type)));
}

describe('txt', () => {
  it('reads back as one role-prefixed line per turn, with typed/interrupted/unfinished marks', () => {
    const lines = formatTranscript('txt', data).split('\n');
    const turnLines = lines.filter((l) => /^(User|Agent)\b/.test(l));
    expect(turnLines).toEqual([
      'Agent: Hello! How can I help?',
      'User: What are your opening hours?',
      'Agent: We open at nine and [interrupted]',
      'User (typed): Thanks, bye',
      'Agent: Goodbye and have a [unfinished]',
    ]);
    expect(lines).toContain('Call lasted 1m 23s');
  });

  it('keeps escape sequences and newlines from server text out of the file', () => {
    const evil = [turn(0, 'agent', 'hi\u001b[2J\u001b]0;pwned\u0007 there\nsecond line\u0007')];
    const text = formatTranscript('txt', { local: true, turns: evil });
    expect(text).toBe('Agent: hi there second line\n');
  });
});

describe('md', () => {
  const md = formatTranscript('md', data);

  it('starts with a header naming agent, call, ISO start time and duration', () => {
    expect(md).toContain('- **Agent:** support-agent');
    expect(md).toContain('- **Call ID:** c0ffee12-3456');
    expect(md).toContain(`- **Started:** ${new Date(T0).toISOString()}`);
    expect(md).toContain('- **Duration:** 1m 23s');
  });

  it('shows each turn with a bold role and time relative to the start', () => {
    const turnLines = md.split('\n').filter((l) => l.startsWith('**'));
    expect(turnLines).toEqual([
      '**Agent** (+0:00): Hello! How can I help?',
      '**User** (+0:02): What are your opening hours?',
      '**Agent** (+0:04): We open at nine and _(interrupted)_',
      '**User** (typed, +0:06): Thanks, bye',
      '**Agent** (+0:08): Goodbye and have a _(unfinished)_',
    ]);
    expect(md).toContain('## Summary');
    expect(md).toContain('- Response latency: median 600 ms, worst 900 ms (3 turns)');
  });

  it('says the call is in progress when it has no end yet', () => {
    const live = formatTranscript('md', { ...data, endedAt: undefined, summary: undefined });
    expect(live).toContain('- **Duration:** in progress');
    expect(live).not.toContain('## Summary');
    // A turn without its final text is still in progress; once the call ended, unfinished.
    expect(live).toContain('**Agent** (+0:08): Goodbye and have a _(in progress)_');
    expect(formatTranscript('txt', { ...data, endedAt: undefined })).toContain(
      'Agent: Goodbye and have a [in progress]',
    );
  });

  it('a turn cut off before its final text says interrupted, as plain mode does', () => {
    const cut = data.turns.map((t) => (t.final ? t : { ...t, interrupted: true }));
    expect(formatTranscript('txt', { ...data, turns: cut })).toContain(
      'Agent: Goodbye and have a [interrupted]',
    );
    expect(formatTranscript('md', { ...data, turns: cut })).toContain(
      '**Agent** (+0:08): Goodbye and have a _(interrupted)_',
    );
  });

  it('a reply cut before any of it was heard says so in every format; one heard says nothing more', () => {
    const unheard = data.turns.map((t) =>
      t.ordinal === 2 ? { ...t, interrupted: true, unheard: true } : t,
    );
    const d = { ...data, turns: unheard };
    expect(formatTranscript('txt', d)).toContain(
      'Agent: We open at nine and [interrupted, not heard]',
    );
    expect(formatTranscript('md', d)).toContain(
      '**Agent** (+0:04): We open at nine and _(interrupted, not heard)_',
    );
    const record = jsonlRecords(d).find((r) => r.type === 'turn' && r.ordinal === 2);
    expect(record).toMatchObject({ interrupted: true, unheard: true });
    const heard = jsonlRecords(data).find((r) => r.type === 'turn' && r.ordinal === 2);
    expect(heard).not.toHaveProperty('unheard');
    expect(formatTranscript('txt', data)).not.toContain('not heard');
  });
});

describe("a reply's response latency", () => {
  const timed: TranscriptData = {
    ...data,
    turns: turns.map((t) => (t.ordinal === 2 ? { ...t, latencyMs: 640 } : t)),
  };

  it('is beside the reply in md and on its turn in json, so the slow one can be found', () => {
    expect(formatTranscript('md', timed)).toContain(
      '**Agent** (+0:04, reply in 640 ms): We open at nine and _(interrupted)_',
    );
    const doc = JSON.parse(formatTranscript('json', timed));
    expect(doc.turns.find((t: { ordinal: number }) => t.ordinal === 2).latencyMs).toBe(640);
    expect(doc.turns.find((t: { ordinal: number }) => t.ordinal === 0).latencyMs).toBeUndefined();
  });

  it('is not on a .jsonl turn line (written before the audio plays): the event says it', () => {
    for (const record of jsonlRecords(timed)) expect(record.latencyMs).toBeUndefined();
  });
});

describe('json', () => {
  it('parses back to call facts, turns in ordinal order and the summary', () => {
    const doc = JSON.parse(formatTranscript('json', { ...data, turns: [...turns].reverse() }));
    expect(doc.call).toMatchObject({
      agentId: 'support-agent',
      callId: 'c0ffee12-3456',
      local: false,
      startedAt: T0,
      startedAtIso: new Date(T0).toISOString(),
      durationMs: 83_000,
    });
    expect(doc.turns.map((t: { ordinal: number }) => t.ordinal)).toEqual([0, 1, 2, 3, 4]);
    expect(doc.turns[2]).toEqual({
      role: 'agent',
      medium: 'voice',
      text: 'We open at nine and',
      ordinal: 2,
      startedAt: T0 + 4_000,
      endedAt: T0 + 5_500,
      interrupted: true,
      typed: false,
      final: true,
    });
    expect(doc.turns[3]).toMatchObject({ typed: true, medium: 'text', role: 'user' });
    expect(doc.turns[4]).toMatchObject({ final: false });
    expect(doc.summary).toMatchObject({ turns: 5, userTurns: 2, agentTurns: 3, interruptions: 1 });
  });
});

describe('jsonl', () => {
  it('is one parseable object per line: call, turns, events, summary', () => {
    const text = formatTranscript('jsonl', data);
    expect(text.endsWith('\n')).toBe(true);
    const records = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.type)).toEqual([
      'call',
      'turn',
      'turn',
      'turn',
      'turn',
      'turn',
      'event',
      'event',
      'summary',
    ]);
    expect(records[0]).toMatchObject({ callId: 'c0ffee12-3456', agentId: 'support-agent' });
    expect(records[1]).toMatchObject({ role: 'agent', text: 'Hello! How can I help?' });
    expect(records[7]).toMatchObject({ kind: 'debug', message: 'tool lookupHours called' });
    expect(records[8]).toMatchObject({ medianLatencyMs: 600, worstLatencyMs: 900 });
  });
});

describe('formatFromPath', () => {
  it('picks the format from the extension, case-insensitively', () => {
    expect(formatFromPath('/tmp/a.md')).toBe('md');
    expect(formatFromPath('call.TXT')).toBe('txt');
    expect(formatFromPath('x/y.json')).toBe('json');
    expect(formatFromPath('x.y.jsonl')).toBe('jsonl');
  });

  it('rejects other extensions with a message listing the four formats', () => {
    expect(() => formatFromPath('notes.docx')).toThrow(/\.md, \.txt, \.json or \.jsonl/);
    expect(() => formatFromPath('noextension')).toThrow(/noextension/);
  });
});

describe('defaultTranscriptName', () => {
  it('is date_time_agent_callid8.ext in local time', () => {
    const at = new Date(2026, 10, 25, 19, 8, 38).getTime();
    expect(
      defaultTranscriptName({
        startedAt: at,
        agentId: 'support-agent',
        callId: 'c0ffee12-3456-7890',
        format: 'md',
      }),
    ).toBe('2026-11-25_19-08-38_support-agent_c0ffee12.md');
  });

  it('keeps only file-name-safe characters from agent and call ids', () => {
    const name = defaultTranscriptName({
      startedAt: new Date(2026, 0, 2, 3, 4, 5).getTime(),
      agentId: '../../etc/pass wd\u001b[31m',
      callId: '/x:y*z',
      format: 'jsonl',
    });
    expect(name).toMatch(/^2026-01-02_03-04-05_[A-Za-z0-9-]+_[A-Za-z0-9-]+\.jsonl$/);
    expect(name).not.toContain('/');
    expect(defaultTranscriptName({ startedAt: 0, agentId: undefined, format: 'txt' })).toMatch(
      /_agent\.txt$/,
    );
  });
});

describe('redactSecrets', () => {
  it('removes a secret in raw and JSON-escaped spelling, and ignores empty secrets', () => {
    const secret = 'sk-"quote"\\back';
    const json = formatTranscript('json', {
      local: true,
      turns: [turn(0, 'user', `my key is ${secret}`)],
    });
    const clean = redactSecrets(json, ['', secret]);
    expect(clean).not.toContain('quote');
    expect(JSON.parse(clean).turns[0].text).toBe('my key is [redacted]');
  });
});

describe('tool calls in files', () => {
  const result = `${JSON.stringify({ rows: Array.from({ length: 40 }, (_, i) => ({ i, name: `row ${i}` })) }, null, 2)}`;
  const call: ToolCall = {
    invocationId: 'inv-1',
    name: 'lookup',
    parameters: '{"order":7,"note":"two\\nlines"}',
    status: 'ok',
    result,
    startedAt: T0 + 2_500,
    endedAt: T0 + 2_620,
    durationMs: 120,
    afterOrdinal: 1,
  };
  const withTool: TranscriptData = { ...data, summary: undefined, toolCalls: [call] };

  it('.json keeps the whole result with its newlines, and the parameters as an object', () => {
    expect(result.length).toBeGreaterThan(1_000);
    const doc = JSON.parse(formatTranscript('json', withTool));
    expect(doc.toolCalls[0]).toMatchObject({
      name: 'lookup',
      parameters: { order: 7, note: 'two\nlines' },
      result,
    });
  });

  it('.jsonl puts each tool line after the turn it followed, as .md and .txt do', () => {
    const records = jsonlRecords(withTool);
    expect(kinds(records)).toEqual([
      'call',
      'turn 0',
      'turn 1',
      'tool',
      'turn 2',
      'turn 3',
      'turn 4',
      'event',
      'event',
    ]);
    expect(records[3]).toMatchObject({ parameters: { order: 7, note: 'two\nlines' }, result });
  });
});

describe('a call with no saved agent (an inline prompt, as `calls show` reads its record)', () => {
  const inline: TranscriptData = {
    callId: 'c0ffee12-3456',
    startedAt: T0,
    endedAt: T0 + 9_000,
    local: false,
    turns: [turn(0, 'agent', 'Hi.')],
  };

  it('is named so in .md, .txt and .json, never "unknown"', () => {
    const md = formatTranscript('md', inline);
    expect(md).toContain('- **Agent:** none (inline prompt)');
    expect(md).not.toContain('unknown');
    expect(formatTranscript('txt', inline).split('\n')[0]).toBe(
      `=== Call · none (inline prompt) · call c0ffee12-3456 · ${new Date(T0).toISOString()} ===`,
    );
    expect(JSON.parse(formatTranscript('json', inline)).call).toMatchObject({
      label: 'none (inline prompt)',
    });
  });
});

describe('a call record fetched while the call runs', () => {
  it('says the record has no transcript yet, not that nothing was said', () => {
    const live: TranscriptData = {
      callId: 'c0ffee12-3456',
      startedAt: T0,
      local: false,
      turns: [],
      summary: {
        turns: 0,
        userTurns: 0,
        agentTurns: 0,
        interruptions: 0,
        latencyCount: 0,
        record: { callId: 'c0ffee12-3456', complete: false },
      } as TranscriptData['summary'],
    };
    const md = formatTranscript('md', live);
    expect(md).toContain('_(no transcript in the record yet: the call is still in progress)_');
    expect(md).not.toContain('nothing said yet');
    // A call the app held itself, with nothing said, reads as before.
    expect(formatTranscript('md', { ...live, summary: undefined })).toContain(
      '_(nothing said yet)_',
    );
  });
});

describe('typed messages the server never put in its transcript', () => {
  // Sent after turn 1 (placed there), and one with no ordinal kept: placed by its time.
  const unconfirmed: TranscriptData = {
    ...data,
    summary: undefined,
    events: undefined,
    unconfirmed: [
      { id: 1, text: 'are you open on Sundays?', at: T0 + 3_000, afterOrdinal: 1 },
      { id: 2, text: 'hello?\u001b[31m', at: T0 + 9_000 },
    ],
  };

  it('.txt and .md keep them where they were sent, marked as sent but not confirmed', () => {
    const txt = formatTranscript('txt', unconfirmed).trimEnd().split('\n');
    expect(txt).toEqual([
      'Agent: Hello! How can I help?',
      'User: What are your opening hours?',
      'User (typed): are you open on Sundays? [sent, not confirmed]',
      'Agent: We open at nine and [interrupted]',
      'User (typed): Thanks, bye',
      'Agent: Goodbye and have a [unfinished]',
      'User (typed): hello? [sent, not confirmed]',
    ]);
    const md = formatTranscript('md', unconfirmed)
      .split('\n')
      .filter((l) => l.startsWith('**'));
    expect(md[2]).toBe('**User** (typed, +0:03): are you open on Sundays? _(sent, not confirmed)_');
    expect(md[6]).toBe('**User** (typed, +0:09): hello? _(sent, not confirmed)_');
  });

  it('.json and .jsonl keep them apart from the turns, which stay the server’s', () => {
    const doc = JSON.parse(formatTranscript('json', unconfirmed));
    expect(doc.turns).toHaveLength(turns.length);
    expect(doc.unconfirmed).toEqual([
      { text: 'are you open on Sundays?', sentAt: T0 + 3_000, afterOrdinal: 1 },
      { text: 'hello?', sentAt: T0 + 9_000, afterOrdinal: 4 },
    ]);
    // A call with none has no such key.
    expect(JSON.parse(formatTranscript('json', data))).not.toHaveProperty('unconfirmed');
    const records = jsonlRecords(unconfirmed);
    expect(kinds(records)).toEqual([
      'call',
      'turn 0',
      'turn 1',
      'unconfirmed',
      'turn 2',
      'turn 3',
      'turn 4',
      'unconfirmed',
    ]);
    expect(records[3]).toEqual({
      type: 'unconfirmed',
      text: 'are you open on Sundays?',
      sentAt: T0 + 3_000,
      afterOrdinal: 1,
    });
  });

  it('a file of several calls keeps each call’s own', () => {
    const later: TranscriptData = { ...data, summary: undefined, earlier: [unconfirmed] };
    const txt = formatTranscript('txt', later);
    expect(txt.match(/\[sent, not confirmed\]/g)).toHaveLength(2);
    expect(txt.lastIndexOf('[sent, not confirmed]')).toBeLessThan(txt.indexOf('=== Call 2'));
  });
});
