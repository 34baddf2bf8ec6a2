import chalk from 'chalk';
import { type Instance, type RenderOptions, render } from 'ink';
import type { ReactElement } from 'react';
import type { CallSession } from '../app/call-session.js';
import { fatal, onTerminalRestore, terminalHungUp } from '../app/lifecycle.js';
import { uiFrames } from '../app/stats.js';
import type { Store } from '../session/types.js';
import { App } from './App.js';
import { JobControl } from './jobControl.js';
import { SessionApp } from './SessionApp.js';
import { terminalColorLevel } from './theme.js';

/**
 * Ink's cap on frames. Everything that moves by itself moves on one 120 ms grid (`clock.ts`), so
 * a call draws at most about 8 frames a second of its own, whatever the cap; the cap bounds
 * bursts (a flood of events) and decides how long a key waits when it comes just after a frame:
 * at most 1000/60 ms. At 20 it was 50 ms, for more than 4 keys in 10 while the agent spoke
 * (`docs/performance.md`, "Key to screen").
 */
export const RENDER_MAX_FPS = 60;

/**
 * The kitty keyboard protocol, where the terminal has it: key releases make push-to-talk a key
 * you hold (see `ptt.ts`). "auto" asks the terminal; Ink decodes the protocol's key events even
 * when the terminal did not answer (tmux never does), so a terminal that sends them is heard.
 */
export const KITTY_KEYBOARD: RenderOptions['kittyKeyboard'] = {
  mode: 'auto',
  flags: ['disambiguateEscapeCodes', 'reportEventTypes'],
};

/** Options of {@link runTui}. Streams are for tests and embedding. */
export interface RunTuiOptions {
  /** Shown in the header. */
  readonly title?: string;
  readonly stdin?: NodeJS.ReadStream;
  readonly stdout?: NodeJS.WriteStream;
  readonly stderr?: NodeJS.WriteStream;
  /** Route `console.*` through Ink (default); embedders with a console of their own turn it off. */
  readonly patchConsole?: boolean;
}

/** A running full-screen UI. */
export interface TuiHandle {
  /** Resolves with the exit code once the UI is down and the terminal given back. */
  readonly exited: Promise<number>;
  /** Take the UI down now with `code` (a signal ended the call). Idempotent. */
  close(code: number): void;
}

/**
 * Runs the full-screen UI (Ink on the alternate screen) until the user quits or {@link
 * TuiHandle.close}. Signals, fatal errors and the final flush belong to `app/lifecycle.ts`; the
 * UI only registers how to give the terminal back. Throws, without touching the screen, when
 * stdin is not an interactive terminal.
 */
export function runTui(store: Store, options: RunTuiOptions = {}): TuiHandle {
  return mount(
    (finish) => <App store={store} title={options.title} onExit={finish} />,
    () => store.getSnapshot().exitCode,
    options,
  );
}

/**
 * The full-screen run (`CallSession`): the picker, then one call after another. The session
 * decides when the run ends; its owner then calls {@link TuiHandle.close}.
 */
export function runSessionTui(session: CallSession, options: RunTuiOptions = {}): TuiHandle {
  return mount(
    () => <SessionApp session={session} />,
    () => session.store.getSnapshot().exitCode,
    options,
  );
}

function mount(
  tree: (finish: (code: number) => void) => ReactElement,
  exitCode: () => number,
  options: RunTuiOptions,
): TuiHandle {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    throw new Error('the full-screen UI needs an interactive terminal; use --plain instead');
  }

  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  let instance: Instance | undefined;
  let down = false;
  // Writes to a hung-up terminal fail with EIO, and a terminal's input ends only when it hung
  // up (in raw mode Ctrl+D is a key): not a crash, a hang-up, even with no SIGHUP for the app.
  const hungUp = () => {
    if (down) return;
    // Closed first: Ink's last act as it unmounts, raw mode off, would fail on the dead terminal
    // with an EIO error event nobody listens to by then.
    stdin.destroy();
    terminalHungUp();
  };
  const outputFailed = (error?: NodeJS.ErrnoException) => {
    if (error?.code === 'EIO') hungUp();
  };
  const inputEnded = hungUp;
  stdout.on('error', outputFailed);
  stdin.on('end', inputEnded);

  /** Unmount: Ink leaves the alternate screen, shows the cursor and turns raw mode off. */
  const takeDown = () => {
    if (down) return;
    down = true;
    try {
      // An empty last frame first: Ink erases the screen to draw it (its unmount draws the
      // last frame, then leaves the alternate screen as it is). tmux 3.3 puts rows of an
      // alternate screen that grew onto the shell's screen when the program leaves it: after
      // 100x30 → 200x50, 14 rows of the pane separator stayed above the shell's lines.
      instance?.rerender(null);
    } catch {
      // A broken tree or a terminal gone: the unmount below still gives the terminal back.
    }
    try {
      instance?.unmount();
    } catch {
      // A broken tree may throw while unmounting; Ink has restored the terminal by then.
    }
    try {
      if (stdin.isRaw) stdin.setRawMode(false);
    } catch {
      // The terminal is gone (SIGHUP): nothing left to restore.
    }
  };
  const unregister = onTerminalRestore(takeDown);

  let finished = false;
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    takeDown();
    unregister();
    stdout.off('error', outputFailed);
    stdin.off('end', inputEnded);
    resolveExit(code);
  };

  // Raw mode from the start: Ink turns it on only once its input hook's effect has run, after the
  // first frame is on screen, and a Ctrl+C typed in between would be a SIGINT, not a key.
  stdin.setRawMode(true);
  // Ink colours its text through chalk (the same package, one copy): a CI variable exported in
  // the user's shell must not leave the UI grey.
  chalk.level = terminalColorLevel(chalk.level, process.env);
  instance = render(<JobControl>{tree(finish)}</JobControl>, {
    stdin,
    stdout,
    stderr,
    exitOnCtrlC: false,
    patchConsole: options.patchConsole ?? true,
    maxFps: RENDER_MAX_FPS,
    alternateScreen: true,
    // Ink's CI detection would draw only the last frame: the full screen is only ever chosen
    // for a real terminal, whatever CI says.
    interactive: true,
    kittyKeyboard: KITTY_KEYBOARD,
    // Frames and their cost, for OMNIA_VOICE_STATS (the benches).
    onRender: ({ renderTime }) => {
      uiFrames.count += 1;
      uiFrames.renderMs += renderTime;
    },
  });
  // An error thrown while rendering unmounts Ink with that error.
  instance.waitUntilExit().then(
    // Taken down to give the terminal back (SIGHUP, a fatal error): whoever did that says how
    // the UI ends (close), not the unmount.
    () => (down ? undefined : finish(exitCode())),
    (error: unknown) => {
      finished = true;
      void fatal(error);
    },
  );
  return { exited, close: finish };
}
