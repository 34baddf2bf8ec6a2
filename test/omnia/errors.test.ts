/**
 * Issue 12, item 6: Omnia's two error shapes become one line naming the cause; 402 says the
 * workspace is out of credits and where to top up; 429 says when to retry; the request id is
 * quoted; the key never shows. Through the built CLI against the Omnia double.
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { double, expectNoSecrets, omniaEnv, QUIET_CALL, runAgainst } from './helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];

/** The last line of stderr: where a failing command says why. */
const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

/** A call whose creation the double refuses with `status` and `body`: exit 1, and the run. */
async function refusedCall(status: number, body: unknown) {
  const server = await double({ agents: AGENTS });
  server.inject({ method: 'POST', path: /\/calls\/create$/, status, body });
  const run = await runAgainst(server, [...QUIET_CALL, '--agent', 'agt_front']);
  expect(run.code).toBe(1);
  return run;
}

describe('API errors, as a user reads them', () => {
  it('402 from call creation: out of credits, where to top up, the request id', async () => {
    const run = await refusedCall(402, {
      error: { message: 'Insufficient credits', code: 'API_ERROR' },
    });
    expect(lastLine(run.stderr)).toMatch(
      /^error: Could not create the call: Your Omnia workspace is out of credits \(HTTP 402 API_ERROR: Insufficient credits\)\. Top up in the Omnia dashboard \(https:\/\/dashboard\.omnia-voice\.com, Billing\), then try again\. Request id: req_double_\d+\.$/,
    );
    expectNoSecrets([run.stdout, run.stderr], run.home);
  });

  it('429 with Retry-After and X-RateLimit-*: when to try again, and how many requests remain', async () => {
    const server = await double({ agents: AGENTS });
    const resetS = Math.ceil(Date.now() / 1000) + 1_800;
    server.inject({
      method: 'GET',
      path: /\/agents$/,
      status: 429,
      body: { error: 'Rate limit exceeded' },
      headers: {
        'retry-after': '42',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(resetS),
      },
    });
    const run = await runAgainst(server, ['agents']);
    expect(run.code).toBe(1);
    const reset = new Date(resetS * 1000).toISOString().slice(11, 19);
    expect(lastLine(run.stderr)).toMatch(
      new RegExp(
        `^error: Omnia is limiting calls or requests right now \\(HTTP 429: Rate limit exceeded; 0 of 1000 requests left\\)\\. Try again in 42 s \\(the limit resets at ${reset} UTC\\)\\. Request id: req_double_1\\.$`,
      ),
    );
  });

  it('429 with only X-RateLimit-Reset still says how long to wait, in either of its forms', async () => {
    const server = await double({ agents: AGENTS });
    // Seconds from now.
    server.inject({
      method: 'GET',
      path: /\/agents$/,
      status: 429,
      body: { error: 'Rate limit exceeded' },
      headers: { 'x-ratelimit-reset': '600' },
      times: 1,
    });
    const relative = await runAgainst(server, ['agents']);
    expect(relative.stderr).toMatch(
      / Try again in 600 s \(the limit resets at \d\d:\d\d:\d\d UTC\)\./,
    );
    // Epoch seconds: the reset time is the header's own.
    // 870 to 871 s away as the app reads it (the header has whole seconds): 15 minutes, rounded up.
    const resetS = Math.ceil(Date.now() / 1000) + 870;
    server.inject({
      method: 'GET',
      path: /\/agents$/,
      status: 429,
      body: { error: 'Rate limit exceeded' },
      headers: { 'x-ratelimit-reset': String(resetS) },
      times: 1,
    });
    const epoch = await runAgainst(server, ['agents']);
    const clock = new Date(resetS * 1000).toISOString().slice(11, 19);
    expect(epoch.stderr).toMatch(
      new RegExp(` Try again in 15 min \\(the limit resets at ${clock} UTC\\)\\.`),
    );
  });

  it('a wait that is over or under a second never reads "Try again in 0 s"', async () => {
    const server = await double({ agents: AGENTS });
    const past = new Date(Date.now() - 60_000).toUTCString();
    const waits: Array<[Record<string, string>, string]> = [
      [{ 'retry-after': '1.5' }, 'Try again in 2 s'],
      [{ 'retry-after': '-5' }, 'Try again shortly'],
      [{ 'retry-after': past }, 'Try again shortly'],
      [{ 'x-ratelimit-reset': '0' }, 'Try again shortly'],
    ];
    for (const [headers, advice] of waits) {
      // Languages: a short 429 while agents are listed is waited out (list-rate-limit.test.ts).
      server.inject({
        method: 'GET',
        path: /\/languages$/,
        status: 429,
        body: { error: 'Rate limit exceeded' },
        headers,
        times: 1,
      });
      const run = await runAgainst(server, ['languages']);
      expect(run.code).toBe(1);
      expect(lastLine(run.stderr), JSON.stringify(headers)).toMatch(
        new RegExp(
          `\\(HTTP 429: Rate limit exceeded; \\d+ of 1000 requests left\\)\\. ${advice}[ .]`,
        ),
      );
      expect(run.stderr).not.toContain('0 s');
    }
  });

  it('the `{error, details}` shape: the message with each field problem, on one line', async () => {
    const server = await double({ agents: AGENTS });
    server.inject({
      method: 'GET',
      path: /\/calls$/,
      status: 400,
      body: {
        error: 'Invalid query parameters',
        details: {
          formErrors: [],
          fieldErrors: { startDate: ['Invalid date'], status: ['Unknown status'] },
        },
      },
    });
    const run = await runAgainst(server, ['calls', '--status', 'weird']);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      'error: Omnia rejected the request to list calls (HTTP 400: Invalid query parameters (startDate: Invalid date; status: Unknown status)). Request id: req_double_1.',
    );
  });

  it('field errors come before a long list of form errors, so the cut falls on the latter', async () => {
    const server = await double({ agents: AGENTS });
    server.inject({
      method: 'GET',
      path: /\/calls$/,
      status: 400,
      body: {
        error: 'Invalid query parameters',
        details: {
          formErrors: ['The request as a whole could not be read as the API expects it'.repeat(5)],
          fieldErrors: { agentId: ['nope'] },
        },
      },
    });
    const run = await runAgainst(server, ['calls']);
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toMatch(
      /^error: Omnia rejected the request to list calls \(HTTP 400: Invalid query parameters \(agentId: nope; The request as a whole .*…\)\. Request id: req_double_1\.$/,
    );
  });

  it('the `{error: {message, code, upstreamStatus}}` shape: message, code and the upstream status', async () => {
    const run = await refusedCall(502, {
      error: {
        message: 'Voice provider failed',
        code: 'UPSTREAM_ERROR',
        upstreamStatus: 503,
        upstream: { message: 'tts overloaded' },
      },
    });
    expect(lastLine(run.stderr)).toMatch(
      /^error: Could not create the call: Omnia had a server problem \(HTTP 502 UPSTREAM_ERROR: Voice provider failed; upstream HTTP 503; upstream: tts overloaded\)\. Try again in a few minutes\. Request id: req_double_\d+\.$/,
    );
  });

  it('an empty error code is no code: the status and the message, no stray space', async () => {
    const run = await refusedCall(400, { error: { message: 'Bad sample rate', code: '' } });
    expect(lastLine(run.stderr)).toMatch(
      /^error: Could not create the call: Omnia rejected the call request \(HTTP 400: Bad sample rate\)\. /,
    );
  });

  it('401 names the key by its last four characters only', async () => {
    const server = await double({ agents: AGENTS });
    const run = await runAgainst(server, ['agents'], {
      env: { OMNIA_API_KEY: 'ck_prod_WRONG_KEY_1234abcd' },
    });
    expect(run.code).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      'error: Omnia rejected the API key (HTTP 401: Invalid API key). Check OMNIA_API_KEY in the environment (key ending …abcd). Request id: req_double_1.',
    );
    expect(run.stderr).not.toContain('WRONG_KEY');
  });
});

describe('--api-base with a query', () => {
  it('is refused before any request, without echoing the query, from the flag or the environment', async () => {
    const server = await double({ agents: AGENTS });
    const base = `${server.baseUrl}/?sig=SIGSECRET123`;
    const allowed =
      'Allowed: an http:// or https:// URL with no query or fragment (omnia-voice adds its own path and query to it; a "?…" would be dropped).';
    const flag = await runCli([...QUIET_CALL, '--agent', 'agt_front', '--api-base', base], {
      env: omniaEnv(tempDir('omnia-base-')),
    });
    expect(flag.code, flag.stderr).toBe(2);
    expect(lastLine(flag.stderr)).toBe(
      `error: Invalid value for --api-base: "${server.baseUrl}/?…". ${allowed}`,
    );
    const env = await runCli(['calls', 'show', 'call_1'], {
      env: omniaEnv(tempDir('omnia-base-'), { OMNIA_API_BASE: base }),
    });
    expect(env.code, env.stderr).toBe(2);
    expect(env.stderr).toContain(
      `Invalid value for OMNIA_API_BASE in the environment: "${server.baseUrl}/?…". ${allowed}`,
    );
    for (const run of [flag, env]) expect(run.stdout + run.stderr).not.toContain('SIGSECRET');
    // A user and password in it are not echoed either.
    const withUser = server.baseUrl.replace('http://', 'http://me:PWSECRET99@');
    const userRun = await runCli(
      [...QUIET_CALL, '--agent', 'agt_front', '--api-base', `${withUser}/?x=1`],
      {
        env: omniaEnv(tempDir('omnia-base-')),
      },
    );
    expect(userRun.code, userRun.stderr).toBe(2);
    expect(lastLine(userRun.stderr)).toBe(
      `error: Invalid value for --api-base: "http://…@${server.baseUrl.slice('http://'.length)}/?…". ${allowed}`,
    );
    expect(userRun.stderr).not.toContain('PWSECRET99');
    expect(server.requests).toHaveLength(0);
  });
});
