/**
 * Terminal cell widths and word wrapping. The transcript pane wraps text itself (instead of
 * letting Ink wrap) so it knows how many rows every turn takes and can render only the rows
 * that are visible: that is what keeps a 10,000-turn call as cheap to draw as a short one.
 */

const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;

// East Asian Wide and Fullwidth blocks, as [first, last] code points.
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

/** Columns one code point takes in a terminal (0, 1 or 2). */
export function charWidth(codePoint: number): number {
  if (codePoint < 0x300) return codePoint < 0x20 || (codePoint >= 0x7f && codePoint < 0xa0) ? 0 : 1;
  const ch = String.fromCodePoint(codePoint);
  if (ZERO_WIDTH.test(ch)) return 0;
  for (const [first, last] of WIDE_RANGES) {
    if (codePoint >= first && codePoint <= last) return 2;
  }
  if (codePoint >= 0x1f000 && PICTOGRAPH.test(ch)) return 2;
  return 1;
}

/** Columns a string takes (no escape sequences expected: sanitise first). */
export function stringWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f) {
      width += 1;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    if (cp > 0xffff) i++;
    width += charWidth(cp);
  }
  return width;
}

/** Cuts `text` to at most `width` columns, adding "…" when something was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0) ?? 0);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/**
 * Word-wraps `text` to rows of at most `width` columns. Newlines start new rows; words longer
 * than a row are split; spaces at a break are dropped. Always returns at least one row.
 */
export function wrapText(text: string, width: number): string[] {
  const cols = Math.max(1, Math.floor(width));
  const rows: string[] = [];
  for (const paragraph of text.split('\n')) {
    wrapParagraph(paragraph, cols, rows);
  }
  return rows.length > 0 ? rows : [''];
}

function wrapParagraph(paragraph: string, cols: number, rows: string[]): void {
  if (paragraph.length === 0) {
    rows.push('');
    return;
  }
  // Fast path: most turns are short ASCII.
  if (paragraph.length <= cols && isPlainAscii(paragraph)) {
    rows.push(paragraph);
    return;
  }
  const firstRow = rows.length;
  let row = '';
  let rowWidth = 0;
  for (const word of paragraph.split(/( +)/)) {
    if (word.length === 0) continue;
    const wordWidth = stringWidth(word);
    if (rowWidth + wordWidth <= cols) {
      row += word;
      rowWidth += wordWidth;
      continue;
    }
    if (word.startsWith(' ')) {
      // The break falls on spaces: end the row here and drop them.
      rows.push(row);
      row = '';
      rowWidth = 0;
      continue;
    }
    if (rowWidth > 0 && wordWidth <= cols) {
      rows.push(row.trimEnd());
      row = word;
      rowWidth = wordWidth;
      continue;
    }
    // A word longer than a whole row: split it wherever it reaches the edge.
    for (const ch of word) {
      const w = charWidth(ch.codePointAt(0) ?? 0);
      if (rowWidth + w > cols && rowWidth > 0) {
        rows.push(row);
        row = '';
        rowWidth = 0;
      }
      row += ch;
      rowWidth += w;
    }
  }
  if (row.length > 0 || rows.length === firstRow) rows.push(row.trimEnd());
}

function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}
