import { Box, Text } from 'ink';
import { helpRows } from '../keymap.js';
import { LINE_KEYS } from '../lineEdit.js';
import { stringWidth, wrapText } from '../textWidth.js';

const KEYS_COLUMNS = 8;

/** The title's hint; the long one where it fits (with the help open, the call's keys do nothing). */
const HINT = '(? or Esc to close)';
const HINT_LONG = `${HINT} · the call's keys work once it is closed`;

/** One display line of the help: a binding's first line carries its keys. */
export interface HelpLine {
  readonly key: string;
  readonly keys: string;
  readonly text: string;
  /** "(in call)" after the description, on its last line. */
  readonly when: string;
  /** A line across the whole width, with no keys column (the message line's keys). */
  readonly full?: boolean;
}

/** What the help says of the run's keys: push-to-talk on (`--ptt`) and held, `r` there. */
export interface HelpKeys {
  readonly ptt: boolean;
  readonly pttHold: boolean;
  readonly redial: boolean;
}

/** Every binding, its description wrapped to `width` (the keys column apart). Pure. */
export function helpLines(width: number, keys: HelpKeys, note?: string): HelpLine[] {
  const room = Math.max(1, width - KEYS_COLUMNS);
  const bindings = helpRows(keys).flatMap((row) => {
    const whole = row.when === '' ? row.description : `${row.description} (${row.when})`;
    const wrapped = wrapText(whole, room);
    return wrapped.map((line, i) => {
      // The "(when)" part is drawn dim: split it off the last line when it is there whole.
      const suffix = row.when === '' ? '' : `(${row.when})`;
      const last = i === wrapped.length - 1 && suffix !== '' && line.endsWith(suffix);
      return {
        key: `${row.keys}:${i}`,
        keys: i === 0 ? row.keys : '',
        text: last ? line.slice(0, line.length - suffix.length).trimEnd() : line,
        when: last ? suffix : '',
      };
    });
  });
  // The message line's editing keys, under the bindings: each row wrapped to the whole width.
  const editing = LINE_KEYS.flatMap(({ keys, description }) =>
    wrapText(`${keys}: ${description}`, Math.max(1, width - 2)).map((line, i) => ({
      key: `line:${keys}:${i}`,
      keys: '',
      text: i === 0 ? line : `  ${line}`,
      when: '',
      full: true,
    })),
  );
  const heading = { key: 'line:heading', keys: '', text: 'In the message line (t):', when: '' };
  const gap = { key: 'line:gap', keys: '', text: '', when: '' };
  // The run's own line (on the local agent: how to reach Omnia), last, over the whole width.
  const noted =
    note === undefined
      ? []
      : [
          { ...gap, key: 'note:gap' },
          ...wrapText(note, Math.max(1, width)).map((line, i) => ({
            key: `note:${i}`,
            keys: '',
            text: line,
            when: '',
            full: true,
          })),
        ];
  return [...bindings, gap, { ...heading, full: true }, ...editing, ...noted];
}

/** Rows the help's lines get: the screen's body less its title and its "more" line. */
export function helpRoom(height: number): number {
  return Math.max(1, height - 2);
}

/** Every binding of the keymap with its description and when it works (`?`); ↑↓ scroll it. */
export function HelpOverlay({
  width,
  height,
  top = 0,
  ptt = false,
  pttHold = false,
  redial = false,
  note,
}: {
  readonly width: number;
  readonly height: number;
  /** First line shown: the help scrolls when the terminal is too small for it. */
  readonly top?: number;
  /** Push-to-talk mode (`--ptt`): Space talks; else the help says it does not. */
  readonly ptt?: boolean;
  /** Space is held to talk (the terminal reports key releases). */
  readonly pttHold?: boolean;
  /** `r` calls again. */
  readonly redial?: boolean;
  /** A line of the run's under the keys. */
  readonly note?: string;
}) {
  const lines = helpLines(width, { ptt, pttHold, redial }, note);
  const room = helpRoom(height);
  const from = Math.max(0, Math.min(top, lines.length - room));
  const shown = lines.slice(from, from + room);
  const below = lines.length - from - shown.length;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        Keys <Text dimColor>{stringWidth(`Keys ${HINT_LONG}`) <= width ? HINT_LONG : HINT}</Text>
      </Text>
      {shown.map((line) => (
        <Text key={line.key} wrap="truncate-end">
          {!line.full && <Text bold>{line.keys.padEnd(KEYS_COLUMNS)}</Text>}
          <Text>{line.text}</Text>
          {/* Alone on its line, "(when)" starts under the descriptions, like their text. */}
          {line.when !== '' && <Text dimColor>{`${line.text === '' ? '' : ' '}${line.when}`}</Text>}
        </Text>
      ))}
      {(from > 0 || below > 0) && (
        <Text dimColor wrap="truncate-end">
          {`${[from > 0 ? `↑ ${from} above` : '', below > 0 ? `↓ ${below} more` : '']
            .filter(Boolean)
            .join(' · ')} (↑↓ PgUp PgDn scroll)`}
        </Text>
      )}
    </Box>
  );
}
