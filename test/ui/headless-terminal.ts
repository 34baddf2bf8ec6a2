/**
 * A terminal emulator with no window (`@xterm/headless`, with grapheme clusters measured as
 * modern terminals do) fed the app's own output, for exact screen comparisons: what a user would
 * see, cell by cell, after any sequence of frames and resizes.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import unicodeGraphemes from '@xterm/addon-unicode-graphemes';
import xtermHeadless from '@xterm/headless';

const { Terminal } = xtermHeadless;
const { UnicodeGraphemesAddon } = unicodeGraphemes;

/** Quiet time after the last write before the screen counts as settled. */
const SETTLE_MS = 150;

export interface HeadlessTerminal {
  /** A TTY-like stdout for Ink: writes go to the emulator. */
  readonly stdout: NodeJS.WriteStream;
  /** A TTY-like stdin for Ink (raw mode is recorded, keys can be written). */
  readonly stdin: NodeJS.ReadStream & { isRaw: boolean };
  /** Resize the emulator and tell Ink, as a terminal window would. */
  resize(columns: number, rows: number): void;
  /** The screen as text, one string per row, trailing blanks trimmed. */
  screen(): string[];
  /** The character in a cell (a wide character's second cell is ""). */
  cell(x: number, y: number): string;
  /** Resolves once nothing has been written for a while and the emulator has parsed it all. */
  settled(): Promise<void>;
  dispose(): void;
}

export function headlessTerminal(columns: number, rows: number): HeadlessTerminal {
  // A real tty turns \n into \r\n (onlcr); Ink relies on it.
  const term = new Terminal({ cols: columns, rows, allowProposedApi: true, convertEol: true });
  term.loadAddon(new UnicodeGraphemesAddon());
  term.unicode.activeVersion = '15-graphemes';
  let lastWriteAt = 0;
  let pending = 0;

  const stdout = Object.assign(new EventEmitter(), {
    isTTY: true,
    columns,
    rows,
    writable: true,
    write(data: string | Uint8Array, ...rest: unknown[]): boolean {
      lastWriteAt = Date.now();
      pending += 1;
      term.write(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'), () => {
        pending -= 1;
      });
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    },
  }) as unknown as NodeJS.WriteStream & { columns: number; rows: number };

  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      stdin.isRaw = mode;
      return stdin;
    },
    ref() {
      return stdin;
    },
    unref() {
      return stdin;
    },
  }) as unknown as NodeJS.ReadStream & { isRaw: boolean };

  return {
    stdout,
    stdin,
    resize(c, r) {
      term.resize(c, r);
      stdout.columns = c;
      stdout.rows = r;
      stdout.emit('resize');
    },
    screen() {
      const out: string[] = [];
      const buffer = term.buffer.active;
      for (let y = 0; y < term.rows; y++) {
        out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
      }
      return out;
    },
    cell(x, y) {
      const buffer = term.buffer.active;
      return (
        buffer
          .getLine(buffer.viewportY + y)
          ?.getCell(x)
          ?.getChars() ?? ''
      );
    },
    async settled() {
      for (;;) {
        await new Promise((r) => setTimeout(r, 25));
        if (pending === 0 && Date.now() - lastWriteAt >= SETTLE_MS) return;
      }
    },
    dispose() {
      term.dispose();
    },
  };
}
