/**
 * Issue 7, item 3 (plain mode): Ctrl+C, a second Ctrl+C, SIGTERM, SIGHUP and an uncaught error
 * all hang up politely where the socket is open, flush the transcript and the output WAV, and
 * leave no sox behind. (The full-screen versions, with `q`, are in tmux.test.ts.)
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { CLI_PATH, waitFor } from '../helpers/cli.js';
import { tone } from '../helpers/signal.js';
import {
  alive,
  alsaHome,
  callArgs,
  expectNoKey,
  hostileEnv,
  KEY,
  type RunFiles,
  readOutputs,
  runFiles,
} from './helpers.js';
import { agentSays, type HostileServer, recordlessServer, startHostileServer } from './server.js';

let server: HostileServer | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await server?.close();
  server = undefined;
});

interface Running {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start a mic call; `nodeArgs` go before the CLI (e.g. a preload that crashes it), `extra`
 * after its arguments.
 */
function start(
  s: HostileServer,
  files: RunFiles,
  nodeArgs: string[] = [],
  env = {},
  extra: string[] = [],
): Running {
  const proc = spawn(
    process.execPath,
    [...nodeArgs, CLI_PATH, ...callArgs(s, files, ['--input', 'mic', ...extra])],
    { env: hostileEnv(files.home, env), cwd: files.home, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child: proc, output: () => ({ stdout, stderr }), exit };
}

/**
 * A server that talks; with `deaf`, it then stops reading (no close handshake, no pongs), so a
 * hang-up has to wait for its timeout.
 */
/** Set once a deaf server has stopped reading: from then on a hang-up cannot complete. */
let deafened = false;

async function talkingServer(deaf = false): Promise<HostileServer> {
  deafened = false;
  server = await startHostileServer({
    call: async (call) => {
      call.json({ type: 'state', state: 'speaking' });
      call.json(agentSays(1, 'a turn before the stop'));
      call.audio(tone(660, 300, 16_000, 0.4));
      if (deaf) {
        await waitFor(() => call.audioBytes() > 16_000, { what: 'mic audio' });
        call.socket.pause();
        deafened = true;
      }
    },
  });
  return server;
}

/** Wait until the call is live, the mic's sox runs and the agent's turn has arrived. */
async function untilLive(run: Running, s: HostileServer): Promise<number> {
  await waitFor(() => /^Agent: a turn before the stop$/m.test(run.output().stdout), {
    what: 'the first turn',
    timeoutMs: 20_000,
  });
  await waitFor(() => (s.calls[0]?.audioBytes() ?? 0) > 16_000, { what: 'mic audio' });
  const sox = spawnSync('pgrep', ['-P', String(run.child.pid), 'sox'], { encoding: 'utf8' });
  const pid = Number(sox.stdout.trim().split('\n')[0]);
  expect(pid, 'sox is running under the CLI').toBeGreaterThan(0);
  return pid;
}

/** What every stop path leaves behind: a valid WAV, the transcript, no sox. */
function expectFlushed(files: RunFiles, soxPid: number): void {
  const { transcript, wav } = readOutputs(files);
  expect(transcript).toMatch(/a turn before the stop/);
  expect(wav, 'the output WAV parses').toBeDefined();
  // The header was fixed: its data size is the file's.
  expect(wav!.data.length).toBe(statSync(files.wav).size - 44);
  expect(wav!.data.length).toBeGreaterThan(0);
  expect(parseWav(readFileSync(files.wav)).sampleRate).toBe(16_000);
  expect(alive(soxPid), 'sox was stopped').toBe(false);
}

describe('every stop path hangs up, flushes and leaves no sox (plain mode)', () => {
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
    it(`${signal}: hang_up sent, files flushed, exit 0`, async () => {
      const s = await talkingServer();
      const files = runFiles();
      alsaHome(files.home);
      const run = start(s, files);
      const sox = await untilLive(run, s);
      run.child.kill(signal);
      const { code } = await run.exit;
      expect(code, run.output().stderr).toBe(0);
      expect(s.calls[0]!.got('hang_up')).toBe(true);
      expectFlushed(files, sox);
    }, 40_000);
  }

  it('SIGHUP twice (the shell and the kernel, as a terminal closes) is one stop, not a forced quit', async () => {
    const s = await talkingServer();
    const files = runFiles();
    alsaHome(files.home);
    const run = start(s, files);
    const sox = await untilLive(run, s);
    run.child.kill('SIGHUP');
    run.child.kill('SIGHUP');
    const { code } = await run.exit;
    expect(code, run.output().stderr).toBe(0);
    expect(run.output().stderr).toMatch(/^Ended: stopped by SIGHUP$/m);
    expect(readOutputs(files).transcript).toMatch(/^Call lasted/m);
    expectFlushed(files, sox);
  }, 40_000);

  it('a signal while the call record is fetched skips the fetch; the summary is still written', async () => {
    server = await recordlessServer();
    const files = runFiles();
    const proc = start(server, files, [], {}, ['--input', 'none', '--duration', '2']);
    await waitFor(() => proc.output().stderr.includes('fetching the call record'), {
      what: 'the record fetch',
      timeoutMs: 20_000,
    });
    proc.child.kill('SIGTERM');
    const { code } = await proc.exit;
    const { stderr } = proc.output();
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^Call lasted \ds$/m);
    expect(stderr).toMatch(/^Ended: --duration 2s reached$/m);
    // The transcript file ends with the summary, as after any call.
    expect(readOutputs(files).transcript).toMatch(/^Ended: --duration 2s reached$/m);
  }, 40_000);

  it('a stop while the call socket is still connecting ends the call as asked, not as a failure', async () => {
    // A socket that accepts the connection and never answers the upgrade.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      server = await startHostileServer({
        create: { kind: 'ok', websocketUrl: () => `ws://127.0.0.1:${port}/call/1` },
      });
      const files = runFiles();
      const proc = start(server, files, [], {}, ['--input', 'none']);
      await waitFor(() => server?.createRequests.length === 1 || undefined, { what: 'the call' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      proc.child.kill('SIGTERM');
      const { code } = await proc.exit;
      const { stdout, stderr } = proc.output();
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/^Ended: stopped by SIGTERM$/m);
      expect(stdout + stderr).not.toMatch(/\[error\]|^error:|could not connect/m);
    } finally {
      silent.close();
    }
  }, 40_000);

  it.each([
    ['SIGINT', 'No call: you quit while it was being created.'],
    ['SIGTERM', 'No call: stopped by SIGTERM while it was being created.'],
  ] as const)(
    '%s while the call is being created gives it up and says so, exit 0',
    async (signal, said) => {
      server = await startHostileServer({ create: { kind: 'hang' } });
      const files = runFiles();
      const proc = start(server, files, [], {}, ['--input', 'none']);
      await waitFor(() => server?.createRequests.length === 1 || undefined, {
        what: 'the request',
      });
      proc.child.kill(signal);
      const { code } = await proc.exit;
      const { stdout, stderr } = proc.output();
      expect(code, stderr).toBe(0);
      expect(stderr.trim().split('\n').at(-1)).toBe(said);
      expect(stdout + stderr).not.toMatch(/Could not create|Cancelled/);
    },
    40_000,
  );

  it('a stop just after the call was created ends it cleanly, never silently', async () => {
    // However late the signal lands after the answer (the request given up, the call's parts
    // opening, the socket connecting), the app says how it ended and exits 0: not 130 unsaid.
    for (const delayMs of [0, 5, 15, 30, 60]) {
      let proc: Running | undefined;
      server = await startHostileServer({
        afterCreate: () => setTimeout(() => proc?.child.kill('SIGTERM'), delayMs),
        call: async (call) => {
          call.json({ type: 'call_started', callId: 'c-1' });
        },
      });
      const files = runFiles();
      alsaHome(files.home);
      // The speaker's child process opens while the call is created, and the call's parts
      // wait for it: a window of tens of ms between the answer and the call's own stop.
      proc = start(server, files, [], {}, ['--output', 'speaker']);
      const { code } = await proc.exit;
      const { stderr } = proc.output();
      expect(code, `${delayMs} ms: ${stderr}`).toBe(0);
      expect(stderr, `${delayMs} ms`).toMatch(
        /^(No call: stopped by SIGTERM while it was being created\.|Ended: stopped by SIGTERM)$/m,
      );
      await server.close();
      server = undefined;
    }
  }, 60_000);

  it('a second Ctrl+C quits at once (exit 130) while the hang-up waits on a deaf server', async () => {
    const s = await talkingServer(true);
    const files = runFiles();
    alsaHome(files.home);
    const run = start(s, files);
    const sox = await untilLive(run, s);
    // The server stops reading on its own poll; a Ctrl+C before that would hang up normally.
    await waitFor(() => deafened, { what: 'the server to go deaf' });
    run.child.kill('SIGINT');
    // Well inside the hang-up's own 1.5 s wait for a close the deaf server never sends.
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGINT');
    const { code } = await run.exit;
    expect(code, run.output().stderr).toBe(130);
    expectFlushed(files, sox);
    // The transcript has its final form, with the summary, not a call still in progress.
    expect(readOutputs(files).transcript).toMatch(/^Ended: interrupted \(Ctrl\+C\)$/m);
    // And stderr says what a single Ctrl+C says: the summary (no record was waited for).
    const stderr = run.output().stderr;
    expect(stderr).toMatch(/^Call lasted \d+s$/m);
    expect(stderr).toMatch(/^Ended: interrupted \(Ctrl\+C\)$/m);
    expect(stderr).toMatch(/^Call record: skipped: the app was stopped/m);
    // Nothing after it: no record is fetched on the way out.
    expect(stderr).not.toContain('fetching the call record');
  }, 40_000);

  it('an app killed outright leaves no sox and no speaker process behind', async () => {
    const s = await talkingServer();
    const files = runFiles();
    alsaHome(files.home);
    const run = start(s, files, [], {}, ['--output', 'speaker']);
    const sox = await untilLive(run, s);
    const pid = run.child.pid!;
    const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n')
      .map(Number)
      .filter((n) => n > 0);
    // sox and the speaker process, each in a process group of its own.
    expect(children).toContain(sox);
    expect(children.length).toBe(2);
    run.child.kill('SIGKILL');
    await run.exit;
    // Nobody stops them: they end because the app's pipes closed.
    for (const c of children)
      await waitFor(() => !alive(c), { what: `child ${c} to end`, timeoutMs: 10_000 });
  }, 40_000);

  it('an uncaught error: hang_up, files flushed, exit 1, the message without the key', async () => {
    const s = await talkingServer();
    const files = runFiles();
    alsaHome(files.home);
    // A real uncaught exception inside the app's process, carrying the key in its message.
    const crash = join(files.home, 'crash.mjs');
    writeFileSync(
      crash,
      `globalThis.__crash = () => { throw new Error('boom with ' + process.env.OMNIA_API_KEY); };
process.on('SIGUSR2', () => setTimeout(() => globalThis.__crash(), 0));\n`,
    );
    const run = start(s, files, ['--import', crash]);
    const sox = await untilLive(run, s);
    run.child.kill('SIGUSR2');
    const { code } = await run.exit;
    const out = run.output();
    expect(code, out.stderr).toBe(1);
    expect(out.stderr).toMatch(/^fatal: boom with /m);
    expect(out.stderr).not.toContain(KEY);
    expect(s.calls[0]!.got('hang_up')).toBe(true);
    expectFlushed(files, sox);
    expectNoKey([out.stdout, out.stderr], files.home);
  }, 40_000);

  it('the server ending the call with an error: exit 1, files flushed, no sox left', async () => {
    server = await startHostileServer({
      call: async (call) => {
        call.json(agentSays(1, 'a turn before the stop'));
        await waitFor(() => call.audioBytes() > 16_000, { what: 'mic audio' });
        // Long enough for the test to find sox first, even on a loaded machine.
        await new Promise((r) => setTimeout(r, 1_500));
        call.ws.close(1011, 'internal error');
      },
    });
    const files = runFiles();
    alsaHome(files.home);
    const run = start(server, files);
    const sox = await untilLive(run, server);
    const { code } = await run.exit;
    expect(code, run.output().stderr).toBe(1);
    expect(run.output().stderr).toMatch(
      /^error: call socket closed: server error \(code 1011\): internal error$/m,
    );
    expectFlushed(files, sox);
  }, 40_000);
});
