/**
 * Entering and leaving the full-screen mode. `restore` is idempotent and synchronous (TTY
 * writes are synchronous in Node), so it is safe from signal handlers and `process.on('exit')`.
 */

/** Switch to the alternate screen, clear it, hide the cursor. */
export const ENTER_FULL_SCREEN = '\u001b[?1049h\u001b[H\u001b[2J\u001b[?25l';
/** Show the cursor and go back to the main screen (its content reappears as it was). */
export const LEAVE_FULL_SCREEN = '\u001b[?25h\u001b[?1049l';

type RawCapable = NodeJS.ReadStream & { setRawMode?: (mode: boolean) => unknown; isRaw?: boolean };

export class FullScreen {
  private entered = false;

  constructor(
    private readonly stdout: NodeJS.WriteStream,
    private readonly stdin: NodeJS.ReadStream,
  ) {}

  enter(): void {
    if (this.entered) return;
    this.entered = true;
    // Raw mode from the start: Ink only turns it on once its input hook has mounted, and a
    // Ctrl+C typed in between would otherwise become a SIGINT instead of a key.
    try {
      (this.stdin as RawCapable).setRawMode?.(true);
    } catch {
      // Not a terminal after all; Ink reports that itself.
    }
    safeWrite(this.stdout, ENTER_FULL_SCREEN);
  }

  /** Raw mode off, cursor shown, main screen back. Does nothing the second time. */
  restore(): void {
    if (!this.entered) return;
    this.entered = false;
    const stdin = this.stdin as RawCapable;
    try {
      if (stdin.isTTY && stdin.isRaw) stdin.setRawMode?.(false);
    } catch {
      // The terminal may already be gone (SIGHUP); nothing left to restore there.
    }
    safeWrite(this.stdout, LEAVE_FULL_SCREEN);
  }

  get active(): boolean {
    return this.entered;
  }
}

function safeWrite(stream: NodeJS.WriteStream, text: string): void {
  try {
    stream.write(text);
  } catch {
    // A closed terminal cannot be restored; the process must still end cleanly.
  }
}
