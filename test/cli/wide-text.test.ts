/**
 * Names and words in any script, as the `agents` and `calls` tables and `calls show` print them:
 * joiners kept (a ZWJ family is one emoji, Persian words keep their ZWNJ), and columns aligned
 * by terminal cells (CJK and emoji take two), cut between characters, never inside one.
 * Through the built CLI against the Omnia double; the widths measured as the UI measures them.
 */
import { describe, expect, it } from 'vitest';
import { formatTable } from '../../source/cli/commands/table.js';
import { stringWidth } from '../../source/ui/textWidth.js';
import { double, runAgainst } from '../omnia/helpers.js';

const FAMILY = '👨‍👩‍👧 Family line';
const PERSIAN = 'می‌خواهم کمک';
const TOKYO = '東京受付デスク';
const LONG_CJK = '東京駅前ホテルの受付デスクです二十文字以上の名前';

/** The display column where `needle` starts in `line`. */
function columnOf(line: string, needle: string): number {
  const at = line.indexOf(needle);
  expect(at, `${needle} in ${line}`).toBeGreaterThanOrEqual(0);
  return stringWidth(line.slice(0, at));
}

describe('the agents table', () => {
  it('keeps joiners: the family is one emoji, the Persian word is spelled right', async () => {
    const server = await double({
      agents: [
        { id: 'agt_family', name: FAMILY },
        { id: 'agt_fa', name: PERSIAN },
      ],
    });
    const run = await runAgainst(server, ['agents']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`${FAMILY}  `);
    expect(run.stdout).toContain(`${PERSIAN}  `);
  });

  it('lines up the columns by terminal cells, and cuts a long wide name within its column', async () => {
    const server = await double({
      agents: [
        { id: 'agt_front', name: 'Front Desk' },
        { id: 'agt_tokyo', name: TOKYO },
        { id: 'agt_family', name: FAMILY },
        { id: 'agt_long', name: LONG_CJK },
      ],
    });
    const run = await runAgainst(server, ['agents']);
    expect(run.code, run.stderr).toBe(0);
    const [head, ...rows] = run.stdout.trimEnd().split('\n');
    const idColumn = columnOf(head ?? '', 'ID');
    const statusColumn = columnOf(head ?? '', 'STATUS');
    const ids = ['agt_front', 'agt_tokyo', 'agt_family', 'agt_long'];
    rows.forEach((row, i) => {
      expect(columnOf(row, ids[i] ?? ''), row).toBe(idColumn);
      expect(columnOf(row, 'ACTIVE'), row).toBe(statusColumn);
    });
    // The NAME column is at most 40 cells: the long name is cut to fit, with whole characters.
    const longName = (rows[3] ?? '').slice(0, (rows[3] ?? '').indexOf('  agt_long'));
    expect(longName.endsWith('…')).toBe(true);
    expect(stringWidth(longName)).toBeLessThanOrEqual(40);
    expect(LONG_CJK.startsWith(longName.slice(0, -1))).toBe(true);
  });
});

describe('the calls table and calls show', () => {
  const call = {
    id: 'call_wide_1',
    agentId: 'agt_fa',
    agent: { id: 'agt_fa', name: PERSIAN },
    startTime: '2026-05-09T09:30:00.000Z',
    endTime: '2026-05-09T09:32:05.000Z',
    durationMs: 125_000,
    status: 'agent_hangup',
    summary: `${FAMILY}: ${TOKYO}`,
    shortSummary: TOKYO,
    transcript: [
      { role: 'agent', text: 'سلام، چطور می‌توانم کمک کنم؟' },
      { role: 'user', text: `${PERSIAN} 👨‍👩‍👧` },
    ],
    billing: { durationMinutes: 3, costCents: 21, currency: 'USD' },
  };
  const other = {
    ...call,
    id: 'call_wide_2',
    agentId: 'agt_front',
    agent: { id: 'agt_front', name: 'Front Desk' },
    startTime: '2026-05-08T09:30:00.000Z',
    endTime: '2026-05-08T09:32:05.000Z',
    shortSummary: 'Roses',
  };

  it('calls: the agent and summary columns line up, the names spelled right', async () => {
    const server = await double({ pastCalls: [call, other] });
    const run = await runAgainst(server, ['calls']);
    expect(run.code, run.stderr).toBe(0);
    const [head, ...rows] = run.stdout.trimEnd().split('\n');
    expect(rows[0]).toContain(PERSIAN);
    expect(rows[0]).toContain(TOKYO);
    const duration = columnOf(head ?? '', 'DURATION');
    const id = columnOf(head ?? '', 'ID');
    for (const row of rows) {
      expect(columnOf(row, '2m 05s'), row).toBe(duration);
      expect(columnOf(row, 'call_wide_'), row).toBe(id);
    }
  });

  it('calls show: the turns with their joiners', async () => {
    const server = await double({ pastCalls: [call] });
    const run = await runAgainst(server, ['calls', 'show', 'call_wide_1', '--format', 'txt']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'Agent: سلام، چطور می‌توانم کمک کنم؟',
        `User: ${PERSIAN} 👨‍👩‍👧`,
        `Server summary: ${FAMILY}: ${TOKYO}`,
      ]),
    );
  });
});

describe('formatTable', () => {
  it('cuts by cells, never splitting a wide character or a cluster', () => {
    const lines = formatTable(
      [
        { a: '東京受付', b: 'x' },
        { a: '👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧', b: 'y' },
        { a: 'abcdef', b: 'z' },
      ],
      [
        { heading: 'A', value: (r) => r.a, maxWidth: 5 },
        { heading: 'B', value: (r) => r.b },
      ],
    );
    expect(lines).toEqual(['A      B', '東京…  x', '👨‍👩‍👧👨‍👩‍👧…  y', 'abcd…  z']);
  });
});
