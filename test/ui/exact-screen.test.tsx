/**
 * The full-screen UI (the real `runTui`) drawn into a headless terminal emulator, compared cell
 * for cell: after any resize the screen equals a fresh render at that size (no characters of
 * earlier frames), and CJK, ZWJ emoji and flags keep the pane separator in one column.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runTui, type TuiHandle } from '../../source/ui/runTui.js';
import { type HeadlessTerminal, headlessTerminal } from './headless-terminal.js';
import { event, FakeStore, turn } from './helpers.js';

const open: Array<{ tui: TuiHandle; term: HeadlessTerminal }> = [];
afterEach(() => {
  for (const { tui, term } of open.splice(0)) {
    tui.close(0);
    term.dispose();
  }
});

/** A finished call: nothing on screen moves with the clock, so two renders can be compared. */
function endedCall(): FakeStore {
  return new FakeStore({
    phase: 'ended',
    startedAt: 1_000,
    endedAt: 96_000,
    endReason: 'the agent hung up',
    callId: '8c569408-1e4f-4d2b-9a51-5f0c2e7b9d10',
    rttMs: 103,
    responseLatencyMs: 812,
    queuedMs: 0,
    turns: [
      turn({ role: 'agent', text: 'Hello! I am the demo agent. Ask me anything at all.' }),
      turn({
        role: 'user',
        text: 'family 👨‍👩‍👧 flags 🇫🇷🇯🇵 and 中文字符 in one line',
        typed: true,
      }),
      turn({
        role: 'agent',
        text: 'You typed: family 👨‍👩‍👧 flags 🇫🇷🇯🇵 and 中文字符. That is a long answer that wraps over several rows of the pane.',
      }),
    ],
    events: [event({ kind: 'tool', message: 'client tool "lookup" answered in 12 ms' })],
  });
}

async function start(columns: number, rows: number) {
  const term = headlessTerminal(columns, rows);
  const tui = runTui(endedCall(), {
    title: 'omnia-voice · exact screen',
    stdin: term.stdin,
    stdout: term.stdout,
    stderr: term.stdout,
    // vitest owns the console here.
    patchConsole: false,
  });
  open.push({ tui, term });
  await term.settled();
  return term;
}

describe('the screen after resizes', () => {
  it('equals a fresh render at each size: 60x18, then 40x12, then 200x50', async () => {
    const term = await start(60, 18);
    expect(term.screen().join('\n')).toContain('Hello! I am the demo agent');
    for (const [columns, rows] of [
      [40, 12],
      [200, 50],
      [60, 18],
    ] as const) {
      term.resize(columns, rows);
      await term.settled();
      const fresh = await start(columns, rows);
      expect(term.screen(), `after resizing to ${columns}x${rows}`).toEqual(fresh.screen());
    }
  }, 30_000);
});

describe('a pane shorter than its rows', () => {
  it('shows its first rows whole and clips the rest: 40x12 with the events pane open', async () => {
    const rowsOf = async (rows: number) => {
      const term = await start(40, rows);
      term.stdin.write('d');
      await term.settled();
      const screen = term.screen();
      // The bottom pane starts under the rule between it and the transcript.
      const rule = screen.findIndex((line) => line.startsWith('────'));
      return screen.slice(
        rule + 1,
        screen.findIndex((line) => line.startsWith('Events')),
      );
    };
    const tall = await rowsOf(24);
    const short = await rowsOf(12);
    expect(tall.length).toBeGreaterThan(short.length);
    expect(short.length).toBeGreaterThanOrEqual(2);
    // The same rows as at full height, as far as they go: none drawn over another.
    expect(short).toEqual(tall.slice(0, short.length));
  }, 20_000);
});

describe('wide characters in the transcript', () => {
  it('keep the pane separator in one column (CJK, ZWJ family, flags)', async () => {
    const term = await start(100, 24);
    const screen = term.screen();
    // The transcript is 61 columns wide at 100 columns; the side pane's border is the next one.
    const separator = 61;
    const rowsWithText = screen
      .map((line, y) => ({ line, y }))
      .filter(({ line }) => /[👨🇫中]/u.test(line));
    expect(rowsWithText.length).toBeGreaterThanOrEqual(2);
    // Rows 1..21: the body (the header above, the notice and the footer below).
    for (let y = 1; y < 22; y++) {
      expect(term.cell(separator, y), `row ${y}: ${screen[y]}`).toBe('│');
    }
  }, 20_000);
});

describe('a screen of a row or two', () => {
  it('gives its rows to the footer, then the header, then the transcript: none drawn on another', async () => {
    const footer = /r again · q quit|q quit$/;
    // One row: the way out alone.
    for (const columns of [80, 120]) {
      const one = (await start(columns, 1)).screen();
      expect(one, `${columns}x1`).toHaveLength(1);
      expect(one[0], `${columns}x1`).toMatch(footer);
      expect(one[0], `${columns}x1`).not.toMatch(/Hello|─/);
    }
    // Two: the header (phase, time) and the footer, nothing between or over them.
    for (const columns of [80, 99, 120]) {
      const two = (await start(columns, 2)).screen();
      expect(two[0], `${columns}x2`).toMatch(/^omnia-voice · exact screen .*ended 1:35$/);
      expect(two[1], `${columns}x2`).toMatch(footer);
      expect(two[1], `${columns}x2`).not.toContain('─');
    }
    // Three: the notice (how the call ended) next; four: a transcript row too, not a rule.
    const three = (await start(80, 3)).screen();
    expect(three[1]).toMatch(/^call ended: the agent hung up/);
    const four = (await start(80, 4)).screen();
    // The transcript follows its end: the last item, the tool call.
    expect(four[1]).toMatch(/^tool +client tool "lookup" answered/);
    expect(four[2]).toMatch(/^call ended: the agent hung up/);
  }, 30_000);

  it('a header too narrow for the title shows the phase and time alone, flush left', async () => {
    // `ended 1:35` is 10 columns: no title, and no space kept for one.
    for (const columns of [10, 11, 12]) {
      const three = (await start(columns, 3)).screen();
      expect(three[0], `${columns}x3`).toMatch(/^ended 1:35 *$/);
    }
    expect((await start(20, 3)).screen()[0]).toMatch(/^omnia-\S*… ended 1:35$/);
  }, 30_000);

  it('a footer too narrow for the bare keys keeps q quit, giving up the least used keys first', async () => {
    for (const columns of [20, 14, 6]) {
      const screen = (await start(columns, 12)).screen();
      expect(screen.at(-1)?.trimEnd(), `${columns} columns`).toMatch(/q quit$/);
    }
  }, 30_000);
});
