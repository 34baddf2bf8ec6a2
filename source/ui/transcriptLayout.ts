/**
 * The transcript as rows of terminal text, computed without Ink so that only the visible
 * window is ever handed to React. Pure: turns and events in, rows out, with a per-object cache
 * (turns are immutable, so a finished turn is wrapped once per width and never again).
 */
import { eventText } from '../session/events.js';
import type { CallEvent, EventKind, PendingText, Role, Turn } from '../session/types.js';
import { screenLine, screenText } from './sanitize.js';
import { stringWidth, truncateToWidth, wrapText } from './textWidth.js';

/**
 * A line between the calls of one screen (after a redial): which call, with what, and how it
 * ended when it has.
 */
export interface CallDivider {
  readonly divider: string;
}

/**
 * A call's summary once it has ended (`formatSummary`'s lines, as the run's end prints them),
 * under its conversation.
 */
export interface SummaryBlock {
  readonly summary: readonly string[];
}

/**
 * A turn, an event shown inline (tool calls and errors), a message you typed that the server
 * has not put in the transcript yet, the divider before a call, or the summary after one.
 */
export type TranscriptItem = Turn | CallEvent | PendingText | CallDivider | SummaryBlock;

/**
 * A turn of a call that has ended without its final text (the server stopped, the call was
 * hung up mid-reply): drawn `[unfinished]`, as the transcript files and plain mode say it, not
 * with the `…` of a turn still streaming.
 */
export interface UnfinishedTurn extends Turn {
  readonly unfinished: true;
}

function isUnfinished(turn: Turn): turn is UnfinishedTurn {
  return (turn as Partial<UnfinishedTurn>).unfinished === true;
}

const endedTurnsCache = new WeakMap<readonly Turn[], readonly Turn[]>();

/** The turns of an ended call: those left without their final text marked unfinished. */
export function endedTurns(turns: readonly Turn[]): readonly Turn[] {
  const hit = endedTurnsCache.get(turns);
  if (hit) return hit;
  const open = (t: Turn) => !t.final && !t.interrupted && !isUnfinished(t);
  const out = turns.some(open)
    ? turns.map((t): Turn => {
        if (!open(t)) return t;
        const unfinished: UnfinishedTurn = { ...t, unfinished: true };
        return unfinished;
      })
    : turns;
  endedTurnsCache.set(turns, out);
  return out;
}

/** A typed message the server never confirmed, in a call that has ended: it never will. */
interface UnconfirmedText extends PendingText {
  readonly unconfirmed: true;
}

function isUnconfirmed(item: PendingText): item is UnconfirmedText {
  return (item as Partial<UnconfirmedText>).unconfirmed === true;
}

const endedPendingCache = new WeakMap<readonly PendingText[], readonly PendingText[]>();

/** The typed messages of an ended call still waiting for the server: not confirmed, said so. */
export function endedPending(pending: readonly PendingText[]): readonly PendingText[] {
  if (pending.length === 0) return pending;
  const hit = endedPendingCache.get(pending);
  if (hit) return hit;
  const out = pending.map((p): PendingText => {
    const unconfirmed: UnconfirmedText = { ...p, unconfirmed: true };
    return unconfirmed;
  });
  endedPendingCache.set(pending, out);
  return out;
}

/** Said after a typed message the server never confirmed, once the call has ended. */
export const UNCONFIRMED_MARK = '⌨ (sent, not confirmed)';

/** Whether two versions of a turn differ in how it is marked unfinished. */
export function unfinishedChanged(a: Turn, b: Turn): boolean {
  return isUnfinished(a) !== isUnfinished(b);
}

/** Said after a typed message until the server's transcript has it. */
export const PENDING_MARK = '⌨ (sent)';

/** Event kinds that appear inline in the transcript (the rest live in the events pane). */
export const INLINE_EVENT_KINDS: ReadonlySet<EventKind> = new Set<EventKind>(['tool', 'error']);

/** Columns reserved on the left for the speaker label ("Agent ", "You ", "tool "). */
export const LABEL_WIDTH = 7;

/** How a row is drawn. */
export type RowTone = Role | 'tool' | 'error' | 'divider' | 'summary';

/** One terminal row of the transcript. */
export interface TranscriptRow {
  /** Speaker label on the first row of an item, "" on continuation rows. */
  readonly label: string;
  readonly text: string;
  /** A dim marker after the text: "(typed)", "— interrupted", "[unfinished]", "…". */
  readonly mark?: string;
  readonly tone: RowTone;
  /** Events are drawn dimmer than turns. */
  readonly dim: boolean;
}

export function isTurn(item: TranscriptItem): item is Turn {
  return 'ordinal' in item;
}

export function isDivider(item: TranscriptItem): item is CallDivider {
  return 'divider' in item;
}

export function isSummary(item: TranscriptItem): item is SummaryBlock {
  return 'summary' in item;
}

/** The rule above a call's summary. */
export const SUMMARY_RULE = 'summary';

/** Continuation rows of a summary line are indented this much, so each line's start shows. */
const SUMMARY_INDENT = 2;

function isPending(item: TranscriptItem): item is PendingText {
  return 'text' in item && !('ordinal' in item);
}

/** A tool call's line as shown: its first line's place and time, its latest line's words. */
const toolLines = new WeakMap<CallEvent, CallEvent>();

function asToolLine(first: CallEvent, latest: CallEvent): CallEvent {
  if (first === latest) return first;
  let line = toolLines.get(latest);
  if (line?.id !== first.id) {
    line = { ...first, message: latest.message };
    toolLines.set(latest, line);
  }
  return line;
}

/**
 * The events shown inline: a tool call is one line, where it started, saying how it ended once
 * it has (`lookup({"id":7}) running`, then `lookup({"id":7}) → {"ok":1} (120 ms)` in its
 * place). Returns `previous` when the selection has not changed, so a flood of debug events
 * does not re-render the transcript.
 */
export function inlineEvents(
  events: readonly CallEvent[],
  previous: readonly CallEvent[] = [],
): readonly CallEvent[] {
  const inline = events.filter((event) => INLINE_EVENT_KINDS.has(event.kind));
  const latest = new Map<string, CallEvent>();
  for (const event of inline) if (event.toolCall !== undefined) latest.set(event.toolCall, event);
  const seen = new Set<string>();
  const next: CallEvent[] = [];
  for (const event of inline) {
    const id = event.toolCall;
    if (id === undefined) next.push(event);
    else if (!seen.has(id)) {
      seen.add(id);
      next.push(asToolLine(event, latest.get(id) ?? event));
    }
  }
  const same = next.length === previous.length && next.every((event, i) => event === previous[i]);
  return same ? previous : next;
}

/**
 * Turns (already ordered by ordinal) with inline events (see {@link inlineEvents}) and pending
 * typed messages interleaved by time. Each goes before the first turn that started after it,
 * except that a pending message never goes above a typed turn: the server takes typed messages
 * in the order sent, so one it already has was sent earlier (it may have held it while the agent
 * spoke, and made it a turn after later ones were sent).
 */
export function mergeItems(
  turns: readonly Turn[],
  events: readonly CallEvent[],
  pending: readonly PendingText[] = [],
): readonly TranscriptItem[] {
  const inline: readonly (CallEvent | PendingText)[] =
    pending.length === 0 ? events : [...events, ...pending].sort((a, b) => a.at - b.at);
  if (inline.length === 0) return turns;
  const lastTyped =
    pending.length === 0 ? -1 : turns.findLastIndex((t) => t.role === 'user' && t.typed);
  const out: TranscriptItem[] = [];
  const held: PendingText[] = [];
  let e = 0;
  for (let i = 0; i < turns.length; i++) {
    const turn = turns[i]!;
    while (e < inline.length && inline[e]!.at < turn.startedAt) {
      const item = inline[e++]!;
      if (i <= lastTyped && isPending(item)) held.push(item);
      else out.push(item);
    }
    out.push(turn);
    if (i === lastTyped) out.push(...held);
  }
  while (e < inline.length) out.push(inline[e++]!);
  return out;
}

/**
 * The transcript items of a snapshot, recomputed only when its turns or the inline events
 * change: live rows ask for them on every paint.
 */
export function itemsCache(): (
  turns: readonly Turn[],
  events: readonly CallEvent[],
  pending?: readonly PendingText[],
  ended?: boolean,
) => readonly TranscriptItem[] {
  let lastTurns: readonly Turn[] | undefined;
  let lastEvents: readonly CallEvent[] | undefined;
  let lastInline: readonly CallEvent[] = [];
  let lastPending: readonly PendingText[] = [];
  let items: readonly TranscriptItem[] = [];
  return (liveTurns, events, livePending = [], ended = false) => {
    const turns = ended ? endedTurns(liveTurns) : liveTurns;
    const pending = ended ? endedPending(livePending) : livePending;
    // Asked on every store update (each meter step): the events change only when one is added.
    const inline = events === lastEvents ? lastInline : inlineEvents(events, lastInline);
    lastEvents = events;
    if (turns !== lastTurns || inline !== lastInline || pending !== lastPending) {
      items = mergeItems(turns, inline, pending);
      lastTurns = turns;
      lastInline = inline;
      lastPending = pending;
    }
    return items;
  };
}

function turnMark(turn: Turn): string | undefined {
  const marks: string[] = [];
  if (turn.typed) marks.push('⌨ (typed)');
  if (turn.interrupted) marks.push(turn.unheard ? '— interrupted, not heard' : '— interrupted');
  else if (isUnfinished(turn)) marks.push('[unfinished]');
  // Still streaming: `…`, once. A text that ends in one already (the local agent's echo of a
  // long message, cut at 200 characters) read `word024… …`.
  else if (!turn.final && turn.role === 'agent' && !/(…|\.\.\.)\s*$/.test(turn.text))
    marks.push('…');
  return marks.length > 0 ? marks.join(' ') : undefined;
}

const ROLE_LABEL: Record<Role, string> = { user: 'You', agent: 'Agent' };

/** One rule across the pane, the label column included: "─────── call 2 · florist.md ───". */
function ruleRow(words: string, width: number): TranscriptRow {
  const room = Math.max(1, width - LABEL_WIDTH);
  const text = truncateToWidth(` ${screenLine(words)} `, room);
  const fill = Math.max(0, room - stringWidth(text));
  return {
    label: '─'.repeat(LABEL_WIDTH),
    text: text + '─'.repeat(fill),
    tone: 'divider',
    dim: true,
  };
}

function buildRows(item: TranscriptItem, width: number): TranscriptRow[] {
  if (isDivider(item)) return [ruleRow(item.divider, width)];
  const textWidth = Math.max(1, width - LABEL_WIDTH);
  if (isSummary(item)) {
    // Under a rule, each line wrapped in the text column, its continuation rows indented.
    const indent = ' '.repeat(SUMMARY_INDENT);
    const rest = Math.max(1, textWidth - SUMMARY_INDENT);
    return [
      ruleRow(SUMMARY_RULE, width),
      ...item.summary.flatMap((line) =>
        wrapText(screenLine(line), textWidth, rest).map(
          (text, i): TranscriptRow => ({
            label: '',
            text: i === 0 ? text : indent + text,
            tone: 'summary',
            dim: false,
          }),
        ),
      ),
    ];
  }
  let label: string;
  let text: string;
  let tone: RowTone;
  let mark: string | undefined;
  let dim = false;
  if (isTurn(item)) {
    label = ROLE_LABEL[item.role];
    text = screenText(item.text);
    tone = item.role;
    mark = turnMark(item);
  } else if (isPending(item)) {
    label = ROLE_LABEL.user;
    text = screenText(item.text);
    tone = 'user';
    mark = isUnconfirmed(item) ? UNCONFIRMED_MARK : PENDING_MARK;
    dim = true;
  } else {
    label = item.kind === 'tool' ? 'tool' : 'error';
    text = screenLine(eventText(item));
    tone = item.kind === 'tool' ? 'tool' : 'error';
    dim = true;
  }
  const lines = wrapText(text, textWidth);
  const rows: TranscriptRow[] = lines.map((line, i) => ({
    label: i === 0 ? label : '',
    text: line,
    tone,
    dim,
  }));
  if (mark !== undefined) {
    const last = rows[rows.length - 1]!;
    const gap = last.text.length > 0 ? 1 : 0;
    if (stringWidth(last.text) + gap + stringWidth(mark) <= textWidth) {
      rows[rows.length - 1] = { ...last, mark: gap ? ` ${mark}` : mark };
    } else {
      rows.push({ label: '', text: '', mark, tone, dim });
    }
  }
  return rows;
}

const cache = new WeakMap<TranscriptItem, { width: number; rows: readonly TranscriptRow[] }>();

/** Rows of one item at a pane width (label column included), cached per item and width. */
export function rowsOf(item: TranscriptItem, width: number): readonly TranscriptRow[] {
  const hit = cache.get(item);
  if (hit && hit.width === width) return hit.rows;
  const rows = buildRows(item, width);
  cache.set(item, { width, rows });
  return rows;
}

/** A position in the transcript: row `row` of item `item`. */
export interface RowPosition {
  readonly item: number;
  readonly row: number;
}

/** Follow the live end, or stay with `top` as the first visible row. */
export type ScrollState =
  | { readonly follow: true }
  | { readonly follow: false; readonly top: RowPosition };

export const FOLLOW: ScrollState = { follow: true };

/** What the pane draws. */
export interface TranscriptWindow {
  readonly rows: readonly TranscriptRow[];
  /** First visible row. */
  readonly top: RowPosition;
  /** The last row of the transcript is visible. */
  readonly atBottom: boolean;
  /** Items (turns/events) at least partly below the window. */
  readonly moreBelow: number;
}

/** The rows a pane of `height` rows shows at `width` columns in this scroll state. */
export function computeWindow(
  items: readonly TranscriptItem[],
  width: number,
  height: number,
  scroll: ScrollState,
): TranscriptWindow {
  if (items.length === 0 || height <= 0) {
    return { rows: [], top: { item: 0, row: 0 }, atBottom: true, moreBelow: 0 };
  }
  if (!scroll.follow) {
    const top = clampPosition(items, width, scroll.top);
    const rows: TranscriptRow[] = [];
    let item = top.item;
    let row = top.row;
    while (item < items.length && rows.length < height) {
      const itemRows = rowsOf(items[item]!, width);
      while (row < itemRows.length && rows.length < height) rows.push(itemRows[row++]!);
      if (row >= itemRows.length) {
        item++;
        row = 0;
      }
    }
    const atBottom = item >= items.length;
    // A window that ran out of transcript before filling up is the bottom window.
    if (!(atBottom && rows.length < height && (top.item > 0 || top.row > 0))) {
      return { rows, top, atBottom, moreBelow: items.length - item };
    }
  }
  return bottomWindow(items, width, height);
}

function bottomWindow(
  items: readonly TranscriptItem[],
  width: number,
  height: number,
): TranscriptWindow {
  const chunks: (readonly TranscriptRow[])[] = [];
  let remaining = height;
  let item = items.length - 1;
  let topRow = 0;
  for (; item >= 0 && remaining > 0; item--) {
    const itemRows = rowsOf(items[item]!, width);
    if (itemRows.length <= remaining) {
      chunks.push(itemRows);
      remaining -= itemRows.length;
      topRow = 0;
    } else {
      topRow = itemRows.length - remaining;
      chunks.push(itemRows.slice(topRow));
      remaining = 0;
    }
  }
  const rows: TranscriptRow[] = [];
  for (let i = chunks.length - 1; i >= 0; i--) rows.push(...chunks[i]!);
  return { rows, top: { item: item + 1, row: topRow }, atBottom: true, moreBelow: 0 };
}

function clampPosition(
  items: readonly TranscriptItem[],
  width: number,
  position: RowPosition,
): RowPosition {
  const item = Math.min(Math.max(0, position.item), items.length - 1);
  const count = rowsOf(items[item]!, width).length;
  return { item, row: Math.min(Math.max(0, position.row), count - 1) };
}

/** Moves a position by `delta` rows (negative = up), stopping at the first row. */
export function moveBy(
  items: readonly TranscriptItem[],
  width: number,
  from: RowPosition,
  delta: number,
): RowPosition {
  if (items.length === 0) return { item: 0, row: 0 };
  let { item, row } = clampPosition(items, width, from);
  let left = delta;
  while (left < 0) {
    if (row + left >= 0) return { item, row: row + left };
    left += row + 1;
    if (item === 0) return { item: 0, row: 0 };
    item--;
    row = rowsOf(items[item]!, width).length - 1;
  }
  while (left > 0) {
    const count = rowsOf(items[item]!, width).length;
    if (row + left < count) return { item, row: row + left };
    left -= count - row;
    if (item === items.length - 1) return { item, row: count - 1 };
    item++;
    row = 0;
  }
  return { item, row };
}

/** A scroll command for the transcript pane. */
export type ScrollCommand = 'lineUp' | 'lineDown' | 'pageUp' | 'pageDown' | 'top' | 'bottom';

/**
 * The scroll state after a command. Scrolling up leaves follow mode; reaching the end again
 * (End, or scrolling down to the last row) resumes following the live turn.
 */
export function scroll(
  state: ScrollState,
  command: ScrollCommand,
  items: readonly TranscriptItem[],
  width: number,
  height: number,
): ScrollState {
  if (command === 'bottom') return FOLLOW;
  if (items.length === 0) return FOLLOW;
  // When not following, one row of the pane is taken by the "↓ N more" line.
  const view = Math.max(1, height - 1);
  const page = Math.max(1, view - 1);
  let top: RowPosition;
  if (command === 'top') {
    top = { item: 0, row: 0 };
  } else {
    const current = state.follow ? computeWindow(items, width, view, FOLLOW).top : state.top;
    const delta =
      command === 'lineUp' ? -1 : command === 'lineDown' ? 1 : command === 'pageUp' ? -page : page;
    top = moveBy(items, width, current, delta);
    if (delta > 0 && state.follow) return FOLLOW;
  }
  const next: ScrollState = { follow: false, top };
  return computeWindow(items, width, view, next).atBottom ? FOLLOW : next;
}
