/**
 * A detached tmux session driving a full-screen program, for whole-app benchmarks. Each session
 * has a tmux server of its own (`-L`, no config file), so a user's tmux is never touched and the
 * server's CPU (the terminal's share of drawing the program) can be read apart.
 */
import { type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

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

  dead(): boolean {
    try {
      return this.tmux('display-message', '-p', '-t', this.name, '#{pane_dead}').trim() === '1';
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
  private pending = '';
  /** What the pane's program wrote since the last `keys`, decoded. */
  private written = '';
  private waiter: { text: string; resolve: () => void } | undefined;

  constructor(private readonly session: TmuxSession) {
    this.child = spawn('tmux', ['-L', session.name, '-C', 'attach', '-t', session.name], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (data: string) => this.read(data));
  }

  /** Sends keys to the pane (as `send-keys`) and starts a new record of what it writes. */
  keys(...keys: string[]): void {
    this.written = '';
    const quoted = keys.map((k) => `'${k.replaceAll("'", "'\\''")}'`).join(' ');
    this.child.stdin.write(`send-keys -t ${this.session.name} ${quoted}\n`);
  }

  /** Resolves once the program has written `text` since the last `keys`. */
  waitForWritten(text: string, timeoutMs: number): Promise<void> {
    if (this.written.includes(text)) return Promise.resolve();
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
      };
    });
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }

  private read(data: string): void {
    this.pending += data;
    for (let end = this.pending.indexOf('\n'); end >= 0; end = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      // `%output %<pane> <bytes>`: control characters and backslash as octal escapes.
      const match = /^%output %\d+ (.*)$/.exec(line);
      if (!match) continue;
      this.written += (match[1] ?? '').replace(/\\([0-7]{3})/g, (_, octal: string) =>
        String.fromCharCode(Number.parseInt(octal, 8)),
      );
    }
    if (this.waiter && this.written.includes(this.waiter.text)) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve();
    }
  }
}
