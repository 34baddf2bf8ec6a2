/**
 * Leaving the full-screen UI in a real terminal (tmux): q and Ctrl+C hang up and give the shell
 * its screen back; a second Ctrl+C while hanging up leaves at once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { type CallFixture, type HoldingProxy, startCall, startHoldingProxy } from './fixtures.js';
import { isLive, killAllTuis, PRE_APP_MARKER, startTui, type Tui, until } from './tmux.js';

let call: CallFixture | undefined;
let proxy: HoldingProxy | undefined;
afterEach(async () => {
  await killAllTuis();
  await proxy?.close();
  await call?.agent.close();
  call = undefined;
  proxy = undefined;
});

/**
 * The call fixture's agent behind a proxy that can hold its replies. Bound to every interface,
 * the agent hands out socket URLs by the Host the app used, so the call's WebSocket goes
 * through the proxy too.
 */
async function behindProxy(): Promise<{
  agent: LocalAgent;
  proxy: HoldingProxy;
  fixture: CallFixture;
}> {
  const agent = await startLocalAgent({ voice: 'tone', host: '0.0.0.0' });
  const base = await startCall();
  await base.agent.close();
  const fixture = { ...base, agent };
  call = fixture;
  proxy = await startHoldingProxy(agent.port);
  return { agent, proxy, fixture };
}

/**
 * Runs the app inside `sh`, between a marker line and `EXITED:<code>`; waits for the call to be
 * live unless `live` is false.
 */
async function startWrapped(
  fixture: CallFixture,
  apiBase?: string,
  {
    live = true,
    extra = [],
    env = {},
  }: { live?: boolean; extra?: string[]; env?: Record<string, string> } = {},
): Promise<Tui> {
  const args = apiBase ? ['--api-base', apiBase, '--agent', 'demo'] : fixture.args;
  const tui = await startTui({
    args: [...args, '--input', 'none', '--output', 'none', ...extra],
    env: fixture.env(env),
    cwd: fixture.home,
    wrapInShell: true,
  });
  if (live) await tui.waitForScreen(isLive, 'the call to be live');
  return tui;
}

function exitCodeOf(screen: string): number | undefined {
  const match = /^EXITED:(\d+)$/m.exec(screen);
  return match ? Number(match[1]) : undefined;
}

/** The shell's own screen is back: the marker printed before the app, none of the UI. */
function expectShellScreen(screen: string): void {
  expect(screen).toContain(PRE_APP_MARKER);
  expect(screen.indexOf(PRE_APP_MARKER)).toBeLessThan(screen.indexOf('EXITED:'));
  expect(screen).not.toContain('q quit');
  expect(screen).not.toMatch(/^omnia-voice ·/m);
  expect(screen).not.toContain('Hello! I am the Omnia');
}

describe('leaving the full-screen UI', () => {
  it('q hangs up and restores the terminal', async () => {
    call = await startCall();
    const tui = await startWrapped(call);
    await tui.keys('q');
    const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
    expect(exitCodeOf(screen)).toBe(0);
    expectShellScreen(screen);
    const record = call.agent.calls[0];
    expect(record?.hungUp).toBe(true);
    expect(record?.closeCode).toBe(1000);
    // Raw mode is off again: the terminal echoes what is typed, as a shell expects.
    await tui.type('echo-check');
    await tui.waitForScreen((s) => s.includes('echo-check'), 'typed text echoed');
  }, 40_000);

  it('after the terminal grew, q gives back a shell screen with none of the UI on it', async () => {
    // tmux (3.3) keeps rows of an alternate screen that grew and puts them on the shell's
    // screen when the program leaves it: 14 rows of the pane separator, above the shell's own
    // lines, after 100x30 → 200x50. The UI is erased before it leaves the alternate screen.
    call = await startCall();
    const tui = await startWrapped(call);
    await tui.resize(200, 50);
    await tui.waitForScreen(
      (s) => s.split('\n').some((l) => l.indexOf('│') > 100),
      'the UI redrawn at 200 columns',
    );
    await tui.keys('q');
    const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
    expect(exitCodeOf(screen)).toBe(0);
    expectShellScreen(screen);
    expect(screen).not.toContain('│');
    expect(screen.split('\n')[0]).toBe(PRE_APP_MARKER);
  }, 40_000);

  it('Ctrl+C hangs up and restores the terminal the same way', async () => {
    call = await startCall();
    const tui = await startWrapped(call);
    await tui.keys('C-c');
    const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
    expect(exitCodeOf(screen)).toBe(0);
    expectShellScreen(screen);
    expect(call.agent.calls[0]?.hungUp).toBe(true);
  }, 40_000);

  it('a key typed before the UI is up is kept for it, not echoed onto the shell', async () => {
    const { agent, proxy, fixture } = await behindProxy();
    // The call is created but its answer held: the app is dialing and its UI not up yet (it
    // loads once dialing has waited 250 ms on the network).
    proxy.holdReplies();
    const tui = await startWrapped(fixture, proxy.baseUrl, { live: false });
    await until(() => agent.calls.length > 0 || undefined, 'the call to be created', 10_000);
    await tui.keys('q');
    proxy.releaseReplies();
    const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
    // The app read the q and the terminal never echoed it. Kept until the UI was up, the q hung
    // up the call once it was live; on a busy machine the UI can come up while the call is
    // still being created (it loads once dialing has waited 250 ms), and then the q ends that.
    expect(exitCodeOf(screen)).toBe(0);
    expectShellScreen(screen);
    expect(screen).not.toMatch(/^q/m);
    expect(screen).toMatch(/^(Call lasted|No call: you quit while it was being created\.$)/m);
  }, 40_000);

  it('Ctrl+C while the call is being created leaves with a line saying there was no call', async () => {
    const { agent, proxy, fixture } = await behindProxy();
    proxy.holdReplies();
    const tui = await startWrapped(fixture, proxy.baseUrl, { live: false });
    await until(() => agent.calls.length > 0 || undefined, 'the call to be created', 10_000);
    await tui.waitForScreen((s) => s.includes('q quit'), 'the UI while dialing', 10_000);
    await tui.keys('C-c');
    const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
    expect(exitCodeOf(screen)).toBe(0);
    expectShellScreen(screen);
    expect(screen).toMatch(/^No call: you quit while it was being created\.$/m);
  }, 40_000);

  it('stderr kept in a file gets the summary, and no escape sequence for the terminal', async () => {
    const fixture = await startCall();
    call = fixture;
    const log = join(fixture.home, 'err.log');
    const tui = await startTui({
      args: [...fixture.args, '--input', 'none', '--output', 'none'],
      env: fixture.env(),
      cwd: fixture.home,
      shell: (app) => `echo ${PRE_APP_MARKER}; ${app} 2> ${log}; echo EXITED:$?; sleep 120`,
    });
    await tui.waitForScreen(isLive, 'the call to be live');
    await tui.keys('q');
    await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
    const kept = readFileSync(log, 'utf8');
    expect(kept).toMatch(/^Call lasted \d+s$/m);
    // The screen took the conversation with it, and nothing saved it: the last line says so.
    expect(kept.trimEnd().split('\n').at(-1)).toBe(
      'Transcript: not saved (s saves it during a call; --save-transcripts or --transcript FILE saves every call)',
    );
    // Ink's cursor restore wrote `ESC[?25h` to stderr whatever it was (restore-cursor 4).
    expect(kept).not.toContain('\u001b');
  }, 40_000);

  it("TERM=dumb (Emacs' shell) gets plain lines, not the full screen it cannot show", async () => {
    const fixture = await startCall();
    call = fixture;
    const tui = await startTui({
      args: [...fixture.args, '--input', 'none', '--output', 'none', '--duration', '2'],
      env: fixture.env(),
      cwd: fixture.home,
      // tmux sets the pane's TERM itself: the app's is set on its command line.
      shell: (app) => `echo ${PRE_APP_MARKER}; TERM=dumb ${app}; echo EXITED:$?; sleep 120`,
    });
    const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
    expect(exitCodeOf(screen)).toBe(0);
    expect(screen).toMatch(/^\[call\] connected/m);
    expect(screen).toMatch(/^Agent: Hello! I am the Omnia local demo agent/m);
    expect(screen).toMatch(/^Call lasted \d+s$/m);
    // Plain lines printed the conversation: nothing is said to be lost.
    expect(screen).not.toMatch(/not saved/);
    // None of the full screen: no pane separator, no meters.
    expect(screen).not.toMatch(/[│█]/);
  }, 40_000);

  it('--transcript /dev/stdout or /dev/tty is refused before the UI draws over it (exit 2)', async () => {
    const fixture = await startCall();
    call = fixture;
    for (const path of ['/dev/stdout', '/dev/tty']) {
      const tui = await startTui({
        args: [...fixture.args, '--input', 'none', '--output', 'none', '--transcript', path],
        env: fixture.env(),
        cwd: fixture.home,
        wrapInShell: true,
      });
      const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
      expect(exitCodeOf(screen)).toBe(2);
      expect(screen.replace(/\n/g, '')).toContain(
        `error: --transcript ${path} is the terminal the full-screen UI draws on`,
      );
      await killAllTuis();
    }
    expect(fixture.agent.calls).toHaveLength(0);
  }, 40_000);

  it('--serial naming this terminal (/dev/tty, or its own pty path) is refused before the call starts (exit 2)', async () => {
    const fixture = await startCall();
    call = fixture;
    const runs: Array<{
      serial: string;
      extra: string[];
      env?: Record<string, string>;
      shown: RegExp;
    }> = [
      { serial: '--serial /dev/tty', extra: [], shown: /--serial \/dev\/tty/ },
      // The pane's own device by its path, in plain mode too: a serial port is a terminal as
      // well, so only the device itself tells them apart.
      { serial: '--serial "$(tty)"', extra: ['--plain'], shown: /--serial \/dev\/pts\/\d+/ },
      // Set in the environment, it is named as set there, not as a flag never given.
      {
        serial: '',
        extra: [],
        env: { OMNIA_SERIAL: '/dev/tty' },
        shown: /the serial device \/dev\/tty \(OMNIA_SERIAL in the environment\)/,
      },
    ];
    for (const run of runs) {
      const tui = await startTui({
        args: [...fixture.args, '--input', 'none', '--output', 'none', ...run.extra],
        env: fixture.env(run.env ?? {}),
        cwd: fixture.home,
        shell: (app) => `echo ${PRE_APP_MARKER}; ${app} ${run.serial}; echo EXITED:$?; sleep 120`,
      });
      const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
      expect(exitCodeOf(screen)).toBe(2);
      const text = screen.replace(/\n/g, '');
      expect(text).toMatch(
        new RegExp(
          `error: ${run.shown.source} is the terminal this app runs in, not a serial device: .*give the device's path`,
        ),
      );
      // Nothing of a serial session reached the screen.
      expect(screen).not.toMatch(/^(STATE|LEVEL|MUTED) /m);
      await killAllTuis();
    }
    expect(fixture.agent.calls).toHaveLength(0);
  }, 40_000);

  it('a second Ctrl+C while hanging up quits at once with 130, the summary and the saved copy kept', async () => {
    const { agent, proxy, fixture } = await behindProxy();
    const dir = join(fixture.home, 'saved');
    const tui = await startWrapped(fixture, proxy.baseUrl, {
      extra: ['--save-transcripts'],
      env: { OMNIA_TRANSCRIPT_DIR: dir },
    });
    // A server that does not answer keeps the hang-up pending (up to its timeout).
    proxy.holdReplies();
    await tui.keys('C-c');
    await tui.waitForScreen((s) => s.includes('hanging up'), 'the hang-up notice', 10_000);
    await tui.keys('C-c');
    const screen = await tui.waitForScreen((s) => exitCodeOf(s) !== undefined, 'the shell');
    expect(exitCodeOf(screen)).toBe(130);
    expectShellScreen(screen);
    // What a single Ctrl+C gives is not lost to the second: the summary, and the saved copy.
    expect(screen).toMatch(/^Call lasted \d+s$/m);
    const saved = readdirSync(dir);
    expect(saved).toHaveLength(1);
    expect(screen.replace(/\n/g, '')).toContain(`Transcript: ${join(dir, saved[0]!)}`);
    // The hang-up was sent before the forced quit.
    await until(() => agent.calls[0]?.hungUp, 'the agent to see hang_up', 5_000);
  }, 40_000);
});
