/**
 * What a stop signal means during a call (see `lifecycle.ts`, which owns the handlers): in plain
 * mode and in the full-screen UI.
 */
import type { Store } from '../session/types.js';
import {
  exitAfterCleanup,
  FORCED_CLEANUP_MS,
  SIGNAL_EXIT_CODES,
  type StopHandler,
} from './lifecycle.js';

/**
 * Plain mode (and the start of any call): a stop signal hangs up; the call then ends as usual
 * (files flushed, summary printed, the call's exit code). A second signal quits at once, after
 * `forced` (which says what the end of the run says, without waiting).
 */
export function plainStop(store: Store, forced?: () => void): StopHandler {
  return (signal, count) => {
    if (count > 1) {
      forced?.();
      void exitAfterCleanup(SIGNAL_EXIT_CODES.SIGINT, FORCED_CLEANUP_MS);
      return;
    }
    void store.actions.hangUp(
      signal === 'SIGINT' ? 'interrupted (Ctrl+C)' : `stopped by ${signal}`,
    );
  };
}

/** What a signal can ask of the full-screen run (`CallSession`). */
export interface ScreenRun {
  /** Hang up and end the run; `force`: at once (exit 130). */
  quit(force: boolean): void;
  /** Hang up (saying `reason`, without waiting for the call record) and end with `code`. */
  stop(code: number, reason: string): void;
}

/**
 * The full-screen run: raw mode makes Ctrl+C a key (the UI's), so a signal comes from outside.
 * SIGTERM and SIGHUP hang up and leave with 143 and 129; SIGINT hangs up and leaves with the
 * call's code; a second signal leaves at once with 130.
 */
export function screenStop(run: ScreenRun): StopHandler {
  return (signal, count) => {
    if (count > 1) run.quit(true);
    else if (signal === 'SIGINT') run.quit(false);
    else run.stop(SIGNAL_EXIT_CODES[signal], `stopped by ${signal}`);
  };
}
