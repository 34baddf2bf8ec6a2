/**
 * The agent picker drawn into a headless terminal emulator (what a user sees, cell by cell):
 * its columns use a wide screen (names whole, the description beside them), its footer says
 * the keys shorter on a narrow one (the filter hint kept), and Home and End go to the first
 * and last agent.
 */
import { type Instance, render } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentInfo } from '../../source/api/agents.js';
import { AgentPicker, type AgentPickerProps } from '../../source/ui/picker/AgentPicker.js';
import {
  INITIAL_PICKER_STATE,
  pickerCount,
  pickerReducer,
} from '../../source/ui/picker/pickerState.js';
import { stringWidth } from '../../source/ui/textWidth.js';
import { type HeadlessTerminal, headlessTerminal } from './headless-terminal.js';

const open: Array<{ instance: Instance; term: HeadlessTerminal }> = [];
afterEach(() => {
  for (const { instance, term } of open.splice(0)) {
    instance.unmount();
    term.dispose();
  }
});

function agent(id: string, name: string, description?: string): AgentInfo {
  return {
    id,
    name,
    status: 'ACTIVE',
    language: 'en-US',
    voice: 'Jenny',
    firstSpeaker: 'agent',
    ...(description ? { description } : {}),
  };
}

const GRAND = agent(
  'agt_grand',
  'The Grand Budapest Hotel Concierge Desk',
  'Books rooms and answers questions about the spa and the restaurant',
);
const TOKYO = agent('agt_tokyo', '東京駅前ホテルの受付デスクです', 'Front desk in Tokyo');
const FRONT = agent('agt_front', 'Front Desk', 'The front desk');

/** The picker in a headless terminal, with agents listed at once. */
async function picker(
  columns: number,
  rows: number,
  agents: readonly AgentInfo[],
  props: Partial<AgentPickerProps> = {},
) {
  const term = headlessTerminal(columns, rows);
  const instance = render(
    <AgentPicker
      loadAgents={async () => agents}
      onPick={() => undefined}
      onCancel={() => undefined}
      {...props}
    />,
    {
      stdin: term.stdin,
      stdout: term.stdout,
      stderr: term.stdout,
      patchConsole: false,
      exitOnCtrlC: false,
      interactive: true,
    },
  );
  open.push({ instance, term });
  await term.settled();
  // The list comes a render after the first frame (loading): on a busy machine that can be
  // more than the settling time later. Wait for its selection marker.
  const deadline = Date.now() + 5_000;
  while (agents.length > 0 && !term.screen().some((row) => row.startsWith('❯'))) {
    if (Date.now() > deadline)
      throw new Error(`the list never showed:\n${term.screen().join('\n')}`);
    await term.settled();
  }
  return term;
}

/** The row of the screen that starts with `prefix` (after the highlight marker). */
function rowOf(screen: string[], name: string): string {
  const row = screen.find((line) => line.slice(2).startsWith(name));
  expect(row, `${name} in\n${screen.join('\n')}`).toBeDefined();
  return row!;
}

describe('the agent picker on a wide screen', () => {
  it('at 200 columns shows names whole and the description in the room left', async () => {
    const term = await picker(200, 12, [GRAND, TOKYO, FRONT]);
    const screen = term.screen();
    expect(rowOf(screen, GRAND.name)).toContain('agt_grand');
    expect(rowOf(screen, GRAND.name)).toContain(GRAND.description);
    expect(rowOf(screen, TOKYO.name)).toContain('Front desk in Tokyo');
    const head = screen.find((line) => line.startsWith('  name'));
    expect(head).toMatch(/^ {2}name +id +language · voice · who speaks first +description$/);
    // The columns line up: every description starts where the heading says.
    const at = head!.indexOf('description');
    expect(rowOf(screen, FRONT.name).indexOf('The front desk')).toBe(at);
  });

  it('at 80 columns keeps the ordinary columns: no description, a long name cut', async () => {
    const term = await picker(80, 12, [GRAND, FRONT]);
    const screen = term.screen();
    const row = rowOf(screen, 'The Grand');
    // The details whole, the name in the rest of the row.
    expect(row).toMatch(
      /^❯ The Grand Budapest Hotel Concierge De… +agt_grand +en-US · Jenny · agent first$/,
    );
    expect(screen).toContain(
      '  name                                    id         language · voice · first',
    );
    expect(screen.join('\n')).not.toContain('description');
  });
});

describe('ids the picker cuts in their middle', () => {
  it('are cut by columns, so wide characters keep the details in their column', async () => {
    // Ids are a server's to choose: these are wider than the id column, one of them in wide
    // characters and one with an emoji outside the basic plane.
    const wide = agent('代理人識別子の長い番号一二三四五六七八九十終', 'Wide id');
    const astral = agent(`agt_${'😀'.repeat(30)}_end`, 'Astral id');
    const term = await picker(80, 12, [wide, astral, FRONT]);
    const screen = term.screen();
    const detailColumn = (name: string) => {
      const row = rowOf(screen, name);
      return stringWidth(row.slice(0, row.indexOf('en-US')));
    };
    expect(detailColumn('Wide id')).toBe(detailColumn('Front Desk'));
    expect(detailColumn('Astral id')).toBe(detailColumn('Front Desk'));
    // Both ends of each id are kept.
    expect(rowOf(screen, 'Wide id')).toMatch(/代理.*….*終/);
    expect(rowOf(screen, 'Astral id')).toMatch(/agt_.*….*_end/);
  });
});

describe('the agent picker on a narrow screen', () => {
  it('at 40x12 the footer says the keys shorter and keeps "type to filter"', async () => {
    const term = await picker(40, 12, [GRAND, FRONT]);
    expect(term.screen().at(-1)).toBe('Enter call · Esc quit · type to filter');
  });
});

describe('a list that could not be had', () => {
  it('is said wrapped between words, at any width, no row starting with a space', async () => {
    const why =
      'Omnia rejected the API key (HTTP 401 UNAUTHORIZED: Invalid API key). Check OMNIA_API_KEY in the environment (key ending …9876).';
    for (const columns of [40, 43, 52, 61, 67, 73, 80, 100]) {
      // Rendered as the app renders it (interactive even under CI=true, where Ink would draw
      // only the last frame, at unmount).
      const term = await picker(columns, 12, [], {
        loadAgents: async () => {
          throw new Error(why);
        },
      });
      const deadline = Date.now() + 5_000;
      while (!term.screen().some((row) => row.startsWith('✖'))) {
        if (Date.now() > deadline) throw new Error(term.screen().join('\n'));
        await term.settled();
      }
      const screen = term.screen();
      const from = screen.findIndex((row) => row.startsWith('✖'));
      const rows = screen
        .slice(from)
        .filter((row) => row !== '')
        .slice(0, -1);
      for (const row of rows) expect(row, `${columns}:\n${screen.join('\n')}`).not.toMatch(/^ /);
      expect(rows.join(' '), `${columns}:\n${screen.join('\n')}`).toContain(
        'in the environment (key ending …9876).',
      );
    }
  }, 30_000);
});

describe('a workspace with no agents', () => {
  it('says so wrapped between words, at any width, no row starting with a space', async () => {
    for (const columns of [40, 43, 52, 61, 67, 73, 80, 100]) {
      const term = await picker(columns, 12, []);
      const screen = term.screen();
      const from = screen.findIndex((row) => row.startsWith('No active agents'));
      expect(from, screen.join('\n')).toBeGreaterThan(0);
      const rows = screen
        .slice(from)
        .filter((row) => row !== '')
        .slice(0, -1);
      for (const row of rows) expect(row, `${columns}:\n${screen.join('\n')}`).not.toMatch(/^ /);
      expect(rows.join(' ')).toContain('or try a prompt with --prompt.');
    }
  }, 30_000);
});

describe('Home and End in the agent picker', () => {
  it('go to the first and the last agent', async () => {
    const many = Array.from({ length: 30 }, (_, i) => agent(`agt_${i + 1}`, `Agent ${i + 1}`));
    const term = await picker(80, 12, many);
    expect(term.screen().join('\n')).toMatch(/^❯ Agent 1 /m);
    term.stdin.write('\u001b[F');
    await term.settled();
    expect(term.screen().join('\n')).toMatch(/^❯ Agent 30 /m);
    term.stdin.write('\u001b[H');
    await term.settled();
    expect(term.screen().join('\n')).toMatch(/^❯ Agent 1 /m);
    // Also as a terminal that sends them the other way sends them.
    term.stdin.write('\u001b[4~');
    await term.settled();
    expect(term.screen().join('\n')).toMatch(/^❯ Agent 30 /m);
  });
});

describe('the picker state of a cut list', () => {
  const listed = [agent('agt_1', 'Alpha'), agent('agt_2', 'Beta')];
  const loaded = pickerReducer(INITIAL_PICKER_STATE, {
    type: 'loaded',
    agents: listed,
    more: { pages: 100, total: 10_234 },
  });

  it('counts the first agents of all, and searches the server for a filter', () => {
    expect(pickerCount(loaded)[0]).toBe('first 2 of 10,234 agents');
    const typed = pickerReducer(loaded, { type: 'filter', filter: 'gam' });
    expect(typed.search).toEqual({ filter: 'gam', status: 'waiting', found: [] });
    expect(pickerCount(typed)[0]).toBe('0 of the first 2 · searching all 10,234…');
    const found = pickerReducer(typed, {
      type: 'found',
      filter: 'gam',
      agents: [agent('agt_9', 'Gamma')],
    });
    expect(found.shown.map((a) => a.id)).toEqual(['agt_9']);
    expect(pickerCount(found)[0]).toBe('1 of 10,234 agents');
  });

  it('drops an answer for a filter typed over since', () => {
    let state = pickerReducer(loaded, { type: 'filter', filter: 'ga' });
    state = pickerReducer(state, { type: 'filter', filter: 'gam' });
    const late = pickerReducer(state, { type: 'found', filter: 'ga', agents: [GRAND] });
    expect(late).toBe(state);
  });

  it('a list that was not cut searches nothing', () => {
    const whole = pickerReducer(INITIAL_PICKER_STATE, { type: 'loaded', agents: listed });
    expect(pickerReducer(whole, { type: 'filter', filter: 'x' }).search).toBeUndefined();
  });
});
