/**
 * Answers that break the rules, from a server or a proxy in the way: a call creation's body that
 * is not strict JSON (never quoted: it holds the socket address and its token), and HTTP itself
 * malformed. Through the built CLI, against raw servers on 127.0.0.1.
 */
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
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
      expect(lastLine(run.stderr), what).toMatch(
        /^error: Could not create the call: 127\.0\.0\.1:\d+ /,
      );
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

describe('a malformed HTTP answer', () => {
  const created = JSON.stringify({
    id: 'call_1',
    websocketUrl: `ws://127.0.0.1:9/c?token=${TOKEN}`,
  });
  const head = (lines: string) => Buffer.from(`HTTP/1.1 201 Created\r\n${lines}\r\n`);
  const cases: Array<[string, Buffer, string]> = [
    [
      'a bad chunk',
      Buffer.concat([
        head('Transfer-Encoding: chunked\r\n'),
        Buffer.from('ZZ\r\nabc\r\n0\r\n\r\n'),
      ]),
      'a chunked body with a broken chunk size',
    ],
    [
      'two Content-Lengths',
      Buffer.concat([head('Content-Length: 2\r\nContent-Length: 3\r\n'), Buffer.from('{}')]),
      'two Content-Length headers, or one with chunked encoding',
    ],
    [
      'a 100 KB header',
      Buffer.concat([
        head(`X-Big: ${'a'.repeat(100_000)}\r\nContent-Length: 2\r\n`),
        Buffer.from('{}'),
      ]),
      'headers larger than the 16 KB a client accepts',
    ],
    [
      'an escape in a header',
      Buffer.concat([head('X-\u001b[31mBad: 1\r\nContent-Length: 2\r\n'), Buffer.from('{}')]),
      'a header with characters a header may not hold',
    ],
  ];

  it('from call creation: says what was malformed, in words, and that the call may exist', async () => {
    for (const [what, bytes, words] of cases) {
      const server = await raw((_request, socket) => socket.end(bytes));
      const run = await call(server);
      expect(run.code, `${what}: ${run.stderr}`).toBe(1);
      expect(lastLine(run.stderr), what).toBe(
        `error: Could not create the call: ${server.host} answered with a malformed HTTP response (${words}). Check --api-base points at the Omnia API; if it does, it or a proxy on the way is broken: try again later. The call may have been created all the same, unopened.`,
      );
      expect(run.stderr, what).not.toMatch(/HPE_|Cannot reach|Check your network/);
    }
  }, 60_000);

  it('another request: the same words, and no call is said to exist', async () => {
    const [, bytes, words] = cases[1] ?? ['', Buffer.alloc(0), ''];
    const server = await raw((_request, socket) => socket.end(bytes));
    const run = await runCli(['agents', '--api-base', server.baseUrl], {
      env: hostileEnv(tempDir('omnia-malformed-')),
      timeoutMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      `error: ${server.host} answered with a malformed HTTP response (${words}). Check --api-base points at the Omnia API; if it does, it or a proxy on the way is broken: try again later.`,
    );
  }, 30_000);

  it('a 201 cut short of its Content-Length: the answer began and broke off, the call may exist', async () => {
    const server = await raw((_request, socket) => {
      socket.write(rawResponse(201, created, { 'content-length': '5000' }));
      setTimeout(() => socket.end(), 50);
    });
    const run = await call(server);
    expect(run.code, run.stderr).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      `error: Could not create the call: ${server.host} began its answer (HTTP 201) but closed the connection before finishing it. Omnia may be having trouble: try again later (the call may have been created all the same, unopened).`,
    );
    expect(run.stderr).not.toContain('SECRET');
  }, 30_000);

  it('to the call socket handshake: what answered is named, in words, never the address', async () => {
    const socketServer = await raw((_request, socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const url = `ws://${socketServer.host}/call?token=${TOKEN}`;
    const server = await raw((_request, socket) =>
      socket.end(rawResponse(201, JSON.stringify({ id: 'call_1', websocketUrl: url }))),
    );
    const run = await call(server);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(
      `could not connect to the call: ${socketServer.host} answered with a malformed HTTP response (bytes that are not HTTP where an answer should begin): the server of the call's socket, or a proxy on the way, is broken; try again later`,
    );
    expect(run.stderr).not.toMatch(/Parse Error|SECRET|token=/);
  }, 30_000);
});

describe('a body that is no text', () => {
  it('compressed though the app never asked: said so, never shown as garbled text', async () => {
    const packed = gzipSync(JSON.stringify({ error: 'Internal error, see the logs' }));
    const refusal = await raw((_request, socket) =>
      socket.end(rawResponse(500, packed, { 'content-encoding': 'gzip' })),
    );
    const run = await runCli(['agents', '--api-base', refusal.baseUrl], {
      env: hostileEnv(tempDir('omnia-malformed-')),
      timeoutMs: 30_000,
    });
    expect(run.code, run.stderr).toBe(1);
    // Not Omnia's JSON, from a base of the user's own: said to be no answer like Omnia's.
    expect(lastLine(run.stderr)).toBe(
      `error: The server at ${refusal.baseUrl} does not answer like Omnia (HTTP 500: a gzip-compressed body, which omnia-voice did not ask for and does not show). Check --api-base: it should point at the Omnia API.`,
    );
    // A key that is a letter of the app's words: they stay whole (only a server's text is
    // searched for the key), not `did not as… for`.
    for (const key of ['k', 'ask']) {
      const short = await runCli(['agents', '--api-base', refusal.baseUrl], {
        env: hostileEnv(tempDir('omnia-malformed-'), { OMNIA_API_KEY: key }),
        timeoutMs: 30_000,
      });
      expect(short.code, short.stderr).toBe(1);
      expect(lastLine(short.stderr)).toContain(
        '(HTTP 500: a gzip-compressed body, which omnia-voice did not ask for and does not show)',
      );
    }
    // A success, packed with no header saying so: its magic bytes tell.
    const success = await raw((_request, socket) =>
      socket.end(
        rawResponse(201, gzipSync(JSON.stringify({ websocketUrl: `ws://h/?token=${TOKEN}` }))),
      ),
    );
    const created = await call(success);
    expect(created.code, created.stderr).toBe(1);
    expect(lastLine(created.stderr)).toBe(
      `error: Could not create the call: ${success.host} answered HTTP 201 with a gzip-compressed body, which omnia-voice did not ask for and does not show. Check --api-base points at the Omnia API.`,
    );
  }, 30_000);
});

/** The error page of `python3 -m http.server`, a server that is not Omnia. */
function pythonErrorPage(status: number, message: string): string {
  return `<!DOCTYPE HTML>\n<html lang="en">\n    <head>\n        <meta charset="utf-8">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: ${status}</p>\n        <p>Message: ${message}.</p>\n    </body>\n</html>\n`;
}

describe('a server that is not Omnia', () => {
  it('is said not to answer like Omnia, naming its base without a password, not as Omnia advice', async () => {
    const server = await raw(({ head }, socket) => {
      const [status, message] = head.startsWith('POST')
        ? [501, 'Unsupported method']
        : [404, 'File not found'];
      socket.end(
        rawResponse(status, pythonErrorPage(status, message), { 'content-type': 'text/html' }),
      );
    });
    const notOmnia = `The server at ${server.baseUrl} does not answer like Omnia`;
    const created = await call(server);
    expect(created.code).toBe(1);
    expect(lastLine(created.stderr)).toBe(
      `error: Could not create the call: ${notOmnia} (HTTP 501: Error response). Check --api-base: it should point at the Omnia API.`,
    );
    const home = tempDir('omnia-malformed-');
    const voices = await runCli(['voices', '--api-base', server.baseUrl], {
      env: hostileEnv(home),
    });
    expect(voices.code).toBe(1);
    expect(lastLine(voices.stderr)).toBe(
      `error: ${notOmnia} (HTTP 404: Error response). Check --api-base: it should point at the Omnia API.`,
    );
    // A user and password in the base are not shown; a base from the environment is named so.
    const withPassword = server.baseUrl.replace('://', '://me:hunter2secret@');
    const shown = await runCli(['calls', 'show', 'abc'], {
      env: hostileEnv(home, { OMNIA_API_BASE: withPassword }),
    });
    expect(shown.code).toBe(1);
    expect(lastLine(shown.stderr)).toBe(
      `error: ${notOmnia} (HTTP 404: Error response). Check OMNIA_API_BASE in the environment: it should point at the Omnia API.`,
    );
    expect(shown.stderr).not.toContain('hunter2secret');
  }, 30_000);

  it('a redirect, as python3 -m http.server gives for a folder, is said not to answer like Omnia', async () => {
    const server = await raw(({ head }, socket) => {
      const path = /^\S+ (\S+)/.exec(head)?.[1]?.split('?')[0] ?? '/';
      socket.end(
        rawResponse(301, '', { location: `${path}/?token=SECRET301`, 'content-type': '' }),
      );
    });
    const run = await runCli(['agents', '--api-base', server.baseUrl], {
      env: hostileEnv(tempDir('omnia-malformed-'), { OMNIA_API_KEY: 'x' }),
    });
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      `error: The server at ${server.baseUrl} does not answer like Omnia (HTTP 301, a redirect to /api/v1/agents/). Check --api-base: it should point at the Omnia API.`,
    );
    expect(run.stderr).not.toContain('SECRET301');
  }, 30_000);

  it("Omnia's own JSON errors, from any base, are said as Omnia's", async () => {
    const server = await raw((_request, socket) =>
      socket.end(rawResponse(404, JSON.stringify({ error: 'Call not found' }))),
    );
    const shown = await runCli(['calls', 'show', 'abc', '--api-base', server.baseUrl], {
      env: hostileEnv(tempDir('omnia-malformed-')),
    });
    // Then, `abc` being too short to look recent calls up by, that it is (calls show's own).
    expect(lastLine(shown.stderr)).toMatch(
      /^error: Omnia has no call "abc" in this workspace \(HTTP 404: Call not found\)\. "abc" is too short to find a call by the start of its id: /,
    );
  }, 30_000);
});
