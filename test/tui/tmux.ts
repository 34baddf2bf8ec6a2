/**
 * Drives the built app (`node dist/cli.js`) inside a real terminal: a tmux server of its own per
 * test (so tests never see each other's panes), keys sent with `send-keys`, the screen read with
 * `capture-pane`. Everything is asynchronous so the local agent living in the test process keeps
 * answering while we poll.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { CLI_PATH } from '../helpers/cli.js';

const run = promisify(execFile);

/** Printed by the wrapping shell before the app starts, so we can see the main screen return. */
export const PRE_APP_MARKER = 'PRE-APP-MARKER';

/** One tmux server holding one pane that runs the app. */
export interface Tui {
  /** The tmux socket name (`tmux -L <socket>`). */
  readonly socket: string;
  /** The visible pane as text lines (trailing spaces trimmed by tmux); `escapes` keeps SGR codes. */
  capture(options?: { escapes?: boolean }): Promise<string>;
  /** `tmux send-keys` with key names (`Enter`, `C-c`, `Escape`, `m`). */
  keys(...names: string[]): Promise<void>;
  /** Types text literally (`send-keys -l`). */
  type(text: string): Promise<void>;
  resize(width: number, height: number): Promise<void>;
  /** Pastes text as a terminal does: bracketed when the app turned bracketed paste on. */
  pasteText(text: string): Promise<void>;
  /** Polls the screen until `check` holds; the error names `what` and shows the last screen. */
  waitForScreen(
    check: (screen: string) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<string>;
  /** Kills the tmux server (and with it the app). Safe to call twice. */
  kill(): Promise<void>;
}

const live = new Set<Tui>();

/** Kills every tmux server started by {@link startTui}; for afterEach. */
export async function killAllTuis(): Promise<void> {
  await Promise.all([...live].map((tui) => tui.kill()));
}

/** Single-quotes a word for sh. */
export function shQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface StartTuiOptions {
  /** Arguments after `node dist/cli.js`. */
  readonly args: readonly string[];
  /** The app's whole environment (build it with cliEnv). */
  readonly env: NodeJS.ProcessEnv;
  /** Working directory of the pane. */
  readonly cwd: string;
  readonly width?: number;
  readonly height?: number;
  /**
   * Run the app inside a shell that prints {@link PRE_APP_MARKER} first and `EXITED:<code>` after,
   * then keeps the pane open, so the screen after the app can be inspected.
   */
  readonly wrapInShell?: boolean;
  /** The pane's shell command around the app's (quoted) command line, instead of the above. */
  readonly shell?: (app: string) => string;
}

/** Starts the app in a detached tmux session of the given size. */
export async function startTui(options: StartTuiOptions): Promise<Tui> {
  const socket = `omnia-${process.pid}-${randomBytes(4).toString('hex')}`;
  const width = options.width ?? 100;
  const height = options.height ?? 30;
  const app = ['node', CLI_PATH, ...options.args].map(shQuote).join(' ');
  const command = options.shell
    ? options.shell(app)
    : options.wrapInShell
      ? `echo ${PRE_APP_MARKER}; ${app}; echo EXITED:$?; sleep 120`
      : app;
  // The tmux server copies the environment it starts with into the pane: the app's env goes here.
  const env: NodeJS.ProcessEnv = { ...options.env };
  delete env.TMUX;
  delete env.TMUX_PANE;
  const tmux = (args: string[]) =>
    run('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env, encoding: 'utf8' });

  await tmux([
    'new-session',
    '-d',
    '-x',
    String(width),
    '-y',
    String(height),
    '-c',
    options.cwd,
    command,
  ]);

  let killed = false;
  let lastScreen = '';
  const tui: Tui = {
    socket,
    async capture({ escapes = false } = {}) {
      const args = ['capture-pane', '-p', '-t', '0'];
      if (escapes) args.push('-e');
      const { stdout } = await tmux(args);
      lastScreen = stdout;
      return stdout;
    },
    async keys(...names) {
      await tmux(['send-keys', '-t', '0', ...names]);
    },
    async type(text) {
      await tmux(['send-keys', '-t', '0', '-l', text]);
    },
    async pasteText(text) {
      await tmux(['set-buffer', '-b', 'omnia-paste', '--', text]);
      await tmux(['paste-buffer', '-p', '-d', '-b', 'omnia-paste', '-t', '0']);
    },
    async resize(w, h) {
      await tmux(['resize-window', '-t', '0', '-x', String(w), '-y', String(h)]);
    },
    async waitForScreen(check, what, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let screen: string | undefined;
        try {
          screen = await tui.capture();
        } catch {
          // The pane may be between commands (the app just exited); try again.
        }
        if (screen !== undefined && check(screen)) return screen;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${what}; last screen:\n${lastScreen}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async kill() {
      if (killed) return;
      killed = true;
      live.delete(tui);
      await tmux(['kill-server']).catch(() => undefined);
    },
  };
  live.add(tui);
  return tui;
}

/** Polls an async-free condition on the test side (agent records), without blocking the agent. */
export async function until<T>(
  check: () => T | undefined | false | null,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The footer is drawn once Ink has the terminal in raw mode, so keys are read from then on. */
export function isLive(screen: string): boolean {
  return screen.includes('q quit') && /\blive \d+:\d\d/.test(screen);
}

/**
 * The live call's clock has passed a second: old enough for `r` to replace it (`r` on a call
 * younger than `REDIAL_AFTER_MS` is taken for a double tap).
 */
export function isLiveASecond(screen: string): boolean {
  const clock = /\blive (\d+):(\d\d)/.exec(screen);
  return isLive(screen) && clock !== null && Number(clock[1]) * 60 + Number(clock[2]) >= 1;
}

/** Lines of a capture, without the final newline's empty line. */
export function screenLines(screen: string): string[] {
  const lines = screen.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
