/**
 * The `agents` and `calls` tables fit the terminal they are printed in: at 80 columns no row
 * wraps (a new-user trial saw `agents` 91 columns wide and `calls` 170), the widest free-text
 * columns are cut by display width (CJK and emoji take two cells), ids are whole, and columns
 * are left out only when cutting is not enough (said on stderr). Piped, the table is whole, as
 * scripts have always read it. In a real terminal (tmux) against the Omnia double.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { layoutTable } from '../../source/cli/commands/table.js';
import { stringWidth } from '../../source/ui/textWidth.js';
import { cliEnv, tempDir } from '../helpers/cli.js';
import { double, KEY, pastCall, runAgainst } from '../omnia/helpers.js';
import { killAllTuis, PRE_APP_MARKER, startTui } from '../tui/tmux.js';

afterEach(async () => {
  await killAllTuis();
});

const AGENTS = [
  { id: 'agt_grand', name: 'The Grand Budapest Hotel Concierge Desk', voiceId: 'v-jenny' },
  { id: 'agt_tokyo', name: '東京駅前ホテルの受付デスクです二十文字以上', voiceId: 'v-jenny' },
  { id: 'agt_family', name: '👨‍👩‍👧 Family Helpline for Every Question Asked', voiceId: 'v-guy' },
];

const CALL_ID = '3f2a9c1b-5d4e-4f6a-9b8c-7d6e5f4a3b2c';
const CALLS = [
  pastCall(CALL_ID, '2026-05-09T09:30:00Z', {
    agent: { id: 'agt_grand', name: 'The Grand Budapest Hotel Concierge Desk' },
    status: 'max_duration_reached',
    shortSummary: 'The caller booked a room for three nights and asked about the spa hours',
  }),
  pastCall('7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d', '2026-05-08T09:30:00Z', {
    agent: { id: 'agt_tokyo', name: '東京駅前ホテルの受付デスクです二十文字以上' },
  }),
];

/** Runs `args` in a `width`×24 tmux pane; the lines the command printed (stdout and stderr). */
async function inTerminal(baseUrl: string, args: string[], width = 80): Promise<string[]> {
  const home = tempDir('omnia-table-');
  const tui = await startTui({
    args: [...args, '--api-base', baseUrl],
    env: cliEnv(home, { OMNIA_API_KEY: KEY, TERM: 'screen' }),
    cwd: home,
    width,
    height: 24,
    wrapInShell: true,
  });
  const screen = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the command to end');
  const lines = screen.split('\n');
  const from = lines.indexOf(PRE_APP_MARKER) + 1;
  const to = lines.findIndex((line) => /^EXITED:/.test(line));
  expect(lines[to]).toBe('EXITED:0');
  return lines.slice(from, to);
}

describe('the tables in an 80-column terminal', () => {
  it('agents: one line a row, the name cut by display width, the ids whole', async () => {
    const server = await double({ agents: AGENTS });
    const lines = await inTerminal(server.baseUrl, ['agents']);
    // The heading, one line per agent, the count on stderr: nothing wrapped onto a line of its own.
    expect(lines, lines.join('\n')).toHaveLength(1 + AGENTS.length + 1);
    const [head, ...rows] = lines;
    expect(head).toMatch(/^NAME +ID +STATUS +LANGUAGE +VOICE +FIRST SPEAKER$/);
    const idColumn = stringWidth((head ?? '').slice(0, (head ?? '').indexOf('ID')));
    AGENTS.forEach((agent, i) => {
      const row = rows[i] ?? '';
      expect(stringWidth(row), row).toBeLessThanOrEqual(80);
      // The id whole, in its column; the voice and who speaks first still on the row.
      const at = row.indexOf(` ${agent.id} `);
      expect(at, row).toBeGreaterThan(0);
      expect(stringWidth(row.slice(0, at + 1))).toBe(idColumn);
      expect(row).toMatch(new RegExp(`${agent.voiceId} +agent$`));
      // The name cut with an ellipsis, whole characters only.
      const name = row.slice(0, at).trimEnd();
      expect(name.endsWith('…'), name).toBe(true);
      expect(agent.name.startsWith(name.slice(0, -1))).toBe(true);
    });
    expect(lines.at(-1)).toMatch(/^3 active agents\./);
  }, 30_000);

  it('calls: the free text gives way, the agent stays, the ids are cut to a start calls show takes', async () => {
    const server = await double({ pastCalls: CALLS });
    const lines = await inTerminal(server.baseUrl, ['calls']);
    // The heading, two calls, the count, the line naming what was left out, the ids' line.
    expect(lines, lines.join('\n')).toHaveLength(1 + CALLS.length + 3);
    const [head, first, second] = lines;
    expect(head).toMatch(/^START +AGENT +DURATION +END REASON +ID$/);
    for (const row of [first, second]) expect(stringWidth(row ?? '')).toBeLessThanOrEqual(80);
    // The agent cut, the end reason as Omnia's code whole, the duration kept, the id's start.
    expect(first).toMatch(
      /^2026-05-09 \d\d:30 {2}The Grand Budapest… +1m 05s +max_duration_reached +3f2a9c1b…$/,
    );
    expect(second).toMatch(/ 1m 05s +agent_hangup +7a6b5c4d…$/);
    expect(lines.slice(-2)).toEqual([
      'Left out to fit 80 columns: COST, SUMMARY; --json has every field.',
      'Ids cut to fit 80 columns: calls show takes one as shown.',
    ]);
  }, 30_000);

  it('calls at 120 and 150 columns: a summary too narrow to say anything is left out, one cut is said', async () => {
    const server = await double({ pastCalls: CALLS });
    const at120 = await inTerminal(server.baseUrl, ['calls'], 120);
    expect(at120[0]).toMatch(/^START +AGENT +DURATION +END REASON +COST +ID$/);
    expect(at120.at(-1)).toBe('Left out to fit 120 columns: SUMMARY; --json has every field.');
    const at150 = await inTerminal(server.baseUrl, ['calls'], 150);
    const [head, first] = at150;
    expect(head).toMatch(/ ID +SUMMARY$/);
    for (const row of at150) expect(stringWidth(row)).toBeLessThanOrEqual(150);
    // At least the words that say something, cut with `…`, and a line saying it is cut.
    const summary = / {2}(The caller booked a room.*…)$/.exec(first ?? '')?.[1] ?? '';
    expect(stringWidth(summary), first).toBeGreaterThanOrEqual(24);
    expect(at150.at(-1)).toBe(
      'Summaries cut to fit 150 columns: calls show <id> has each whole, as --json has.',
    );
  }, 30_000);

  it('piped, the tables are whole, as before', async () => {
    const server = await double({ agents: AGENTS, pastCalls: CALLS });
    const agents = await runAgainst(server, ['agents']);
    expect(agents.code, agents.stderr).toBe(0);
    const rows = agents.stdout.trimEnd().split('\n');
    expect(rows[1]).toMatch(/^The Grand Budapest Hotel Concierge Desk +agt_grand/);
    expect(Math.max(...rows.map(stringWidth))).toBeGreaterThan(80);
    const calls = await runAgainst(server, ['calls']);
    expect(calls.stdout).toContain('SUMMARY');
    expect(calls.stdout).toContain('booked a room');
    expect(calls.stderr).not.toContain('Left out');
  }, 30_000);
});

describe('layoutTable with a width', () => {
  const rows = [
    { name: '東京受付デスク東京受付デスク', id: 'id_1', note: 'a long free text note here' },
    { name: '👨‍👩‍👧👨‍👩‍👧 family', id: 'id_22', note: 'short' },
  ];
  const columns = [
    { heading: 'NAME', value: (r: (typeof rows)[0]) => r.name, minWidth: 6 },
    { heading: 'ID', value: (r: (typeof rows)[0]) => r.id },
    { heading: 'NOTE', value: (r: (typeof rows)[0]) => r.note, minWidth: 6, dropOrder: 1 },
  ];

  it('without a width: the table whole', () => {
    expect(layoutTable(rows, columns).lines).toEqual([
      'NAME                          ID     NOTE',
      '東京受付デスク東京受付デスク  id_1   a long free text note here',
      '👨‍👩‍👧👨‍👩‍👧 family                   id_22  short',
    ]);
  });

  it('cuts the widest free text first, by cells, never inside a wide character', () => {
    const { lines, dropped } = layoutTable(rows, columns, 40);
    expect(dropped).toEqual([]);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(40);
    expect(lines).toEqual([
      'NAME             ID     NOTE',
      '東京受付デスク…  id_1   a long free tex…',
      '👨‍👩‍👧👨‍👩‍👧 family      id_22  short',
    ]);
  });

  it('leaves out a column only when cutting is not enough; ids are never cut', () => {
    const { lines, dropped } = layoutTable(rows, columns, 16);
    expect(dropped).toEqual(['NOTE']);
    expect(lines).toEqual(['NAME       ID', '東京受付…  id_1', '👨‍👩‍👧👨‍👩‍👧 fam…  id_22']);
  });
});
