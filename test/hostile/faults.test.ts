/**
 * Issue 7, item 2: network and server faults, against the built CLI in plain mode. Each one
 * must give a clear one-line message, keep the transcript so far, and exit 1 (or go on).
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli, waitFor } from '../helpers/cli.js';
import {
  callArgs,
  expectNoKey,
  expectTerminalSafe,
  type HostileRun,
  hostileEnv,
  RATE,
  runCall,
  runFiles,
} from './helpers.js';
import {
  agentSays,
  freezingCall,
  type HostileCall,
  type HostileServer,
  type HostileServerOptions,
  pause,
  startHostileServer,
} from './server.js';

let server: HostileServer | undefined;
let extraServer: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  extraServer?.close();
  extraServer = undefined;
});

/** Fast keep-alive for the tests: a dead link is noticed in 2 s instead of 10 s. */
const FAST_KEEPALIVE = { OMNIA_PING_INTERVAL_MS: '500', OMNIA_PONG_TIMEOUT_MS: '2000' };

async function fault(
  options: HostileServerOptions,
  run: { extra?: string[]; env?: Record<string, string>; apiBase?: string } = {},
): Promise<HostileRun> {
  server = await startHostileServer(options);
  const files = runFiles();
  const target = run.apiBase ? { ...server, baseUrl: run.apiBase } : server;
  const result = await runCall(target, files, {
    extra: run.extra,
    env: { ...FAST_KEEPALIVE, ...run.env },
  });
  for (const [what, text] of [
    ['stdout', result.stdout],
    ['stderr', result.stderr],
    ['transcript', result.transcript],
  ] as const) {
    expectTerminalSafe(text, what);
  }
  expectNoKey([result.stdout, result.stderr, result.transcript], files.home);
  return result;
}

/** A call that says one thing, then misbehaves with `then`. */
function saysThen(
  then: Parameters<NonNullable<HostileServerOptions['call']>>[0] extends infer C
    ? (call: C) => void | Promise<void>
    : never,
): HostileServerOptions {
  return {
    call: async (call) => {
      call.json({ type: 'state', state: 'listening' });
      call.json(agentSays(1, 'before the fault'));
      await pause(400);
      await then(call);
    },
  };
}

describe('faults end the call clearly and keep the transcript (plain mode, built CLI)', () => {
  it('the server closing with a non-1000 code: its meaning and reason, exit 1', async () => {
    const run = await fault(saysThen((call) => call.ws.close(4003, 'agent gone\u001b[2J')));
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /^error: call socket closed by the server \(code 4003\): agent gone$/m,
    );
    // The summary on stderr says how the call ended, as every call's does (a redial's calls
    // too), and the reason is the run's last line, `error: …`, as a failed command's is.
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toContain('Ended: call socket closed by the server (code 4003): agent gone');
    expect(lines.findIndex((line) => line.startsWith('Ended: '))).toBe(
      lines.findIndex((line) => line.startsWith('Call lasted ')) + 1,
    );
    expect(lines.at(-1)).toMatch(/^error: /);
    expect(run.transcript).toMatch(/before the fault/);
    expect(run.transcript).toMatch(
      /^Ended: call socket closed by the server \(code 4003\): agent gone$/m,
    );
  }, 30_000);

  it('an error message, then a normal close: the call failed with that error, exit 1', async () => {
    const run = await fault(
      saysThen(async (call) => {
        call.json({ type: 'error', message: 'Insufficient credits: call terminated' });
        await pause(100);
        call.ws.close(1000);
      }),
    );
    expect(run.code, run.stderr).toBe(1);
    // Out of credits mid-call says what to do, as the REST answer's 402 does.
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
      'error: the server ended the call after an error: Insufficient credits: call terminated. Top up in the Omnia dashboard (https://dashboard.omnia-voice.com, Billing), then try again.',
    );
    expect(run.transcript).toMatch(
      /^Ended: the server ended the call after an error: Insufficient credits: call terminated\. Top up in the Omnia dashboard/m,
    );
  }, 30_000);

  it('the server closing or dropping the socket mid-reply: the reply is marked cut, not heard', async () => {
    // The reply's text is whole, and 5 s of its audio came at once; the socket goes a second in.
    const reply = 'Here is a long answer that takes five seconds to say.';
    const cases: Array<[string, (call: HostileCall) => void]> = [
      ['closed (1000)', (call) => call.ws.close(1000)],
      ['dropped', (call) => void call.socket.resetAndDestroy()],
    ];
    for (const [what, end] of cases) {
      const run = await fault({
        call: async (call) => {
          call.json({ type: 'state', state: 'speaking' });
          call.json(agentSays(1, reply));
          call.audio(Buffer.alloc(5 * RATE * 2, 1));
          await pause(1_000);
          end(call);
        },
      });
      expect(run.stdout, what).toContain(`Agent: ${reply} [interrupted]`);
      expect(run.transcript, what).toContain(`Agent: ${reply} [interrupted]`);
      expect(run.stdout, what).toMatch(
        /the call ended with \d+ ms of the agent's reply not played/,
      );
      await server?.close();
      server = undefined;
    }
  }, 60_000);

  it('a text frame over 16 MiB closes the call as "message too big", exit 1', async () => {
    const run = await fault(saysThen((call) => call.text(`"${'z'.repeat(17 * 1024 * 1024)}"`)));
    expect(run.code, run.stderr.slice(0, 2_000)).toBe(1);
    expect(run.stderr).toMatch(/^error: call socket closed: message too big \(code 1009\)/m);
    expect(run.transcript).toMatch(/before the fault/);
  }, 30_000);

  it('the TCP connection reset under the call: lost, exit 1', async () => {
    const run = await fault(saysThen((call) => void call.socket.resetAndDestroy()));
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^error: call socket lost \(code 1006\)/m);
    expect(run.transcript).toMatch(/before the fault/);
  }, 30_000);

  it('a link that goes silent (no close, no answers) is detected by the keep-alive', async () => {
    let silentAt = 0;
    const run = await fault(
      saysThen((call) => {
        // A black hole: nothing read, nothing sent, no close frame, no FIN.
        call.socket.pause();
        silentAt = Date.now();
      }),
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /^error: call socket lost \(code 1006\): no answer from the server for 2 s$/m,
    );
    expect(run.transcript).toMatch(/before the fault/);
    // Said on the way: a warning once the server went quiet (1.5 s here), before the loss.
    expect(run.stdout.match(/^\[warning\] no answer from the server for 1 s$/gm)).toHaveLength(1);
    expect(run.stdout).not.toMatch(/the server answers again/);
    // Noticed within seconds of the link going quiet, not at some much later timeout.
    expect(silentAt).toBeGreaterThan(0);
    expect(Date.now() - silentAt).toBeLessThan(15_000);
  }, 30_000);

  it('a server given up by the keep-alive is asked once for the record, not waited on', async () => {
    // A frozen server (`kill -STOP`): its socket goes silent, and its REST API, on the same
    // host, takes connections and never answers. The app gave it up at the pong timeout: the
    // record's 20 s wait (each try ending with it) would only hold the end for nothing.
    let silentAt = 0;
    const run = await fault(
      {
        ...saysThen((call) => {
          call.socket.pause();
          silentAt = Date.now();
        }),
        record: 'hang',
      },
      { env: { OMNIA_RECORD_WAIT_MS: '20000' } },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /^error: call socket lost \(code 1006\): no answer from the server for 2 s$/m,
    );
    expect(run.stderr).toMatch(/^fetching the call record… \(Ctrl\+C skips\)$/m);
    // Why it was not waited for, and where to read it later, in one line.
    expect(run.stderr).toContain(
      `Call record: could not be fetched: no answer in 3 s; asked once, not waited for, as the server had stopped answering during the call; later: omnia-voice calls show hostile-call-1 --api-base ${server?.baseUrl}`,
    );
    // The loss at 2 s, the one try of 3 s: well short of the 20 s wait.
    expect(Date.now() - silentAt).toBeLessThan(12_000);
  }, 45_000);

  /** A server that freezes for `freezeMs`, then answers again and ends the call. */
  function freezesThenAnswers(freezeMs: number): {
    options: HostileServerOptions;
    frozeAt: () => number;
  } {
    const script = freezingCall(() => pause(freezeMs), true);
    return { frozeAt: script.frozeAt, options: { call: script.call } };
  }

  /** Pings every second: quiet after 2 s (the interval and 1 s), lost only after 6 s. */
  const QUIET_KEEPALIVE = { OMNIA_PING_INTERVAL_MS: '1000', OMNIA_PONG_TIMEOUT_MS: '6000' };

  it('a server that freezes, then answers again: one warning within seconds, one line when it is back', async () => {
    const script = freezesThenAnswers(3_500);
    server = await startHostileServer(script.options);
    const files = runFiles();
    // Without --verbose: the two lines are printed all the same.
    const args = callArgs(server, files).filter((arg) => arg !== '-v');
    const app = startCli(args, { env: hostileEnv(files.home, QUIET_KEEPALIVE) });
    const exited = new Promise<number | null>((resolve) => app.child.on('exit', resolve));
    const warned = await waitFor(
      () =>
        /^\[warning\] no answer from the server for \d+ s$/m.test(app.output().stdout) &&
        Date.now(),
      { what: 'the warning', timeoutMs: 20_000, intervalMs: 20 },
    );
    // The last pong came at most a ping interval before the freeze: the warning is due 2 s after
    // it at the latest (a margin for a loaded machine).
    expect(script.frozeAt()).toBeGreaterThan(0);
    expect(warned - script.frozeAt()).toBeLessThan(2_000 + 1_000);
    expect(await exited, app.output().stderr).toBe(0);
    const { stdout } = app.output();
    const lines = stdout.split('\n');
    const warning = lines.filter((line) => /no answer from the server/.test(line));
    const back = lines.filter((line) => /the server answers again/.test(line));
    expect(warning, stdout).toHaveLength(1);
    expect(warning[0]).toMatch(/^\[warning\] no answer from the server for [2-3] s$/);
    expect(back, stdout).toHaveLength(1);
    // It was quiet from its last pong to the resume: the freeze and up to a ping interval.
    expect(back[0]).toMatch(/^\[info\] the server answers again after [3-5] s$/);
    expect(lines.indexOf(warning[0]!)).toBeLessThan(lines.indexOf(back[0]!));
    expect(stdout.indexOf('before the freeze')).toBeLessThan(stdout.indexOf(warning[0]!));
    expect(stdout.indexOf(back[0]!)).toBeLessThan(stdout.indexOf('after the freeze'));
    expect(stdout).not.toMatch(/socket lost/);
  }, 40_000);

  it('the app stopped (Ctrl+Z, SIGSTOP) for longer than the loss threshold, then resumed: the call goes on', async () => {
    let resumed = false;
    server = await startHostileServer({
      call: async (call) => {
        // A healthy server 50 ms away that only answers pings: while the app is stopped it
        // sends nothing, and its answer to the ping sent on resuming takes a round trip.
        call.ws.on('message', (data, isBinary) => {
          if (isBinary) return;
          const msg = JSON.parse(String(data)) as { type?: string; timestamp?: number };
          if (msg.type !== 'ping') return;
          setTimeout(() => call.json({ type: 'pong', timestamp: msg.timestamp }), 50);
        });
        call.json({ type: 'state', state: 'listening' });
        call.json(agentSays(1, 'before the stop'));
        while (!resumed) await pause(50);
        await pause(1_500);
        call.json(agentSays(2, 'after the stop'));
        await pause(300);
        call.ws.close(1000);
      },
    });
    const files = runFiles();
    // Pings every 500 ms, lost after 2 s of silence; the app is stopped for 4 s.
    const app = startCli(callArgs(server, files), { env: hostileEnv(files.home, FAST_KEEPALIVE) });
    const exited = new Promise<number | null>((resolve) => app.child.on('exit', resolve));
    await waitFor(() => app.output().stdout.includes('before the stop'), {
      what: 'the first turn',
      timeoutMs: 20_000,
    });
    app.child.kill('SIGSTOP');
    await pause(4_000);
    app.child.kill('SIGCONT');
    resumed = true;
    const code = await exited;
    const { stdout, stderr } = app.output();
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/after the stop/);
    // Neither lost nor even quiet: nobody was listening while it was stopped.
    expect(stdout + stderr).not.toMatch(/socket lost|no answer from the server/);
    expect(server.calls[0]?.got('hang_up')).toBe(false);
  }, 40_000);

  it('with --verbose, the level line says the rtt is stale while the server is quiet', async () => {
    const script = freezesThenAnswers(3_500);
    const run = await fault(script.options, { env: QUIET_KEEPALIVE });
    expect(run.code, run.stderr).toBe(0);
    const levels = run.stdout.split('\n').filter((line) => line.startsWith('[level]'));
    // Before and after the freeze, the round trip; during it, how long nothing has come.
    expect(levels.some((line) => / · rtt \d+ ms$/.test(line))).toBe(true);
    expect(
      levels.some((line) => / · rtt no answer [2-5] s$/.test(line)),
      levels.join('\n'),
    ).toBe(true);
    expect(run.stdout.match(/^\[warning\] no answer from the server/gm)).toHaveLength(1);
    expect(run.stdout.match(/^\[info\] the server answers again after/gm)).toHaveLength(1);
    // The call went on through the freeze.
    expect(run.transcript).toMatch(/after the freeze/);
  }, 40_000);

  it('call creation that is never answered times out with a message, exit 1', async () => {
    const run = await fault(
      { create: { kind: 'hang' } },
      { env: { OMNIA_CREATE_TIMEOUT_MS: '1500' } },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /^error: Could not create the call: 127\.0\.0\.1:\d+ accepted the connection but did not answer within 1\.5 s/m,
    );
  }, 30_000);

  it('a 429 with Retry-After says how long to wait, with the server message, exit 1', async () => {
    const run = await fault({
      create: {
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '7', 'content-type': 'application/json' },
        body: JSON.stringify({ error: { message: 'too many calls\u001b[31m right now' } }),
      },
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /limiting calls.*HTTP 429: too many calls right now.*Try again in 7 s/,
    );
  }, 30_000);

  it('DNS failure names the host, exit 1', async () => {
    server = await startHostileServer();
    const run = await fault({}, { apiBase: 'http://omnia-test-host.invalid' });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Cannot find the host omnia-test-host\.invalid/);
  }, 30_000);

  it('TLS failure on call creation and on the call socket, exit 1', async () => {
    // https:// to a server that speaks plain HTTP: the TLS handshake fails for real.
    server = await startHostileServer();
    const port = server.port;
    const rest = await fault({}, { apiBase: `https://127.0.0.1:${port}` });
    expect(rest.code, rest.stderr).toBe(1);
    expect(rest.stderr).toMatch(/Secure connection to 127\.0\.0\.1:\d+ failed/);
    await server.close();

    // The REST answer points the socket at wss:// on a plain-TCP listener.
    extraServer = createServer((socket) => socket.end('HTTP/1.1 400 Bad\r\n\r\n'));
    await new Promise<void>((resolve) => extraServer!.listen(0, '127.0.0.1', resolve));
    const plainPort = (extraServer.address() as AddressInfo).port;
    const ws = await fault({
      create: { kind: 'ok', websocketUrl: () => `wss://127.0.0.1:${plainPort}/call?token=t` },
    });
    expect(ws.code, ws.stderr).toBe(1);
    expect(ws.stderr).toMatch(
      /could not connect to the call: TLS error connecting to 127\.0\.0\.1:\d+/,
    );
    expect(ws.stderr).not.toMatch(/token=/);
  }, 40_000);
});
