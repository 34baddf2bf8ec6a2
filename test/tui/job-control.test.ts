/**
 * Job control in the full-screen UI, in a real terminal with an interactive shell: Ctrl+Z (a
 * key in raw mode) and a SIGTSTP from outside stop the app and give the shell its terminal back
 * (cooked, the shell's screen); `fg` brings the UI back, redrawn and reading keys; after a
 * SIGSTOP the app could not see, `fg` gives it its raw terminal again.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type CallFixture, shellForApp, startCall } from './fixtures.js';
import { isLive, killAllTuis, type Tui } from './tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

/** The app in an interactive bash (job control), live. */
async function appInShell(): Promise<{ tui: Tui; fixture: CallFixture }> {
  call = await startCall();
  const fixture = call;
  const { tui, command } = await shellForApp(fixture, ['--input', 'none', '--output', 'none'], {
    width: 100,
    height: 30,
  });
  await tui.type(command);
  await tui.keys('Enter');
  await tui.waitForScreen(isLive, 'the call to be live');
  return { tui, fixture };
}

/** Once the app has ended (its summary printed): its exit code, as the shell saw it. */
async function exitCode(tui: Tui): Promise<number> {
  await tui.waitForScreen((s) => /^Call lasted /m.test(s), 'the summary');
  await tui.type('echo EXITED:$?');
  await tui.keys('Enter');
  const screen = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the exit code');
  return Number(/^EXITED:(\d+)$/m.exec(screen)?.[1]);
}

/** The shell has the terminal: the job is stopped, and the terminal is cooked again. */
async function expectShellHasTerminal(tui: Tui): Promise<void> {
  await tui.waitForScreen((s) => /Stopped/.test(s), 'the job stopped, said by the shell');
  await tui.type('stty -a | grep -o -- "-\\?icanon" | head -1');
  await tui.keys('Enter');
  const screen = await tui.waitForScreen(
    (s) => /^-?icanon\s*$/m.test(s),
    'the terminal mode as the shell sees it',
  );
  expect(screen).toMatch(/^icanon\s*$/m);
  // The UI is gone from the screen (the alternate screen was left).
  expect(screen).not.toContain('built-in local agent');
}

/** `fg`: the UI is back, whole, and reads single keys (raw mode). */
async function expectUiBack(tui: Tui): Promise<void> {
  await tui.type('fg');
  await tui.keys('Enter');
  await tui.waitForScreen((s) => isLive(s) && !/Stopped/.test(s), 'the UI back after fg');
  await tui.keys('?');
  await tui.waitForScreen((s) => /Keys/.test(s) && s.includes('Ctrl+Z'), 'the help, from one key');
  await tui.keys('?');
  await tui.waitForScreen((s) => isLive(s) && !s.includes('Ctrl+Z'), 'the help closed');
}

describe('job control in the full-screen UI', () => {
  it('Ctrl+Z stops the app and gives the shell its terminal; fg brings the UI back', async () => {
    const { tui, fixture } = await appInShell();
    await tui.keys('C-z');
    await expectShellHasTerminal(tui);
    await expectUiBack(tui);
    // The call went on after fg: q hangs it up as ever.
    await tui.keys('q');
    expect(await exitCode(tui)).toBe(0);
    expect(fixture.agent.calls).toHaveLength(1);
  }, 60_000);

  it('a terminal resized while the app was stopped: fg draws the UI at the new size', async () => {
    // The shell, not the stopped app, got the resize (SIGWINCH goes to the terminal's
    // foreground job): fg drew the 100x30 screen inside a 140x35 pane, and after a shrink a
    // garbled one, until the next resize.
    const { tui } = await appInShell();
    for (const [width, height] of [
      [140, 35],
      [70, 20],
    ] as const) {
      await tui.keys('C-z');
      await tui.waitForScreen((s) => /Stopped/.test(s), 'the job stopped');
      await tui.resize(width, height);
      await tui.type('fg');
      await tui.keys('Enter');
      const screen = await tui.waitForScreen((s) => {
        const rows = s.split('\n');
        return (
          isLive(s) && /^omnia-voice/.test(rows[0] ?? '') && /live \d+:\d\d$/.test(rows[0] ?? '')
        );
      }, `the UI back at ${width}x${height}`);
      const rows = screen.split('\n');
      // The header spans the new width: its clock ends at the last column.
      expect(rows[0]?.length, screen).toBe(width);
      expect(rows.filter((r) => r.length > width)).toEqual([]);
    }
  }, 60_000);

  it('a SIGTSTP from outside does the same; after a SIGSTOP, fg gives the app its raw terminal', async () => {
    const { tui } = await appInShell();
    // The app is the shell's child in this pane (other tests run the same command line).
    const pid = (): number => {
      const shell = spawnSync(
        'tmux',
        ['-L', tui.socket, 'display', '-p', '-t', '0', '#{pane_pid}'],
        {
          encoding: 'utf8',
        },
      ).stdout.trim();
      const found = spawnSync('pgrep', ['-P', shell], { encoding: 'utf8' });
      const app = Number(found.stdout.trim().split('\n')[0]);
      // Never 0 or NaN: process.kill(0) would stop this test's own process group.
      if (!(app > 1)) throw new Error(`no app under the shell ${shell}: ${found.stdout}`);
      return app;
    };
    process.kill(pid(), 'SIGTSTP');
    await expectShellHasTerminal(tui);
    await expectUiBack(tui);
    // SIGSTOP cannot be caught: the shell takes the terminal (and cooks it) on its own.
    process.kill(pid(), 'SIGSTOP');
    await tui.waitForScreen((s) => /Stopped/.test(s), 'the job stopped');
    await expectUiBack(tui);
    await tui.keys('q');
    expect(await exitCode(tui)).toBe(0);
  }, 60_000);
});
