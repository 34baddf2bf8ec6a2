/**
 * Job control in the full-screen UI, through Ink's own `suspendTerminal`: raw mode makes
 * Ctrl+Z a key, not the terminal's stop, so the app stops itself as a shell program does, and
 * gives the terminal back first (alternate screen left, cursor shown, raw mode and the kitty
 * keyboard off); `fg` brings the UI back, redrawn from scratch. A SIGTSTP from outside
 * (`kill -TSTP`) does the same, and a SIGCONT after a stop the app could not see (`kill -STOP`)
 * takes the terminal back as it is left by the shell (cooked, the shell's screen).
 */
import { type SuspendTerminal, useApp } from 'ink';
import {
  createContext,
  type ReactElement,
  type ReactNode,
  useContext,
  useEffect,
  useMemo,
} from 'react';

/** Stops the app the way Ctrl+Z stops a program in a shell, until `fg`. */
export type Suspend = () => void;

const SuspendContext = createContext<Suspend>(() => undefined);

/** How long after going on a SIGCONT is taken for our own stop's. */
const OWN_CONTINUE_MS = 2_000;

/** The UI's way to stop the app (Ctrl+Z), for key handlers below {@link JobControl}. */
export function useSuspend(): Suspend {
  return useContext(SuspendContext);
}

/**
 * The app's side of job control. `kill(0, SIGTSTP)` stops the whole process group, as the
 * terminal's Ctrl+Z does (sox and the speaker child too, and `npm` when it started the app, so
 * the shell sees the job stopped); the stop takes effect before `kill` returns, and the code
 * after it runs once the job is continued.
 */
export class JobStopper {
  private busy = false;
  /**
   * Until when a SIGCONT is the one of our own stop (`fg` sends it; it is handled just after the
   * app goes on). A stop the kernel discarded (an orphaned process group) sends none, and the
   * window closes by itself.
   */
  private ownUntil = 0;

  constructor(
    private readonly suspendTerminal: SuspendTerminal,
    private readonly signals: Pick<NodeJS.Process, 'on' | 'off' | 'kill' | 'pid'> = process,
    private readonly output: Pick<NodeJS.WriteStream, 'isTTY'> = process.stdout,
  ) {}

  attach(): () => void {
    this.signals.on('SIGTSTP', this.onStopSignal);
    this.signals.on('SIGCONT', this.onContinue);
    return () => {
      this.signals.off('SIGTSTP', this.onStopSignal);
      this.signals.off('SIGCONT', this.onContinue);
    };
  }

  // A terminal gone while stopped (SIGHUP, then SIGCONT) fails the hand-over: the SIGHUP's own
  // exit goes on, not a crash.
  readonly suspend: Suspend = () => {
    this.stop().catch(() => undefined);
  };

  private readonly onStopSignal = () => {
    this.stop().catch(() => undefined);
  };

  private readonly onContinue = () => {
    if (Date.now() < this.ownUntil) {
      this.ownUntil = 0;
      return;
    }
    // Stopped by something the app could not catch (SIGSTOP): the shell has had the terminal
    // and left it cooked. Ink hands it over and takes it back, redrawing from scratch.
    this.retake().catch(() => undefined);
  };

  private async stop(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const suspension = await this.suspendTerminal();
      // Our own listener would turn the signal into a call of this method: the signal's own
      // action (stop) is wanted now.
      this.signals.off('SIGTSTP', this.onStopSignal);
      try {
        this.signals.kill(0, 'SIGTSTP');
        // Here once the job goes on again (`fg`): its SIGCONT comes in the next turns.
        this.ownUntil = Date.now() + OWN_CONTINUE_MS;
      } catch {
        // No process group to stop: the UI comes back at once.
      } finally {
        this.signals.on('SIGTSTP', this.onStopSignal);
      }
      await suspension.resume();
      this.sizeAfterStop();
    } finally {
      this.busy = false;
    }
  }

  private async retake(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const suspension = await this.suspendTerminal();
      await suspension.resume();
      this.sizeAfterStop();
    } finally {
      this.busy = false;
    }
  }

  /**
   * A terminal resized while the app was stopped told the shell, not the app (SIGWINCH goes to
   * the terminal's foreground job): the UI came back laid out for the old size, a 100x30 screen
   * in a 140x35 pane, until the next resize. So the app sends itself the SIGWINCH it may have
   * missed: Node reads the terminal's size again (its `columns` and `getWindowSize()` only hold
   * the size of the last SIGWINCH) and emits `resize` if it changed, and Ink lays out and draws
   * at the new size, as after any resize.
   */
  private sizeAfterStop(): void {
    if (!this.output.isTTY) return;
    try {
      this.signals.kill(this.signals.pid, 'SIGWINCH');
    } catch {
      // Nothing to tell.
    }
  }
}

/** Gives the tree below it Ctrl+Z and handles SIGTSTP and SIGCONT while it is mounted. */
export function JobControl({ children }: { readonly children: ReactNode }): ReactElement {
  const { suspendTerminal } = useApp();
  const stopper = useMemo(() => new JobStopper(suspendTerminal), [suspendTerminal]);
  useEffect(() => stopper.attach(), [stopper]);
  return <SuspendContext.Provider value={stopper.suspend}>{children}</SuspendContext.Provider>;
}
