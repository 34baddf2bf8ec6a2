/**
 * A detached tmux session driving a full-screen program, for whole-app benchmarks. Each session
 * has a tmux server of its own (`-L`, no config file), so a user's tmux is never touched and the
 * server's CPU (the terminal's share of drawing the program) can be read apart.
 */
import { execFileSync } from 'node:child_process';

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
