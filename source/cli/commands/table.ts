/** Columns of text for the list commands. Pure. */

/** One column: its heading, and its widest allowed cell (longer text is cut with `…`). */
export interface Column<T> {
  readonly heading: string;
  readonly value: (row: T) => string;
  readonly maxWidth?: number;
}

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** The rows under their headings, columns two spaces apart, no trailing spaces. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  const cells = rows.map((row) =>
    columns.map((column) => {
      const text = column.value(row).replace(/\s+/g, ' ').trim();
      return column.maxWidth === undefined ? text : cut(text, column.maxWidth);
    }),
  );
  const widths = columns.map((column, index) =>
    Math.max(column.heading.length, ...cells.map((row) => Array.from(row[index] ?? '').length)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, index) =>
        index === values.length - 1
          ? value
          : value.padEnd((widths[index] ?? 0) + value.length - Array.from(value).length),
      )
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.heading)), ...cells.map(line)];
}
