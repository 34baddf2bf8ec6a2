/**
 * Ink turns its frame into text with `Output.get()`: a grid of one object per cell, every
 * line of every text node tokenised into styled characters, then every row turned back into
 * a string. It does this for the whole screen on every frame, with caches that live for one
 * frame only, so an unchanged row costs as much as a new one. With 10,000 turns that was over
 * half of a frame's 5 ms here.
 *
 * `shareInkCaches()` wraps `Output.get()` with a cache of finished rows: each row's text is
 * a pure function of the pieces written on it (column and text, after Ink's own transforms),
 * so a row whose pieces are the same as in an earlier frame is taken from the cache, and only
 * the rows that changed are drawn, by Ink's own `get()` on a one-row `Output`. Frames that
 * clip (a box that hides its overflow) go through Ink's `get()` unchanged. Ink's per-line
 * caches are also shared across frames. Both caches start again empty when they grow past
 * {@link MAX_CACHED_ROWS} entries (a long call streams many distinct rows).
 *
 * It relies on Ink 6's internals (`build/output.js`: `operations`, `caches`, `write()`,
 * `get()`), checked before patching: with any other shape it changes nothing, and Ink works
 * as it ships. test/ui/ink-caches.test.tsx checks frames are the same with and without it.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** Beyond this many cached rows (or lines) the caches start again empty. */
export const MAX_CACHED_ROWS = 4_096;

type Transformer = (line: string, index: number) => string;

type Operation =
  | { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] }
  | { type: 'clip' | 'unclip' };

interface Caches {
  styledChars: Map<string, unknown>;
  widths: Map<string, number>;
  blockWidths: Map<string, number>;
}

interface OutputLike {
  width: number;
  height: number;
  operations: Operation[];
  caches: Caches;
  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void;
  get(): { output: string; height: number };
}

type OutputClass = (new (options: {
  width: number;
  height: number;
}) => OutputLike) & {
  prototype: OutputLike & { [PATCHED]?: true };
};

const PATCHED = Symbol.for('omnia-voice.ink-row-cache');

function isCaches(value: unknown): value is Caches {
  const c = value as Partial<Caches> | undefined;
  return c?.styledChars instanceof Map && c.widths instanceof Map && c.blockWidths instanceof Map;
}

/** Ink's `Output` class, reached by file: the same module instance Ink's renderer uses. */
async function loadOutput(): Promise<OutputClass | undefined> {
  try {
    const inkMain = createRequire(import.meta.url).resolve('ink');
    const url = new URL('./output.js', pathToFileURL(inkMain));
    return ((await import(url.href)) as { default?: OutputClass }).default;
  } catch {
    return undefined;
  }
}

/**
 * Patch Ink's `Output` (once per process). Resolves to true when patched (or already), false
 * when this Ink is not shaped as expected (then nothing is changed).
 */
export async function shareInkCaches(): Promise<boolean> {
  const Output = await loadOutput();
  const proto = Output?.prototype;
  if (!Output || !proto || typeof proto.get !== 'function' || typeof proto.write !== 'function')
    return false;
  if (proto[PATCHED]) return true;
  const probe = new Output({ width: 1, height: 1 });
  if (!isCaches(probe.caches) || !Array.isArray(probe.operations)) return false;
  const lineCaches = probe.caches;
  const inkGet = proto.get;
  const rows = new Map<string, string>();

  /** One row drawn by Ink itself, from pieces already transformed. */
  const drawRow = (width: number, pieces: Array<[number, string]>): string => {
    const one = new Output({ width, height: 1 });
    one.caches = lineCaches;
    for (const [x, text] of pieces) one.write(x, 0, text, { transformers: [] });
    return inkGet.call(one).output;
  };

  proto.get = function getWithRowCache(this: OutputLike) {
    if (lineCaches.styledChars.size > MAX_CACHED_ROWS || lineCaches.widths.size > MAX_CACHED_ROWS) {
      lineCaches.styledChars.clear();
      lineCaches.widths.clear();
      lineCaches.blockWidths.clear();
    }
    if (rows.size > MAX_CACHED_ROWS) rows.clear();
    this.caches = lineCaches;
    const ops = this.operations;
    if (ops.some((op) => op.type !== 'write')) return inkGet.call(this);
    const pieces: Array<Array<[number, string]>> = Array.from({ length: this.height }, () => []);
    for (const op of ops) {
      if (op.type !== 'write' || !op.text) continue;
      const lines = op.text.split('\n');
      for (let index = 0; index < lines.length; index++) {
        // Like Ink: from the first line that falls off the grid, the rest of the text is dropped.
        const row = pieces[op.y + index];
        if (!row) break;
        let line = lines[index] ?? '';
        for (const transform of op.transformers) line = transform(line, index);
        row.push([op.x, line]);
      }
    }
    const out: string[] = [];
    for (const row of pieces) {
      if (row.length === 0) {
        out.push('');
        continue;
      }
      let key = `${this.width}`;
      for (const [x, text] of row) key += `\u0000${x}\u0000${text}`;
      let text = rows.get(key);
      if (text === undefined) {
        text = drawRow(this.width, row);
        rows.set(key, text);
      }
      out.push(text);
    }
    return { output: out.join('\n'), height: this.height };
  };
  proto[PATCHED] = true;
  return true;
}
