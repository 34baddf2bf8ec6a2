/** A detached tmux session driving a full-screen program, for whole-app benchmarks. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export class TmuxSession {
  readonly name = `omnia-bench-${process.pid}-${Math.round(Math.random() * 1e6)}`;

  constructor(command: string, columns = 80, rows = 24) {
    execFileSync('tmux', [
      'new-session',
      '-d',
      '-s',
      this.name,
      '-x',
      String(columns),
      '-y',
      String(rows),
      command,
    ]);
    // Keep the pane after the program exits so its end can be observed, not raced.
    execFileSync('tmux', ['set-option', '-t', this.name, 'remain-on-exit', 'on']);
  }

  /** Pid of the program in the pane (exec'd by the shell command). */
  pid(): number {
    return Number(
      execFileSync('tmux', ['display-message', '-p', '-t', this.name, '#{pane_pid}'], {
        encoding: 'utf8',
      }).trim(),
    );
  }

  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-t', this.name], { encoding: 'utf8' });
  }

  keys(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  dead(): boolean {
    try {
      return (
        execFileSync('tmux', ['display-message', '-p', '-t', this.name, '#{pane_dead}'], {
          encoding: 'utf8',
        }).trim() === '1'
      );
    } catch {
      return true;
    }
  }

  kill(): void {
    try {
      execFileSync('tmux', ['kill-session', '-t', this.name], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}

const TICKS_PER_SECOND = 100;

/** utime+stime in ms of `root` and every live descendant, by pid, from /proc. */
export function treeCpuMs(root: number): Map<number, { ms: number; comm: string }> {
  const parent = new Map<number, number>();
  const info = new Map<number, { ms: number; comm: string }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // After "pid (comm) ": state ppid ... utime is field 14, stime 15 (1-based in proc(5)).
      parent.set(pid, Number(fields[1]));
      const ticks = Number(fields[11]) + Number(fields[12]);
      info.set(pid, { ms: (ticks * 1000) / TICKS_PER_SECOND, comm });
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = new Map<number, { ms: number; comm: string }>();
  for (const [pid, data] of info) {
    let p: number | undefined = pid;
    while (p !== undefined && p > 1) {
      if (p === root) {
        tree.set(pid, data);
        break;
      }
      p = parent.get(p);
    }
  }
  return tree;
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
