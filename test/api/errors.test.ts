import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  extractServerMessage,
  httpFailureToError,
  networkFailureToError,
  parseRetryAfter,
  safeCause,
} from '../../source/api/errors.js';
import { LOCAL_AGENT_HEADER, noteLocalAgent } from '../../source/api/local-serve.js';
import { sanitizeServerText } from '../../source/api/sanitize.js';

const KEY = 'sk_test_DISTINCTIVE_77779999';

describe('extractServerMessage', () => {
  it('reads every error body shape servers are known to send', () => {
    expect(extractServerMessage('{"error":{"message":"nested"}}')).toBe('nested');
    expect(extractServerMessage('{"error":"flat"}')).toBe('flat');
    expect(extractServerMessage('{"message":"top"}')).toBe('top');
    expect(extractServerMessage('{"detail":"fastapi"}')).toBe('fastapi');
    expect(extractServerMessage('just text')).toBe('just text');
    expect(extractServerMessage('<html><title>502 Bad Gateway</title></html>')).toBe(
      '502 Bad Gateway',
    );
  });

  it('says nothing for empty or uninformative bodies', () => {
    expect(extractServerMessage('')).toBeUndefined();
    expect(extractServerMessage('  \n')).toBeUndefined();
    expect(extractServerMessage('{"ok":false}')).toBeUndefined();
  });
});

describe('a redirect', () => {
  it("from a base of one's own is that server's, not Omnia's; from Omnia's host or the local agent, as it is", () => {
    const failure = { status: 301, body: '', location: 'https://example.test/api/v1/agents/' };
    const other = { host: 'example.test', apiBase: 'http://example.test/api/v1', action: 'x' };
    expect(httpFailureToError(failure, other).message).toBe(
      'The server at http://example.test/api/v1 does not answer like Omnia (HTTP 301, a redirect to https://example.test/api/v1/agents/). Check --api-base: it should point at the Omnia API (https:// for http://?).',
    );
    const omnia = {
      host: 'api.omnia-voice.com',
      apiBase: 'https://api.omnia-voice.com',
      action: 'x',
    };
    expect(httpFailureToError(failure, omnia).message).toMatch(
      /^Omnia answered with a redirect \(HTTP 301 to /,
    );
    const local = { ...other, server: 'The local agent' };
    expect(httpFailureToError(failure, local).message).toMatch(
      /^The local agent answered with a redirect \(HTTP 301 to /,
    );
  });
});

describe('an answer that is not JSON', () => {
  it("from Omnia's own host is Omnia's trouble (a proxy of Omnia's page), from another that server's", () => {
    const page = '<html><title>502 Bad Gateway</title></html>';
    const omnia = { host: 'api.omnia-voice.com', apiBase: 'https://api.omnia-voice.com' };
    expect(httpFailureToError({ status: 502, body: page }, { ...omnia, action: 'x' }).message).toBe(
      'Omnia had a server problem (HTTP 502: 502 Bad Gateway). Try again in a few minutes.',
    );
    const other = { host: 'example.test', apiBase: 'https://example.test/' };
    const error = httpFailureToError({ status: 502, body: page }, { ...other, action: 'x' });
    expect(error.kind).toBe('server');
    expect(error.message).toBe(
      'The server at https://example.test does not answer like Omnia (HTTP 502: 502 Bad Gateway). Check --api-base: it should point at the Omnia API.',
    );
    // A rate limit keeps its wait, said of that server.
    const limited = httpFailureToError(
      { status: 429, body: 'slow down', retryAfter: '30' },
      { ...other, action: 'x' },
    );
    expect(limited.message).toBe(
      'The server at https://example.test is limiting calls or requests right now (HTTP 429: slow down). Try again in 30 s.',
    );
    // Its JSON, whatever its shape, is read as ever.
    const json = httpFailureToError(
      { status: 500, body: '{"error":"boom"}' },
      { ...other, action: 'x' },
    );
    expect(json.message).toBe(
      'Omnia had a server problem (HTTP 500: boom). Try again in a few minutes.',
    );
  });
});

describe('sanitizeServerText', () => {
  it('removes 8-bit controls and bidi overrides that could disguise text', () => {
    expect(sanitizeServerText('a\u009b31mb\u202etxt.exe')).toBe('a31mbtxt.exe');
  });
  it('never lets a control character through and never exceeds the limit, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (input) => {
        const out = sanitizeServerText(input);
        expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        expect(Array.from(out).length).toBeLessThanOrEqual(200);
      }),
    );
  });
  it('keeps ordinary Unicode', () => {
    expect(sanitizeServerText('Agent «Zoë» not found')).toBe('Agent «Zoë» not found');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delay-seconds and HTTP dates, never negative', () => {
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('safeCause', () => {
  it('replaces a cause whose chain mentions the key with a redacted copy', () => {
    const inner = new Error(`header X-API-Key: ${KEY}`);
    const outer = Object.assign(new Error('request failed', { cause: inner }), { code: 'EFOO' });
    const cause = safeCause(outer, KEY);
    expect(inspect(cause, { depth: 10 })).not.toContain(KEY);
    expect((cause as { code?: string }).code).toBe('EFOO');
  });

  it('keeps a harmless cause as it is, for debugging', () => {
    const original = new Error('connect ECONNREFUSED');
    expect(safeCause(original, KEY)).toBe(original);
  });

  it('network errors never carry the key, even when the underlying error does', () => {
    const leaky = Object.assign(new Error(`weird failure near ${KEY}`), { code: 'EWEIRD' });
    const error = networkFailureToError(leaky, {
      host: 'example.test',
      agentId: 'a',
      apiKey: KEY,
      inputSampleRate: 48_000,
      outputSampleRate: 48_000,
    });
    expect(error.kind).toBe('unreachable');
    expect(inspect(error, { depth: 10 })).not.toContain(KEY);
  });

  it('names --api-base in the advice only when the host is not the default one', () => {
    const failure = (code: string, host: string) =>
      networkFailureToError(Object.assign(new Error(`getaddrinfo ${code} ${host}`), { code }), {
        host,
      }).message;
    // Omnia's own host, never set by the user: the network is what to check.
    expect(failure('ENOTFOUND', 'api.omnia-voice.com')).toBe(
      'Cannot find the host api.omnia-voice.com (ENOTFOUND). Check your network or DNS.',
    );
    expect(failure('ECONNREFUSED', 'api.omnia-voice.com')).toBe(
      'Cannot reach Omnia at api.omnia-voice.com (connection refused). Check your network.',
    );
    expect(failure('ENOTFOUND', 'omnia.example.test')).toBe(
      'Cannot find the host omnia.example.test (ENOTFOUND). Check the host name in --api-base and your network or DNS.',
    );
    expect(failure('ECONNREFUSED', 'omnia.example.test')).toBe(
      'Cannot reach Omnia at omnia.example.test (connection refused). Check your network and --api-base.',
    );
  });

  it('a serve that answered in this run, gone since, is named as the local agent at its address, once', () => {
    const base = 'http://127.0.0.1:1';
    noteLocalAgent(new URL(base), { [LOCAL_AGENT_HEADER]: '1' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(networkFailureToError(refused, { host: '127.0.0.1:1', apiBase: base }).message).toBe(
      'Cannot reach the local agent at 127.0.0.1:1 (connection refused). Check your network and --api-base.',
    );
    // After the host, the timeouts name it once too.
    const slow = networkFailureToError(
      new Error('timeout'),
      { host: '127.0.0.1:1', apiBase: base },
      { phase: 'response', ms: 20_000 },
    );
    expect(slow.message).toBe(
      '127.0.0.1:1 accepted the connection but did not answer within 20 s. It may be overloaded: try again later.',
    );
  });
});
