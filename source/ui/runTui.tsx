import { type Instance, render } from 'ink';
import type { Store } from '../session/types.js';
import { App, DEFAULT_FRAME_MS } from './App.js';
import { FORCED_EXIT_CODE } from './hooks/useCallCommands.js';
import { shareInkCaches } from './inkCaches.js';
import { LiveContext, LiveLayer } from './live.js';
import { sanitizeLine } from './sanitize.js';
import { FullScreen } from './terminal.js';

/**
 * Ink's own cap. The frame rate is set by the store's coalescing (one redraw per frame) and
 * the ticker; this cap only delays a redraw that follows another closely, such as a key press
 * right after a meter frame, so it is high: at 20 fps a key waited up to 50 ms to show.
 */
export const RENDER_MAX_FPS = 60;
/** How long a signal or a crash waits for the hang-up before leaving anyway. */
export const HANG_UP_TIMEOUT_MS = 3_000;

// Unchanged rows cost nothing to draw again (see inkCaches.ts); loaded with the UI.
await shareInkCaches();

const SIGNAL_EXIT_CODES = { SIGTERM: 143, SIGHUP: 129 } as const;

/** Options of {@link runTui}. Streams and frame rate are for tests and embedding. */
export interface RunTuiOptions {
  /** Shown in the header. */
  readonly title?: string;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
  readonly frameMs?: number;
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return sanitizeLine(text.split('\n')[0] ?? '');
}

/**
 * Runs the full-screen UI until the user quits; resolves with the exit code. The terminal is
 * restored (raw mode off, cursor shown, main screen back) on every path: q, Ctrl+C, a second
 * Ctrl+C, SIGINT, SIGTERM, SIGHUP, an error thrown while rendering, an uncaught error, and
 * process exit. Rejects, without touching the screen, when stdin is not an interactive terminal.
 */
export function runTui(store: Store, options: RunTuiOptions = {}): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    return Promise.reject(
      new Error('the full-screen UI needs an interactive terminal; use --plain instead'),
    );
  }

  const screen = new FullScreen(stdout, stdin);
  const live = new LiveLayer();
  return new Promise<number>((resolve, reject) => {
    let instance: Instance | undefined;
    let finished = false;
    let hangingUp = false;
    const cleanups: Array<() => void> = [];

    let uiStopped = false;
    /** Stop drawing and give the terminal back; the call itself may still be hanging up. */
    const stopUi = () => {
      if (uiStopped) return;
      uiStopped = true;
      // Before Ink's last writes: a repaint after them would land on the restored screen.
      live.dispose();
      try {
        instance?.unmount();
      } catch {
        // Unmounting a broken tree may throw; the screen is restored below regardless.
      }
      screen.restore();
    };

    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      stopUi();
      for (const cleanup of cleanups.splice(0)) cleanup();
      resolve(code);
    };

    /** Hang up (bounded in time), then leave with `code`. */
    const hangUpThenFinish = (code: number, reason?: string) => {
      if (hangingUp) return;
      hangingUp = true;
      void withTimeout(store.actions.hangUp(reason), HANG_UP_TIMEOUT_MS).then(() => finish(code));
    };

    const on = (event: string, handler: (...args: never[]) => void) => {
      process.on(event, handler as (...args: unknown[]) => void);
      cleanups.push(() => process.off(event, handler as (...args: unknown[]) => void));
    };

    on('SIGTERM', () => hangUpThenFinish(SIGNAL_EXIT_CODES.SIGTERM));
    // The terminal is gone: restore what can be restored at once, then hang up.
    on('SIGHUP', () => {
      stopUi();
      hangUpThenFinish(SIGNAL_EXIT_CODES.SIGHUP);
    });
    // Raw mode turns Ctrl+C into a key (handled by the App); SIGINT only comes from `kill`.
    on('SIGINT', () => {
      if (hangingUp) finish(FORCED_EXIT_CODE);
      else hangUpThenFinish(store.getSnapshot().exitCode);
    });
    const fatal = (error: unknown) => {
      stopUi();
      try {
        stderr.write(`error: ${oneLine(error)}\n`);
      } catch {
        // Nowhere left to report it.
      }
      hangingUp = false;
      hangUpThenFinish(1);
    };
    on('uncaughtException', fatal);
    on('unhandledRejection', fatal);
    // Last resort when something calls process.exit() while the UI is up.
    on('exit', () => screen.restore());
    // Writes to a hung-up terminal fail with EIO; that must not become a crash.
    const ignore = () => undefined;
    stdout.on('error', ignore);
    cleanups.push(() => stdout.off('error', ignore));

    screen.enter();
    try {
      instance = render(
        <LiveContext.Provider value={{ layer: live, snapshot: () => store.getSnapshot() }}>
          <App
            store={store}
            title={options.title}
            onExit={finish}
            frameMs={options.frameMs ?? DEFAULT_FRAME_MS}
          />
        </LiveContext.Provider>,
        {
          stdin,
          // Ink's writes are followed by a repaint of the live rows it drew over.
          stdout: live.wrap(stdout),
          stderr,
          exitOnCtrlC: false,
          patchConsole: true,
          maxFps: RENDER_MAX_FPS,
          // Not incremental: Ink 6.8's incremental writer moves the cursor up one row too few
          // when the frame ends with a newline, which it does here (we draw rows - 1 rows), so
          // every later frame lands one row lower and the screen fills with stale rows
          // (test/tui shows it in tmux). The standard writer redraws the whole frame correctly.
          incrementalRendering: false,
        },
      );
    } catch (error) {
      finished = true;
      live.dispose();
      screen.restore();
      for (const cleanup of cleanups.splice(0)) cleanup();
      reject(error);
      return;
    }
    // An error thrown while rendering unmounts Ink with that error.
    instance.waitUntilExit().then(
      () => finish(store.getSnapshot().exitCode),
      (error: unknown) => fatal(error),
    );
  });
}
