import { Box, Text } from 'ink';
import type { CallPhase } from '../../session/types.js';
import { noAnswerFromServer } from '../../text/durations.js';
import { screenLine } from '../sanitize.js';
import {
  cutMiddle,
  fitPath,
  longestPath,
  MIN_PATH_COLUMNS,
  shortenPath,
  stringWidth,
  truncateToWidth,
  wrapText,
} from '../textWidth.js';
import { fg } from '../theme.js';

export interface NoticeInput {
  readonly phase: CallPhase;
  readonly error?: string;
  readonly endReason?: string;
  readonly toast?: string;
  /** Whole seconds the server has been quiet (no answer to the pings), while it is. */
  readonly quietSeconds?: number;
  readonly quitting: boolean;
  /** `r` calls again: the ended line says so. */
  readonly redial?: boolean;
  /** The message line is open: keys type into it, so the ended line says Esc first. */
  readonly typing?: boolean;
  /** What the run is doing between calls (see `SessionStage`). */
  readonly between?:
    | { readonly kind: 'dialing'; readonly number: number }
    | { readonly kind: 'finishing'; readonly record: boolean; readonly then: 'redial' | 'quit' }
    | { readonly kind: 'failed'; readonly message: string };
}

/** Shown while a finished call's record is fetched from the server. */
export const FETCHING_RECORD_NOTICE = 'fetching the call record… (any key skips)';

/** One notice line. */
export interface Notice {
  readonly key: string;
  readonly text: string;
  readonly color: string;
  readonly bold: boolean;
  /**
   * Cut in the middle when too wide (the toast: "transcript saved to /home/…/2026-11-30_….md"
   * keeps the file name); otherwise at the end.
   */
  readonly middle?: boolean;
  /**
   * The rows made to fit `width` columns its own way (how the call ended keeps its keys and,
   * where one row would cut it, says its reason whole on two).
   */
  readonly fit?: (width: number) => string[];
  /**
   * May take a second row when one cannot show it readably (a path with too little room left
   * beside the words around it): the toast.
   */
  readonly twoRows?: boolean;
}

/** One row of a notice, fitted to the screen's width. */
export interface NoticeRow {
  readonly key: string;
  readonly text: string;
  readonly color: string;
  readonly bold: boolean;
  readonly middle: boolean;
}

/**
 * The lines shown above the footer: the error banner, the server's silence while it lasts, how
 * the call ended, the toast, the hang-up in progress. Pure, so the layout can count them before
 * rendering.
 */
export function notices(input: NoticeInput): Notice[] {
  const out: Notice[] = [];
  const ended = input.phase === 'ended' || input.phase === 'error';
  const error = input.error ? screenLine(input.error) : undefined;
  const reason = input.endReason ? screenLine(input.endReason) : undefined;
  if (error && !(ended && reason === error)) {
    out.push({ key: 'error', text: `✖ ${error}`, color: 'red', bold: true });
  }
  if (input.quietSeconds !== undefined && !ended) {
    const text = `warning: ${noAnswerFromServer(input.quietSeconds * 1_000)}`;
    // Narrow, said shorter: the count is what matters, never cut off.
    const short = `no answer for ${input.quietSeconds} s`;
    out.push({
      key: 'quiet',
      text,
      color: 'yellow',
      bold: true,
      fit: (width) => [stringWidth(text) <= width ? text : truncateToWidth(short, width)],
    });
  }
  const between = input.between;
  if (between?.kind === 'failed') {
    const message = `✖ ${screenLine(between.message)}`;
    const keys = input.typing ? ' — Esc, then r tries again, q quits' : ' — r tries again, q quits';
    out.push({
      key: 'between',
      text: `${message}${keys}`,
      color: 'red',
      bold: true,
      fit: (width) =>
        width >= TWO_ROW_ENDED_FROM
          ? rowsWithKeys(message, keys, keys, width)
          : [oneRowWithKeys(message, shortKeys(true, Boolean(input.typing)), width)],
    });
  } else if (between?.kind === 'dialing' && between.number > 1) {
    out.push({ key: 'between', text: 'calling again…', color: 'yellow', bold: false });
  } else if (between?.kind === 'finishing') {
    out.push({
      key: 'between',
      text: between.record
        ? FETCHING_RECORD_NOTICE
        : `hanging up${between.then === 'redial' ? ' to call again' : ''}… (Ctrl+C again to quit at once)`,
      color: 'yellow',
      bold: false,
    });
  } else if (input.quitting && !ended) {
    out.push({
      key: 'quitting',
      text: 'hanging up… (Ctrl+C again to quit at once)',
      color: 'yellow',
      bold: false,
    });
  } else if (ended) {
    const why = reason ?? (input.phase === 'error' ? 'error' : 'hung up');
    const redial = Boolean(input.redial);
    const typing = Boolean(input.typing);
    out.push({
      key: 'ended',
      text: `call ended: ${why}${endedKeys(redial, typing)}`,
      color: input.phase === 'error' ? 'red' : 'yellow',
      bold: input.phase === 'error',
      // A long reason takes a second row, or gives way where the screen is narrow: the keys at
      // the end stay readable, however narrow.
      fit: (width) =>
        width >= TWO_ROW_ENDED_FROM
          ? rowsWithKeys(
              `call ended: ${why}`,
              endedKeys(redial, typing),
              shortKeys(redial, typing),
              width,
            )
          : [endedLine(why, redial, width, typing)],
    });
  }
  if (input.toast) {
    const text = screenLine(input.toast);
    out.push({
      key: 'toast',
      text,
      color: 'blue',
      bold: false,
      middle: true,
      twoRows: true,
      // What failed (`could not write transcript <path>: <why>; <what to do>`): the reason and
      // the way out are what the user needs, so the path gives way for them.
      ...(FAILED.test(text) ? { fit: (width: number) => twoRowTextKeepingEnd(text, width) } : {}),
    });
  }
  return out;
}

/** A notice saying what failed, in the app's words. */
const FAILED = /^could not /;

/**
 * {@link twoRowText} for a line whose words after its path must be read whole (a failure's
 * reason and what to do: `could not write transcript ~/…/2026-12-02_demo.md: permission
 * denied; set another folder (…)`): when its two rows would cut them, its path is cut in its
 * middle (its file name kept) as little as lets two rows hold them; on a screen too narrow even
 * for that, the path is cut to its fewest columns and the end of the line gives way. Pure.
 */
export function twoRowTextKeepingEnd(text: string, width: number): string[] {
  const cached = keptEnd.get(`${width}:${text}`);
  if (cached) return cached;
  const rows = twoRowText(text, width);
  const found = longestPath(text);
  if (found === undefined) return rows;
  const before = text.slice(0, found.at);
  const after = text.slice(found.at + found.path.length);
  if (endsWith(rows, after)) return rows;
  // The path cut to `room` columns; the fewer, the likelier its end fits: the most room that
  // lets it, found by halving (a long path is thousands of columns, each try a wrap).
  const cut = (room: number) =>
    twoRowText(`${before}${shortenPath(found.path, room)}${after}`, width);
  let fitted: string[] | undefined;
  let low = MIN_PATH_COLUMNS;
  let high = stringWidth(found.path) - 1;
  while (low <= high) {
    const room = Math.floor((low + high) / 2);
    const candidate = cut(room);
    if (endsWith(candidate, after)) {
      fitted = candidate;
      low = room + 1;
    } else {
      high = room - 1;
    }
  }
  const result = fitted ?? cut(MIN_PATH_COLUMNS);
  // Drawn at every frame while it shows: worked out once per text and width.
  if (keptEnd.size > 8) keptEnd.clear();
  keptEnd.set(`${width}:${text}`, result);
  return result;
}

const keptEnd = new Map<string, string[]>();

/** `rows` end with all of `end`, nothing of it cut (a break between rows drops spaces only). */
function endsWith(rows: readonly string[], end: string): boolean {
  return rows.join('').replace(/\s+/g, '').endsWith(end.replace(/\s+/g, ''));
}

/**
 * `text` in rows of `width` columns: one when it fits; else two, never more. Whole when two
 * rows hold it, broken between words where it can, else inside a long word (a path is read
 * whole: cut in its middle it was no use to a user who wanted to open the file, or to see which
 * folder failed). Longer, the first row is the words wrapped and the second is fitted
 * ({@link fitSecondRow}): a path whole there with the words after it cut at their end, or the
 * path given way in its middle with its file name and what follows kept. Pure.
 */
export function twoRowText(text: string, width: number): string[] {
  if (stringWidth(text) <= width) return [text];
  const wrapped = wrapText(text, width).map((row) => row.trim());
  if (wrapped.length === 2 && wrapped.every((row) => row !== '')) {
    return breakAfterSlash(wrapped as [string, string], text, width);
  }
  const first = wrapped[0] ?? '';
  const rest = text.slice(text.indexOf(first) + first.length).trimStart();
  if (first === '' || rest === '') return [truncateToWidth(text, width)];
  return [first, fitSecondRow(rest, width)];
}

/**
 * Two rows that broke inside a long word (a path), broken instead just after its last `/` on
 * the first row when the second still fits: `…/and-yet-one-mo` over `re-level-deep/call.md`
 * read worse than `…/and-yet-one-more-level-deep/` over `call.md`.
 */
function breakAfterSlash([first, second]: [string, string], text: string, width: number): string[] {
  // Broke between words (a space was there): nothing to move.
  if (`${first} ${second}` === text.trim().replace(/ +/g, ' ')) return [first, second];
  const wordStart = first.lastIndexOf(' ') + 1;
  const slash = first.lastIndexOf('/');
  if (slash < wordStart || slash === first.length - 1) return [first, second];
  const next = `${first.slice(slash + 1)}${second}`;
  return stringWidth(next) <= width ? [first.slice(0, slash + 1), next] : [first, second];
}

/**
 * The second row of {@link twoRowText}: cut at its end when that keeps its path whole (`~/.config
 * /omnia-voice/config.json; omnia-voice config unse…`: the hint after the path gives way), else
 * the path cut in its middle (`…/2026-12-02_demo.md: permission denied`), else cut at its end.
 */
function fitSecondRow(rest: string, width: number): string {
  const cut = truncateToWidth(rest, width);
  const path = longestPath(rest)?.path;
  if (path === undefined || cut.includes(path)) return cut;
  const fitted = fitPath(rest, width);
  return stringWidth(fitted) <= width ? fitted : cut;
}

/** The rows of the notices at `width` columns, in order (cut by the caller to those that fit). */
export function noticeRows(items: readonly Notice[], width: number): NoticeRow[] {
  return items.flatMap((notice) => {
    const middle = Boolean(notice.middle);
    const texts = notice.fit
      ? notice.fit(width)
      : notice.twoRows
        ? twoRowText(notice.text, width)
        : [middle ? fitPath(notice.text, width) : notice.text];
    return texts.map((text, i) => ({
      key: i === 0 ? notice.key : `${notice.key}:${i}`,
      text,
      color: notice.color,
      bold: notice.bold,
      middle,
    }));
  });
}

/** From this width a reason that does not fit beside the keys takes a second row. */
const TWO_ROW_ENDED_FROM = 60;

/** What to press after a call ended; with the message line open, Esc closes it first. */
function endedKeys(redial: boolean, typing: boolean): string {
  const keys = `${redial ? 'r to call again, ' : ''}q to quit`;
  return typing ? ` — Esc, then ${keys}` : ` — press ${keys}`;
}

/** {@link endedKeys} said shorter, for a narrow screen. */
function shortKeys(redial: boolean, typing: boolean): string {
  const keys = redial ? 'r again · q quit' : 'q quit';
  return typing ? ` — Esc, ${keys}` : ` — ${keys}`;
}

/**
 * `text` then `keys` in one row of `width` columns if they fit, else in two: the text wrapped,
 * its second row cut in its middle if it must be, with the keys (or `shortKeys`) whole at its
 * end. Pure.
 */
export function rowsWithKeys(
  text: string,
  keys: string,
  shortKeys: string,
  width: number,
): string[] {
  if (stringWidth(text) + stringWidth(keys) <= width) return [`${text}${keys}`];
  const first = wrapText(text, width)[0] ?? '';
  const rest = text.slice(first.length).trimStart();
  const tail = stringWidth(rest) + stringWidth(keys) <= width ? keys : shortKeys;
  const room = width - stringWidth(tail);
  // Nothing left to say, or no room for it beside the keys: the keys alone.
  if (rest === '' || room < 10) return [first, truncateToWidth(tail.replace(/^ — /, ''), width)];
  return [first, `${cutMiddle(rest, room)}${tail}`];
}

/** `text` cut in its middle to leave room for `keys` after it, in one row; the keys alone when narrower. */
function oneRowWithKeys(text: string, keys: string, width: number): string {
  const room = width - stringWidth(keys);
  if (room < 10) return truncateToWidth(keys.replace(/^ — /, ''), width);
  return `${cutMiddle(text, room)}${keys}`;
}

/**
 * `call ended: <reason> — press r to call again, q to quit` in `width` columns: the reason is
 * cut first (in its middle), then the keys say it shorter (` — r again · q quit`), then `call ended` does; the
 * keys go last.
 */
export function endedLine(reason: string, redial: boolean, width: number, typing = false): string {
  const long = endedKeys(redial, typing);
  const short = shortKeys(redial, typing);
  const MIN_REASON_COLUMNS = 10;
  const want = Math.min(MIN_REASON_COLUMNS, stringWidth(reason));
  for (const [head, keys] of [
    ['call ended: ', long],
    ['call ended: ', short],
    ['ended: ', short],
  ] as const) {
    const room = width - stringWidth(head) - stringWidth(keys);
    if (room >= want) return `${head}${cutMiddle(reason, room)}${keys}`;
  }
  return truncateToWidth(`ended${short}`, width);
}

export function Notices({ rows, width }: { readonly rows: NoticeRow[]; readonly width: number }) {
  if (rows.length === 0) return null;
  return (
    <Box flexDirection="column" width={width}>
      {rows.map((row) => (
        <Text
          key={row.key}
          bold={row.bold}
          wrap={row.middle ? 'truncate-middle' : 'truncate-end'}
          {...fg(row.color)}
        >
          {row.text}
        </Text>
      ))}
    </Box>
  );
}
