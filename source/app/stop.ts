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

/** How long a signal waits for the hang-up before the UI goes down anyway. */
const SIGNAL_HANG_UP_MS = 3_000;

/**
 * Plain mode (and the start of any call): a stop signal hangs up; the call then ends as usual
 * (files flushed, summary printed, the call's exit code). A second signal quits at once.
 */
export function plainStop(store: Store): StopHandler {
  return (signal, count) => {
    if (count > 1) {
      void exitAfterCleanup(SIGNAL_EXIT_CODES.SIGINT, FORCED_CLEANUP_MS);
      return;
    }
    void store.actions.hangUp(
      signal === 'SIGINT' ? 'interrupted (Ctrl+C)' : `stopped by ${signal}`,
    );
  };
}

/**
 * The full-screen UI: raw mode makes Ctrl+C a key (the UI's), so a signal comes from outside.
 * SIGTERM and SIGHUP hang up (bounded in time) and leave with 143 and 129; SIGINT hangs up and
 * leaves with the call's code; a second signal leaves at once with 130.
 */
export function uiStop(store: Store, tui: { close(code: number): void }): StopHandler {
  return (signal, count) => {
    if (count > 1) {
      tui.close(SIGNAL_EXIT_CODES.SIGINT);
      return;
    }
    const hangingUp = store.actions.hangUp(`stopped by ${signal}`);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SIGNAL_HANG_UP_MS).unref());
    void Promise.race([hangingUp.catch(() => undefined), timeout]).then(() =>
      tui.close(signal === 'SIGINT' ? store.getSnapshot().exitCode : SIGNAL_EXIT_CODES[signal]),
    );
  };
}
