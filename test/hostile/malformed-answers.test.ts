/**
 * Answers that break the rules, from a server or a proxy in the way: a call creation's body that
 * is not strict JSON (never quoted: it holds the socket address and its token), and HTTP itself
 * malformed. Through the built CLI, against raw servers on 127.0.0.1.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { hostileEnv } from './helpers.js';
import { type RawAnswer, type RawServer, rawResponse, startRawServer } from './raw-http.js';

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function raw(answer: RawAnswer): Promise<RawServer> {
  const server = await startRawServer(answer);
  servers.push(server);
  return server;
}

/** A plain call against `server`: no devices, nothing heard. */
function call(server: RawServer, env: Record<string, string> = {}) {
  const home = tempDir('omnia-malformed-');
  return runCli(
    [
      '--api-base',
      server.baseUrl,
      '--agent',
      'agt_1',
      '--plain',
      '--input',
      'none',
      '--output',
      'none',
    ],
    { env: hostileEnv(home, env), timeoutMs: 30_000 },
  );
}

const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

/** A port nothing listens on: the socket address a created call points at. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const TOKEN = 'tok_SECRETSECRET0123456789abcdef';

describe('a call creation answer that is not strict JSON', () => {
  it('is never quoted (its socket address and token stay unseen); a leading BOM is fine', async () => {
    const port = await closedPort();
    const created = JSON.stringify({
      id: 'call_1',
      websocketUrl: `ws://127.0.0.1:${port}/call?token=${TOKEN}`,
    });
    const bodies: Array<[string, string | Buffer, RegExp]> = [
      ['trailing bytes', `${created}\n{}`, /answered HTTP 201 with JSON followed by more text\./],
      ['cut off', created.slice(0, 70), /answered HTTP 201 with JSON cut off before its end\./],
      [
        'NaN',
        created.replace('}', ',"n":NaN}'),
        /answered HTTP 201 with something that is not JSON\./,
      ],
    ];
    for (const [what, body, expected] of bodies) {
      const server = await raw((_request, socket) => socket.end(rawResponse(201, body)));
      const run = await call(server);
      expect(run.code, `${what}: ${run.stderr}`).toBe(1);
      expect(lastLine(run.stderr), what).toMatch(/^Could not create the call: 127\.0\.0\.1:\d+ /);
      expect(lastLine(run.stderr), what).toMatch(expected);
      for (const secret of ['SECRET', 'token=', 'ws://']) {
        expect(run.stdout + run.stderr, `${what}: ${secret}`).not.toContain(secret);
      }
    }

    // A byte order mark before valid JSON: the call is created, and its socket tried.
    const bom = await raw((_request, socket) =>
      socket.end(
        rawResponse(201, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(created)])),
      ),
    );
    const run = await call(bom);
    expect(run.stderr).not.toMatch(/not JSON|Could not create the call/);
    expect(run.stderr).toMatch(
      /could not connect to the call: connection refused by 127\.0\.0\.1:\d+/,
    );
    expect(run.stdout + run.stderr).not.toContain('SECRET');
  }, 60_000);
});
