/**
 * The important hostile cases in the full-screen UI, in a real terminal (tmux): the screen stays
 * intact whatever the server sends, faults are shown, and every way out (q, Ctrl+C, a forced
 * second Ctrl+C, SIGTERM, closing the terminal, a crash) hangs up, flushes the files, stops sox
 * and gives the shell its terminal back: main screen, cursor, cooked mode, the prompt.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_PATH, waitFor } from '../helpers/cli.js';
import { tone } from '../helpers/signal.js';
import {
  alive,
  alsaHome,
  expectNoKey,
  hostileEnv,
  KEY,
  RATE,
  type RunFiles,
  readOutputs,
  runFiles,
} from './helpers.js';
import {
  agentSays,
  freezingCall,
  type HostileServer,
  pause,
  recordlessServer,
  startHostileServer,
} from './server.js';
import { COLUMNS, PROMPT, ROWS, Tmux } from './tmux.js';

let server: HostileServer | undefined;
let tmux: Tmux | undefined;
afterEach(async () => {
  tmux?.kill();
  tmux = undefined;
  await server?.close();
  server = undefined;
});

const NASTY = 'hi\u001b[2J\u001b[H\u001b]0;pwned\u0007\u001b[31m there\u0000\u009b1m\u202eevil\r\n';

/** Open a terminal and run the app full-screen in it, against the double. */
function launch(
  s: HostileServer,
  files: RunFiles,
  options: {
    mic?: boolean;
    nodeArgs?: string[];
    plain?: boolean;
    output?: string;
    /** Typed before the command, in the same line (`trap : HUP;`). */
    shellFirst?: string;
    /** More of the app's environment (test knobs). */
    env?: Record<string, string>;
    /** The transcript's path, when not the run's file. */
    transcript?: string;
    /** A file for the app's stderr (the summary), instead of the terminal. */
    stderr?: string;
  } = {},
): Tmux {
  if (options.mic) alsaHome(files.home);
  const t = new Tmux({
    ...hostileEnv(files.home, options.env),
    PS1: PROMPT,
    TERM: 'xterm-256color',
  });
  tmux = t;
  t.start();
  const args = [
    ...(options.nodeArgs ?? []),
    CLI_PATH,
    '--agent',
    'x',
    '--api-base',
    s.baseUrl,
    '--input',
    options.mic ? 'mic' : 'none',
    '--output',
    options.output ?? files.wav,
    ...(options.plain ? ['--plain'] : []),
    '--sample-rate',
    String(RATE),
    '--transcript',
    options.transcript ?? files.transcript,
  ];
  t.type(
    `${options.shellFirst ?? ''}cd ${files.home} && ${process.execPath} ${args.join(' ')}${options.stderr ? ` 2> ${options.stderr}` : ''}; echo EXIT=$?`,
  );
  return t;
}

/** The app's process: the pane shell's child. */
async function appPid(t: Tmux): Promise<number> {
  return waitFor(
    () => {
      const out = spawnSync('pgrep', ['-P', String(t.shellPid())], { encoding: 'utf8' }).stdout;
      return Number(out.trim().split('\n')[0]) || undefined;
    },
    { what: 'the app process' },
  );
}

/** The app's child processes (sox, the speaker process). */
function childrenOf(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout;
  return out
    .trim()
    .split('\n')
    .map(Number)
    .filter((n) => n > 0);
}

function soxUnder(pid: number): number | undefined {
  const out = spawnSync('pgrep', ['-P', String(pid), 'sox'], { encoding: 'utf8' }).stdout;
  return Number(out.trim().split('\n')[0]) || undefined;
}

/** The full-screen layout is whole: header on the first row, footer on the last. */
function expectIntact(t: Tmux): void {
  const rows = t.screen();
  expect(rows).toHaveLength(ROWS);
  expect(rows[0]).toMatch(/^omnia-voice · /);
  // The footer sits at the bottom (Ink keeps the very last row free so nothing scrolls).
  const footer = rows.findLastIndex((row) => row.trim() !== '');
  expect(footer, rows.join('\n')).toBeGreaterThanOrEqual(ROWS - 2);
  expect(rows[footer]).toMatch(/q quit/);
  for (const row of rows) {
    expect(row.length).toBeLessThanOrEqual(COLUMNS);
    // Stray pieces of escape sequences would show up as text.
    expect(row).not.toMatch(/\[2J|\]0;|\[31m|pwned/);
  }
  expect(t.display('#{pane_title}')).not.toMatch(/pwned/);
  expect(t.display('#{alternate_on}')).toBe('1');
}

/** After the app: main screen, cursor shown, cooked mode with echo, the prompt waiting. */
async function expectShellBack(t: Tmux, code: number): Promise<void> {
  await t.waitScreen((s) => new RegExp(`^EXIT=${code}$`, 'm').test(s), `EXIT=${code}`);
  await t.waitScreen((s) => s.trimEnd().endsWith(PROMPT.trim()), 'the prompt');
  expect(t.display('#{alternate_on}')).toBe('0');
  expect(t.display('#{cursor_flag}')).toBe('1');
  t.type(`stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e echo | tr '\\n' ' '; echo =stty`);
  await t.waitScreen((s) => /icanon echo =stty|echo icanon =stty/.test(s), 'cooked mode');
}

describe('full-screen UI against a hostile server (tmux)', () => {
  it('escape sequences, junk, huge and unknown frames: the screen stays intact; q restores', async () => {
    server = await startHostileServer({
      call: async (call) => {
        call.json({ type: 'call_started', callId: `c\u001b]0;pwned\u0007` });
        call.json({ type: 'state', state: 'listening' });
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 1,
          text: NASTY.repeat(3),
          final: true,
        });
        call.json({ type: 'debug', message: NASTY });
        call.json({ type: 'error', message: NASTY });
        call.text('{"type":"transcript","ordi');
        call.json({ type: 'state', state: 'dancing' });
        call.json({ type: 'call_event\u001b[2J' });
        call.text(JSON.stringify(agentSays(2, 'x'.repeat(3 * 1024 * 1024))));
        call.audio(Buffer.alloc(333, 1));
        await pause(200);
        call.json(agentSays(3, 'still here'));
      },
    });
    const files = runFiles();
    const t = launch(server, files);
    // The frame that shows it whole (footer and all): a capture can fall inside a frame's write.
    await t.waitScreen((s) => s.includes('still here') && /q quit/.test(s), 'the last turn');
    expectIntact(t);
    t.keys('d');
    await t.waitScreen(
      (s) => /Events \(\d+\)/.test(s) && /invalid +invalid message/.test(s) && /unknown +/.test(s),
      'the events pane',
    );
    expectIntact(t);
    t.keys('q');
    await expectShellBack(t, 0);
    expect(server.calls[0]!.got('hang_up')).toBe(true);
    const { transcript } = readOutputs(files);
    expect(transcript).toMatch(/still here/);
    expect(transcript).not.toMatch(/\u001b/);
    expectNoKey([t.screen().join('\n'), transcript], files.home);
  }, 60_000);

  it('the server closing with an error: the reason on screen, q exits 1 and restores', async () => {
    server = await startHostileServer({
      call: async (call) => {
        call.json(agentSays(1, 'before the fault'));
        await pause(1_500);
        call.ws.close(4003, 'agent gone\u001b[2J');
      },
    });
    const files = runFiles();
    const t = launch(server, files);
    // The notice keeps its end (the reason's last words and the keys; on a second row when one
    // cannot hold it); the code is in the transcript's error line beside it.
    await t.waitScreen(
      (s) =>
        /call ended: [^\n]*(\n[^\n]*)?agent\s+gone( — |\n)press r/.test(s) &&
        /4003\): agent gone/.test(s),
      'the end reason',
    );
    expectIntact(t);
    t.keys('q');
    await expectShellBack(t, 1);
    expect(readOutputs(files).transcript).toMatch(/before the fault/);
  }, 60_000);
});

describe('full-screen: a call that could not be created (tmux)', () => {
  it('leaves the screen and says why on stderr, error: first as in plain mode, exit 1', async () => {
    server = await startHostileServer({
      create: {
        kind: 'status',
        status: 502,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: { message: 'upstream down', code: 'UPSTREAM_ERROR' } }),
      },
    });
    const files = runFiles();
    const stderr = join(files.home, 'err.log');
    const t = launch(server, files, { stderr });
    await t.waitScreen((s) => /^EXIT=1$/m.test(s), 'EXIT=1');
    const last = readFileSync(stderr, 'utf8').trimEnd().split('\n').at(-1);
    expect(last).toMatch(/^error: Could not create the call: .*upstream down/);
  }, 60_000);
});

describe('full-screen: a call that broke, then r (tmux)', () => {
  it("the broken call's summary says how it ended in its own block; the run's last call decides the exit", async () => {
    let calls = 0;
    server = await startHostileServer({
      call: async (call) => {
        calls += 1;
        if (calls === 1) {
          call.json(agentSays(1, 'before the fault'));
          await pause(1_500);
          call.ws.close(4003, 'agent gone');
          return;
        }
        call.json(agentSays(1, 'the second call'));
      },
    });
    const files = runFiles();
    const stderr = join(files.home, 'err.log');
    const t = launch(server, files, { stderr });
    await t.waitScreen((s) => /call ended: .*agent/.test(s.replace(/\n/g, ' ')), 'the fault');
    t.keys('r');
    await t.waitScreen((s) => s.includes('the second call'), 'the second call');
    t.keys('q');
    await t.waitScreen((s) => /^EXIT=0$/m.test(s), 'EXIT=0');
    const lines = readFileSync(stderr, 'utf8').trimEnd().split('\n');
    const second = lines.findIndex((line) => line.startsWith('Call 2'));
    expect(second, lines.join('\n')).toBeGreaterThan(0);
    const first = lines.slice(0, second);
    // Call 1's block says how it ended, as every other summary does, and no `error:` line
    // stands between it and call 2.
    expect(first, lines.join('\n')).toContain(
      'Ended: call socket closed by the server (code 4003): agent gone',
    );
    expect(
      first.some((line) => line.startsWith('error:')),
      lines.join('\n'),
    ).toBe(false);
    expect(lines.some((line) => line.startsWith('error:'))).toBe(false);
  }, 60_000);
});

describe('full-screen: a server that goes quiet (tmux)', () => {
  it('says so within seconds, shows the rtt stale, and says when it answers again', async () => {
    let resume: () => void = () => undefined;
    const resumed = new Promise<void>((done) => {
      resume = done;
    });
    // Frozen (`kill -STOP`) until the test says.
    const script = freezingCall(() => resumed);
    server = await startHostileServer({ call: script.call });
    const files = runFiles();
    // Pings every second: quiet after 2 s; lost only at the default 10 s.
    const t = launch(server, files, { env: { OMNIA_PING_INTERVAL_MS: '1000' } });
    await t.waitScreen((s) => s.includes('before the freeze') && /rtt +\d+ ms/.test(s), 'the rtt');
    const quiet = await t.waitScreen(
      (s) => /warning: no answer from the server for \d+ s/.test(s),
      'the warning',
    );
    // The last pong came at most a ping interval before the freeze: due 2 s after it at the
    // latest, and a margin for a loaded machine and the screen's polling.
    expect(script.frozeAt()).toBeGreaterThan(0);
    expect(Date.now() - script.frozeAt()).toBeLessThan(2_000 + 1_500);
    expect(quiet).toMatch(/rtt +no answer \d+ s/);
    expect(quiet).not.toMatch(/rtt +\d+ ms/);
    // The count goes on while nothing comes.
    await t.waitScreen((s) => /no answer from the server for [4-9] s/.test(s), 'the count');
    t.keys('d');
    await t.waitScreen(
      // Wrapped to the pane's width.
      (s) => /warning +no answer from the/.test(s),
      'the warning in the events pane',
    );
    expectIntact(t);
    resume();
    const back = await t.waitScreen(
      (s) => /the server answers again after \d+ s/.test(s),
      'the server back',
    );
    expect(back).not.toMatch(/warning: no answer/);
    expect(back).toMatch(/info +the server answers/);
    await t.waitScreen((s) => /rtt +\d+ ms/.test(s), 'a fresh rtt');
    await t.waitScreen((s) => s.includes('after the freeze'), 'the call going on');
    expect(t.screen().join('\n')).not.toMatch(/socket lost|call ended/);
    expectIntact(t);
    t.keys('q');
    await expectShellBack(t, 0);
  }, 60_000);

  it('a server that never answers again: the call is lost, and no stale round trip is left', async () => {
    const script = freezingCall(() => new Promise<void>(() => undefined));
    server = await startHostileServer({ call: script.call });
    const files = runFiles();
    // Quiet after 2 s, lost at 4 s.
    const t = launch(server, files, {
      env: { OMNIA_PING_INTERVAL_MS: '1000', OMNIA_PONG_TIMEOUT_MS: '4000' },
    });
    await t.waitScreen((s) => /rtt +\d+ ms/.test(s), 'the rtt');
    await t.waitScreen((s) => /rtt +no answer \d+ s/.test(s), 'the rtt stale');
    const lost = await t.waitScreen((s) => /call ended: .*socket lost/.test(s), 'the call lost');
    // Not the round trip from before the silence, as if the link had answered.
    expect(lost).not.toMatch(/rtt +\d+ ms/);
    expect(lost).toMatch(/rtt +—/);
    t.keys('q');
    await expectShellBack(t, 1);
  }, 60_000);

  it('a transcript FIFO nobody reads yet is said on the screen, not only in the events', async () => {
    server = await startHostileServer({ call: (call) => call.json(agentSays(1, 'hello')) });
    const files = runFiles();
    const fifo = join(files.home, 'transcript.md');
    spawnSync('mkfifo', [fifo]);
    const t = launch(server, files, { transcript: fifo });
    await t.waitScreen(
      (s) => /warning: nothing reads from .*transcript\.md yet/.test(s),
      'the warning',
    );
    t.keys('q');
    await expectShellBack(t, 0);
  }, 60_000);
});

describe('full-screen stop paths (tmux)', () => {
  /** Set once the `deaf` server has stopped reading: a hang-up can then never complete. */
  let deafened = false;

  /** A server that talks and plays a little; `deaf` stops reading once mic audio flows. */
  async function talking(deaf = false): Promise<HostileServer> {
    deafened = false;
    server = await startHostileServer({
      call: async (call) => {
        call.json({ type: 'state', state: 'speaking' });
        call.json(agentSays(1, 'a turn before the stop'));
        call.audio(tone(660, 300, RATE, 0.4));
        if (deaf) {
          await waitFor(() => call.audioBytes() > RATE, { what: 'mic audio' });
          call.socket.pause();
          deafened = true;
        }
      },
    });
    return server;
  }

  /** Up and running: the turn on screen, sox capturing, audio reaching the server. */
  async function live(t: Tmux, s: HostileServer): Promise<{ pid: number; sox: number }> {
    await t.waitScreen((text) => text.includes('a turn before the stop'), 'the first turn');
    const pid = await appPid(t);
    const sox = await waitFor(() => soxUnder(pid), { what: 'sox' });
    await waitFor(() => (s.calls[0]?.audioBytes() ?? 0) > RATE, { what: 'mic audio' });
    return { pid, sox };
  }

  function expectFlushed(files: RunFiles, sox: number): void {
    const { transcript, wav } = readOutputs(files);
    expect(transcript).toMatch(/a turn before the stop/);
    expect(wav, 'the output WAV parses').toBeDefined();
    expect(wav!.data.length).toBe(statSync(files.wav).size - 44);
    expect(alive(sox), 'sox was stopped').toBe(false);
  }

  it('Ctrl+C hangs up, flushes, stops sox, exits 0 and restores the terminal', async () => {
    const s = await talking();
    const files = runFiles();
    const t = launch(s, files, { mic: true });
    const { sox } = await live(t, s);
    t.keys('C-c');
    await expectShellBack(t, 0);
    expect(s.calls[0]!.got('hang_up')).toBe(true);
    expectFlushed(files, sox);
  }, 60_000);

  it('a second Ctrl+C quits at once (130) even while the hang-up waits; terminal restored', async () => {
    const s = await talking(true);
    const files = runFiles();
    const t = launch(s, files, { mic: true });
    const { sox } = await live(t, s);
    // Ctrl+C only once the server has stopped listening: before that the hang-up may complete.
    await waitFor(() => deafened, { what: 'the server to stop reading' });
    t.keys('C-c');
    await pause(200);
    t.keys('C-c');
    await expectShellBack(t, 130);
    expectFlushed(files, sox);
  }, 60_000);

  it('plain mode: Ctrl+C signals the whole foreground group, yet the call ends cleanly', async () => {
    const s = await talking();
    const files = runFiles();
    const t = launch(s, files, { mic: true, plain: true, output: 'speaker' });
    const { sox } = await live(t, s);
    const pid = await appPid(t);
    const speaker = await waitFor(() => childrenOf(pid).find((c) => c !== sox), {
      what: 'the speaker process',
    });
    t.keys('C-c');
    await expectShellBack(t, 0);
    // sox and the speaker process were stopped by the app, in order, not killed by the
    // terminal's SIGINT halfway through: no error line on the way out.
    const screen = t.screen().join('\n');
    expect(screen).toMatch(/Ended: interrupted \(Ctrl\+C\)/);
    expect(screen).not.toMatch(/\[error\]|stopped:/);
    expect(s.calls[0]!.got('hang_up')).toBe(true);
    expect(readOutputs(files).transcript).toMatch(/a turn before the stop/);
    expect(alive(sox), 'sox was stopped').toBe(false);
    expect(alive(speaker), 'the speaker process was stopped').toBe(false);
  }, 60_000);

  it('SIGTERM hangs up and restores the terminal (exit 143)', async () => {
    const s = await talking();
    const files = runFiles();
    const t = launch(s, files, { mic: true });
    const { pid, sox } = await live(t, s);
    process.kill(pid, 'SIGTERM');
    await expectShellBack(t, 143);
    expect(s.calls[0]!.got('hang_up')).toBe(true);
    expectFlushed(files, sox);
    // Said as in plain mode: the user did not hang up, a signal did.
    expect(t.screen().join('\n')).toMatch(/^Ended: stopped by SIGTERM/m);
  }, 60_000);

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)(
    '%s while the call is being created: said as plain mode says it, not as a quit (exit %i)',
    async (signal, code) => {
      server = await startHostileServer({ create: { kind: 'hang' } });
      const files = runFiles();
      const t = launch(server, files);
      await waitFor(() => server?.createRequests.length === 1 || undefined, {
        what: 'the request',
      });
      // The screen is up while the call is being created (it loads once dialing has waited).
      await t.waitScreen((s) => /creating/.test(s) && /q quit/.test(s), 'the UI while dialing');
      process.kill(await appPid(t), signal);
      await expectShellBack(t, code);
      const screen = t.screen().join('\n');
      // Nobody quit: a signal stopped it, and the line says which, as `--plain` does.
      expect(screen).toMatch(
        new RegExp(`^No call: stopped by ${signal} while it was being created\\.$`, 'm'),
      );
      expect(screen).not.toMatch(/you quit/);
    },
    30_000,
  );

  it('SIGTERM while the call record is fetched after q: no wait for it, exit 143, summary kept', async () => {
    server = await recordlessServer();
    const files = runFiles();
    const t = launch(server, files);
    await t.waitScreen((screen) => screen.includes('a turn before the stop'), 'the turn');
    const pid = await appPid(t);
    t.keys('q');
    await t.waitScreen((screen) => /fetching the call record/.test(screen), 'the record fetch');
    process.kill(pid, 'SIGTERM');
    // The fetch would wait 20 s for an answer that never comes; the signal skips it.
    await expectShellBack(t, 143);
    expect(t.screen().join('\n')).toMatch(/^Ended: you hung up/m);
    expect(readOutputs(files).transcript).toMatch(/^Ended: you hung up/m);
  }, 15_000);

  it('closing the terminal (SIGHUP) still hangs up, flushes and stops sox', async () => {
    const s = await talking();
    const files = runFiles();
    const t = launch(s, files, { mic: true });
    const { pid, sox } = await live(t, s);
    t.killPane();
    await waitFor(() => !alive(pid), { what: 'the app to exit', timeoutMs: 15_000 });
    expect(s.calls[0]!.got('hang_up')).toBe(true);
    expectFlushed(files, sox);
  }, 60_000);

  it('closing the terminal under a shell that passes no SIGHUP on still hangs up and exits', async () => {
    // `trap : HUP` (or a nohup'd shell): the shell takes the terminal's SIGHUP and sends its
    // job nothing. The app sees its terminal's input end and its writes fail with EIO.
    const s = await talking();
    const files = runFiles();
    const t = launch(s, files, { mic: true, shellFirst: 'trap : HUP; ' });
    const { pid, sox } = await live(t, s);
    t.killPane();
    try {
      await waitFor(() => !alive(pid), { what: 'the app to exit', timeoutMs: 15_000 });
    } finally {
      // Before the fix it ran on for ever, with nobody to stop it.
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    expect(s.calls[0]!.got('hang_up')).toBe(true);
    expectFlushed(files, sox);
    // The hang-up's words race (about 1 run in 10, since before 2026-12-02): the session's stop
    // with the signal's reason, or the lifecycle's cleanup with its own. Hung up and flushed
    // either way, which is what this asserts; the race is in the stop note, to be fixed.
    expect(readOutputs(files).transcript).toMatch(
      /^Ended: (stopped by SIGHUP|the app was stopped)$/m,
    );
  }, 60_000);

  it('an uncaught error restores the terminal, exits 1, and shows no key', async () => {
    const s = await talking();
    const files = runFiles();
    const crash = join(files.home, 'crash.mjs');
    writeFileSync(
      crash,
      `process.on('SIGUSR2', () => setTimeout(() => { throw new Error('boom with ' + process.env.OMNIA_API_KEY); }, 0));\n`,
    );
    const t = launch(s, files, { mic: true, nodeArgs: ['--import', crash] });
    const { pid, sox } = await live(t, s);
    process.kill(pid, 'SIGUSR2');
    await expectShellBack(t, 1);
    const screen = t.screen().join('\n');
    expect(screen).toMatch(/boom with \[redacted\]/);
    expect(screen).not.toContain(KEY);
    expect(s.calls[0]!.got('hang_up')).toBe(true);
    expectFlushed(files, sox);
  }, 60_000);
});
