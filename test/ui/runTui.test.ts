import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runTui } from '../../source/ui/runTui.js';
import { FakeStore, waitFor } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/tui-child.tsx', import.meta.url));
const SHOW_CURSOR = '\u001b[?25h';
/** Ink's alternate screen (its own `alternateScreen` option). */
const ENTER_FULL_SCREEN = '\u001b[?1049h';
const LEAVE_FULL_SCREEN = '\u001b[?1049l';

interface Pty {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  pid: () => number;
  send: (keys: string) => void;
  exited: Promise<void>;
}

let running: Pty | undefined;
afterEach(() => {
  if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
  running = undefined;
});

/** Starts the child under a real pseudo-terminal of 80x24 made by socat. */
function startPty(scenario: string): Pty {
  const command = `stty rows 24 cols 80; exec node --import tsx ${CHILD} ${scenario}`;
  const child = spawn('socat', ['STDIO', `SYSTEM:'${command}',pty,setsid,ctty,stderr`], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...withoutCi(process.env), NO_COLOR: '', TERM: 'xterm-256color' },
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  running = {
    child,
    output: () => out,
    pid: () => Number(/PID=(\d+)/.exec(out)?.[1]),
    send: (keys) => child.stdin.write(keys),
    exited,
  };
  return running;
}

/**
 * The fixture imports Ink directly, and Ink prints only the last frame when CI is set (the app
 * itself hides CI while Ink loads: source/app/run-call.ts). CI runs these tests with CI=true.
 */
function withoutCi(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { CI: _ci, CONTINUOUS_INTEGRATION: _ci2, ...rest } = env;
  return rest;
}

async function untilDrawn(pty: Pty): Promise<void> {
  await waitFor(() => pty.output().includes('hello from the pty'), 20_000, 'the UI to draw');
  // Keys are read once Ink has put the terminal in raw mode; the footer is drawn by then.
  const plain = () => pty.output().replace(/\u001b\[[0-9;]*m/g, '');
  await waitFor(() => plain().includes('q quit'), 10_000, 'the footer');
}

function exitLine(pty: Pty): { code: number; raw: boolean; hangups: number } | undefined {
  const m = /EXIT code=(\d+) raw=(true|false) hangups=(\d+)/.exec(pty.output());
  return m ? { code: Number(m[1]), raw: m[2] === 'true', hangups: Number(m[3]) } : undefined;
}

/** Everything the UI drew happened between entering and leaving the alternate screen. */
function expectRestored(pty: Pty): void {
  const out = pty.output();
  const enter = out.indexOf(ENTER_FULL_SCREEN);
  const leave = out.lastIndexOf(LEAVE_FULL_SCREEN);
  expect(enter).toBeGreaterThanOrEqual(0);
  expect(leave).toBeGreaterThan(enter);
  expect(out.lastIndexOf('hello from the pty')).toBeLessThan(leave);
  expect(out.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(out.lastIndexOf('\u001b[?25l'));
  // Nothing but our own exit line is written after the main screen is back (Ink shows the
  // cursor as it leaves).
  const after = out
    .slice(leave + LEAVE_FULL_SCREEN.length)
    .split(SHOW_CURSOR)
    .join('');
  expect(after.trim()).toMatch(/^EXIT code=\d+/);
}

describe('runTui in a real terminal', () => {
  it('q hangs up and restores the terminal exactly (main screen, cursor, raw mode off)', async () => {
    const pty = startPty('normal');
    await untilDrawn(pty);
    pty.send('q');
    await waitFor(() => exitLine(pty) !== undefined, 15_000, 'the exit line');
    expect(exitLine(pty)).toEqual({ code: 0, raw: false, hangups: 1 });
    expectRestored(pty);
    await pty.exited;
  }, 40_000);

  it('a second Ctrl+C while hanging up quits at once with 130', async () => {
    const pty = startPty('hold');
    await untilDrawn(pty);
    pty.send('\u0003');
    await waitFor(() => pty.output().includes('hanging up'), 10_000, 'the hang-up notice');
    pty.send('\u0003');
    await waitFor(() => exitLine(pty) !== undefined, 15_000, 'the exit line');
    expect(exitLine(pty)).toEqual({ code: 130, raw: false, hangups: 1 });
    expectRestored(pty);
  }, 40_000);

  it('SIGTERM hangs up and restores the terminal', async () => {
    const pty = startPty('normal');
    await untilDrawn(pty);
    process.kill(pty.pid(), 'SIGTERM');
    await waitFor(() => exitLine(pty) !== undefined, 15_000, 'the exit line');
    expect(exitLine(pty)).toEqual({ code: 143, raw: false, hangups: 1 });
    expectRestored(pty);
  }, 40_000);

  it('SIGHUP (terminal closed) hangs up and leaves with 129', async () => {
    const pty = startPty('normal');
    await untilDrawn(pty);
    process.kill(pty.pid(), 'SIGHUP');
    await waitFor(() => exitLine(pty) !== undefined, 15_000, 'the exit line');
    expect(exitLine(pty)).toEqual({ code: 129, raw: false, hangups: 1 });
    expectRestored(pty);
  }, 40_000);

  it('an uncaught error restores the terminal, reports one line (no stack), hangs up', async () => {
    const pty = startPty('crash');
    await untilDrawn(pty);
    await waitFor(() => /CLEANUP hangups=\d/.test(pty.output()), 20_000, 'the cleanup');
    await pty.exited;
    const out = pty.output();
    expect(out).toContain('CLEANUP hangups=1');
    const leave = out.lastIndexOf(LEAVE_FULL_SCREEN);
    expect(leave).toBeGreaterThan(out.indexOf(ENTER_FULL_SCREEN));
    expect(out.indexOf('fatal: kaboom')).toBeGreaterThan(leave);
    expect(out).not.toContain('secret (file.ts');
    expect(out.lastIndexOf('hello from the pty')).toBeLessThan(leave);
    expect(out.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(out.lastIndexOf('\u001b[?25l'));
  }, 40_000);
});

describe('runTui without a terminal', () => {
  it('refuses to start when stdin is not interactive, without touching the screen', () => {
    const writes: string[] = [];
    const stdout = { write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream;
    const stdin = { isTTY: false } as unknown as NodeJS.ReadStream;
    expect(() => runTui(new FakeStore(), { stdin, stdout })).toThrow(/--plain/);
    expect(writes).toEqual([]);
  });
});
