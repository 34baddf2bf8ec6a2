import type { ChildProcess } from 'node:child_process';
import type { AudioSink } from '../types.js';

/**
 * Ends an output child (sox play, the speaker process): close its stdin so it plays out what it
 * has and exits, and kill it if it has not exited within `timeoutMs`. Never rejects.
 */
export function endChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin?.end();
  });
}

/** Longest wait for a dead child's stderr to drain before its exit is reported without it. */
const STDERR_DRAIN_MS = 200;

/**
 * Run `then` once the child's stderr has been read to its end (or after a short wait): 'exit'
 * can come before the last of stderr has been read, and that last line is usually the reason.
 */
export function afterStderr(child: ChildProcess, then: () => void): void {
  const stderr = child.stderr;
  if (!stderr || stderr.readableEnded || stderr.destroyed) {
    then();
    return;
  }
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    then();
  };
  const timer = setTimeout(once, STDERR_DRAIN_MS);
  stderr.once('end', once);
  stderr.once('close', once);
}

/**
 * Spawn audio children (sox, the speaker process) in a process group of their own: a Ctrl+C
 * in the terminal signals the whole foreground group, and it is the app's to handle (hang up,
 * then stop its children in order), not a crash of the audio path halfway through. Children
 * still end without us: the speaker process and sox play at the end of their stdin, the mic's
 * sox at its first write to a closed pipe. Not on Windows, where it would open a console.
 */
export const OWN_PROCESS_GROUP = process.platform !== 'win32';

/** How long `close()` waits for an output child to play out and exit before killing it. */
export const CHILD_CLOSE_TIMEOUT_MS = 2_000;

/**
 * The shell shared by sinks that play through a child process fed PCM on its stdin (sox play,
 * the speaker process): open once, write while alive, close by ending stdin, report a death
 * after open through `onError`, keep the tail of the child's stderr for messages. Subclasses
 * only start their child.
 */
export abstract class ChildProcessSink implements AudioSink {
  abstract readonly description: string;
  abstract readonly sampleRate: number;
  protected child: ChildProcess | undefined;
  protected stderrTail = '';
  protected closing = false;
  protected dead = false;
  private opening: Promise<void> | undefined;
  private errorHandler: ((message: string) => void) | undefined;

  /** Process id of the child doing the playing, while it runs (diagnostics, tests). */
  get pid(): number | undefined {
    return this.dead ? undefined : this.child?.pid;
  }

  /** Open once: later calls (e.g. after createSink already opened it) share the first. */
  open(): Promise<void> {
    this.opening ??= this.start();
    return this.opening;
  }

  /** Spawn the child; resolve once it plays, reject with a one-line message if it cannot. */
  protected abstract start(): Promise<void>;

  write(pcm: Buffer): void {
    if (this.dead || this.closing) return;
    this.child?.stdin?.write(pcm);
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.closing) return;
    this.closing = true;
    if (this.dead) return;
    await endChild(child, CHILD_CLOSE_TIMEOUT_MS);
    if (child.connected) child.disconnect();
  }

  onError(handler: (message: string) => void): void {
    this.errorHandler = handler;
  }

  protected report(message: string): void {
    this.errorHandler?.(message);
  }

  protected keepStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-2_000);
  }

  /** The child's stderr lines kept, printable ASCII only: native output is not ours to trust. */
  protected stderrLines(): string[] {
    return this.stderrTail
      .split('\n')
      .map((l) => l.replace(/[^\x20-\x7e]/g, '').trim())
      .filter(Boolean);
  }

  /** The child's last stderr line, printable ASCII only. */
  protected lastStderrLine(): string {
    return this.stderrLines().at(-1) ?? '';
  }
}
