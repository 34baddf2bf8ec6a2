/**
 * `--json` (and `calls show --format json`) print the server's data itself: long names, ids,
 * greetings, summaries and turns whole, control characters escaped by JSON rather than removed.
 * Tables and Markdown stay cut and cleaned for the screen. Through the built CLI against the
 * Omnia double.
 */
import { describe, expect, it } from 'vitest';
import { double, expectNoSecrets, KEY, pastCall, runAgainst } from '../omnia/helpers.js';

/** Anything a terminal would act on or that would reorder a line on screen. */
const TERMINAL_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const LONG_NAME = `Réception ${'Ω'.repeat(300)} 🎉`;
const ODD_ID = 'agt_\u0007bell\u009b31m';
const LONG_GREETING = `Welcome! ${'We are glad you called. '.repeat(40)}`.trim();
const SHADY_NAME = 'Sales \u001b[31mRED\u001b[0m \u202eevil';

describe('agents --json', () => {
  it('carries names, ids and greetings whole; the table still cuts and cleans them', async () => {
    const server = await double({
      agents: [
        { id: ODD_ID, name: LONG_NAME, greeting: LONG_GREETING },
        { id: 'agt_sales', name: SHADY_NAME },
      ],
    });
    const run = await runAgainst(server, ['agents', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(TERMINAL_CONTROLS);
    const agents = JSON.parse(run.stdout) as Array<Record<string, string>>;
    expect(agents.map((a) => a.id)).toEqual([ODD_ID, 'agt_sales']);
    expect(agents[0]).toMatchObject({
      name: LONG_NAME,
      description: `${LONG_NAME} (double)`,
      greeting: LONG_GREETING,
    });
    expect(agents[1]?.name).toBe(SHADY_NAME);

    const table = await runAgainst(server, ['agents']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(TERMINAL_CONTROLS);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[1]).toMatch(/^Réception Ω+…\s+agt_bell31m\s+ACTIVE/);
    expect(rows[2]).toMatch(/^Sales RED evil\s+agt_sales\s/);
  });
});

describe('calls --json and calls show --format json', () => {
  const longSummary = Array.from(
    { length: 120 },
    (_, i) => `Line ${i + 1}: the caller asked about the order, and the agent answered.`,
  ).join('\n');
  const longTurn = `${'I would like to order flowers for my mother. '.repeat(400)}Thanks.`;
  const call = pastCall('call_long_1', '2026-05-09T09:30:00.000Z', {
    summary: longSummary,
    shortSummary: `Flowers ${'and more '.repeat(40)}`.trim(),
    transcript: [
      { role: 'agent', text: 'Front desk, hello.\nHow can I help?' },
      { role: 'user', text: longTurn },
      { role: 'user', text: `My key is ${KEY}.` },
    ],
  });

  it('calls --json: the summaries whole, newlines and all', async () => {
    const server = await double({ pastCalls: [call] });
    const run = await runAgainst(server, ['calls', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const [record] = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(longSummary.length).toBeGreaterThan(2_000);
    expect(record?.summary).toBe(longSummary);
    expect(record?.shortSummary).toBe(call.shortSummary);
    expect(record).toMatchObject({ callId: 'call_long_1', endReason: 'agent_hangup' });

    const table = await runAgainst(server, ['calls']);
    const row = table.stdout.trimEnd().split('\n')[1] ?? '';
    expect(row).toMatch(/call_long_1 {2}Flowers and more .{30,50}…$/);
  });

  it('calls show --format json: every turn and the summary whole; the key redacted', async () => {
    const server = await double({ pastCalls: [call] });
    const run = await runAgainst(server, ['calls', 'show', 'call_long_1', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    const texts = doc.turns.map((t: { text: string }) => t.text);
    expect(longTurn.length).toBeGreaterThan(10_000);
    expect(texts).toEqual([
      'Front desk, hello.\nHow can I help?',
      longTurn,
      'My key is [redacted].',
    ]);
    expect(doc.summary.record.summary).toBe(longSummary);
    expectNoSecrets([run.stdout, run.stderr], run.home);

    // Markdown is for reading: each turn on its line, the summary on its line.
    const md = await runAgainst(server, ['calls', 'show', 'call_long_1']);
    expect(md.stdout).toContain('**Agent** (+0:00): Front desk, hello. How can I help?');
    expect(md.stdout).toContain(`Thanks.`);
  });
});

describe('voices --json and languages --json', () => {
  const LONG_VOICE = `Narrator ${'Ω'.repeat(200)} 🎙️ end`;
  const LONG_LANGUAGE = `English ${'(as spoken in a very particular valley) '.repeat(6)}end`.trim();
  const voices = [
    { id: 'v-long', name: LONG_VOICE, languageCode: 'en-US', gender: 'female' },
    { id: 'v-\u001b[2Jodd\u009b', name: SHADY_NAME, languageCode: 'en-US', gender: 'male' },
  ];
  const languages = [
    { id: 'l-en', code: 'en-US', name: LONG_LANGUAGE },
    { id: 'l-x', code: 'x-\u202ebidi', name: SHADY_NAME },
  ];

  it('voices --json carries names and ids whole; the table still cuts and cleans them', async () => {
    expect(Array.from(LONG_VOICE).length).toBeGreaterThan(120);
    const server = await double({ voices, languages });
    const run = await runAgainst(server, ['voices', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(TERMINAL_CONTROLS);
    expect(JSON.parse(run.stdout)).toEqual(voices);

    const table = await runAgainst(server, ['voices']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(TERMINAL_CONTROLS);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[1]).toMatch(/^Narrator Ω+…\s+en-US\s+female\s+v-long$/);
    expect(rows[2]).toMatch(/^Sales RED evil\s+en-US\s+male\s+v-odd$/);
  });

  it('languages --json carries names and codes whole; the table still cuts and cleans them', async () => {
    expect(LONG_LANGUAGE.length).toBeGreaterThan(120);
    const server = await double({ voices, languages });
    const run = await runAgainst(server, ['languages', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(TERMINAL_CONTROLS);
    expect(JSON.parse(run.stdout)).toEqual(languages);

    const table = await runAgainst(server, ['languages']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(TERMINAL_CONTROLS);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[1]).toMatch(/^en-US\s+English \(as spoken in a very .*…$/);
    expect(rows[2]).toMatch(/^x-bidi\s+Sales RED evil$/);
  });
});
