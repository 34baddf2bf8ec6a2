/**
 * A key saved with `omnia-voice config set apiKey …` (issue 13, item 6): it is the key a call
 * sends, and it appears in no output and no file but the config file, which only its owner can
 * read, even when a server echoes it back everywhere.
 */
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir, writeTemp } from '../helpers/cli.js';
import { monoWav, tone } from '../helpers/signal.js';
import { KEY, RATE } from './helpers.js';
import { type HostileServer, pause, startHostileServer } from './server.js';

let agent: LocalAgent | undefined;
let server: HostileServer | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
  await server?.close();
  server = undefined;
});

/** A HOME whose config file holds `key`, saved the way a user would. */
async function homeWithSavedKey(key: string): Promise<{ home: string; configFile: string }> {
  const home = tempDir('omnia-config-key-');
  const env = cliEnv(home);
  const set = await runCli(['config', 'set', 'apiKey', key], { env });
  expect(set.code, set.stdout + set.stderr).toBe(0);
  expect(set.stdout + set.stderr).not.toContain(key);
  const configFile = (await runCli(['config', 'path'], { env })).stdout.trim();
  return { home, configFile };
}

/** Every file under `dir` that holds `needle`. */
function filesHolding(dir: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) found.push(...filesHolding(path, needle));
    else if (st?.isFile() && readFileSync(path).includes(needle)) found.push(path);
  }
  return found;
}

/** A call that writes every file it can: output and stereo WAVs, a transcript, a saved one. */
function callArgs(apiBase: string, home: string, transcript: string): string[] {
  const mic = writeTemp(home, 'mic.wav', monoWav(tone(300, 4_000, RATE, 0.3), RATE));
  return [
    '--plain',
    '-v',
    '--api-base',
    apiBase,
    '--agent',
    'demo',
    '--input',
    mic,
    '--output',
    join(home, 'heard.wav'),
    '--record',
    join(home, 'call.wav'),
    '--transcript',
    join(home, transcript),
    '--sample-rate',
    String(RATE),
    '--duration',
    '3',
  ];
}

describe('a key saved with config set', () => {
  it('is the key a call sends, and is in no output and no file but the 0600 config', async () => {
    // The local agent refuses call creation unless X-API-Key is exactly this key.
    agent = await startLocalAgent({ voice: 'tone', requireApiKey: KEY });
    const { home, configFile } = await homeWithSavedKey(KEY);
    // No key in the environment or a .env: only the config file can supply it.
    const run = await runCli(callArgs(agent.baseUrl, home, 'call.jsonl'), {
      env: cliEnv(home),
      timeoutMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(agent.calls).toHaveLength(1);
    expect(agent.calls[0]?.hungUp).toBe(true);
    expect(run.stdout).toMatch(/^Agent: Hello! /m);
    // Every run that takes the key from the config file says so (the environment is better).
    expect(run.stderr).toMatch(/^warning: .*config file/im);

    expect(run.stdout + run.stderr).not.toContain(KEY);
    expect(readFileSync(join(home, 'call.jsonl'), 'utf8')).toMatch(/"type":"turn"/);
    expect(filesHolding(home, KEY)).toEqual([configFile]);
    expect(statSync(configFile).mode & 0o077, 'the config file is readable by others').toBe(0);
  }, 40_000);

  it('says where the key is kept only when the run uses it: not before a --local call', async () => {
    const { home } = await homeWithSavedKey('sk_live_saved_local_9876');
    const args = ['--plain', '--duration', '1', '--input', 'none', '--output', 'none'];
    const local = await runCli(['--local', ...args], { env: cliEnv(home), timeoutMs: 30_000 });
    expect(local.code, local.stderr).toBe(0);
    expect(local.stderr).not.toMatch(/API key is read from the config file/);
    const voices = await runCli(['--local', 'voices'], { env: cliEnv(home) });
    expect(voices.code, voices.stderr).toBe(0);
    expect(voices.stderr).not.toMatch(/API key is read from the config file/);
    // A command that uses the key still says so.
    const listed = await runCli(['agents', '--api-base', 'http://127.0.0.1:9'], {
      env: cliEnv(home),
    });
    expect(listed.stderr).toMatch(/API key is read from the config file/);
  }, 40_000);

  it('a different saved key is refused by the server: the message shows its last 4 at most', async () => {
    agent = await startLocalAgent({ voice: 'tone', requireApiKey: KEY });
    const other = 'sk_live_OTHER_SAVED_KEY_55aa11bb';
    const { home, configFile } = await homeWithSavedKey(other);
    const run = await runCli(callArgs(agent.baseUrl, home, 'call.txt'), {
      env: cliEnv(home),
      timeoutMs: 30_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rejected the API key \(HTTP 401: invalid API key\)/);
    expect(run.stderr).toContain('…11bb');
    expect(agent.calls).toHaveLength(0);
    expect(run.stdout + run.stderr).not.toContain(other);
    expect(filesHolding(home, other)).toEqual([configFile]);
  }, 40_000);

  it('a refused key is named by where it came from: the config file, a .env, the environment', async () => {
    agent = await startLocalAgent({ voice: 'tone', requireApiKey: KEY });
    const other = 'sk_live_OTHER_SAVED_KEY_55aa9876';
    const { home, configFile } = await homeWithSavedKey(other);
    const last = (text: string) => text.trim().split('\n').at(-1);
    // The local agent says it is one (X-Omnia-Local-Agent), so it is named, not Omnia.
    const refused = `The local agent at ${new URL(agent.baseUrl).host} rejected the API key (HTTP 401: invalid API key).`;
    const agents = ['agents', '--api-base', agent.baseUrl];
    const fromFile = await runCli(agents, { env: cliEnv(home) });
    expect(fromFile.code).toBe(1);
    expect(last(fromFile.stderr)).toBe(
      `error: ${refused} Check apiKey in ${configFile} (key ending …9876).`,
    );
    const call = ['--plain', '--input', 'none', '--output', 'none', '--agent', 'demo'];
    const created = await runCli([...call, '--api-base', agent.baseUrl], {
      env: cliEnv(home),
      timeoutMs: 30_000,
    });
    expect(created.code).toBe(1);
    expect(last(created.stderr)).toBe(
      `error: Could not create the call: ${refused} Check apiKey in ${configFile} (key ending …9876).`,
    );
    const dotenv = join(home, '.env');
    writeFileSync(dotenv, `OMNIA_API_KEY=${other}\n`, { mode: 0o600 });
    const fromDotenv = await runCli(agents, { env: cliEnv(home) });
    expect(last(fromDotenv.stderr)).toBe(
      `error: ${refused} Check OMNIA_API_KEY in ${dotenv} (key ending …9876).`,
    );
    unlinkSync(dotenv);
    const fromEnv = await runCli(agents, { env: cliEnv(home, { OMNIA_API_KEY: other }) });
    expect(last(fromEnv.stderr)).toBe(
      `error: ${refused} Check OMNIA_API_KEY in the environment (key ending …9876).`,
    );
    // A 403 names it the same way.
    const forbidding: Server = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Forbidden' }));
    });
    await new Promise<void>((done) => forbidding.listen(0, '127.0.0.1', done));
    try {
      const port = (forbidding.address() as AddressInfo).port;
      const forbidden = await runCli(['agents', '--api-base', `http://127.0.0.1:${port}`], {
        env: cliEnv(home),
      });
      expect(last(forbidden.stderr)).toBe(
        `error: Omnia refused access (HTTP 403: Forbidden). Check that apiKey in ${configFile} (key ending …9876) may list agents.`,
      );
      for (const run of [fromFile, created, fromDotenv, fromEnv, forbidden]) {
        expect(run.stdout + run.stderr).not.toContain(other);
      }
    } finally {
      await new Promise((done) => forbidding.close(done));
    }
  }, 60_000);

  it('echoed back by the server everywhere: redacted on screen and in every file', async () => {
    server = await startHostileServer({
      call: async (call) => {
        const key = String(server?.createRequests[0]?.headers['x-api-key']);
        call.json({ type: 'call_started', callId: `call-${key}` });
        call.json({ type: 'state', state: 'listening' });
        call.json({
          type: 'transcript',
          role: 'agent',
          ordinal: 1,
          text: `key ${key}`,
          final: true,
        });
        call.json({ type: 'debug', message: `X-API-Key: ${key}` });
        call.json({ type: 'error', message: `bad key ${key}` });
        await pause(300);
        call.ws.close(4001, `unauthorised ${key}`);
      },
    });
    const { home, configFile } = await homeWithSavedKey(KEY);
    const run = await runCli(callArgs(server.baseUrl, home, 'call.md'), {
      env: cliEnv(home),
      timeoutMs: 30_000,
    });
    // The saved key was the one sent...
    expect(server.createRequests[0]?.headers['x-api-key']).toBe(KEY);
    expect(run.code, run.stderr).toBe(1);
    // ...and everything the server echoed shows it redacted.
    expect(run.stdout).toMatch(/^Agent: key \[redacted\]$/m);
    expect(run.stdout).toMatch(/^\[debug\] X-API-Key: \[redacted\]$/m);
    expect(run.stderr).toMatch(/unauthorised \[redacted\]/);
    expect(readFileSync(join(home, 'call.md'), 'utf8')).toMatch(/key \[redacted\]/);
    expect(run.stdout + run.stderr).not.toContain(KEY);
    expect(filesHolding(home, KEY)).toEqual([configFile]);
  }, 40_000);
});
