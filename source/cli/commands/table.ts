/**
 * Columns of text for the list commands. Pure. Widths are terminal cells, measured as the UI
 * measures them (`string-width`, source/ui/textWidth.ts): a CJK character or an emoji takes two,
 * a joiner or an accent none, so the columns line up whatever the script.
 */
import { stringWidth, truncateToWidth } from '../../ui/textWidth.js';

/** One column: its heading, and its widest allowed cell in cells (longer text is cut with `…`). */
export interface Column<T> {
  readonly heading: string;
  readonly value: (row: T) => string;
  readonly maxWidth?: number;
  /**
   * Free text that may be cut further (with `…`) to fit a narrower terminal, down to this many
   * cells (or its heading's width). Columns without it (ids, times) are never cut: they are
   * what users copy.
   */
  readonly minWidth?: number;
  /**
   * When even the cut columns leave the table too wide, columns with this are left out, the
   * lowest first, as few as it takes.
   */
  readonly dropOrder?: number;
}

/** A table laid out, and the headings of the columns left out to fit its width. */
export interface TableLayout {
  readonly lines: string[];
  readonly dropped: string[];
}

/** Cells between two columns. */
const GAP = 2;

/** The rows under their headings, columns two spaces apart, no trailing spaces. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  return layoutTable(rows, columns).lines;
}

/**
 * {@link formatTable}, fitted to `width` cells when given (a terminal's width): the widest
 * free-text columns are cut first, each down to its `minWidth`, and when that is not enough the
 * columns with a `dropOrder` are left out. Without `width`, exactly {@link formatTable}'s lines.
 */
export function layoutTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  width?: number,
): TableLayout {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const text = column.value(row).replace(/\s+/g, ' ').trim();
      // Cut between grapheme clusters, never inside a wide character or an emoji sequence.
      return column.maxWidth === undefined ? text : truncateToWidth(text, column.maxWidth);
    }),
  );
  const natural = columns.map((column, index) =>
    Math.max(stringWidth(column.heading), ...cells.map((row) => stringWidth(row[index] ?? ''))),
  );
  let kept = columns.map((_, index) => index);
  const widths = natural.slice();
  if (width !== undefined) {
    const floor = (index: number): number => {
      const column = columns[index]!;
      if (column.minWidth === undefined) return natural[index]!;
      const least = Math.max(column.minWidth, stringWidth(column.heading));
      return Math.min(natural[index]!, least);
    };
    const total = (indexes: readonly number[], of: (index: number) => number) =>
      indexes.reduce((sum, index) => sum + of(index), 0) + GAP * Math.max(0, indexes.length - 1);
    const droppable = kept
      .filter((index) => columns[index]!.dropOrder !== undefined)
      .sort((a, b) => columns[a]!.dropOrder! - columns[b]!.dropOrder!);
    for (let k = 0; k <= droppable.length; k++) {
      const gone = new Set(droppable.slice(0, k));
      kept = columns.map((_, index) => index).filter((index) => !gone.has(index));
      if (total(kept, floor) <= width) break;
    }
    // The widest cuttable column gives a cell at a time, until the table fits or none can give.
    let excess = total(kept, (index) => widths[index]!) - width;
    while (excess > 0) {
      let widest: number | undefined;
      for (const index of kept) {
        if (widths[index]! <= floor(index)) continue;
        if (widest === undefined || widths[index]! > widths[widest]!) widest = index;
      }
      if (widest === undefined) break;
      widths[widest]! -= 1;
      excess -= 1;
    }
  }
  const line = (values: readonly string[]) =>
    kept
      .map((index, at) => {
        const value =
          widths[index]! < natural[index]!
            ? truncateToWidth(values[index] ?? '', widths[index]!)
            : (values[index] ?? '');
        return at === kept.length - 1
          ? value
          : value + ' '.repeat(Math.max(0, widths[index]! - stringWidth(value)));
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const keptSet = new Set(kept);
  return {
    lines: [line(columns.map((column) => column.heading)), ...cells.map(line)],
    dropped: columns.filter((_, index) => !keptSet.has(index)).map((column) => column.heading),
  };
}

/**
 * The width to fit a table to: the terminal's, when stdout is one. A pipe or a file gets the
 * table whole (undefined), as scripts have always read it.
 */
export function terminalWidth(
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'> = process.stdout,
): number | undefined {
  if (!stream.isTTY) return undefined;
  const columns = stream.columns;
  return typeof columns === 'number' && columns > 0 ? columns : undefined;
}

/** The stderr line for columns left out to fit the terminal, or undefined when none were. */
export function droppedLine(
  dropped: readonly string[],
  width: number | undefined,
): string | undefined {
  if (dropped.length === 0 || width === undefined) return undefined;
  return `Left out to fit ${width} columns: ${dropped.join(', ')}; --json has every field.`;
}
