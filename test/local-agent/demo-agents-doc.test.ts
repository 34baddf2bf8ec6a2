/**
 * The demo agents table of docs/local-agent.md is what the local agent serves: names,
 * languages, voices, who speaks first and each greeting (Support Desk has one in its settings,
 * and does not say it: the caller speaks first). Against the real local agent.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { createCall, TestClient } from './helpers.js';

const DOC = new URL('../../docs/local-agent.md', import.meta.url);

interface ApiAgent {
  id: string;
  name: string;
  status: string;
  standardConfig: { languageId: string; voiceId: string; firstSpeaker: string; greeting: string };
}

let agent: LocalAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

/** The rows of the "Demo agents" table: id → its cells. */
function docRows(): Map<string, string[]> {
  const text = readFileSync(DOC, 'utf8');
  const section = text.split('### Demo agents')[1]?.split('\n\n')[1] ?? '';
  const rows = new Map<string, string[]>();
  for (const line of section.split('\n').slice(2)) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const id = /^`([^`]+)`/.exec(cells[0] ?? '')?.[1];
    if (id) rows.set(id, cells);
  }
  return rows;
}

describe('docs/local-agent.md, demo agents', () => {
  it('names every agent as GET /agents serves it, greeting included', async () => {
    agent = await startLocalAgent({ voice: 'tone' });
    const agents: ApiAgent[] = [];
    for (const page of [1, 2]) {
      const res = await fetch(`${agent.baseUrl}/api/v1/agents?page=${page}`);
      agents.push(...((await res.json()) as { data: ApiAgent[] }).data);
    }
    const rows = docRows();
    expect([...rows.keys()]).toEqual(agents.map((a) => a.id));
    for (const served of agents) {
      const [, name, language, voice, first, greeting] = rows.get(served.id) ?? [];
      const config = served.standardConfig;
      expect([name, language, voice], served.id).toEqual([
        served.name,
        config.languageId,
        config.voiceId,
      ]);
      if (served.status !== 'ACTIVE') {
        expect(first, served.id).toBe(config.firstSpeaker);
        continue;
      }
      expect(first, served.id).toBe(config.firstSpeaker);
      // The doc quotes the greeting, or its beginning followed by "…".
      const quoted = /^"(.+?)(?: …)?"/.exec(greeting ?? '')?.[1];
      expect(quoted, `${served.id}: ${greeting}`).toBeDefined();
      expect(config.greeting.startsWith(quoted ?? '-'), `${served.id}: ${greeting}`).toBe(true);
    }
  });

  it('Support Desk, whose caller speaks first, does not say its greeting', async () => {
    agent = await startLocalAgent({ voice: 'tone', sendSpeed: 20 });
    const doc = docRows().get('support')?.[5] ?? '';
    expect(doc).toMatch(/never said: the caller speaks first/);
    const created = await createCall(agent, { agentId: 'support', connectionType: 'websocket' });
    expect(created.status).toBe(201);
    const client = await TestClient.connect(String(created.body.websocketUrl));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const said = client.received.filter(
      (r) => r.kind === 'json' && r.msg.type === 'transcript' && r.msg.role === 'agent',
    );
    expect(said).toEqual([]);
    expect(client.received.some((r) => r.kind === 'audio')).toBe(false);
    client.ws.close();
  });
});
