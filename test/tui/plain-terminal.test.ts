/**
 * `--plain` in a real terminal (tmux): lines typed at the terminal are typed messages when the
 * app runs in the foreground; started in the background of a shell with job control, it leaves
 * the terminal alone instead of being stopped by it (SIGTTIN), and its call runs to the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_PATH } from '../helpers/cli.js';
import { type CallFixture, shellForApp, startCall } from './fixtures.js';
import { killAllTuis, PRE_APP_MARKER, shQuote, startTui } from './tmux.js';

let call: CallFixture | undefined;
afterEach(async () => {
  await killAllTuis();
  await call?.agent.close();
  call = undefined;
});

describe('--plain on a terminal', () => {
  it('in the foreground, a line typed at the terminal goes to the agent as a typed message', async () => {
    call = await startCall();
    const tui = await startTui({
      args: [...call.args, '--plain', '--input', 'none', '--output', 'none'],
      env: call.env(),
      cwd: call.home,
      wrapInShell: true,
    });
    await tui.waitForScreen((s) => s.includes('[call] connected'), 'the call to be live');
    await tui.type('please repeat this line');
    await tui.keys('Enter');
    await tui.waitForScreen(
      (s) => /^Agent: You typed: please repeat this line$/m.test(s),
      "the agent's answer to the typed line",
    );
    const message = call.agent.calls[0]?.clientMessages.find((m) => m.type === 'user_text_message');
    expect(message).toMatchObject({ text: 'please repeat this line' });
    // Ctrl+D ends the typing, not the call; Ctrl+C hangs up as before.
    await tui.keys('C-d');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(call.agent.calls[0]?.hungUp).not.toBe(true);
    await tui.keys('C-c');
    const screen = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to exit');
    expect(screen).toMatch(/^EXITED:0$/m);
    expect(screen).toMatch(/^Turns: \d+ \(user 1, agent \d+\)/m);
  }, 40_000);

  it('started in the background, it is not stopped by the terminal and finishes its call', async () => {
    call = await startCall();
    const log = path.join(call.home, 'plain.log');
    const tui = await startTui({
      args: [...call.args, '--plain', '--duration', '3', '--input', 'none', '--output', 'none'],
      env: call.env(),
      cwd: call.home,
      // An interactive shell, with job control: the app gets a process group of its own, not
      // the terminal's foreground one, keeps the terminal as its stdin, and SIGTTIN is not
      // ignored (a non-interactive `set -m` leaves it ignored, and a read just fails).
      shell: (app) =>
        `bash --norc -i -c ${shQuote(`set -m; echo ${PRE_APP_MARKER}; ${app} > ${log} 2>&1 & wait $!; echo EXITED:$?; sleep 120`)}`,
    });
    // Once the call is live, the user types into the terminal (meant for the shell): a
    // background reader of the terminal would now be stopped.
    const { waitFor } = await import('../helpers/cli.js');
    await waitFor(
      () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('[call] connected'),
      {
        what: 'the background call to be live',
      },
    );
    await tui.type('ls');
    await tui.keys('Enter');
    const screen = await tui.waitForScreen(
      (s) => /^EXITED:\d+$/m.test(s),
      'the background app to end',
      20_000,
    );
    // A process stopped by SIGTTIN leaves `wait` with 128 + 21 (149).
    expect(screen).toMatch(/^EXITED:0$/m);
    const out = fs.readFileSync(log, 'utf8');
    expect(out).toMatch(/^Ended: --duration 3s reached$/m);
  }, 40_000);

  it('stopped with Ctrl+Z and sent to the background with bg, it stops reading and finishes', async () => {
    call = await startCall();
    const log = path.join(call.home, 'plain-bg.log');
    const tui = await startTui({
      args: [...call.args, '--plain', '--duration', '5', '--input', 'none', '--output', 'none'],
      env: call.env(),
      cwd: call.home,
      // An interactive shell, so Ctrl+Z and bg do what they do for a user.
      shell: () => 'bash --norc -i',
    });
    const app = `node ${CLI_PATH} ${[...call.args, '--plain', '--duration', '5', '--input', 'none', '--output', 'none'].join(' ')} > ${log} 2>&1; echo EXITED:$?`;
    await tui.type(app);
    await tui.keys('Enter');
    const { waitFor } = await import('../helpers/cli.js');
    await waitFor(
      () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes('[call] connected'),
      {
        what: 'the call to be live',
      },
    );
    await tui.keys('C-z');
    await tui.waitForScreen((s) => /Stopped/.test(s), 'the job stopped');
    await tui.type('bg');
    await tui.keys('Enter');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The user types at the shell meanwhile: a background reader of the terminal would stop.
    await tui.type('echo typed-at-the-shell');
    await tui.keys('Enter');
    await tui.waitForScreen((s) => s.includes('typed-at-the-shell'), 'the shell answering');
    await waitFor(
      () => fs.readFileSync(log, 'utf8').includes('Ended: --duration 5s reached') || undefined,
      {
        what: 'the call to end on its own',
        timeoutMs: 20_000,
      },
    );
    const screen = await tui.capture();
    expect(screen).not.toMatch(/Stopped.*tty input/);
  }, 60_000);
});

describe('--plain brought back to the foreground with fg', () => {
  it('reads typed lines again: after `&` then fg, and after Ctrl+Z, bg, fg', async () => {
    call = await startCall();
    const fixture = call;
    const { tui, command: app } = await shellForApp(fixture, [
      ...['--plain', '--input', 'none', '--output', 'none'],
    ]);
    // Started in the background: it does not read the terminal (that would stop it)...
    await tui.type(`${app} &`);
    await tui.keys('Enter');
    await tui.waitForScreen((s) => s.includes('[call] connected'), 'the call to be live');
    // ...until fg, which sends no signal to a job that is running: it still gets the line.
    await tui.type('fg');
    await tui.keys('Enter');
    const typeAndHear = async (line: string) => {
      // It looks for the foreground twice a second: a line typed before that waits in the
      // terminal and is read then.
      await tui.type(line);
      await tui.keys('Enter');
      await tui.waitForScreen(
        (s) => new RegExp(`^Agent: You typed: ${line}$`, 'm').test(s),
        `the answer to "${line}"`,
      );
    };
    await typeAndHear('first after fg');
    // Ctrl+Z, bg, fg: the same.
    await tui.keys('C-z');
    await tui.waitForScreen((s) => /Stopped/.test(s), 'the job stopped');
    await tui.type('bg');
    await tui.keys('Enter');
    await new Promise((resolve) => setTimeout(resolve, 700));
    await tui.type('fg');
    await tui.keys('Enter');
    await typeAndHear('second after bg and fg');
    const texts = fixture.agent.calls[0]?.clientMessages
      .filter((m) => m.type === 'user_text_message')
      .map((m) => (m as { text?: string }).text);
    expect(texts).toEqual(['first after fg', 'second after bg and fg']);
    await tui.keys('C-c');
  }, 60_000);
});
