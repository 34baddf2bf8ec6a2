/**
 * `readAgents` page by page, against the Omnia double: it tells how many agents have arrived
 * after each page, of how many Omnia says there are (the picker shows it while a slow list
 * loads).
 */
import { describe, expect, it } from 'vitest';
import { type AgentsProgress, readAgents } from '../../source/api/agents.js';
import { double, KEY } from '../omnia/helpers.js';

const numbered = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: `agt_${i + 1}`, name: `Agent ${i + 1}` }));

describe('readAgents onPage', () => {
  it('is told after each page: the agents so far, and the total Omnia gives', async () => {
    const server = await double({ agents: numbered(5), agentsPerPage: 2 });
    const seen: AgentsProgress[] = [];
    const { agents } = await readAgents(
      { apiBase: server.baseUrl, apiKey: KEY },
      { onPage: (progress) => seen.push(progress) },
    );
    expect(agents).toHaveLength(5);
    expect(seen).toEqual([
      { loaded: 2, total: 5 },
      { loaded: 4, total: 5 },
      { loaded: 5, total: 5 },
    ]);
  });
});
