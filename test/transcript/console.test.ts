/**
 * Transcript files for issue 12: each call under a header naming its agent or prompt, tool
 * calls after the turn they followed, the server's record in every format's summary, and
 * earlier calls of a redial kept above the current one (in the writer too).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallRecordFacts } from '../../source/api/record-facts.js';
import type { ToolCall } from '../../source/session/types.js';
import { formatTranscript, type TranscriptData } from '../../source/transcript/format.js';
import { summarize } from '../../source/transcript/summary.js';
import { TranscriptWriter } from '../../source/transcript/writer.js';
import { FakeStore, T0, turn } from './fake-store.js';

const RECORD: CallRecordFacts = {
  callId: 'call-2',
  complete: true,
  endReason: 'agent_hangup',
  durationMs: 64_000,
  billedMinutes: 2,
  costCents: 14,
  currency: 'USD',
  summary: 'The caller ordered roses.',
};

const TOOL: ToolCall = {
  invocationId: 'i1',
  name: 'lookup',
  parameters: '{"order":7}',
  status: 'ok',
  result: 'shipped',
  startedAt: T0 + 2_500,
  endedAt: T0 + 2_620,
  durationMs: 120,
  afterOrdinal: 1,
};

const first: TranscriptData = {
  callId: 'call-1',
  startedAt: T0 - 120_000,
  endedAt: T0 - 115_000,
  local: false,
  label: {
    kind: 'prompt',
    text: 'florist.md · 1a2b3c4d',
    promptFile: 'florist.md',
    promptHash: '1a2b3c4d',
  },
  turns: [turn(0, 'agent', 'Version one here.')],
};

const turns = [
  turn(0, 'agent', 'Flowers!'),
  turn(1, 'user', 'Where is order 7?'),
  turn(2, 'agent', 'It has shipped.'),
];
const second: TranscriptData = {
  callId: 'call-2',
  startedAt: T0,
  endedAt: T0 + 64_000,
  local: false,
  label: {
    kind: 'prompt',
    text: 'florist.md · 9f8e7d6c',
    promptFile: 'florist.md',
    promptHash: '9f8e7d6c',
    promptText: 'You are a florist.\nQuote ```code``` as it is.',
  },
  turns,
  toolCalls: [TOOL],
  summary: { ...summarize({ turns, interruptions: 0, responseLatenciesMs: [] }), record: RECORD },
  earlier: [first],
};

describe('formats of a redialled prompt with a tool call and a record', () => {
  it('md: each call under its own numbered header with the prompt, a divider between, the tool after its turn', () => {
    const md = formatTranscript('md', second);
    const [one, two] = md.split('\n---\n\n');
    expect(one).toMatch(
      /^# Omnia Voice call 1\n\n- \*\*Prompt:\*\* florist\.md · 1a2b3c4d\n- \*\*Call ID:\*\* call-1/,
    );
    expect(two).toMatch(/^# Omnia Voice call 2\n\n- \*\*Prompt:\*\* florist\.md · 9f8e7d6c\n/);
    const conversation = (two ?? '').split('\n').filter((l) => l.startsWith('**'));
    expect(conversation).toEqual([
      '**Agent** (+0:00): Flowers!',
      '**User** (+0:02): Where is order 7?',
      '**Tool** (+0:02): lookup({"order":7}) → shipped (120 ms)',
      '**Agent** (+0:04): It has shipped.',
    ]);
    expect(two).toContain('- Server end reason: the agent hung up (agent_hangup)');
    expect(two).toContain('- Server: lasted 1m 04s, billed 2 min, cost $0.14');
    expect(two).toContain('- Server summary: The caller ordered roses.');
    // The prompt as sent, whole, in a fence its own backticks cannot close.
    expect(two).toContain(
      '## Prompt\n\n````\nYou are a florist.\nQuote ```code``` as it is.\n````\n\n## Conversation',
    );
    expect(one).not.toContain('## Prompt');
  });

  it('txt: a numbered header line per call, the tool line, the record lines', () => {
    const lines = formatTranscript('txt', second).split('\n');
    expect(lines.filter((l) => l.startsWith('==='))).toEqual([
      `=== Call 1 · florist.md · 1a2b3c4d · call call-1 · ${new Date(T0 - 120_000).toISOString()} ===`,
      `=== Call 2 · florist.md · 9f8e7d6c · call call-2 · ${new Date(T0).toISOString()} ===`,
    ]);
    const start = lines.findIndex((l) => l.startsWith('=== Call 2'));
    expect(lines.slice(start + 1, start + 5)).toEqual([
      'Agent: Flowers!',
      'User: Where is order 7?',
      'Tool: lookup({"order":7}) → shipped (120 ms)',
      'Agent: It has shipped.',
    ]);
    expect(lines).toContain('Server: lasted 1m 04s, billed 2 min, cost $0.14');
  });

  it('json: `calls`, oldest first, each with its label, tool calls and summary record', () => {
    const doc = JSON.parse(formatTranscript('json', second));
    expect(doc.calls).toHaveLength(2);
    expect(doc.calls[0].call).toMatchObject({
      callId: 'call-1',
      label: 'florist.md · 1a2b3c4d',
      promptHash: '1a2b3c4d',
    });
    expect(doc.calls[1].call.prompt).toBe('You are a florist.\nQuote ```code``` as it is.');
    expect(doc.calls[1].toolCalls).toEqual([
      expect.objectContaining({
        name: 'lookup',
        status: 'ok',
        result: 'shipped',
        durationMs: 120,
        afterOrdinal: 1,
      }),
    ]);
    expect(doc.calls[1].summary.record).toEqual(RECORD);
    // A single call keeps the one-call shape.
    expect(
      JSON.parse(formatTranscript('json', { ...second, earlier: undefined })).call.callId,
    ).toBe('call-2');
  });

  it('jsonl: a `call` line opens each call; the tool line after its turn; the summary with its record', () => {
    const records = formatTranscript('jsonl', second)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.type)).toEqual([
      'call',
      'turn',
      'call',
      'turn',
      'turn',
      'tool',
      'turn',
      'summary',
    ]);
    expect(records[5]).toMatchObject({ name: 'lookup', parameters: { order: 7 }, afterOrdinal: 1 });
    expect(records[2]).toMatchObject({ callId: 'call-2', promptFile: 'florist.md' });
    expect(records.at(-1).record).toMatchObject({ endReason: 'agent_hangup', costCents: 14 });
  });
});

describe('TranscriptWriter with earlier calls', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-writer-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('.txt starts with the earlier calls, then this call under its numbered header, tool lines as they finish', async () => {
    const file = path.join(dir, 'redial.txt');
    const store = new FakeStore({ callId: 'call-2', startedAt: T0, label: second.label });
    const writer = new TranscriptWriter(file, { reader: store, earlier: [first] });
    expect(fs.readFileSync(file, 'utf8')).toBe(
      `=== Call 1 · florist.md · 1a2b3c4d · call call-1 · ${new Date(T0 - 120_000).toISOString()} ===\nAgent: Version one here.\n\n`,
    );
    store.putTurn(turn(0, 'agent', 'Flowers!'));
    store.update({
      toolCalls: [{ ...TOOL, afterOrdinal: 0, status: 'running', result: undefined }],
    });
    store.update({ toolCalls: [{ ...TOOL, afterOrdinal: 0 }] });
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\n').slice(3)).toEqual([
      `=== Call 2 · florist.md · 9f8e7d6c · call call-2 · ${new Date(T0).toISOString()} ===`,
      'Agent: Flowers!',
      'Tool: lookup({"order":7}) → shipped (120 ms)',
      '',
    ]);
    await writer.close();
    expect(fs.readFileSync(file, 'utf8')).toContain('=== Call 1 ·');
  });

  it('.md is rewritten with both calls when a tool call finishes', async () => {
    const file = path.join(dir, 'redial.md');
    const store = new FakeStore({ callId: 'call-2', label: second.label });
    const writer = new TranscriptWriter(file, { reader: store, earlier: [first], throttleMs: 0 });
    store.update({ toolCalls: [TOOL] });
    const md = fs.readFileSync(file, 'utf8');
    expect(md).toContain('# Omnia Voice call 1');
    expect(md).toContain('**Tool** (+0:02): lookup({"order":7}) → shipped (120 ms)');
    await writer.close();
  });
});
