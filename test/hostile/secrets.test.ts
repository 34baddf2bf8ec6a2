/**
 * Issue 7, item 4: the API key appears in no output, log, transcript, error message or events,
 * even when a hostile server echoes it back everywhere it can; the config file is mode 0600.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from '../helpers/cli.js';
import { expectNoKey, KEY, RATE, runCall, runFiles } from './helpers.js';
import { type HostileServer, pause, startHostileServer } from './server.js';

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that puts the key it received into every string it sends. */
async function echoingServer(): Promise<HostileServer> {
  server = await startHostileServer({
    call: async (call) => {
      const key = String(server?.createRequests[0]?.headers['x-api-key'] ?? KEY);
      const half = Math.floor(key.length / 2);
      call.json({ type: 'call_started', callId: `call-${key}` });
      call.json({
        type: 'transcript',
        role: 'agent',
        ordinal: 1,
        text: `your key is ${key}`,
        final: true,
      });
      // Split across two deltas: only the whole turn shows the key.
      call.json({
        type: 'transcript',
        role: 'agent',
        ordinal: 2,
        delta: `again ${key.slice(0, half)}`,
      });
      call.json({
        type: 'transcript',
        role: 'agent',
        ordinal: 2,
        delta: key.slice(half),
        final: true,
      });
      call.json({ type: 'debug', message: `X-API-Key: ${key}` });
      call.json({ type: 'error', message: `bad key ${key}` });
      call.json({ type: `type_${key}` });
      call.json({ type: 'client_tool_invocation', toolName: key, invocationId: 'i1' });
      call.text(`{"broken": "${key}`);
      await pause(500);
      call.ws.close(4001, `unauthorised ${key}`.slice(0, 100));
    },
  });
  return server;
}

describe('the API key never leaves the process', () => {
  it('a server echoing the key everywhere: not in stdout, stderr, transcripts or any file', async () => {
    const s = await echoingServer();
    const files = runFiles();
    const jsonl = join(files.home, 'call.jsonl');
    const run = await runCall(s, files, {
      extra: ['--transcript', jsonl, '--record', join(files.home, 'rec.wav')],
    });
    // The key did reach the server (that is what it is for)...
    expect(s.createRequests[0]?.headers['x-api-key']).toBe(KEY);
    expect(run.code, run.stderr).toBe(1);
    // ...and the app showed the problems, redacted.
    expect(run.stdout).toMatch(/^Agent: your key is \[redacted\]$/m);
    expect(run.stdout).toMatch(/^Agent: again \[redacted\]$/m);
    expect(run.stdout).toMatch(/^\[error\] server error: bad key \[redacted\]$/m);
    expect(run.stderr).toMatch(/code 4001\): unauthorised \[redacted\]/);
    expect(readFileSync(jsonl, 'utf8')).toMatch(/\[redacted\]/);
    expectNoKey([run.stdout, run.stderr, run.transcript], files.home);
  }, 30_000);

  it('a server echoing the key or the socket address in another spelling: still redacted', async () => {
    const token = 'WSSECRETTOKEN12345';
    server = await startHostileServer({
      create: { kind: 'ok', websocketUrl: (base) => `${base}/call/1?token=${token}` },
      call: async (call) => {
        const url = `ws://127.0.0.1:${new URL(server!.baseUrl).port}/call/1?token=${token}`;
        const spellings = [
          KEY.toLowerCase(),
          KEY.toUpperCase(),
          encodeURIComponent(url),
          url.toUpperCase(),
          `token=${token}`,
          token.toLowerCase(),
        ];
        spellings.forEach((text, i) => {
          call.json({ type: 'transcript', role: 'agent', ordinal: i + 1, text, final: true });
        });
        call.json({ type: 'error', message: `echo ${spellings.join(' ')}` });
        await pause(300);
        call.ws.close(1000, 'bye');
      },
    });
    const files = runFiles();
    const run = await runCall(server, files);
    // The error was the server's last word before it closed: the call failed with it.
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/^error: the server ended the call after an error: echo /m);
    const everything = [run.stdout, run.stderr, run.transcript].join('\n');
    for (const leak of [KEY.toLowerCase(), KEY.toUpperCase(), token, token.toLowerCase()]) {
      expect(everything.includes(leak), `leaked: ${leak.slice(0, 6)}…`).toBe(false);
    }
    expect(everything).not.toMatch(/WSSECRET|wssecret/);
    expect(run.stdout).toMatch(/^Agent: \[redacted\]$/m);
    expect(run.stdout).toMatch(/^Agent: token=\[redacted\]$/m);
  }, 30_000);

  it("a token in the socket address's path is redacted when echoed; the call id there is not", async () => {
    const token = 'PATHSECRET0123456789';
    const callId = 'call-0123456789abcdef';
    server = await startHostileServer({
      create: {
        kind: 'ok',
        id: callId,
        websocketUrl: (base) => `${base}/calls/${callId}/${token}/ws?t=tok`,
      },
      call: async (call) => {
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 1,
          text: `at ${token}`,
          final: true,
        });
        call.json({ type: 'error', message: `err ${token.toLowerCase()}` });
        await pause(300);
        call.ws.close(4000, `leak ${token}`);
      },
    });
    const files = runFiles();
    const run = await runCall(server, files);
    const everything = [run.stdout, run.stderr, run.transcript].join('\n');
    expect(everything).not.toMatch(/PATHSECRET/i);
    expect(run.stdout).toMatch(/^Agent: at \[redacted\]$/m);
    expect(run.stderr).toMatch(/code 4000\): leak \[redacted\]/);
    // The call's id is in the address too, and is still shown as it is.
    expect(run.stdout).toContain(`[call] connected (call ${callId})`);
  }, 30_000);

  it("with no call id from call creation, the id in the address is the call's, not a secret", async () => {
    const callId = 'call-0123456789abcdef';
    server = await startHostileServer({
      create: { kind: 'ok', id: null, websocketUrl: (base) => `${base}/calls/${callId}/ws?t=tok` },
      call: async (call) => {
        call.json({ type: 'call_started', callId });
        call.json({ type: 'transcript', role: 'agent', ordinal: 1, text: 'hello', final: true });
        await pause(300);
        call.ws.close(1000, 'bye');
      },
    });
    const files = runFiles();
    const run = await runCall(server, files);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`call started (${callId})`);
    expect(run.transcript).toContain(`call ${callId}`);
    expect(`${run.stdout}${run.transcript}`).not.toContain('[redacted]');
  }, 30_000);

  it('a 401 whose body quotes the key: the message shows only its last 4 characters', async () => {
    server = await startHostileServer({
      create: {
        kind: 'status',
        status: 401,
        body: JSON.stringify({ error: { message: `invalid key ${KEY}` } }),
      },
    });
    const files = runFiles();
    const run = await runCall(server, files);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rejected the API key/);
    expect(run.stderr).toMatch(/…7e1d/);
    expectNoKey([run.stdout, run.stderr], files.home);
  }, 30_000);

  it('a key from .env is redacted too, with --verbose', async () => {
    const s = await echoingServer();
    const files = runFiles();
    writeFileSync(join(files.home, '.env'), `OMNIA_API_KEY=${KEY}\n`);
    const run = await runCli(
      [
        '--plain',
        '-v',
        '--agent',
        'x',
        '--api-base',
        s.baseUrl,
        '--input',
        'none',
        '--output',
        'none',
        '--sample-rate',
        String(RATE),
        '--transcript',
        files.transcript,
      ],
      { env: cliEnv(files.home), timeoutMs: 30_000 },
    );
    expect(s.createRequests[0]?.headers['x-api-key']).toBe(KEY);
    expect(run.stdout).toMatch(/\[redacted\]/);
    // (HOME holds the .env itself, so only the outputs are checked here.)
    expectNoKey([run.stdout, run.stderr]);
    expect(readFileSync(files.transcript, 'utf8')).not.toContain(KEY);
  }, 30_000);

  it('config set keeps the key in a 0600 file and never prints it', async () => {
    const files = runFiles();
    const env = cliEnv(files.home);
    const set = await runCli(['config', 'set', 'apiKey', KEY], { env });
    expect(set.code, set.stderr).toBe(0);
    const list = await runCli(['config', 'list'], { env });
    const get = await runCli(['config', 'get', 'apiKey'], { env });
    const path = (await runCli(['config', 'path'], { env })).stdout.trim();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toContain(KEY);
    for (const r of [set, list, get]) {
      expect(r.stdout + r.stderr).not.toContain(KEY);
    }
    expect(list.stdout + get.stdout).toMatch(/…7e1d/);
    // Nothing else under HOME holds it (only the config file, on purpose).
    const others = readdirSync(join(files.home, '.config', 'omnia-voice')).filter(
      (name) => join(files.home, '.config', 'omnia-voice', name) !== path,
    );
    for (const name of others) {
      expect(readFileSync(join(files.home, '.config', 'omnia-voice', name)).includes(KEY)).toBe(
        false,
      );
    }
  }, 30_000);
});
