import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shortHome } from '../../source/text/home-path.js';
import { dividerFor } from '../../source/ui/App.js';
import { factRows, factValues, recordFact } from '../../source/ui/components/CallFacts.js';
import {
  eventLog,
  eventRows,
  eventsPageBack,
  eventsPageOn,
  eventWindow,
  eventWindowAt,
} from '../../source/ui/components/EventsPane.js';
import { footerLayout } from '../../source/ui/components/Footer.js';
import { helpLines } from '../../source/ui/components/HelpOverlay.js';
import { noticeRows, notices, twoRowText } from '../../source/ui/components/Notices.js';
import { cursorWindow } from '../../source/ui/components/TypingLine.js';
import { formatCallTime } from '../../source/ui/format.js';
import { onlyStreaming } from '../../source/ui/hooks/useTranscriptItems.js';
import { commandFor, footerItems, helpRows, KEYMAP, keyLabel } from '../../source/ui/keymap.js';
import { computeLayout } from '../../source/ui/layout.js';
import { EMPTY_LINE, editLine, LINE_KEYS, PLAIN_KEY } from '../../source/ui/lineEdit.js';
import { cellsFor, formatReading, meterReading, meterSegments } from '../../source/ui/meter.js';
import { NO_SPACE_YET, pttAfterSpace, spaceTap } from '../../source/ui/ptt.js';
import { sanitizeLine, sanitizeText } from '../../source/ui/sanitize.js';
import { stringWidth, truncateToWidth, wrapText } from '../../source/ui/textWidth.js';
import { terminalColorLevel } from '../../source/ui/theme.js';
import {
  computeWindow,
  FOLLOW,
  inlineEvents,
  LABEL_WIDTH,
  mergeItems,
  rowsOf,
  scroll,
  type TranscriptItem,
} from '../../source/ui/transcriptLayout.js';
import { INITIAL_UI_STATE, uiReducer } from '../../source/ui/uiState.js';
import { event, makeSnapshot, turn } from './helpers.js';

describe('the call clock', () => {
  it('runs in whole seconds passed, and ends on the length the summary gives', () => {
    expect(formatCallTime(10_000, undefined, 12_900)).toBe('0:02');
    // The summary says "Call lasted 3s" for 2.9 s: the header's last reading agrees.
    expect(formatCallTime(10_000, 12_900, 99_000)).toBe('0:03');
    expect(formatCallTime(10_000, 12_400, 99_000)).toBe('0:02');
    expect(formatCallTime(0, 3_661_500, 0)).toBe('1:01:02');
  });
});

describe('sanitize', () => {
  it('removes escape sequences whole and keeps newlines only in multi-line text', () => {
    const nasty = 'a\u001b[31mred\u001b[0m\u001b]0;pwned\u0007b\u0007c\u009b2Jd\r\ne\tf';
    // The 8-bit CSI introducer goes; what followed it is plain text once it is gone.
    expect(sanitizeText(nasty)).toBe('aredbc2Jd\ne f');
    expect(sanitizeLine(nasty)).toBe('aredbc2Jd e f');
  });

  it('never lets a control character through (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(sanitizeText(s))).toBe(false);
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(sanitizeLine(s))).toBe(false);
      }),
    );
  });
});

describe('text width and wrapping', () => {
  it('counts wide characters as two columns and combining marks as none', () => {
    expect(stringWidth('abc')).toBe(3);
    expect(stringWidth('日本')).toBe(4);
    expect(stringWidth('e\u0301')).toBe(1);
    expect(stringWidth('👍')).toBe(2);
  });

  it('wraps on spaces, splits over-long words and keeps paragraphs', () => {
    expect(wrapText('the quick brown fox', 10)).toEqual(['the quick', 'brown fox']);
    expect(wrapText('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    expect(wrapText('one\n\ntwo', 10)).toEqual(['one', '', 'two']);
    expect(wrapText('', 10)).toEqual(['']);
  });

  it('wraps a first row narrower than the rest, splitting a word only if no row can hold it', () => {
    expect(wrapText('Tool call: get_weather({"city":"Paris"})', 20, 36)).toEqual([
      'Tool call:',
      'get_weather({"city":"Paris"})',
    ]);
    expect(wrapText('id: abcdefghij', 6, 8)).toEqual(['id: ab', 'cdefghij']);
  });

  it('never produces a row wider than asked and loses no words, first row narrower or not (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z日👍]{1,15}$/u), { maxLength: 30 }),
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 2, max: 40 }),
        (words, width, restWidth) => {
          const rows = wrapText(words.join(' '), width, restWidth);
          rows.forEach((row, i) => {
            expect(stringWidth(row)).toBeLessThanOrEqual(i === 0 ? width : restWidth);
          });
          expect(rows.join('').replace(/ /g, '')).toBe(words.join(''));
        },
      ),
    );
  });

  it('never produces a row wider than asked and loses no words (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z日👍]{1,15}$/u), { maxLength: 30 }),
        fc.integer({ min: 2, max: 40 }),
        (words, width) => {
          const rows = wrapText(words.join(' '), width);
          for (const row of rows) expect(stringWidth(row)).toBeLessThanOrEqual(width);
          expect(rows.join('').replace(/ /g, '')).toBe(words.join(''));
        },
      ),
    );
  });

  it('measures with the very string-width Ink lays text out with, not another version of it', () => {
    // string-width 9 measures Hangul jamo, Indic conjuncts and VS15 emoji differently from the
    // 8.x Ink 8 depends on: a copy of its own would put the pane separator off its column.
    const fromApp = createRequire(import.meta.url).resolve('string-width');
    const inkEntry = fileURLToPath(import.meta.resolve('ink'));
    const fromInk = createRequire(inkEntry).resolve('string-width');
    expect(realpathSync(fromApp)).toBe(realpathSync(fromInk));
  });

  it('truncates with an ellipsis', () => {
    expect(truncateToWidth('hello world', 6)).toBe('hello…');
    expect(truncateToWidth('hi', 6)).toBe('hi');
  });
});

describe('transcript layout', () => {
  it("draws an ended call's summary under a rule, each line wrapped with its rest indented", () => {
    const item: TranscriptItem = {
      summary: ['Call lasted 4s', 'Turns: 1 (user 0, agent 1), interruptions: 0'],
    };
    const rows = rowsOf(item, 7 + 30).map((row) => `${row.label.padEnd(LABEL_WIDTH)}${row.text}`);
    expect(rows).toEqual([
      '─────── summary ─────────────────────',
      '       Call lasted 4s',
      '       Turns: 1 (user 0, agent 1),',
      '         interruptions: 0',
    ]);
  });

  it('interleaves tool calls and errors with turns by time, and leaves other events out', () => {
    const t1 = turn({ role: 'user', text: 'weather?', startedAt: 1_000 });
    const t2 = turn({ role: 'agent', text: 'Sunny.', startedAt: 3_000 });
    const tool = event({ kind: 'tool', message: 'get_weather()', at: 2_000 });
    const err = event({ kind: 'error', message: 'late', at: 4_000 });
    const debug = event({ kind: 'debug', message: 'noise', at: 2_500 });
    const inline = inlineEvents([tool, debug, err]);
    expect(mergeItems([t1, t2], inline)).toEqual([t1, tool, t2, err]);
    // More debug chatter keeps the same selection object: the transcript is not redrawn.
    const chatter = event({ kind: 'debug', message: 'more', at: 6_000 });
    expect(inlineEvents([tool, debug, err, chatter], inline)).toBe(inline);
  });

  it('keeps typed messages in the order sent: one still pending never goes above one the server has', () => {
    // A, its answer; B, C and D typed during that answer. The server held B and made it a turn
    // after C and D were sent: C and D wait below B, not above it where they were typed.
    const a = turn({ role: 'user', text: 'quick A', typed: true, startedAt: 1_000 });
    const answerA = turn({ role: 'agent', text: 'You typed: quick A', startedAt: 1_200 });
    const b = turn({ role: 'user', text: 'quick B', typed: true, startedAt: 4_000 });
    const answerB = turn({ role: 'agent', text: 'You typed: quick B', startedAt: 4_200 });
    const c = { id: 3, text: 'quick C', at: 2_000 };
    const d = { id: 4, text: 'quick D', at: 2_500 };
    expect(mergeItems([a, answerA, b], [], [c, d])).toEqual([a, answerA, b, c, d]);
    expect(mergeItems([a, answerA, b, answerB], [], [c, d])).toEqual([
      a,
      answerA,
      b,
      c,
      d,
      answerB,
    ]);
    // Events keep their place by time; a pending message with no typed turn after it too.
    const tool = event({ kind: 'tool', message: 'lookup()', at: 2_200 });
    expect(mergeItems([a, answerA, b], [tool], [c])).toEqual([a, answerA, tool, b, c]);
    expect(mergeItems([a, answerA], [], [c])).toEqual([a, answerA, c]);
  });

  it('labels the first row, indents the rest, and marks typed, interrupted and live turns', () => {
    const typed = rowsOf(turn({ role: 'user', text: 'hi', typed: true }), LABEL_WIDTH + 20);
    expect(typed).toHaveLength(1);
    expect(typed[0]).toMatchObject({ label: 'You', text: 'hi', mark: ' ⌨ (typed)' });
    const width = LABEL_WIDTH + 10;
    const cut = rowsOf(
      turn({ role: 'agent', text: 'one two three four', interrupted: true, final: true }),
      width,
    );
    expect(cut.map((r) => r.label)).toEqual(['Agent', '', '']);
    expect(cut[cut.length - 1]!.mark).toBe('— interrupted');
    const unheard = rowsOf(
      turn({ role: 'agent', text: 'Hello!', interrupted: true, unheard: true, final: true }),
      LABEL_WIDTH + 40,
    );
    expect(unheard.at(-1)!.mark).toBe(' — interrupted, not heard');
    const live = rowsOf(turn({ role: 'agent', text: 'so', final: false }), width);
    expect(live[0]!.mark).toBe(' …');
  });

  it('follows the end, and a window never holds more rows than the pane', () => {
    const items = Array.from({ length: 50 }, (_, i) => turn({ role: 'user', text: `turn ${i}` }));
    const w = computeWindow(items, 40, 10, FOLLOW);
    expect(w.rows).toHaveLength(10);
    expect(w.rows[9]!.text).toBe('turn 49');
    expect(w.atBottom).toBe(true);
  });

  it('page up leaves follow mode, End comes back, scrolling down to the end follows again', () => {
    const items = Array.from({ length: 50 }, (_, i) => turn({ role: 'user', text: `turn ${i}` }));
    const up = scroll(FOLLOW, 'pageUp', items, 40, 10);
    expect(up.follow).toBe(false);
    const w = computeWindow(items, 40, 9, up);
    expect(w.atBottom).toBe(false);
    expect(w.moreBelow).toBeGreaterThan(0);
    expect(w.rows.map((r) => r.text)).not.toContain('turn 49');
    // More turns arrive: the scrolled-back view stays where it is.
    const more = [...items, turn({ role: 'agent', text: 'new' })];
    expect(computeWindow(more, 40, 9, up).rows).toEqual(w.rows);
    expect(scroll(up, 'bottom', items, 40, 10)).toBe(FOLLOW);
    expect(scroll(up, 'pageDown', items, 40, 10)).toBe(FOLLOW);
    const top = scroll(FOLLOW, 'top', items, 40, 10);
    expect(computeWindow(items, 40, 9, top).rows[0]!.text).toBe('turn 0');
  });

  it('does not leave follow mode when everything fits', () => {
    const items = [turn({ role: 'user', text: 'short' })];
    expect(scroll(FOLLOW, 'pageUp', items, 40, 10)).toBe(FOLLOW);
    expect(scroll(FOLLOW, 'top', items, 40, 10)).toBe(FOLLOW);
  });
});

describe('meter', () => {
  it('maps -60..0 dBFS onto the bar and clamps outside it', () => {
    expect(cellsFor(-96, 20)).toBe(0);
    expect(cellsFor(-60, 20)).toBe(0);
    expect(cellsFor(-30, 20)).toBe(10);
    expect(cellsFor(0, 20)).toBe(20);
    expect(cellsFor(6, 20)).toBe(20);
  });

  it('draws the rms bar, colour zones and a peak-hold marker beyond it', () => {
    const reading = meterReading({ rmsDb: -30, peakDb: -12, peakHoldDb: -3 }, 20);
    const segments = meterSegments(reading, 20);
    const bar = segments.map((s) => s.text).join('');
    expect(bar).toHaveLength(20);
    expect(bar.slice(0, 10)).toBe('█'.repeat(10));
    expect(bar[18]).toBe('│');
    expect(segments.map((s) => s.tone)).toEqual(['low', 'empty', 'hold', 'empty']);
    const full = meterReading({ rmsDb: 0, peakDb: 0, peakHoldDb: 0 }, 20);
    const loud = meterSegments(full, 20).map((s) => s.tone);
    expect(loud).toEqual(['low', 'mid', 'high']);
  });
});

describe('what makes a part of the screen draw again', () => {
  it('a meter reads whole cells and whole dB: a level moving less than that changes nothing', () => {
    const at = (rmsDb: number, peakHoldDb = rmsDb) =>
      meterReading({ rmsDb, peakDb: rmsDb, peakHoldDb }, 24);
    expect(at(-30.2)).toEqual(at(-29.9));
    expect(at(-30)).not.toEqual(at(-27));
    // A quiet room's noise and digital silence each read the same however they move.
    expect(at(-71)).toEqual(at(-74));
    expect(formatReading(at(-71).db)).toBe('<-60 dB');
    expect(formatReading(at(-96).db)).toBe('-∞ dB');
    expect(formatReading(at(-23.4).db)).toBe('-23 dB');
  });

  it('streaming text of a live turn waits for the next animation step; anything else shows at once', () => {
    const live = turn({ role: 'agent', text: 'Hel', final: false });
    const before = [turn({ role: 'user', text: 'hi' }), live];
    const streaming = [before[0]!, { ...live, text: 'Hello' }];
    expect(onlyStreaming(before, streaming)).toBe(true);
    expect(onlyStreaming(before, [before[0]!, { ...live, text: 'Hello', final: true }])).toBe(
      false,
    );
    expect(onlyStreaming(before, [before[0]!, { ...live, interrupted: true }])).toBe(false);
    expect(onlyStreaming(before, [...before, turn({ role: 'user', text: 'next' })])).toBe(false);
    expect(
      onlyStreaming(before, [...before.slice(0, 1), event({ kind: 'tool', message: 'x' })]),
    ).toBe(false);
  });
});

describe('events pane', () => {
  it('wraps a long event whole instead of cutting it at the pane edge', () => {
    const message = `tool "lookup" answered: ${'the quick brown fox '.repeat(6)}END`;
    const rows = eventRows(event({ kind: 'tool', message, at: Date.UTC(2026, 0, 1) }), 38);
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows) expect(stringWidth(row.text)).toBeLessThanOrEqual(38);
    expect(rows.map((r) => r.text).join(' ')).toContain('END');
    expect(rows[0]!.head?.kind).toBe('tool');
  });

  it('splits a word longer than a row without adding a space to it (a call id)', () => {
    const id = 'd076ed73-5b01-4490-9fc1-201eb3f3dd99';
    const rows = eventRows(event({ kind: 'protocol', message: `call started (${id})` }), 38);
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(stringWidth(row.text)).toBeLessThanOrEqual(38);
    expect(rows.map((r) => r.text).join('')).toBe(`call started (${id})`);
  });

  // At 38 columns the pane showed `Tool call: get_weath` / `er({"city":"Paris"})` and
  // `serial device /tmp/t` / `mp.w8jxrrg0oW/a …`: split inside words the next row had room for.
  it('breaks between words, as the transcript does: a word goes whole to the wider next row', () => {
    const tool = eventRows(
      event({ kind: 'protocol', message: 'Tool call: get_weather({"city":"Paris"})' }),
      38,
    );
    expect(tool.map((r) => r.text)).toEqual(['Tool call:', 'get_weather({"city":"Paris"})']);
    const serial = eventRows(
      event({
        kind: 'warning',
        message: 'serial device /tmp/tmp.w8jxrrg0oW/a sent an unknown command: "VOLUME 11"',
      }),
      38,
    );
    expect(serial.map((r) => r.text)).toEqual([
      'serial device',
      '/tmp/tmp.w8jxrrg0oW/a sent an',
      'unknown command: "VOLUME 11"',
    ]);
    // Rows are counted as drawn: the window holds the whole event in as many rows, no more.
    const events = [
      event({ kind: 'info', message: 'older' }),
      event({ kind: 'protocol', message: 'Tool call: get_weather({"city":"Paris"})' }),
    ];
    const window = eventWindow(events, 38, 2);
    expect(window.map((r) => r.text)).toEqual(['Tool call:', 'get_weather({"city":"Paris"})']);
  });

  it('shows the newest events that fit; the newest alone is cut with an ellipsis if it must be', () => {
    const events = [1, 2, 3].map((n) => event({ kind: 'info', message: `event ${n}` }));
    const shown = eventWindow(events, 60, 2).map((r) => r.text);
    expect(shown).toEqual(['event 2', 'event 3']);
    const huge = eventWindow([event({ kind: 'info', message: 'word '.repeat(200) })], 40, 3);
    expect(huge).toHaveLength(3);
    expect(huge[2]!.text.endsWith('…')).toBe(true);
  });

  it('after a redial: every call under its divider, the newest 500 events in all', () => {
    const many = (n: number, what: string) =>
      Array.from({ length: n }, (_, i) => event({ kind: 'info', message: `${what} ${i}` }));
    const log = eventLog(
      [
        { divider: 'call 1 · ended: gone', events: many(3, 'one'), dropped: 0 },
        { divider: 'call 2 · ended: gone', events: many(400, 'two'), dropped: 7 },
      ],
      { divider: 'call 3', events: many(300, 'three'), dropped: 0 },
    );
    // Call 1 is pushed out whole, divider and all; call 2 keeps its newest 200.
    expect(log.kept).toBe(500);
    expect(log.dropped).toBe(3 + 7 + 200);
    const dividers = log.entries.filter((e) => 'divider' in e).map((e) => e.divider);
    expect(dividers).toEqual(['call 2 · ended: gone', 'call 3']);
    expect(log.entries).toHaveLength(502);
    // The divider is one dim row across the pane, the call named.
    const rows = eventWindow(log.entries.slice(200, 202), 30, 5);
    expect(rows.map((r) => r.text)).toEqual(['two 399', `── call 3 ${'─'.repeat(20)}`]);
    expect(rows[1]!.divider).toBe(true);
  });

  it('[ pages back, keeping one entry of the page; ] pages on, then follows the newest', () => {
    const entries = Array.from({ length: 10 }, (_, i) => event({ kind: 'info', message: `e${i}` }));
    const view = { entries, width: 60, height: 4 };
    const texts = (end: number | undefined) =>
      eventWindowAt(entries, 60, 4, end).rows.map((r) => r.text);
    expect(texts(undefined)).toEqual(['e6', 'e7', 'e8', 'e9']);
    const back = eventsPageBack(view, undefined);
    expect(texts(back)).toEqual(['e3', 'e4', 'e5', 'e6']);
    // At the start the pane is filled from the top, never half empty; nothing further back.
    const start = eventsPageBack(view, eventsPageBack(view, back));
    expect(texts(start)).toEqual(['e0', 'e1', 'e2', 'e3']);
    expect(texts(eventsPageBack(view, start))).toEqual(['e0', 'e1', 'e2', 'e3']);
    // More events do not move a view scrolled back.
    const more = [...entries, event({ kind: 'info', message: 'e10' })];
    expect(eventWindowAt(more, 60, 4, back).rows.map((r) => r.text)).toEqual(texts(back));
    const on = eventsPageOn(view, start);
    expect(texts(on)).toEqual(['e3', 'e4', 'e5', 'e6']);
    expect(eventsPageOn(view, eventsPageOn(view, on))).toBeUndefined();
  });
});

describe('push-to-talk on Space', () => {
  it('toggles in a terminal without key releases; held to talk once releases are seen', () => {
    expect(pttAfterSpace(undefined, false, false)).toBe(true);
    expect(pttAfterSpace(undefined, false, true)).toBe(false);
    expect(pttAfterSpace('press', true, false)).toBe(true);
    expect(pttAfterSpace('press', true, true)).toBe(true);
    expect(pttAfterSpace('repeat', true, true)).toBeUndefined();
    expect(pttAfterSpace('release', true, true)).toBe(false);
  });

  /** The presses at these times (ms) that flip a toggle. */
  const flips = (times: number[]): number[] => {
    let taps = NO_SPACE_YET;
    const out: number[] = [];
    for (const at of times) {
      const tap = spaceTap(taps, at);
      taps = tap.taps;
      if (tap.flip) out.push(at);
    }
    return out;
  };

  it("as a toggle, a held Space's repeats flip it no more: held, it toggles once", () => {
    // 11 presses 35 ms apart, as a held key repeats: one toggle, not ten.
    expect(flips(Array.from({ length: 11 }, (_, i) => 5_000 + i * 35))).toEqual([5_000]);
    // Each repeat extends the window: a steady 90 ms repeat is still one press.
    expect(flips(Array.from({ length: 20 }, (_, i) => 5_000 + i * 90))).toEqual([5_000]);
    // Presses a person makes (a double tap, 250 ms apart) each flip it.
    expect(flips([5_000, 5_250, 9_000])).toEqual([5_000, 5_250, 9_000]);
    // A real key: its first repeat comes after the repeat delay (500 ms), where it cannot be told
    // from a second press; the repeat 35 ms later shows it was one, and takes its flip back.
    const held = [5_000, 5_500, 5_535, 5_570, 5_605];
    expect(flips(held)).toEqual([5_000, 5_500, 5_535]);
    // Tapped, then tapped and held: the second press stands.
    expect(flips([5_000, 5_300, 5_800, 5_835, 5_870])).toEqual([5_000, 5_300, 5_800, 5_835]);
  });
});

describe('message line', () => {
  const key = (patch: Partial<import('ink').Key> = {}) => ({ ...PLAIN_KEY, ...patch });
  it('edits by grapheme cluster and ignores key releases', () => {
    let line = editLine(EMPTY_LINE, 'hi 👨‍👩‍👧', key());
    expect(line.text).toBe('hi 👨‍👩‍👧');
    line = editLine(line, '', key({ backspace: true }));
    expect(line.text).toBe('hi ');
    line = editLine(line, 'x', key({ eventType: 'release' }));
    expect(line.text).toBe('hi ');
    line = editLine(line, '', key({ leftArrow: true }));
    line = editLine(line, '!', key());
    expect(line).toEqual({ text: 'hi! ', cursor: 3 });
  });

  it('Ctrl+W removes the word before the cursor, Ctrl+K what is after it', () => {
    let line = { text: 'book a table  for two', cursor: 'book a table  '.length };
    line = editLine(line, 'w', key({ ctrl: true }));
    expect(line).toEqual({ text: 'book a for two', cursor: 'book a '.length });
    line = editLine(line, 'w', key({ ctrl: true }));
    expect(line).toEqual({ text: 'book for two', cursor: 'book '.length });
    line = editLine(line, 'k', key({ ctrl: true }));
    expect(line).toEqual({ text: 'book ', cursor: 5 });
    line = editLine({ text: 'x', cursor: 0 }, 'w', key({ ctrl: true }));
    expect(line).toEqual({ text: 'x', cursor: 0 });
  });

  it('Delete and Ctrl+D remove the cluster after the cursor, Backspace the one before it', () => {
    let line = { text: 'a🇵🇹bc', cursor: 1 };
    line = editLine(line, '', key({ delete: true }));
    expect(line).toEqual({ text: 'abc', cursor: 1 });
    line = editLine(line, 'd', key({ ctrl: true }));
    expect(line).toEqual({ text: 'ac', cursor: 1 });
    line = editLine(line, '', key({ backspace: true }));
    expect(line).toEqual({ text: 'c', cursor: 0 });
    // At the end there is nothing after the cursor.
    expect(editLine({ text: 'ab', cursor: 2 }, '', key({ delete: true }))).toEqual({
      text: 'ab',
      cursor: 2,
    });
  });

  it('moves and removes a word at a time: Ctrl/Alt+arrows, Alt+B, Alt+F, Alt+Backspace', () => {
    const text = 'book a  table for two';
    let line = { text, cursor: text.length };
    line = editLine(line, '', key({ leftArrow: true, ctrl: true }));
    expect(line.cursor).toBe('book a  table for '.length);
    line = editLine(line, 'b', key({ meta: true }));
    expect(line.cursor).toBe('book a  table '.length);
    line = editLine(line, '', key({ leftArrow: true, meta: true }));
    expect(line.cursor).toBe('book a  '.length);
    line = editLine(line, 'f', key({ meta: true }));
    expect(line.cursor).toBe('book a  table'.length);
    line = editLine(line, '', key({ rightArrow: true, ctrl: true }));
    expect(line.cursor).toBe('book a  table for'.length);
    line = editLine(line, '', key({ backspace: true, meta: true }));
    expect(line).toEqual({ text: 'book a  table  two', cursor: 'book a  table '.length });
    // Ctrl+B and Ctrl+F move a character, as in a shell.
    line = editLine(line, 'b', key({ ctrl: true }));
    line = editLine(line, 'b', key({ ctrl: true }));
    expect(line.cursor).toBe('book a  tabl'.length);
    line = editLine(line, 'f', key({ ctrl: true }));
    expect(line.cursor).toBe('book a  table'.length);
  });
});

describe('keymap', () => {
  it('offers in the footer no key that acts on the call once it is over', () => {
    const live = footerItems({ mode: 'call', ptt: true, redial: true }).map(([k]) => k);
    const over = footerItems({ mode: 'call', ptt: true, redial: true, over: true }).map(([k]) => k);
    expect(live).toEqual(expect.arrayContaining(['m', 'Space', 'i', 't', 'v', 's', 'r', 'q']));
    expect(over).toEqual(['s', 'd', '?', 'r', 'q']);
  });

  it('gives every command one entry, and turns keys into commands by mode', () => {
    const commands = KEYMAP.map((b) => b.command);
    expect(new Set(commands).size).toBe(commands.length);
    expect(commandFor('m', { mode: 'call', ptt: false })).toBe('mute');
    expect(commandFor('m', { mode: 'typing', ptt: false })).toBeUndefined();
    expect(commandFor('q', { mode: 'typing', ptt: false })).toBeUndefined();
    expect(commandFor('ctrl+c', { mode: 'typing', ptt: false })).toBe('hangUpOrForce');
    expect(commandFor('space', { mode: 'call', ptt: false })).toBeUndefined();
    expect(commandFor('space', { mode: 'call', ptt: true })).toBe('ptt');
    expect(commandFor('escape', { mode: 'help', ptt: false })).toBe('cancel');
  });

  it('generates the footer and help from the same table', () => {
    const footer = footerItems({ mode: 'call', ptt: false }).map(([k]) => k);
    expect(footer).toEqual(['m', 'i', 't', 'v', 's', 'd', '?', 'q']);
    expect(footerItems({ mode: 'call', ptt: true }).map(([k]) => k)).toContain('Space');
    expect(helpRows()).toHaveLength(KEYMAP.length);
    // Under the bindings, the message line's editing keys, each on its line.
    const help = helpLines(80, { ptt: false, pttHold: false, redial: true }).map(
      (line) => line.text,
    );
    for (const { keys, description } of LINE_KEYS) {
      expect(help).toContain(`${keys}: ${description}`);
    }
    expect(keyLabel('pageup')).toBe('PgUp');
  });
});

describe('footer', () => {
  it('fits 80 columns in every mode, shortening hints but keeping help and quit', () => {
    for (const ptt of [false, true]) {
      const { separator, items } = footerLayout(footerItems({ mode: 'call', ptt }), 80);
      const text = items.map(([k, l]) => (l ? `${k} ${l}` : k)).join(separator);
      expect(text.length).toBeLessThanOrEqual(80);
      expect(text).toContain('? help');
      expect(text).toContain('q quit');
    }
    const wide = footerLayout(footerItems({ mode: 'call', ptt: false }), 120);
    expect(wide.separator).toBe(' · ');
    // At 80 columns with redial the rarest label goes first, not every label at once.
    const redial = footerLayout(footerItems({ mode: 'call', ptt: false, redial: true }), 80);
    const text = redial.items.map(([k, l]) => (l ? `${k} ${l}` : k)).join(redial.separator);
    expect(text.length).toBeLessThanOrEqual(80);
    expect(text).toBe(
      'm mute  i interrupt  t type  v voice/text  s save  d events  ? help  r  q quit',
    );
  });
});

describe('ui state', () => {
  it('typing starts empty, keeps the draft, and stops back in call mode', () => {
    let s = uiReducer(INITIAL_UI_STATE, { type: 'startTyping' });
    s = uiReducer(s, { type: 'edit', line: { text: 'hello', cursor: 5 } });
    expect(s).toMatchObject({ mode: 'typing', line: { text: 'hello' } });
    s = uiReducer(s, { type: 'stopTyping' });
    expect(s).toMatchObject({ mode: 'call', line: EMPTY_LINE });
  });

  it('a stale toast timer does not clear a newer toast', () => {
    let s = uiReducer(INITIAL_UI_STATE, { type: 'toast', text: 'one' });
    const first = s.toast!.id;
    s = uiReducer(s, { type: 'toast', text: 'two' });
    s = uiReducer(s, { type: 'clearToast', id: first });
    expect(s.toast?.text).toBe('two');
  });

  it("the run's notices each show in turn; a key's reply takes the line without losing them", () => {
    let s = uiReducer(INITIAL_UI_STATE, { type: 'notice', text: 'Front Desk is your agent' });
    s = uiReducer(s, { type: 'notice', text: 'warning: playing through sox play' });
    s = uiReducer(s, { type: 'notice', text: 'warning: playing through sox play' });
    expect(s.toast?.text).toBe('Front Desk is your agent');
    s = uiReducer(s, { type: 'toast', text: 'the call is over: there is nothing to interrupt' });
    s = uiReducer(s, { type: 'clearToast', id: s.toast!.id });
    // The notice the key's reply took the line from comes back first, then the one waiting.
    expect(s.toast?.text).toBe('Front Desk is your agent');
    s = uiReducer(s, { type: 'clearToast', id: s.toast!.id });
    expect(s.toast?.text).toBe('warning: playing through sox play');
    s = uiReducer(s, { type: 'clearToast', id: s.toast!.id });
    expect(s.toast).toBeUndefined();
  });

  it("a new call being created drops the last call's notices, waiting ones too", () => {
    let s = uiReducer(INITIAL_UI_STATE, { type: 'notice', text: 'one' });
    s = uiReducer(s, { type: 'notice', text: 'two' });
    s = uiReducer(s, { type: 'clearToast', id: s.toast!.id, all: true });
    expect(s.toast).toBeUndefined();
    expect(s.queuedNotices).toEqual([]);
  });
});

describe('layout', () => {
  it('puts the info pane at the bottom at 80x24 and at the side when wide', () => {
    const narrow = computeLayout({ columns: 80, rows: 24, showEvents: false, noticeRows: 0 });
    expect(narrow.wide).toBe(false);
    expect(narrow.height).toBe(24);
    expect(narrow.transcript.height).toBeGreaterThanOrEqual(10);
    const wide = computeLayout({ columns: 140, rows: 40, showEvents: true, noticeRows: 1 });
    expect(wide.wide).toBe(true);
    expect(wide.transcript.width + wide.info.width + 1).toBe(140);
    expect(wide.eventsRows).toBeGreaterThan(0);
  });

  it('gives the side pane a row more for the record fact while recording', () => {
    const events = (recording: boolean) =>
      computeLayout({ columns: 100, rows: 30, showEvents: true, noticeRows: 1, recording });
    expect(events(true).info.height).toBe(events(false).info.height + 1);
    expect(events(true).eventsRows).toBe(events(false).eventsRows - 1);
  });

  it('gives the side pane a third of a wide screen, 38 to 60 columns', () => {
    const side = (columns: number) =>
      computeLayout({ columns, rows: 40, showEvents: false, noticeRows: 0 }).info.width;
    expect([100, 140, 200, 300].map(side)).toEqual([38, 42, 60, 60]);
  });
});

describe('the record fact', () => {
  const home = process.env.HOME ?? '/root';
  it('names the file under the home folder as ~/…, its middle given up to keep its name', () => {
    expect(recordFact(`${home}/x/big.wav`, undefined, 30)).toBe('~/x/big.wav');
    expect(recordFact('/srv/calls/2026/december/big.wav', undefined, 20)).toBe(
      '/srv/c…ember/big.wav',
    );
  });

  it('once stopped, says where and why first, the file after it where there is room', () => {
    const stop = { atMs: 42_000, reason: 'the disk is full' };
    expect(recordFact(`${home}/x/big.wav`, stop, 52)).toBe(
      'stopped at 0:42: the disk is full · ~/x/big.wav',
    );
    expect(recordFact(`${home}/x/big.wav`, stop, 30)).toBe('stopped at 0:42: the disk is …');
  });
});

describe('terminalColorLevel', () => {
  it('keeps colours on a terminal when the shell exports CI, from what TERM and COLORTERM say', () => {
    expect(terminalColorLevel(0, { CI: 'true', TERM: 'xterm-256color' })).toBe(2);
    expect(terminalColorLevel(0, { CI: 'true', TERM: 'screen' })).toBe(1);
    expect(terminalColorLevel(0, { CI: '1', TERM: 'xterm', COLORTERM: 'truecolor' })).toBe(3);
  });

  it('leaves chalk alone otherwise: a detected level, no CI, FORCE_COLOR, no TERM or a dumb one', () => {
    expect(terminalColorLevel(3, { CI: 'true', TERM: 'xterm' })).toBe(3);
    expect(terminalColorLevel(0, { TERM: 'xterm-256color' })).toBe(0);
    expect(terminalColorLevel(0, { CI: 'true', TERM: 'xterm', FORCE_COLOR: '0' })).toBe(0);
    expect(terminalColorLevel(0, { CI: 'true', TERM: 'dumb' })).toBe(0);
    expect(terminalColorLevel(0, { CI: 'true' })).toBe(0);
  });
});

describe('the message line around its cursor', () => {
  it('shows the whole line when it fits, else the cursor with … where text goes on', () => {
    expect(cursorWindow('abc', 'd', 'ef', 10)).toEqual({ before: 'abc', at: 'd', after: 'ef' });
    // At the end of a long line: its tail, the cursor last.
    const tail = cursorWindow('0123456789abcdefghij', ' ', '', 10);
    expect(tail).toEqual({ before: '…cdefghij', at: ' ', after: '' });
    // In the middle: a third of the room after the cursor, the rest before it.
    const mid = cursorWindow('0123456789', 'X', 'abcdefghij', 12);
    expect(mid).toEqual({ before: '…456789', at: 'X', after: 'abc…' });
    expect(stringWidth(mid.before + mid.at + mid.after)).toBe(12);
    // Wide characters count two columns and are never cut in half.
    const wide = cursorWindow('漢字漢字漢字', '字', '', 6);
    expect(stringWidth(wide.before + wide.at)).toBeLessThanOrEqual(6);
    expect(wide.before.startsWith('…')).toBe(true);
  });
});

describe('the divider above an ended call', () => {
  const summary = (endReason: string | undefined, code: string | undefined) => ({
    turns: 0,
    userTurns: 0,
    agentTurns: 0,
    interruptions: 0,
    latencyCount: 0,
    ...(endReason ? { endReason } : {}),
    ...(code ? { record: { callId: 'c1', complete: true, endReason: code } } : {}),
  });
  const divider = (endReason: string | undefined, code: string | undefined, exitCode = 0) => {
    const snapshot = makeSnapshot({ exitCode });
    return dividerFor(1, snapshot, { snapshot, summary: summary(endReason, code) }).divider;
  };

  it('says how the caller side ended it in the app’s words, else in Omnia’s', () => {
    // Omnia knows only that the caller hung up; the app knows it was --duration.
    expect(divider('--duration 5s reached', 'user_hangup')).toBe(
      'call 1 · ended: --duration 5s reached',
    );
    // Omnia ended it: its code says why, in words.
    expect(divider('the agent hung up (max_duration)', 'max_duration')).toBe(
      'call 1 · ended: the maximum duration was reached (max_duration)',
    );
    // No record (skipped): the app's words.
    expect(divider('you hung up', undefined)).toBe('call 1 · ended: you hung up');
  });

  it('says what broke when the call broke, as the summary’s first line does', () => {
    // The socket was lost: Omnia's record says only that the caller went away.
    expect(divider('call socket lost (code 1006): no answer for 10 s', 'disconnected', 1)).toBe(
      'call 1 · ended: call socket lost (code 1006): no answer for 10 s',
    );
  });
});

describe('call facts in the narrow layout', () => {
  const facts = {
    agent: 'Demo (demo) · local',
    call: 'c-1',
    rtt: '3 ms',
    reply: '327 ms',
    in: 'none (silence) · 48 kHz',
    out: 'no audio output · 48 kHz',
    queued: '0 ms',
    answers: 'voice',
    echo: 'off',
  };
  it('two facts share a row when both fit whole; else the second is left out, not cut', () => {
    const row = (rows: ReadonlyArray<readonly [string, string]>, label: string) =>
      rows.find(([l]) => l === label)?.[1];
    const wide = factRows(facts, '0:10', true, 60);
    expect(row(wide, 'time')).toBe('0:10  rtt 3 ms');
    expect(row(wide, 'reply')).toBe('327 ms  queued 0 ms');
    const narrow = factRows(facts, '0:10', true, 24);
    expect(row(narrow, 'time')).toBe('0:10  rtt 3 ms');
    expect(row(narrow, 'reply')).toBe('327 ms');
  });
});

describe('the quiet server warning on a narrow screen', () => {
  it('says the count shorter instead of cutting it off', () => {
    const items = notices({ phase: 'live', quitting: false, quietSeconds: 7 });
    expect(noticeRows(items, 80).map((r) => r.text)).toEqual([
      'warning: no answer from the server for 7 s',
    ]);
    expect(noticeRows(items, 40).map((r) => r.text)).toEqual(['no answer for 7 s']);
  });
});

describe('a redial that failed, on a narrow screen', () => {
  it('keeps one row below 60 columns: the reason cut in its middle, the keys said shorter', () => {
    const message =
      'could not call again: Cannot reach Omnia at 127.0.0.1:8787 (connection refused). Check your network and --api-base.';
    const items = notices({
      phase: 'ended',
      quitting: false,
      between: { kind: 'failed', message },
    });
    const rows = noticeRows(items, 50).map((r) => r.text);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^✖ could not .*….*api-base\. — r again · q quit$/);
    expect(stringWidth(rows[0]!)).toBeLessThanOrEqual(50);
    expect(noticeRows(items, 80)).toHaveLength(2);
  });
});

describe('a toast too wide for its row', () => {
  const note =
    'Support Desk is your agent from now on (kept in ~/.config/omnia-voice/config.json; omnia-voice config unset agentId picks again)';

  it('takes a second row when its path would be cut to nothing beside its words', () => {
    expect(twoRowText(note, 100)).toEqual([
      'Support Desk is your agent from now on (kept in ~/.config/omnia-voice/config.json; omnia-voice',
      'config unset agentId picks again)',
    ]);
    expect(twoRowText(note, 200)).toEqual([note]);
  });

  it('takes two rows rather than cut a path that two rows hold whole', () => {
    // At 100 columns the path fitted one row cut in its middle: `~/.config/o…g.json`.
    const kept =
      'Support Desk is your agent from now on (kept in ~/.config/omnia-voice/config.json)';
    expect(twoRowText(kept, 60)).toEqual([
      'Support Desk is your agent from now on (kept in',
      '~/.config/omnia-voice/config.json)',
    ]);
  });

  it('takes two rows for a path that two rows hold whole, broken inside it if it must', () => {
    // `could not write transcript /tmp…de0709.md: …` hid which folder failed, and why.
    const saved = `transcript saved to /home/someone/${'very-long-folder/'.repeat(6)}2026-11-30_demo.md`;
    const rows = twoRowText(saved, 80);
    expect(rows).toHaveLength(2);
    expect(rows.join('')).toBe(saved);
    for (const row of rows) expect(stringWidth(row)).toBeLessThanOrEqual(80);
  });

  it('breaks a path over two rows just after a slash, not inside a folder name', () => {
    // At 120 columns: `…/and-yet-one-mo` over `re-level-deep/call-transcript-2026.md`.
    const saved = `transcript saved to /tmp/${'some-folder-name/'.repeat(5)}and-yet-one-more-level-deep/call-transcript-2026.md`;
    const rows = twoRowText(saved, 100);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/\/$/);
    expect(rows.join('')).toBe(saved);
    for (const row of rows) expect(stringWidth(row)).toBeLessThanOrEqual(100);
    // Rows that break at a space stay as they were, a path on the first row or not.
    expect(twoRowText('the file /a/b/c is ready now', 18)).toEqual([
      'the file /a/b/c is',
      'ready now',
    ]);
  });

  it('longer than two rows: the path starts on the first, its end and the file name close the second', () => {
    // At 60 columns the error was one row, `could not write transcript /tmp…b59413.md: …`,
    // with a row free under it.
    const failed = `could not write transcript /tmp/t2/ro2/${'a-read-only-folder/'.repeat(5)}2026-12-02_demo-b59413.md: permission denied`;
    const rows = twoRowText(failed, 60);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^could not write transcript \/tmp\/t2\/ro2\/a-read/);
    expect(rows[1]).toMatch(/…\S*\/2026-12-02_demo-b59413\.md: permission denied$/);
    for (const row of rows) expect(stringWidth(row)).toBeLessThanOrEqual(60);
  });

  it("a failure's reason and way out are kept whole: its path gives way for them", () => {
    // At 100 columns the reason was cut, `…_demo_a21dadb9.md: permissio…`, and nothing said
    // what to do.
    const failed =
      'could not write transcript ~/.local/share/omnia-voice/transcripts/2026-12-02_09-42-56_demo_a21dadb9.md: permission denied; set another folder (omnia-voice config set transcriptDir <folder>, or OMNIA_TRANSCRIPT_DIR)';
    const rowsAt = (width: number) =>
      noticeRows(notices({ phase: 'live', quitting: false, toast: failed }), width).map(
        (row) => row.text,
      );
    const wide = rowsAt(100);
    expect(wide).toHaveLength(2);
    expect(wide[0]).toMatch(
      /^could not write transcript ~\/\.local\/share\/\S*…\S*\/2026-12-02_09-42-56_demo_a21dadb9\.md:/,
    );
    expect(wide.join(' ')).toMatch(
      /\.md: permission denied; set another folder \(omnia-voice config set transcriptDir <folder>, or OMNIA_TRANSCRIPT_DIR\)$/,
    );
    for (const row of wide) expect(stringWidth(row)).toBeLessThanOrEqual(100);
    // Two rows that hold it all show it all.
    expect(rowsAt(240)).toEqual([failed]);
    // Too narrow for all of it: the path at its shortest, the reason whole, the end given way.
    const narrow = rowsAt(60);
    expect(narrow).toHaveLength(2);
    expect(narrow.join(' ')).toMatch(/\.md: permission denied; set another folder .*…$/);
    for (const row of narrow) expect(stringWidth(row)).toBeLessThanOrEqual(60);
    // A notice that is no failure keeps its path and cuts the words after it, as before.
    const note =
      'Hotel Concierge is your agent from now on (kept in ~/.config/omnia-voice/config.json; omnia-voice config unset agentId picks again)';
    expect(
      noticeRows(notices({ phase: 'live', quitting: false, toast: note }), 60).map((r) => r.text),
    ).toEqual(twoRowText(note, 60));
  });

  it('keeps a path whole on the second row and cuts the words after it instead', () => {
    // At 60 columns the config path was cut to `~/.c…fig.json`, the hint after it whole.
    const note =
      'Hotel Concierge is your agent from now on (kept in ~/.config/omnia-voice/config.json; omnia-voice config unset agentId picks again)';
    const rows = twoRowText(note, 60);
    expect(rows[0]).toBe('Hotel Concierge is your agent from now on (kept in');
    expect(rows[1]).toMatch(/^~\/\.config\/omnia-voice\/config\.json; omnia-voice config .*…$/);
    expect(stringWidth(rows[1]!)).toBeLessThanOrEqual(60);
  });

  it('writes the home folder as ~', () => {
    expect(shortHome('/home/ana/.config/omnia-voice/config.json', '/home/ana')).toBe(
      '~/.config/omnia-voice/config.json',
    );
    expect(shortHome('/home/anabel/x.json', '/home/ana')).toBe('/home/anabel/x.json');
    expect(shortHome('/etc/x.json', '/')).toBe('/etc/x.json');
  });
});

describe('a tool call inline in the transcript', () => {
  it('is one line where it started, saying how it ended, labelled once', () => {
    const running = event({
      kind: 'tool',
      message: 'tool lookup({"id":7}) running',
      at: 2_000,
      toolCall: 'inv_1',
    });
    const chatter = event({ kind: 'debug', message: 'x', at: 2_500 });
    const done = event({
      kind: 'tool',
      message: 'tool lookup({"id":7}) → ok (5 ms)',
      at: 3_000,
      toolCall: 'inv_1',
    });
    expect(inlineEvents([running])[0]).toBe(running);
    const inline = inlineEvents([running, chatter, done]);
    expect(inline).toHaveLength(1);
    expect(inline[0]).toMatchObject({ at: 2_000, message: done.message });
    // The same line again for the same events: the transcript does not draw again.
    expect(inlineEvents([running, chatter, done], inline)).toBe(inline);
    expect(rowsOf(inline[0]!, 60)[0]).toMatchObject({
      label: 'tool',
      text: 'lookup({"id":7}) → ok (5 ms)',
    });
  });
});

describe('device facts', () => {
  const row = (rows: ReadonlyArray<readonly [string, string]>, label: string) =>
    rows.find(([l]) => l === label)?.[1] ?? '';
  const device = (description: string) =>
    factValues(
      makeSnapshot({
        output: { kind: 'speaker', description, sampleRate: 48_000 },
        input: { kind: 'mic', description: 'mic (default)', sampleRate: 16_000 },
      }),
    );
  /** The side pane's columns at 120 columns (8 of them the label's). */
  const SIDE = computeLayout({ columns: 120, rows: 40, showEvents: false, noticeRows: 0 }).info
    .width;

  it('the rate stays whole in the 120-column side pane, the device name gives way', () => {
    const facts = device('speaker (default device)');
    const out = row(factRows(facts, '0:10', false, SIDE), 'out');
    expect(out).toBe('speaker (default) · 48 kHz');
    expect(stringWidth(out)).toBeLessThanOrEqual(SIDE - 8);
    expect(row(factRows(facts, '0:10', false, SIDE), 'in')).toBe('mic (default) · 16 kHz');
    // A long device name is cut at its end, before the rate.
    const long = device('speaker (alsa_output.usb-Generic_USB_Audio-00.analog-stereo)');
    const cut = row(factRows(long, '0:10', false, SIDE), 'out');
    expect(cut).toMatch(/^speaker \(alsa_output.*… · 48 kHz$/);
    expect(stringWidth(cut)).toBe(SIDE - 8);
  });

  it('the narrow layout keeps what the agent answers in, first, and the rate; the name gives way', () => {
    const long = device('speaker (alsa_output.usb-Generic_USB_Audio-00.analog-stereo)');
    const out = row(factRows(long, '0:10', true, 40), 'out');
    expect(out).toMatch(/^voice · speaker \(.*… · 48 kHz$/);
    expect(stringWidth(out)).toBe(32);
    // Too narrow for a readable name beside the rate: what it answers in still leads the row.
    const narrow = row(factRows(long, '0:10', true, 26), 'out');
    expect(narrow).toMatch(/^voice · speaker /);
  });
});
