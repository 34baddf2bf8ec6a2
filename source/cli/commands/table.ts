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
  /**
   * A shorter form of the same fact (an end reason's code, `agent_hangup`, for its words), shown
   * in a terminal too narrow for the whole text instead of cutting the text into words that say
   * nothing. Cut itself (down to `minWidth`) only when even it does not fit.
   */
  readonly compact?: (row: T) => string;
  /**
   * An id, whole while the table fits otherwise, but cut (with `…`, down to its first `cells`
   * cells) rather than leave out a column whose `dropOrder` is `before` or more: shown so, it is
   * the start of the id, which the command that takes it resolves (`calls show 4f3eb932…`). Cut
   * last, after every free-text column has given what it can and the compact forms are shown.
   */
  readonly prefix?: { readonly cells: number; readonly before: number };
}

/**
 * A table laid out, the headings of the columns left out to fit its width, and those of the
 * columns cut to the start of their ids (`prefix`).
 */
export interface TableLayout {
  readonly lines: string[];
  readonly dropped: string[];
  readonly prefixed?: string[];
  /** The free-text columns (with a `minWidth`) cut to fit the width: some cell shown with `…`. */
  readonly cut?: string[];
}

/** Cells between two columns. */
const GAP = 2;

/** The rows under their headings, columns two spaces apart, no trailing spaces. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  return layoutTable(rows, columns).lines;
}

/**
 * {@link formatTable}, fitted to `width` cells when given (a terminal's width): the widest
 * free-text columns are cut first, each down to its `minWidth`; a column with a `compact` form
 * shows that form rather than its text cut; and when that is not enough the columns with a
 * `dropOrder` are left out. Without `width`, exactly {@link formatTable}'s lines.
 */
export function layoutTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  width?: number,
): TableLayout {
  const cellsOf = (value: (column: Column<T>) => ((row: T) => string) | undefined) =>
    rows.map((row) =>
      columns.map((column) => {
        const of = value(column);
        if (of === undefined) return '';
        const text = of(row).replace(/\s+/g, ' ').trim();
        // Cut between grapheme clusters, never inside a wide character or an emoji sequence.
        return column.maxWidth === undefined ? text : truncateToWidth(text, column.maxWidth);
      }),
    );
  const full = cellsOf((column) => column.value);
  const short = cellsOf((column) => column.compact);
  const widest = (cells: readonly string[][], index: number) =>
    Math.max(
      stringWidth(columns[index]!.heading),
      ...cells.map((row) => stringWidth(row[index] ?? '')),
    );
  const fullWidth = columns.map((_, index) => widest(full, index));
  const shortWidth = columns.map((column, index) =>
    column.compact ? widest(short, index) : fullWidth[index]!,
  );
  // The columns shown in their compact form.
  const compacted = new Set<number>();
  const natural = (index: number) =>
    compacted.has(index) ? shortWidth[index]! : fullWidth[index]!;
  let kept = columns.map((_, index) => index);
  let widths = columns.map((_, index) => natural(index));
  if (width !== undefined) {
    // The least a column takes: its compact form when it has one (the full text is never cut
    // while that form fits), else its text cut to its minWidth (or its heading).
    // The prefix columns (ids) that may be cut, among the columns kept: only once every column
    // that goes before them (a `dropOrder` below their `prefix.before`) is left out.
    let prefixable = new Set<number>();
    const prefixableFor = (keptNow: readonly number[]) =>
      new Set(
        keptNow.filter((index) => {
          const prefix = columns[index]!.prefix;
          if (prefix === undefined) return false;
          return !keptNow.some(
            (other) => (columns[other]!.dropOrder ?? prefix.before) < prefix.before,
          );
        }),
      );
    const floor = (index: number, compact = compacted.has(index)): number => {
      const column = columns[index]!;
      if (prefixable.has(index)) return Math.min(fullWidth[index]!, column.prefix!.cells + 1);
      if (column.compact && !compact) return fullWidth[index]!;
      const whole = compact ? shortWidth[index]! : fullWidth[index]!;
      if (column.minWidth === undefined) return whole;
      const least = Math.max(column.minWidth, stringWidth(column.heading));
      return Math.min(whole, least);
    };
    const total = (indexes: readonly number[], of: (index: number) => number) =>
      indexes.reduce((sum, index) => sum + of(index), 0) + GAP * Math.max(0, indexes.length - 1);
    const droppable = kept
      .filter((index) => columns[index]!.dropOrder !== undefined)
      .sort((a, b) => columns[a]!.dropOrder! - columns[b]!.dropOrder!);
    for (let k = 0; k <= droppable.length; k++) {
      const gone = new Set(droppable.slice(0, k));
      kept = columns.map((_, index) => index).filter((index) => !gone.has(index));
      prefixable = prefixableFor(kept);
      if (total(kept, (index) => floor(index, columns[index]!.compact !== undefined)) <= width)
        break;
    }
    // The widest cuttable column gives a cell at a time, until the table fits or none can give;
    // when none can, the widest column with a compact form takes it, and the cutting starts over.
    // A prefix column (an id) gives only when nothing else can, compact forms and all; then it
    // is cut to its prefix at once (the start of an id names it as well as any longer part
    // would), and the free text has the room back.
    let idsGive = false;
    for (;;) {
      widths = columns.map((_, index) =>
        idsGive && prefixable.has(index) ? floor(index) : natural(index),
      );
      let excess = total(kept, (index) => widths[index]!) - width;
      while (excess > 0) {
        let cut: number | undefined;
        for (const index of kept) {
          if (widths[index]! <= floor(index) || prefixable.has(index)) continue;
          if (cut === undefined || widths[index]! > widths[cut]!) cut = index;
        }
        if (cut === undefined) break;
        widths[cut]! -= 1;
        excess -= 1;
      }
      if (excess <= 0) break;
      const next = kept
        .filter((index) => columns[index]!.compact && !compacted.has(index))
        .sort((a, b) => fullWidth[b]! - fullWidth[a]!)[0];
      if (next !== undefined) compacted.add(next);
      else if (!idsGive && prefixable.size > 0) idsGive = true;
      else break;
    }
  }
  const cells = full.map((row, at) =>
    row.map((cell, index) => (compacted.has(index) ? (short[at]?.[index] ?? '') : cell)),
  );
  const line = (values: readonly string[]) =>
    kept
      .map((index, at) => {
        const value =
          widths[index]! < natural(index)
            ? truncateToWidth(values[index] ?? '', widths[index]!)
            : (values[index] ?? '');
        return at === kept.length - 1
          ? value
          : value + ' '.repeat(Math.max(0, widths[index]! - stringWidth(value)));
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  const keptSet = new Set(kept);
  const prefixed = kept
    .filter((index) => columns[index]!.prefix !== undefined && widths[index]! < natural(index))
    .map((index) => columns[index]!.heading);
  const cut = kept
    .filter(
      (index) =>
        columns[index]!.minWidth !== undefined &&
        columns[index]!.prefix === undefined &&
        cells.some((row) => stringWidth(row[index] ?? '') > widths[index]!),
    )
    .map((index) => columns[index]!.heading);
  return {
    lines: [line(columns.map((column) => column.heading)), ...cells.map(line)],
    dropped: columns.filter((_, index) => !keptSet.has(index)).map((column) => column.heading),
    ...(prefixed.length > 0 ? { prefixed } : {}),
    ...(cut.length > 0 ? { cut } : {}),
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
