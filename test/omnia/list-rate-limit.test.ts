/**
 * A short rate limit in the middle of a listing (a 429 with `Retry-After: 1` on page 2) is
 * waited out, as the call record's polling waits one out, and a command says on stderr that it
 * waited: `agents`, `--agent NAME`, the picker's list and `calls`. A longer wait, or more than a
 * few, fails as before. Against the Omnia double.
 */
import { describe, expect, it } from 'vitest';
import { listAgents } from '../../source/api/agents.js';
import type { DoubleAgent, Fault } from './double.js';
import { double, KEY, pastCall, QUIET_CALL, requestsTo, runAgainst } from './helpers.js';

const AGENTS: DoubleAgent[] = [
  { id: 'agt_front', name: 'Front Desk' },
  { id: 'agt_sales', name: 'Sales' },
  { id: 'agt_support', name: 'Support' },
  { id: 'agt_billing', name: 'Billing' },
];

/** Omnia's 429 on the agents list, as its docs describe it. */
function limited(retryAfter: string, extra: Partial<Fault> = {}): Fault {
  return {
    method: 'GET',
    path: /\/agents$/,
    status: 429,
    body: { error: 'Rate limit exceeded' },
    headers: { 'retry-after': retryAfter, 'x-ratelimit-remaining': '0' },
    times: 1,
    ...extra,
  };
}

const WAITED = (page: number, seconds = 1) =>
  `Omnia is limiting requests (HTTP 429): waiting ${seconds} s, as it asked, then asking for page ${page} of the agents again.`;

describe('a short 429 while listing agents', () => {
  it('agents: waited out, said on stderr, every agent listed', async () => {
    const server = await double({ agents: AGENTS });
    server.inject(limited('1', { query: { page: '2' } }));
    const run = await runAgainst(server, ['agents', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as Array<{ id: string }>).map((a) => a.id)).toEqual(
      AGENTS.map((a) => a.id),
    );
    expect(run.stderr.trim()).toBe(WAITED(2));
    // Page 2 asked twice: refused, then answered.
    const pages = requestsTo(server, 'GET', /\/agents$/).map((r) => r.query.get('page'));
    expect(pages).toEqual(['1', '2', '2']);
  });

  it('--agent NAME: the lookup waits it out and the call is made', async () => {
    const server = await double({ agents: AGENTS });
    server.inject(limited('1'));
    const run = await runAgainst(server, [
      ...QUIET_CALL,
      '--agent',
      'support',
      '--duration',
      '1',
      '--no-call-record',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(WAITED(1));
    expect(server.calls.map((c) => c.agentId)).toEqual(['agt_support']);
  }, 40_000);

  it("the picker's list: waited out, every agent", async () => {
    const server = await double({ agents: AGENTS });
    server.inject(limited('1', { query: { page: '2' } }));
    const agents = await listAgents({ apiBase: server.baseUrl, apiKey: KEY });
    expect(agents.map((a) => a.id)).toEqual(AGENTS.map((a) => a.id));
  });

  it('a wait longer than a few seconds, or a fourth 429, fails as before (exit 1)', async () => {
    const long = await double({ agents: AGENTS });
    long.inject(limited('30', { query: { page: '2' } }));
    const started = Date.now();
    const refused = await runAgainst(long, ['agents']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: Omnia is limiting calls or requests right now \(HTTP 429: Rate limit exceeded; 0 of 1000 requests left\)\. Try again in 30 s/m,
    );
    expect(refused.stderr).not.toContain('waiting');
    expect(Date.now() - started).toBeLessThan(10_000);

    const again = await double({ agents: AGENTS });
    again.inject(limited('1', { times: 4 }));
    const run = await runAgainst(again, ['agents']);
    expect(run.code).toBe(1);
    expect(
      run.stderr.split('\n').filter((l) => l.startsWith('Omnia is limiting requests')),
    ).toHaveLength(3);
    expect(run.stderr).toMatch(/^error: Omnia is limiting calls or requests right now/m);
  }, 40_000);
});

describe('a short 429 while listing calls', () => {
  it('calls: waited out between two pages of the cursor, said on stderr', async () => {
    const pastCalls = [1, 2, 3, 4, 5].map((n) =>
      pastCall(`call_${n}`, `2026-05-0${6 - n}T10:00:00Z`),
    );
    const server = await double({ pastCalls });
    server.inject({ ...limited('1', { query: { cursor: 'cur_2' } }), path: /\/calls$/ });
    const run = await runAgainst(server, ['calls', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as Array<{ callId: string }>).map((c) => c.callId)).toEqual(
      pastCalls.map((c) => c.id),
    );
    // The wait, then the count --json now gives on stderr too.
    expect(run.stderr.trim().split('\n')).toEqual([
      'Omnia is limiting requests (HTTP 429): waiting 1 s, as it asked, then asking for page 2 of the calls again.',
      `${pastCalls.length} calls, newest first.`,
    ]);
  });
});
