/**
 * Live rows: the rows of the screen that move on their own (meters, clocks, the state
 * spinner, queued audio) are painted in place with positioned writes, outside Ink.
 *
 * Why: Ink turns the whole screen into text on every frame, whatever changed (a few ms of CPU
 * on a slow machine), so redrawing it ten times a second for the meters cost more than the
 * rest of the call. With live rows Ink draws a frame only when the content changes (a turn,
 * a state, a key), and the meters cost one short write of the rows that changed.
 *
 * How: every live row is an empty Ink `<Box>` one row high (see `LiveRow.tsx`): Ink lays it
 * out but draws nothing there (meter and spinner glyphs were also the costliest text for Ink
 * to measure). After layout the row registers its screen position and a function that renders
 * its current text (styled, exactly as wide as the row). The layer repaints, on its own clock,
 * each row whose text changed since it was drawn, between DECSC/DECRC (save and restore the
 * cursor) so Ink's idea of the cursor is untouched. Ink rewrites the whole screen on each
 * frame (it is not incremental here), so with every frame of Ink's the layer paints all rows.
 */
import { createContext } from 'react';
import { audioTicker } from '../audio/sources/audio-ticker.js';
import type { Snapshot } from '../session/types.js';

/** How often live rows are brought up to date: 10 frames a second, as the meters need. */
export const LIVE_FRAME_MS = 100;

/** One row of the screen that repaints itself. */
export interface LiveCell {
  /** 0-based screen column and row of the row's first cell. */
  readonly x: number;
  readonly y: number;
  /** The row's text now: styled, exactly as wide as Ink laid the row out. */
  readonly render: () => string;
}

interface Painted {
  cell: LiveCell;
  /** What is on the screen (undefined: unknown, paint it). */
  shown: string | undefined;
}

const SAVE_CURSOR = '\u001b7';
/** How Ink ends a frame on a terminal (DEC mode 2026, synchronized output). */
const END_SYNCHRONIZED_UPDATE = '\u001b[?2026l';
const RESTORE_CURSOR = '\u001b8';

/** CUP (1-based) to a 0-based position. */
function moveTo(x: number, y: number): string {
  return `\u001b[${y + 1};${x + 1}H`;
}

/** The clock a layer paints on: calls `paint` every `periodMs` until the returned stop is called. */
export type LiveClock = (paint: () => void, periodMs: number) => () => void;

/**
 * The shared audio clock (`audio-ticker.ts`) already wakes the process every 20 ms during a
 * call: the live rows ride on every n-th tick of it and add no wake-ups of their own.
 */
export const audioClock: LiveClock = (paint, periodMs) => {
  const every = Math.max(1, Math.round(periodMs / audioTicker.periodMs));
  let n = 0;
  return audioTicker.subscribe(() => {
    n = (n + 1) % every;
    if (n === 0) paint();
  });
};

/** Options of {@link LiveLayer}. */
export interface LiveLayerOptions {
  /** Period of the layer's own repaint. */
  readonly periodMs?: number;
  readonly clock?: LiveClock;
}

/**
 * The live rows of one screen, and the writer that repaints them. `wrap(stdout)` gives Ink a
 * stdout whose writes are followed by a repaint of every row (Ink just drew over them).
 */
export class LiveLayer {
  private readonly cells = new Map<object, Painted>();
  private readonly periodMs: number;
  private readonly clock: LiveClock;
  private stopClock: (() => void) | undefined;
  private write: ((text: string) => void) | undefined;
  private repaintQueued = false;
  private disposed = false;
  /** Bytes written by repaints (diagnostics and tests). */
  paintedBytes = 0;

  constructor(options: LiveLayerOptions = {}) {
    this.periodMs = options.periodMs ?? LIVE_FRAME_MS;
    this.clock = options.clock ?? audioClock;
  }

  /**
   * A stdout for Ink: the same stream, but each of Ink's frames is followed by a repaint of all
   * live rows (Ink draws them blank, see `LiveRow`). Ink wraps a frame in a synchronized update
   * (`ESC[?2026h` … `ESC[?2026l`) on terminals: the repaint goes in just before its end, so
   * the terminal shows frame and rows at once. Otherwise it follows in the same turn of the
   * event loop. Other writers use the real stream.
   */
  wrap<T extends NodeJS.WriteStream>(stdout: T): T {
    this.write = (text) => {
      stdout.write(text);
    };
    const afterInk = () => {
      if (!this.repaintQueued) return;
      this.repaintQueued = false;
      this.paint(true);
    };
    const write = (...args: Parameters<T['write']>) => {
      const realWrite = stdout.write as (...a: unknown[]) => boolean;
      if (args[0] === END_SYNCHRONIZED_UPDATE && this.repaintQueued) afterInk();
      const ok = realWrite.apply(stdout, args);
      if (args[0] !== END_SYNCHRONIZED_UPDATE && !this.repaintQueued && !this.disposed) {
        this.repaintQueued = true;
        queueMicrotask(afterInk);
      }
      return ok;
    };
    return new Proxy(stdout, {
      get(target, prop) {
        if (prop === 'write') return write;
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** Register the row owned by `owner`, or move it (after a new layout). */
  set(owner: object, cell: LiveCell): void {
    const old = this.cells.get(owner);
    // Same place: keep what is known to be on the screen. Elsewhere: paint it.
    const shown = old && old.cell.x === cell.x && old.cell.y === cell.y ? old.shown : undefined;
    this.cells.set(owner, { cell, shown });
  }

  delete(owner: object): void {
    this.cells.delete(owner);
  }

  /** Rows registered now (tests). */
  get size(): number {
    return this.cells.size;
  }

  /** Repaint on the layer's clock until {@link stop} (the call is over) or {@link dispose}. */
  start(): void {
    if (this.stopClock || this.disposed) return;
    this.stopClock = this.clock(() => this.paint(), this.periodMs);
  }

  stop(): void {
    this.stopClock?.();
    this.stopClock = undefined;
  }

  /** Stop painting for good (the UI is being torn down). */
  dispose(): void {
    this.stop();
    this.disposed = true;
    this.cells.clear();
  }

  /**
   * Write every row whose text differs from what it shows (every row when `all`), in one write.
   * Returns the bytes written.
   */
  paint(all = false): number {
    if (this.disposed || !this.write || this.cells.size === 0) return 0;
    let out = '';
    for (const painted of this.cells.values()) {
      let text: string;
      try {
        text = painted.cell.render();
      } catch {
        // A row that cannot render now keeps what Ink drew; the next Ink frame shows the error.
        continue;
      }
      if (!all && text === painted.shown) continue;
      painted.shown = text;
      out += moveTo(painted.cell.x, painted.cell.y) + text;
    }
    if (out === '') return 0;
    const bytes = SAVE_CURSOR + out + RESTORE_CURSOR;
    try {
      this.write(bytes);
    } catch {
      // A terminal that went away: the UI is about to be torn down anyway.
      return 0;
    }
    this.paintedBytes += bytes.length;
    return bytes.length;
  }
}

/** What live rows need from the tree: the layer to register with and the latest snapshot. */
export interface LiveScreen {
  readonly layer: LiveLayer;
  readonly snapshot: () => Snapshot;
}

/** Set by the full-screen UI; absent when Ink renders alone (tests): rows are then plain Ink. */
export const LiveContext = createContext<LiveScreen | undefined>(undefined);
