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
}

/** The rows under their headings, columns two spaces apart, no trailing spaces. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const text = column.value(row).replace(/\s+/g, ' ').trim();
      // Cut between grapheme clusters, never inside a wide character or an emoji sequence.
      return column.maxWidth === undefined ? text : truncateToWidth(text, column.maxWidth);
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(stringWidth(column.heading), ...cells.map((row) => stringWidth(row[index] ?? ''))),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) =>
        index === values.length - 1
          ? value
          : value + ' '.repeat(Math.max(0, (widths[index] ?? 0) - stringWidth(value))),
      )
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.heading)), ...cells.map(line)];
}
