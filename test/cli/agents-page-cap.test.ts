/**
 * `omnia-voice agents` reads at most 100 pages of agents. A workspace with more must not look
 * complete: one line on stderr says how many were listed, that there are more, and how to
 * narrow the list, while `--json` stays valid JSON on stdout. `--agent NAME` asks Omnia's search
 * instead, so an agent past those pages is found, in one request. Through the built CLI against
 * the Omnia double serving one agent a page.
 */
import { describe, expect, it } from 'vitest';
import type { DoubleAgent } from '../omnia/double.js';
import { double, QUIET_CALL, requestsTo, runAgainst } from '../omnia/helpers.js';

const agents = (count: number): DoubleAgent[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `agt_${String(i + 1).padStart(3, '0')}`,
    name: `Agent ${i + 1}`,
  }));

describe('agents past the last page read', () => {
  it('101 agents, one a page: 100 listed, and one line says there are more', async () => {
    const server = await double({ agents: agents(101), agentsPerPage: 1 });
    const table = await runAgainst(server, ['agents']);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(101); // the heading and 100 agents
    expect(rows.at(-1)).toMatch(/^Agent 100\s+agt_100\s/);
    const more = table.stderr.split('\n').filter((l) => l.startsWith('Listed'));
    expect(more).toEqual([
      'Listed the first 100 of 101 active agents: Omnia has more than the 100 pages omnia-voice reads. Narrow the list with --search TEXT.',
    ]);
    expect(requestsTo(server, 'GET', /\/agents$/)).toHaveLength(100);

    const json = await runAgainst(server, ['agents', '--json', '--all', '--search', 'agent']);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<{ id: string }>;
    expect(listed).toHaveLength(100);
    expect(listed.at(-1)?.id).toBe('agt_100');
    expect(json.stderr.trim()).toBe(
      'Listed the first 100 of 101 agents matching "agent": Omnia has more than the 100 pages omnia-voice reads. Narrow the list with a more specific --search, or without --all.',
    );
  });

  it('exactly 100 pages: every agent, and no such line', async () => {
    const server = await double({ agents: agents(100), agentsPerPage: 1 });
    const run = await runAgainst(server, ['agents', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveLength(100);
    expect(run.stderr).toBe('');
  });
});

describe('--agent NAME in a workspace of more agents than the pages read', () => {
  it("finds an agent past the 100th page with Omnia's search, in one request", async () => {
    const server = await double({ agents: agents(101), agentsPerPage: 1 });
    const run = await runAgainst(server, [
      ...QUIET_CALL,
      '--agent',
      ' agent 101 ',
      '--duration',
      '1',
      '--no-call-record',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(server.calls.map((c) => c.agentId)).toEqual(['agt_101']);
    // One page of the search, not a hundred pages of the whole list.
    const lists = requestsTo(server, 'GET', /\/agents$/);
    expect(lists.map((r) => r.query.get('search'))).toEqual(['agent 101']);
  }, 40_000);

  it('close matches from a list cut at its pages say they are from the first agents only', async () => {
    const server = await double({ agents: agents(101), agentsPerPage: 1 });
    const run = await runAgainst(server, [...QUIET_CALL, '--agent', 'Agnt 10']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'error: Could not create the call: No active agent has the id or name "Agnt 10". Close matches among the first 10 of 101 active agents: Agent 10 (agt_010), Agent 1 (agt_001).',
    );
    // The search, then at most 10 pages for the close matches: not 100.
    expect(requestsTo(server, 'GET', /\/agents$/).length).toBeLessThanOrEqual(11);
    const none = await runAgainst(server, [...QUIET_CALL, '--agent', 'zzzzzzzz']);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr.trim().split('\n').at(-1)).toBe(
      `error: Could not create the call: No active agent has the id or name "zzzzzzzz", and none of the first 10 of 101 active agents is close. Search them with: omnia-voice agents --api-base ${server.baseUrl} --search TEXT`,
    );
  }, 40_000);
});
