import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CallCreationError,
  type CreateCallOptions,
  createCall,
  maskKey,
} from '../../source/api/create-call.js';
import { createInlineCall } from '../../source/api/inline-call.js';
import { secretSpellings } from '../../source/api/mask-key.js';
import { commandMissing, skipWhenMissing } from '../helpers/requires.js';
import { reply, startServer, type TestServer } from './helpers.js';

const KEY = 'sk_live_SECRETxyz_1234abcd';
const servers: TestServer[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function options(apiBase: string, extra: Partial<CreateCallOptions> = {}): CreateCallOptions {
  return {
    apiBase,
    apiKey: KEY,
    agentId: 'agent-42',
    inputSampleRate: 16_000,
    outputSampleRate: 24_000,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<CallCreationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CallCreationError);
    const typed = error as CallCreationError;
    // Whatever went wrong, the key must not be anywhere a user or a log could see it.
    expect(inspect(typed, { depth: 20 })).not.toContain(KEY);
    expect(typed.message).not.toContain(KEY);
    expect(typed.message).not.toContain('\n');
    return typed;
  }
  throw new Error('expected createCall to fail');
}

describe('maskKey', () => {
  it('shows only the last four characters of a key', () => {
    expect(maskKey('sk_live_1234abcd')).toBe('…abcd');
  });
  it('shows nothing of a short key', () => {
    expect(maskKey('abc1234')).toBe('…');
    expect(maskKey('')).toBe('…');
  });
});

describe('secretSpellings', () => {
  it('leaves a short key alone (an ordinary word), and adds the spellings a server may echo', () => {
    expect(secretSpellings('local')).toEqual([]);
    const key = secretSpellings('sk_live_AbCd1234');
    expect(key).toEqual(expect.arrayContaining(['sk_live_AbCd1234', 'sk_live_abcd1234']));
  });

  it("takes a socket address's credential-like query values raw and decoded, not the rest", () => {
    const spellings = secretSpellings('wss://h.example/call/1?format=pcm16&token=ab+cd/ef%3D%3D');
    expect(spellings).toEqual(expect.arrayContaining(['ab+cd/ef%3D%3D', 'ab+cd/ef==']));
    expect(spellings).not.toContain('pcm16');
    // A long value is a credential whatever its name.
    expect(secretSpellings('ws://h/c?x=0123456789abcdefXYZ')).toContain('0123456789abcdefXYZ');
    expect(secretSpellings('ws://h/c?call=c-12345678')).not.toContain('c-12345678');
  });

  it("takes a socket address's token-like path segments, not the call's ids or words", () => {
    const url = 'wss://h.example/speech-to-speech/CALL-0123456789ABCDEF/Tok%2B0123456789abcdef/ws';
    const ids = { callId: 'call-0123456789abcdef', agentId: 'agent-1' };
    const spellings = secretSpellings(url, ids);
    expect(spellings).toEqual(
      expect.arrayContaining(['Tok%2B0123456789abcdef', 'Tok+0123456789abcdef']),
    );
    // The call's id, in whatever case the address spells it, and a long word are shown.
    expect(spellings.map((s) => s.toLowerCase())).not.toContain('call-0123456789abcdef');
    expect(spellings).not.toContain('speech-to-speech');
    // Without the call's id, any segment could be it: none is taken.
    expect(secretSpellings(url)).not.toContain('Tok+0123456789abcdef');
  });
});

describe('createCall success', () => {
  it('posts the call request and returns the websocket URL, call id and agent', async () => {
    const server = await serve(
      reply(201, {
        id: 'call-7',
        websocketUrl: 'wss://voice.example/ws',
        status: 'created',
        agent: { id: 'agent-42', name: 'Front desk', description: 'answers the phone' },
      }),
    );
    const call = await createCall(options(server.base));
    // Only what the app needs: the answer itself is not kept (its websocketUrl is a credential).
    expect(call).toEqual({
      websocketUrl: 'wss://voice.example/ws',
      callId: 'call-7',
      agent: { id: 'agent-42', name: 'Front desk' },
    });

    const [seen] = server.requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/api/v1/calls/create');
    expect(seen?.headers['x-api-key']).toBe(KEY);
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toEqual({
      agentId: 'agent-42',
      connectionType: 'websocket',
      websocket: { inputSampleRate: 16_000, outputSampleRate: 24_000, codec: 'pcm' },
    });
  });

  it('joins the path onto bases with trailing slashes or a prefix', async () => {
    const server = await serve(reply(200, { websocketUrl: 'ws://127.0.0.1:1/x' }));
    await createCall(options(`${server.base}/`));
    await createCall(options(`${server.base}/omnia//`));
    // A base copied with the API's own prefix is the same server: the prefix is not doubled.
    await createCall(options(`${server.base}/api/v1`));
    await createCall(options(`${server.base}/omnia/api/v1/`));
    expect(server.requests.map((request) => request.url)).toEqual([
      '/api/v1/calls/create',
      '/omnia/api/v1/calls/create',
      '/api/v1/calls/create',
      '/omnia/api/v1/calls/create',
    ]);
  });

  it('sends no X-API-Key header when no key is configured', async () => {
    const server = await serve(reply(200, { websocketUrl: 'ws://127.0.0.1:1/x' }));
    const call = await createCall(options(server.base, { apiKey: undefined }));
    expect(call.callId).toBeUndefined();
    expect(server.requests[0]?.headers['x-api-key']).toBeUndefined();
  });
});

describe('createCall HTTP errors', () => {
  it('400 with {"error":{"message"}} is a bad request naming the server message', async () => {
    const server = await serve(reply(400, { error: { message: 'agentId is malformed' } }));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('bad-request');
    expect(error.status).toBe(400);
    expect(error.serverMessage).toBe('agentId is malformed');
    expect(error.message).toContain('HTTP 400: agentId is malformed');
    expect(error.message).toContain('16000/24000 Hz');
  });

  it('422 with a FastAPI-style detail list is a bad request', async () => {
    const server = await serve(
      reply(422, { detail: [{ msg: 'outputSampleRate must be <= 48000' }] }),
    );
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('bad-request');
    expect(error.message).toContain('HTTP 422: outputSampleRate must be <= 48000');
  });

  it('401 names the key only by its last four characters', async () => {
    const server = await serve(reply(401, { error: 'invalid key' }));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('auth');
    expect(error.message).toBe(
      'Omnia rejected the API key (HTTP 401: invalid key). Check OMNIA_API_KEY (key ending …abcd).',
    );
  });

  it('a refusal with a body of megabytes still says what was refused', async () => {
    const page = `<html><body>${'denied '.repeat(400_000)}</body></html>`;
    const server = await serve(reply(401, page));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('auth');
    // An HTML page from a base of one's own: no answer of Omnia's.
    expect(error.message).toMatch(/^The server at http:\S+ does not answer like Omnia \(HTTP 401/);
    expect(error.message).not.toContain('larger than');
    // A 200 that large is still not an answer to read.
    const huge = await serve(reply(200, page));
    const bad = await failure(createCall(options(huge.base)));
    expect(bad.message).toContain('sent an answer larger than');
  });

  it('a redirect names where it points, without the query that may carry a token', async () => {
    const server = await serve(
      reply(307, '', { Location: 'http://127.0.0.1:1/elsewhere?token=REDIRECTSECRET' }),
    );
    const error = await failure(createCall(options(server.base)));
    expect(error.message).toContain('(HTTP 307, a redirect to http://127.0.0.1:1/elsewhere)');
    expect(error.message).not.toContain('REDIRECTSECRET');
  });

  it('401 without a key tells the user to set one', async () => {
    const server = await serve(reply(401, { message: 'missing X-API-Key' }));
    const error = await failure(createCall(options(server.base, { apiKey: undefined })));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('Set OMNIA_API_KEY');
  });

  it('403 is an auth error naming the agent', async () => {
    const server = await serve(reply(403, { message: 'key not allowed for this agent' }));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(403);
    expect(error.message).toContain('HTTP 403: key not allowed for this agent');
    expect(error.message).toContain('"agent-42"');
  });

  it('404 says the agent is unknown and names it', async () => {
    const server = await serve(reply(404, { detail: 'agent not found' }));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('not-found');
    expect(error.message).toContain('does not know agent "agent-42"');
    expect(error.message).toContain('HTTP 404: agent not found');
    // The command that lists the agents asks this server, not Omnia.
    expect(error.message).toContain(`omnia-voice agents --api-base ${server.base} lists them`);
  });

  it('cleans and caps the call id and the agent it names: they are printed', async () => {
    const nasty = '\u001b]0;PWNED\u0007\u001b[31m';
    const server = await serve(
      reply(201, {
        id: `call_${nasty}7${'x'.repeat(5_000)}`,
        websocketUrl: 'wss://voice.example/ws',
        agent: { id: `agt_${nasty}1`, name: `Front${nasty} desk\n` },
      }),
    );
    const call = await createCall(options(server.base));
    expect(call.callId).toMatch(/^call_7x+…$/);
    expect(call.callId?.length).toBeLessThanOrEqual(200);
    expect(call.agent).toEqual({ id: 'agt_1', name: 'Front desk' });
  });

  it('429 reports the Retry-After seconds', async () => {
    const server = await serve(reply(429, { error: 'too many calls' }, { 'Retry-After': '30' }));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('rate-limit');
    expect(error.retryAfterSeconds).toBe(30);
    expect(error.message).toContain('HTTP 429: too many calls');
    expect(error.message).toContain('Try again in 30 s.');
  });

  it.each([
    ['601', 'Try again in 11 min.'],
    ['7200', 'Try again in 120 min.'],
    ['7201', 'Try again in 2 h 1 min.'],
    ['10800', 'Try again in 3 h.'],
    ['259200', 'Try again in 3 days.'],
    ['270001', 'Try again in 3 days 4 h.'],
    ['99999999999', 'Try again in more than a year.'],
  ])('429 with Retry-After %s s says it in units a person reads', async (seconds, said) => {
    const server = await serve(reply(429, 'slow down', { 'Retry-After': seconds }));
    const error = await failure(createCall(options(server.base)));
    expect(error.retryAfterSeconds).toBe(Number(seconds));
    expect(error.message).toContain(said);
  });

  it('429 understands Retry-After as an HTTP date', async () => {
    const when = new Date(Date.now() + 120_000).toUTCString();
    const server = await serve(reply(429, 'slow down', { 'Retry-After': when }));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('rate-limit');
    // HTTP dates have whole-second resolution, and the request takes a moment.
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(115);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(121);
  });

  it('500 with a plain-text body from a base of its own: that server is no Omnia, the text shown', async () => {
    const server = await serve(reply(500, 'Internal Server Error'));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('server');
    expect(error.message).toBe(
      `The server at ${server.base} does not answer like Omnia (HTTP 500: Internal Server Error). Check --api-base: it should point at the Omnia API.`,
    );
  });

  it('503 is server trouble and passes on Retry-After', async () => {
    const server = await serve(
      reply(503, { error: { message: 'no capacity' } }, { 'Retry-After': '5' }),
    );
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('server');
    expect(error.status).toBe(503);
    expect(error.message).toContain('HTTP 503: no capacity');
    expect(error.message).toContain('Try again in 5 s.');
  });

  it('strips escape sequences and control characters from server text and truncates it', async () => {
    const hostile = `\u001b[2J\u001b]0;pwned\u0007bad\r\nthing\u001b[31m ${'x'.repeat(500)}`;
    const server = await serve(reply(400, hostile));
    const error = await failure(createCall(options(server.base)));
    expect(error.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(error.serverMessage?.startsWith('bad thing x')).toBe(true);
    expect(Array.from(error.serverMessage ?? '').length).toBeLessThanOrEqual(200);
    expect(error.message.length).toBeLessThan(400);
  });

  it('masks the key when the server echoes it back', async () => {
    const server = await serve(reply(401, { error: `key ${KEY} is revoked` }));
    const error = await failure(createCall(options(server.base)));
    expect(error.serverMessage).toBe('key …abcd is revoked');
  });
});

describe('createCall bad responses', () => {
  it('2xx without websocketUrl is a bad response', async () => {
    const server = await serve(reply(200, { id: 'call-1' }));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('bad-response');
    expect(error.message).toContain('without a websocketUrl');
  });

  it('2xx that is not JSON is a bad response', async () => {
    const server = await serve(reply(200, '<html>login page</html>'));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('bad-response');
    expect(error.message).toContain('not JSON');
  });

  it('a websocketUrl that is not ws:// or wss:// is refused', async () => {
    const server = await serve(reply(200, { websocketUrl: 'https://evil.example/ws' }));
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('bad-response');
    expect(error.message).toContain('not ws:// or wss:// ("https:")');
  });

  it('a ws:// address with a port out of range is named for what it is, not its scheme', async () => {
    const server = await serve(
      reply(200, { websocketUrl: 'ws://127.0.0.1:99999/call?token=SECRETTOKEN' }),
    );
    const error = await failure(createCall(options(server.base)));
    expect(error.kind).toBe('bad-response');
    expect(error.message).toContain('is not a valid ws:// address (its host or port)');
    expect(error.message).not.toContain('SECRETTOKEN');
  });
});

describe('createCall network errors', () => {
  it("a malformed answer keeps none of its bytes (the parser's raw packet holds the token)", async () => {
    const raw = net.createServer((socket) =>
      socket.once('data', () =>
        socket.end(
          'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"websocketUrl":"ws://h/?token=TOKSECRET"}ZZ\r\n',
        ),
      ),
    );
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => raw.close(() => resolve())));
    const { port } = raw.address() as net.AddressInfo;
    const error = await failure(createCall(options(`http://127.0.0.1:${port}`)));
    expect(error.kind).toBe('bad-response');
    expect(error.message).toContain('answered with a malformed HTTP response');
    // Every field of every error in the chain, bytes as text (inspect shows a Buffer in hex).
    for (let link: unknown = error; link; link = (link as { cause?: unknown }).cause) {
      for (const value of Object.values(link as object)) {
        expect(String(value)).not.toContain('TOKSECRET');
      }
    }
  });

  it('a refused connection is unreachable and names the host', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await failure(createCall(options(`http://127.0.0.1:${port}`)));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('connection refused');
  });

  it('an unknown host is a DNS error that points at --api-base', async () => {
    const error = await failure(createCall(options('https://omnia-voice-test.invalid')));
    expect(error.kind).toBe('dns');
    expect(error.message).toContain('omnia-voice-test.invalid');
    expect(error.message).toContain('--api-base');
  });

  it('a server that accepts but never answers hits the response timeout', async () => {
    const server = await serve(() => {
      // Read the request, never answer.
    });
    const error = await failure(createCall(options(server.base, { responseTimeoutMs: 300 })));
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain('did not answer within 0.3 s');
    expect(server.requests).toHaveLength(1);
  });

  it('a server whose answer stalls after its headers says so, not that it never answered', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.write('{"id":');
    });
    const error = await failure(createCall(options(server.base, { responseTimeoutMs: 300 })));
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain(
      'began its answer (HTTP 201) but did not finish it within 0.3 s. Omnia may be overloaded: try again later (the call may have been created all the same, unopened).',
    );
  });

  it('a --prompt call whose answer stalls says the call may exist too', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(201, { 'content-type': 'application/json' });
      response.write('{"id":');
    });
    const error = await failure(
      createInlineCall({
        apiBase: server.base,
        apiKey: KEY,
        config: { systemPrompt: 'Sell tea.', voice: 'Jenny', language: 'en-US' },
        inputSampleRate: 16_000,
        outputSampleRate: 24_000,
        responseTimeoutMs: 300,
      }),
    );
    expect(error.message).toContain('(the call may have been created all the same, unopened)');
  });

  it('a refusal whose body stalls is still the refusal, with its Retry-After', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' });
      response.write('{"error": "too many');
    });
    const error = await failure(createCall(options(server.base, { responseTimeoutMs: 300 })));
    expect(error.kind).toBe('rate-limit');
    expect(error.retryAfterSeconds).toBe(30);
    expect(error.message).toContain('Try again in 30 s.');
  });

  it('a TLS handshake that never completes hits the connect timeout', async () => {
    // Accepts TCP but never speaks TLS: the connection is never usable.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const { port } = silent.address() as net.AddressInfo;
    const error = await failure(
      createCall(options(`https://127.0.0.1:${port}`, { connectTimeoutMs: 300 })),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain(`after 0.3 s connecting to 127.0.0.1:${port}`);
  });

  it('https against a plain-http server is a TLS error', async () => {
    const server = await serve(reply(200, { websocketUrl: 'ws://x/' }));
    const error = await failure(createCall(options(server.base.replace('http:', 'https:'))));
    expect(error.kind).toBe('tls');
    expect(error.message).toContain('https:// vs http://');
  });

  it('a self-signed certificate is a TLS error', async (ctx) => {
    skipWhenMissing(ctx, commandMissing('openssl', ['version']));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-tls-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const keyPath = path.join(dir, 'key.pem');
    const certPath = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-subj',
        '/CN=127.0.0.1',
        '-days',
        '1',
      ],
      { stdio: 'ignore' },
    );
    const server = https.createServer(
      { key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath) },
      (_req, res) => res.end(JSON.stringify({ websocketUrl: 'wss://x/' })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as net.AddressInfo;
    const error = await failure(createCall(options(`https://127.0.0.1:${port}`)));
    expect(error.kind).toBe('tls');
    expect(error.message).toContain('self-signed');
  });
});

describe('createCall input checks', () => {
  it('refuses an API base that is not an http(s) URL', async () => {
    const error = await failure(createCall(options('ftp://files.example')));
    expect(error.message).toContain('--api-base');
  });

  it('refuses a key with spaces without sending it', async () => {
    const server = await serve(reply(200, { websocketUrl: 'ws://x/' }));
    const error = await failure(createCall(options(server.base, { apiKey: 'sk live\u0000key' })));
    expect(error.kind).toBe('auth');
    expect(server.requests).toHaveLength(0);
  });
});
