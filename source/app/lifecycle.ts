/**
 * The one owner of how the process ends, in plain and full-screen mode alike:
 *
 * - a cleanup registry: every exit path (normal end, q, Ctrl+C, SIGTERM, SIGHUP, an uncaught
 *   error) runs the registered steps once, in reverse order of registration, so the call is hung
 *   up and files are flushed whatever happens;
 * - the process's signal and fatal-error handlers, installed once ({@link installProcessHandlers});
 *   whoever runs (a call, `serve`) says what a signal means with {@link onStop};
 * - restoring the terminal: the full-screen UI registers how ({@link onTerminalRestore}), and it
 *   is done first on a fatal error, a hang-up of the terminal and at process exit.
 *
 * Nothing else in the app installs process handlers.
 */

import { secretSpellings } from '../api/mask-key.js';
import { blankSecrets, registeredSecrets, registerSecrets } from '../text/secrets.js';

type Cleanup = () => void | Promise<void>;

const steps: Cleanup[] = [];
let running: Promise<void> | undefined;

/** Register a cleanup step; returns a function that unregisters it. */
export function onCleanup(step: Cleanup): () => void {
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

/** Run every cleanup step once (later calls get the same promise). Never rejects. */
export function runCleanup(): Promise<void> {
  if (running) return running;
  running = (async () => {
    while (steps.length > 0) {
      const step = steps.pop();
      try {
        await step?.();
      } catch {
        // A failing step must not stop the others (the terminal must still be restored).
      }
    }
  })();
  return running;
}

/** Run the cleanup, then exit with `code`. A watchdog forces the exit if a step hangs. */
export async function exitAfterCleanup(code: number, watchdogMs = 3_000): Promise<never> {
  const watchdog = setTimeout(() => process.exit(code), watchdogMs);
  watchdog.unref();
  await runCleanup();
  process.exit(code);
}

/** The signals that stop the app. */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Exit codes for a process ended by a signal (128 + its number), as shells report them. */
export const SIGNAL_EXIT_CODES: Readonly<Record<StopSignal, number>> = {
  SIGINT: 130,
  SIGTERM: 143,
  SIGHUP: 129,
};
/** Longest an uncaught error waits for the cleanup (hang up, flush files) before leaving. */
export const FATAL_CLEANUP_MS = 3_000;
/** A second signal (or Ctrl+C) quits at once: the cleanup gets this long. */
export const FORCED_CLEANUP_MS = 500;

/**
 * What a signal means to whatever runs now; `count` is how many stop signals have arrived so
 * far (a second Ctrl+C usually means "now").
 */
export type StopHandler = (signal: StopSignal, count: number) => void;

let stopHandler: StopHandler | undefined;
let signalCount = 0;
let hungUp = false;

/** Say what a stop signal does while `handler` is registered; returns the unregister function. */
export function onStop(handler: StopHandler): () => void {
  stopHandler = handler;
  return () => {
    if (stopHandler === handler) stopHandler = undefined;
  };
}

let outputClosedHandler: (() => void) | undefined;
let outputClosedSeen = false;

/**
 * Say what stdout closing under the app (`omnia-voice --plain | head -3`: the reader stopped
 * reading) does while `handler` is registered; returns the unregister function.
 */
export function onOutputClosed(handler: () => void): () => void {
  outputClosedHandler = handler;
  return () => {
    if (outputClosedHandler === handler) outputClosedHandler = undefined;
  };
}

/**
 * stdout was closed (EPIPE). True when something running takes care of it (a call hangs up and
 * ends as usual, its files written; told once); false when nothing does, and the app may go.
 */
export function outputClosed(): boolean {
  if (!outputClosedHandler) return false;
  if (!outputClosedSeen) {
    outputClosedSeen = true;
    outputClosedHandler();
  }
  return true;
}

const restorers: Array<() => void> = [];

/** Register how to give the terminal back (raw mode off, main screen, cursor shown). */
export function onTerminalRestore(restore: () => void): () => void {
  restorers.push(restore);
  return () => {
    const i = restorers.indexOf(restore);
    if (i >= 0) restorers.splice(i, 1);
  };
}

/**
 * Raw mode on the terminal from now until the full-screen UI takes it over (`handOver`) or it
 * is given back (`release`, or the terminal restored): keys typed before the UI is up stay in
 * the terminal for it to read, instead of being echoed onto the screen the shell gets back ("q"
 * before the first frame). A Ctrl+C meanwhile is such a key too, read as soon as the UI starts.
 * No-op without a TTY.
 */
export function holdKeysForUi(stdin: NodeJS.ReadStream = process.stdin): {
  handOver(): void;
  release(): void;
} {
  const none = { handOver: () => undefined, release: () => undefined };
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return none;
  try {
    stdin.setRawMode(true);
  } catch {
    return none;
  }
  const off = () => {
    if (stdin.isRaw) stdin.setRawMode(false);
  };
  const unregister = onTerminalRestore(off);
  return {
    // The UI keeps raw mode on and gives it back itself.
    handOver: unregister,
    release: () => {
      unregister();
      off();
    },
  };
}

/** Give the terminal back now (synchronous, idempotent: each restorer runs once). */
export function restoreTerminal(): void {
  for (const restore of restorers.splice(0).reverse()) {
    try {
      restore();
    } catch {
      // A terminal that is gone cannot be restored; the others still run.
    }
  }
}

let writeErr: (line: string) => void = (line) => {
  process.stderr.write(`${line}\n`);
};

/**
 * An error nothing can recover from: the terminal back first, one line saying what happened
 * (no stack: the user cannot act on one), the cleanup (bounded), exit 1.
 */
export async function fatal(error: unknown): Promise<never> {
  restoreTerminal();
  const text = error instanceof Error ? error.message : String(error);
  try {
    writeErr(`fatal: ${text.split('\n')[0] ?? ''}`);
  } catch {
    // Nowhere left to say it.
  }
  return exitAfterCleanup(1, FATAL_CLEANUP_MS);
}

let installed = false;

function onStopSignal(signal: StopSignal): void {
  // Closing a terminal can send SIGHUP twice (the shell passes it on, the kernel sends its
  // own), and the terminal's end can be seen before its SIGHUP (`terminalHungUp`): one event,
  // not a second "stop now".
  if (signal === 'SIGHUP') {
    if (hungUp) return;
    hungUp = true;
  }
  signalCount += 1;
  // The terminal is gone: give back what can be given back before anything else.
  if (signal === 'SIGHUP') restoreTerminal();
  if (stopHandler) {
    stopHandler(signal, signalCount);
    return;
  }
  void exitAfterCleanup(SIGNAL_EXIT_CODES[signal], signalCount > 1 ? FORCED_CLEANUP_MS : undefined);
}

/**
 * The full-screen UI's terminal hung up (its input ended, a write failed with EIO) with no
 * SIGHUP for the app: the shell that started it ignored the signal (`trap : HUP`, `nohup` of a
 * shell) and passed nothing on. Handled as that SIGHUP would be, or the call would run on,
 * billed, with nobody to hear it or end it.
 */
export function terminalHungUp(): void {
  onStopSignal('SIGHUP');
}

/**
 * Install the process's handlers for stop signals, uncaught errors and exit. Once per process
 * (the CLI's entry does it); `err` writes one line for the user.
 */
export function installProcessHandlers(err?: (line: string) => void): void {
  if (err) writeErr = err;
  if (installed) return;
  installed = true;
  for (const signal of STOP_SIGNALS) process.on(signal, () => onStopSignal(signal));
  process.on('uncaughtException', (error) => void fatal(error));
  process.on('unhandledRejection', (error) => void fatal(error));
  // A write past the file-size limit (`ulimit -f`) raises SIGXFSZ, which Node ignores: the write
  // fails with EFBIG and the file's owner says so (a recording stops, the call goes on). Ink's
  // signal-exit listens for it and, when no one else does, raises it again, and the app died
  // (exit 153) with its terminal in the alternate screen. Heard here, it keeps Node's meaning.
  process.on('SIGXFSZ', () => undefined);
  // Last resort when something calls process.exit() while the UI is up.
  process.on('exit', () => restoreTerminal());
}

/**
 * Register a secret (the API key, the call's socket address) that must never reach the terminal
 * or a file, in every spelling a server might echo it in (`secretSpellings`).
 */
export function addSecret(
  secret: string | undefined,
  ids?: Parameters<typeof secretSpellings>[1],
): void {
  registerSecrets(secretSpellings(secret, ids));
}

/** `text` with every registered secret replaced by `[redacted]` (`blankSecrets`). */
export function scrubSecrets(text: string): string {
  return blankSecrets(text);
}

/**
 * Scrub registered secrets from everything written to `stream`, whoever writes it: the CLI's own
 * lines, Ink's frames, a library's warning, a crash handler. A last line of defence; the code
 * that builds messages redacts them too.
 */
export function guardOutput(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) =>
    write(scrubChunk(chunk), ...rest)) as NodeJS.WriteStream['write'];
}

function scrubChunk(chunk: unknown): unknown {
  if (registeredSecrets().length === 0) return chunk;
  if (typeof chunk === 'string') return blankSecrets(chunk);
  if (chunk instanceof Uint8Array) {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
    const blanked = blankSecrets(text);
    if (blanked !== text) return Buffer.from(blanked, 'utf8');
  }
  return chunk;
}
