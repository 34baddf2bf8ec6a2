/**
 * A detached tmux session driving a full-screen program, for whole-app benchmarks. Each session
 * has a tmux server of its own (`-L`, no config file), so a user's tmux is never touched and the
 * server's CPU (the terminal's share of drawing the program) can be read apart.
 */
import { type ChildProcessByStdio, execFile, execFileSync, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

export class TmuxSession {
  readonly name = `omnia-bench-${process.pid}-${Math.round(Math.random() * 1e6)}`;

  constructor(command: string, columns = 80, rows = 24) {
    this.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-s',
      this.name,
      '-x',
      String(columns),
      '-y',
      String(rows),
      command,
    );
    // Keep the pane after the program exits so its end can be observed, not raced.
    this.tmux('set-option', '-t', this.name, 'remain-on-exit', 'on');
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.name, ...args], { encoding: 'utf8', stdio: 'pipe' });
  }

  /** Pid of the program in the pane (exec'd by the shell command). */
  pid(): number {
    return Number(this.tmux('display-message', '-p', '-t', this.name, '#{pane_pid}').trim());
  }

  /** Pid of this session's tmux server. */
  serverPid(): number {
    return Number(this.tmux('display-message', '-p', '-t', this.name, '#{pid}').trim());
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', this.name);
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.name, ...keys);
  }

  /** `tmux` arguments asking whether the pane's program exited (prints 1 when it did). */
  private paneDeadArgs(): string[] {
    return ['-L', this.name, 'display-message', '-p', '-t', this.name, '#{pane_dead}'];
  }

  /**
   * `dead()` without blocking: each tmux command is a process (about 15 ms here), and a
   * synchronous one stops the event loop the bench's servers share with it.
   */
  exited(): Promise<boolean> {
    return new Promise((resolve) => {
      execFile('tmux', this.paneDeadArgs(), { encoding: 'utf8' }, (error, stdout) =>
        resolve(error ? true : stdout.trim() === '1'),
      );
    });
  }

  dead(): boolean {
    try {
      return (
        execFileSync('tmux', this.paneDeadArgs(), { encoding: 'utf8', stdio: 'pipe' }).trim() ===
        '1'
      );
    } catch {
      return true;
    }
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // Already gone.
    }
  }
}

/**
 * A control-mode client of a session (`tmux -C attach`): commands go down its stdin (a key costs
 * no process), and tmux reports what the program in the pane writes as `%output` lines as soon
 * as it reads it from the pty. So the time from a key to the frame that shows its change is the
 * program's own, without polling `capture-pane` (a process a poll, on this 2-core machine a
 * load of its own). A control client without a size of its own leaves the window's size alone.
 */
export class TmuxControl {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  /** Bytes of a `%…` line not yet ended. */
  private pending = Buffer.alloc(0);
  /** The pane's bytes as text: tmux may cut a UTF-8 character between two `%output` lines. */
  private readonly decoder = new StringDecoder('utf8');
  /** What the pane's program wrote since the last `keys`, decoded. */
  private written = '';
  private waiter: { text: string; resolve: () => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(private readonly session: TmuxSession) {
    this.child = spawn('tmux', ['-L', session.name, '-C', 'attach', '-t', session.name], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.child.stdout.on('data', (data: Buffer) => this.read(data));
    this.child.on('error', (error) => this.fail(`tmux -C did not run: ${error.message}`));
    this.child.on('exit', (code) => this.fail(`tmux -C exited (${code})`));
    // A write after tmux went away fails here, and the wait says why.
    this.child.stdin.on('error', (error) => this.fail(`tmux -C: ${error.message}`));
  }

  /** Sends keys to the pane (as `send-keys`) and starts a new record of what it writes. */
  keys(...keys: string[]): void {
    if (keys.some((k) => /[\r\n]/.test(k))) throw new Error('a key for tmux -C has a line break');
    this.written = '';
    const quoted = keys.map((k) => `'${k.replaceAll("'", "'\\''")}'`).join(' ');
    this.child.stdin.write(`send-keys -t ${this.session.name} -- ${quoted}\n`);
  }

  /** Resolves once the program has written `text` since the last `keys`. */
  waitForWritten(text: string, timeoutMs: number): Promise<void> {
    if (this.written.includes(text)) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`the pane did not write ${JSON.stringify(text)} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  close(): void {
    this.failure ??= new Error('closed');
    this.child.stdin.end();
    this.child.kill();
  }

  private fail(why: string): void {
    this.failure ??= new Error(why);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
  }

  private read(data: Buffer): void {
    this.pending = Buffer.concat([this.pending, data]);
    for (let end = this.pending.indexOf(0x0a); end >= 0; end = this.pending.indexOf(0x0a)) {
      const line = this.pending.subarray(0, end).toString('latin1');
      this.pending = this.pending.subarray(end + 1);
      // `%output %<pane> <bytes>`: bytes below 0x20 and backslash as octal escapes, the rest as
      // they are (latin1 keeps each byte one character until the decoder joins them).
      const match = /^%output %\d+ (.*)$/s.exec(line);
      if (match) {
        const bytes = (match[1] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) =>
          String.fromCharCode(Number.parseInt(octal, 8)),
        );
        this.written += this.decoder.write(Buffer.from(bytes, 'latin1'));
      } else if (line.startsWith('%error')) {
        this.fail(`tmux -C: a command failed (${line})`);
      }
    }
    if (this.waiter && this.written.includes(this.waiter.text)) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve();
    }
  }
}
