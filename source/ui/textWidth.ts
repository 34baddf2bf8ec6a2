/**
 * Terminal cell widths and word wrapping, measured exactly as Ink measures when it lays text
 * out: with `string-width` (the version Ink itself depends on), one grapheme cluster at a time.
 * The transcript pane wraps text itself (instead of letting Ink wrap) so it knows how many rows
 * every turn takes and renders only the rows that are visible; if its widths disagreed with
 * Ink's, a row holding CJK, a ZWJ emoji or a flag would push the pane separator out of its
 * column.
 */

import inkStringWidth from 'string-width';
import { graphemes } from '../text/graphemes.js';

/** Widths of clusters seen before: a transcript repeats the same few hundred. */
const clusterWidths = new Map<string, number>();
const MAX_CACHED_CLUSTERS = 4_096;

/** Columns one grapheme cluster takes (0, 1 or 2). */
export function clusterWidth(cluster: string): number {
  const code = cluster.charCodeAt(0);
  if (cluster.length === 1 && code >= 0x20 && code < 0x7f) return 1;
  let width = clusterWidths.get(cluster);
  if (width === undefined) {
    width = inkStringWidth(cluster);
    if (clusterWidths.size >= MAX_CACHED_CLUSTERS) clusterWidths.clear();
    clusterWidths.set(cluster, width);
  }
  return width;
}

function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) return false;
  }
  return true;
}

/** Columns a string takes (no escape sequences expected: sanitise first). */
export function stringWidth(text: string): number {
  return isPlainAscii(text) ? text.length : inkStringWidth(text);
}

/** The grapheme clusters of `text` (a ZWJ family or a flag is one). */
function clustersOf(text: string): string[] {
  if (isPlainAscii(text)) return text.split('');
  return Array.from(graphemes().segment(text), (s) => s.segment);
}

/** Cuts `text` to at most `width` columns, adding "…" when something was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const cluster of clustersOf(text)) {
    const w = clusterWidth(cluster);
    if (used + w > width - 1) break;
    out += cluster;
    used += w;
  }
  return `${out}…`;
}

/** The end of `text` that fits in `width` columns, whole clusters only (no ellipsis). */
export function lastColumns(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  const clusters = clustersOf(text);
  let used = 0;
  let from = clusters.length;
  while (from > 0) {
    const w = clusterWidth(clusters[from - 1]!);
    if (used + w > width) break;
    used += w;
    from--;
  }
  return clusters.slice(from).join('');
}

/**
 * `text` fitted to `width` columns by cutting the middle of its longest path (a word with a
 * `/`), which keeps the words around it and the path's end, the file name: `could not write
 * transcript /home/…/2026-11-30_demo.md: the disk is full`. Unchanged when it fits, or when
 * there is no path or too little room for one (the caller cuts it some other way then).
 */
export function fitPath(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  const longest = longestPath(text);
  if (longest === undefined) return text;
  const { path, at: from } = longest;
  const before = text.slice(0, from);
  const after = text.slice(from + path.length);
  const room = width - stringWidth(before) - stringWidth(after);
  if (room < MIN_PATH_COLUMNS) return text;
  return `${before}${shortenPath(path, room)}${after}`;
}

/** The fewest columns a path is cut to: fewer say nothing of where it is. */
export const MIN_PATH_COLUMNS = 12;

/**
 * `path` in `room` columns (at least {@link MIN_PATH_COLUMNS}), its middle given up for `…`:
 * the end gets the file name whole when it fits beside a few columns of the start, else two
 * thirds of the room (the file name matters more than the first folders). Pure.
 */
export function shortenPath(path: string, room: number): string {
  if (stringWidth(path) <= room) return path;
  const name = path.slice(path.lastIndexOf('/'));
  const tailColumns = Math.min(
    room - 1 - 4,
    Math.max(stringWidth(name), Math.ceil(((room - 1) * 2) / 3)),
  );
  const tail = lastColumns(path, tailColumns);
  const head = truncateToWidth(path, room - stringWidth(tail)).replace(/…$/, '');
  return `${head}…${tail}`;
}

/**
 * The longest path in `text` (a word with a `/`) and where it starts; a colon or comma that ends
 * the word belongs to the sentence, not the path.
 */
export function longestPath(text: string): { path: string; at: number } | undefined {
  const words = [...text.matchAll(/\S*\/\S*/g)];
  const longest = words.reduce<RegExpMatchArray | undefined>(
    (best, word) => (best === undefined || word[0].length > best[0].length ? word : best),
    undefined,
  );
  if (longest?.index === undefined) return undefined;
  return { path: longest[0].replace(/[:,;.]+$/, ''), at: longest.index };
}

/** `text` padded with spaces to exactly `width` columns (cut with "…" when wider). */
export function fitToWidth(text: string, width: number): string {
  const fitted = truncateToWidth(text, width);
  const used = stringWidth(fitted);
  return used < width ? fitted + ' '.repeat(width - used) : fitted;
}

/**
 * Word-wraps `text` to rows of at most `width` columns (`restWidth` for every row after the
 * first, when they differ: a first row shortened by a label). Newlines start new rows; a word is
 * split, between grapheme clusters, only when it is longer than the row it would move to; spaces
 * at a break are dropped. Always returns at least one row.
 */
export function wrapText(text: string, width: number, restWidth: number = width): string[] {
  const first = Math.max(1, Math.floor(width));
  const rest = Math.max(1, Math.floor(restWidth));
  const rows: string[] = [];
  const colsOf = (row: number) => (row === 0 ? first : rest);
  for (const paragraph of text.split('\n')) {
    wrapParagraph(paragraph, colsOf, rows);
  }
  return rows.length > 0 ? rows : [''];
}

function wrapParagraph(paragraph: string, colsOf: (row: number) => number, rows: string[]): void {
  if (paragraph.length === 0) {
    rows.push('');
    return;
  }
  // Fast path: most turns are short ASCII.
  if (paragraph.length <= colsOf(rows.length) && isPlainAscii(paragraph)) {
    rows.push(paragraph);
    return;
  }
  const firstRow = rows.length;
  let row = '';
  let rowWidth = 0;
  for (const word of paragraph.split(/( +)/)) {
    if (word.length === 0) continue;
    const wordWidth = stringWidth(word);
    const cols = colsOf(rows.length);
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
    if (rowWidth > 0 && wordWidth <= colsOf(rows.length + 1)) {
      rows.push(row.trimEnd());
      row = word;
      rowWidth = wordWidth;
      continue;
    }
    // A word longer than a whole row: split it where it reaches the edge, never inside a
    // cluster (half a flag or a ZWJ family is not a character).
    for (const cluster of clustersOf(word)) {
      const w = clusterWidth(cluster);
      if (rowWidth + w > colsOf(rows.length) && rowWidth > 0) {
        rows.push(row);
        row = '';
        rowWidth = 0;
      }
      row += cluster;
      rowWidth += w;
    }
  }
  if (row.length > 0 || rows.length === firstRow) rows.push(row.trimEnd());
}

/**
 * `text` in at most `columns`, its middle given up for `…`: its start and its end stay (a
 * reason's first and last words, an id's two ends). Pure.
 */
export function cutMiddle(text: string, columns: number): string {
  if (stringWidth(text) <= columns) return text;
  const tail = lastColumns(text, Math.floor((columns - 1) / 2));
  const head = truncateToWidth(text, columns - stringWidth(tail)).replace(/…$/, '');
  return `${head}…${tail}`;
}
