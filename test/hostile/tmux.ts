/**
 * A real terminal for the full-screen UI: a private tmux server (its own socket name) running a
 * plain bash with a known prompt, so tests can type a command, press keys, read the screen, and
 * check the shell prompt, the main screen, the cursor and cooked mode are back after the app.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { waitFor } from '../helpers/cli.js';

export const COLUMNS = 100;
export const ROWS = 30;
export const PROMPT = 'PROMPT$ ';

let counter = 0;

export class Tmux {
  readonly socket = `omnia-hostile-${process.pid}-${++counter}`;
  private socketPath = '';

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Start the server with one 100x30 pane running bash at PROMPT. */
  start(): void {
    this.run([
      'new-session',
      '-d',
      '-x',
      String(COLUMNS),
      '-y',
      String(ROWS),
      '-s',
      'main',
      `env PS1='${PROMPT}' bash --norc --noprofile`,
    ]);
    this.run(['set-option', '-g', 'remain-on-exit', 'on']);
    this.socketPath = this.display('#{socket_path}');
  }

  /** Run a shell command line in the pane (typed, then Enter). */
  type(line: string): void {
    this.run(['send-keys', '-t', 'main', '-l', line]);
    this.run(['send-keys', '-t', 'main', 'Enter']);
  }

  /** Press keys by tmux name (`q`, `C-c`, `d`). */
  keys(...keys: string[]): void {
    this.run(['send-keys', '-t', 'main', ...keys]);
  }

  /** The visible screen as text, one string per row. */
  screen(): string[] {
    return this.run(['capture-pane', '-p', '-t', 'main']).split('\n').slice(0, ROWS);
  }

  /** A tmux format for the pane (`#{alternate_on}`, `#{cursor_flag}`, `#{pane_title}`). */
  display(format: string): string {
    return this.run(['display-message', '-p', '-t', 'main', format]).trim();
  }

  /** The pid of the pane's shell. */
  shellPid(): number {
    return Number(this.display('#{pane_pid}'));
  }

  /** Wait for the screen to satisfy `check`. */
  async waitScreen(
    check: (text: string) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<string> {
    return waitFor(
      () => {
        const text = this.screen().join('\n');
        return check(text) ? text : undefined;
      },
      { what: `${what}; screen:\n${this.screen().join('\n')}`, timeoutMs, intervalMs: 100 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- screen now ---\n${this.screen().join('\n')}`);
    });
  }

  /** Close the pane's terminal (the app gets SIGHUP, as when a terminal window is closed). */
  killPane(): void {
    this.run(['kill-pane', '-t', 'main']);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { env: this.env });
    // tmux leaves its socket file behind when the server is killed.
    if (this.socketPath) rmSync(this.socketPath, { force: true });
  }

  private run(args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      env: this.env,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
    }
    return result.stdout;
  }
}
