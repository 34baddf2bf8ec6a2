/** What the picker and `--agent` build on: filtering, matching by id or name, close matches. */
import { describe, expect, it } from 'vitest';
import {
  type AgentInfo,
  agentMatchMessage,
  filterAgents,
  matchAgent,
} from '../../source/api/agents.js';
import { closeMatches, editDistance } from '../../source/api/suggest.js';

const agent = (id: string, name: string, description?: string): AgentInfo => ({
  id,
  name,
  status: 'ACTIVE',
  ...(description ? { description } : {}),
});
const AGENTS = [
  agent('agt_1', 'Front Desk', 'answers the phone'),
  agent('agt_2', 'Desk Booking'),
  agent('agt_3', 'Sales'),
  agent('agt_4', 'Sales'),
  agent('agt_5', 'Support', 'helps at the desk'),
];

describe('filterAgents (the picker)', () => {
  it('names that start with the text first, then names containing it, then ids, then descriptions', () => {
    expect(filterAgents(AGENTS, 'desk').map((a) => a.id)).toEqual(['agt_2', 'agt_1', 'agt_5']);
    expect(filterAgents(AGENTS, 'AGT_3').map((a) => a.id)).toEqual(['agt_3']);
    expect(filterAgents(AGENTS, '')).toHaveLength(5);
    expect(filterAgents(AGENTS, 'zebra')).toEqual([]);
  });
});

describe('matchAgent (--agent)', () => {
  it('an id, or a whole name in any case and spacing', () => {
    expect(matchAgent(AGENTS, 'agt_5')).toEqual({ kind: 'found', agent: AGENTS[4] });
    expect(matchAgent(AGENTS, '  front_desk ')).toEqual({ kind: 'found', agent: AGENTS[0] });
  });

  it('an id in another case, when only one agent has it', () => {
    expect(matchAgent(AGENTS, 'AGT_5')).toEqual({ kind: 'found', agent: AGENTS[4] });
    const twins = [agent('Abc', 'One'), agent('aBC', 'Two')];
    expect(matchAgent(twins, 'ABC').kind).toBe('none');
  });

  it('several of one name, or none with the close ones', () => {
    const many = matchAgent(AGENTS, 'sales');
    expect(many.kind).toBe('many');
    const none = matchAgent(AGENTS, 'Suport');
    expect(none).toEqual({ kind: 'none', close: [AGENTS[4]] });
    if (none.kind !== 'none') throw new Error('unreachable');
    expect(agentMatchMessage('Suport', none)).toBe(
      'No active agent has the id or name "Suport". Close matches: Support (agt_5).',
    );
    const far = matchAgent(AGENTS, 'Completely different');
    expect(far.kind === 'none' && agentMatchMessage('Completely different', far)).toBe(
      'No active agent has the id or name "Completely different". See them with: omnia-voice agents',
    );
  });
});

describe("agentMatchMessage for what Omnia's search could not settle", () => {
  it('only inactive agents of that name: their statuses, and the command that lists them all', () => {
    const resting = [
      { ...agent('agt_8', 'Night'), status: 'INACTIVE' },
      { ...agent('agt_9', 'Night'), status: 'SUSPENDED' },
    ];
    expect(agentMatchMessage('night', { kind: 'inactive', agents: resting })).toBe(
      'Several agents are named "night", none of them active (Night (agt_8): INACTIVE, Night (agt_9): SUSPENDED): only active agents take calls. See every agent and its status with: omnia-voice agents --all',
    );
  });

  it('a search with more agents than the pages read is no verdict: it says how far it looked', () => {
    const among = { listed: 10_000, total: 12_345, searched: true };
    expect(agentMatchMessage('a', { kind: 'none', close: [], among })).toBe(
      'None of the first 10000 of 12345 agents Omnia\'s search finds for "a" has that id or name. Pass the agent\'s id with --agent.',
    );
  });
});

describe('closeMatches', () => {
  it('containment before typos, and nothing too far away', () => {
    const names = ['Jenny', 'Jenna', 'Guy', 'Benjamin'];
    expect(closeMatches('jen', names, (n) => [n])).toEqual(['Jenny', 'Jenna']);
    expect(closeMatches('Jeny', names, (n) => [n])).toEqual(['Jenny', 'Jenna']);
    expect(closeMatches('Zoltan', names, (n) => [n])).toEqual([]);
    // Two letters: one typo at most, or "xx" would be close to every two-letter code.
    expect(closeMatches('xx', ['af', 'am', 'xh'], (n) => [n])).toEqual(['xh']);
    // A two-letter code inside a longer query is a fragment, not a match.
    const languages = [
      ['is', 'Icelandic'],
      ['en-us', 'English (America)'],
    ];
    expect(closeMatches('english', languages, (l) => l)).toEqual([languages[1]]);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
