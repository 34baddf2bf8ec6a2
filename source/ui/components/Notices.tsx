import { Box, Text } from 'ink';
import type { CallPhase } from '../../session/types.js';
import { sanitizeLine } from '../sanitize.js';
import { fitPath, lastColumns, stringWidth, truncateToWidth } from '../textWidth.js';
import { fg } from '../theme.js';

export interface NoticeInput {
  readonly phase: CallPhase;
  readonly error?: string;
  readonly endReason?: string;
  readonly toast?: string;
  readonly quitting: boolean;
  /** `r` calls again: the ended line says so. */
  readonly redial?: boolean;
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
  /** The line made to fit `width` columns its own way (how the call ended keeps its keys). */
  readonly fit?: (width: number) => string;
}

/**
 * The lines shown above the footer: the error banner, how the call ended, the toast, the
 * hang-up in progress. Pure, so the layout can count them before rendering.
 */
export function notices(input: NoticeInput): Notice[] {
  const out: Notice[] = [];
  const ended = input.phase === 'ended' || input.phase === 'error';
  const error = input.error ? sanitizeLine(input.error) : undefined;
  const reason = input.endReason ? sanitizeLine(input.endReason) : undefined;
  if (error && !(ended && reason === error)) {
    out.push({ key: 'error', text: `✖ ${error}`, color: 'red', bold: true });
  }
  const between = input.between;
  if (between?.kind === 'failed') {
    out.push({
      key: 'between',
      text: `✖ ${sanitizeLine(between.message)} — r tries again, q quits`,
      color: 'red',
      bold: true,
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
    out.push({
      key: 'ended',
      text: `call ended: ${why} — press ${redial ? 'r to call again, ' : ''}q to quit`,
      color: input.phase === 'error' ? 'red' : 'yellow',
      bold: input.phase === 'error',
      // A long reason gives way: the keys at the end stay readable, however narrow.
      fit: (width) => endedLine(why, redial, width),
    });
  }
  if (input.toast) {
    out.push({
      key: 'toast',
      text: sanitizeLine(input.toast),
      color: 'blue',
      bold: false,
      middle: true,
    });
  }
  return out;
}

/**
 * `call ended: <reason> — press r to call again, q to quit` in `width` columns: the reason is
 * cut first (in its middle), then the keys say it shorter (` — r again · q quit`), then `call ended` does; the
 * keys go last.
 */
export function endedLine(reason: string, redial: boolean, width: number): string {
  const long = ` — press ${redial ? 'r to call again, ' : ''}q to quit`;
  const short = redial ? ' — r again · q quit' : ' — q quit';
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

/** `text` in `columns`, its middle given up: a reason's start and its end (the server's own words) stay. */
function cutMiddle(text: string, columns: number): string {
  if (stringWidth(text) <= columns) return text;
  const tail = lastColumns(text, Math.floor((columns - 1) / 2));
  const head = truncateToWidth(text, columns - stringWidth(tail)).replace(/…$/, '');
  return `${head}…${tail}`;
}

export function Notices({ items, width }: { readonly items: Notice[]; readonly width: number }) {
  if (items.length === 0) return null;
  return (
    <Box flexDirection="column" width={width}>
      {items.map((notice) => (
        <Text
          key={notice.key}
          bold={notice.bold}
          wrap={notice.middle ? 'truncate-middle' : 'truncate-end'}
          {...fg(notice.color)}
        >
          {notice.fit
            ? notice.fit(width)
            : notice.middle
              ? fitPath(notice.text, width)
              : notice.text}
        </Text>
      ))}
    </Box>
  );
}
