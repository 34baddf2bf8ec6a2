/**
 * The seams the full-screen UI builds on: decideCall / needsPicker (the picker), createCallFor
 * (redial: the prompt file read again, an agent name looked up once), fetchCallRecord (the
 * record line, abortable) and rememberAgent (the picker's choice kept). Against the Omnia double.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CallChoice,
  createCallFor,
  decideCall,
  needsPicker,
  noAgentMessage,
  planForAgent,
} from '../../source/app/call-plan.js';
import { fetchCallRecord, sameHost } from '../../source/app/call-record.js';
import { promptSource } from '../../source/app/prompt.js';
import { readConfig } from '../../source/config/read.js';
import { rememberAgent } from '../../source/config/remember.js';
import { reply, startServer } from '../api/helpers.js';
import { tempDir } from '../helpers/cli.js';
import { double, KEY, requestsTo } from '../omnia/helpers.js';

const sha8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

function choice(over: Partial<CallChoice> = {}): CallChoice {
  return {
    api: { apiBase: 'http://127.0.0.1:9', apiKey: KEY },
    inputSampleRate: 16_000,
    outputSampleRate: 16_000,
    plain: false,
    ...over,
  };
}

describe('decideCall and needsPicker', () => {
  it('full-screen with no agent and no prompt: the picker; plain: the one-line error', () => {
    expect(decideCall(choice())).toMatchObject({ kind: 'pick' });
    expect(needsPicker(choice())).toBe(true);
    expect(decideCall(choice({ plain: true }))).toEqual({
      kind: 'error',
      message:
        'No agent chosen: pass --agent <id or name> (omnia-voice agents --api-base http://127.0.0.1:9 lists them), set OMNIA_AGENT_ID, or try a prompt with --prompt.',
    });
    // Omnia's own API base is the command's default: not named.
    const omnia = choice({
      plain: true,
      api: { apiBase: 'https://api.omnia-voice.com', apiKey: KEY },
    });
    expect(decideCall(omnia)).toEqual({ kind: 'error', message: noAgentMessage(omnia.api) });
    expect(noAgentMessage(omnia.api)).toContain('(omnia-voice agents lists them)');
    expect(needsPicker(choice({ plain: true }))).toBe(false);
  });

  it('an agent or a prompt is ready to call; a prompt wins over an agent from the environment', () => {
    expect(decideCall(choice({ agentRef: 'agt_1' }))).toMatchObject({
      kind: 'ready',
      plan: { target: { kind: 'agent', ref: 'agt_1' } },
    });
    const prompt = {
      source: { kind: 'text' as const, text: 'Be brief.' },
      settings: { voice: 'Jenny', language: 'en-US' },
    };
    expect(decideCall(choice({ agentRef: 'agt_1', prompt }))).toMatchObject({
      kind: 'ready',
      plan: { target: { kind: 'prompt' } },
    });
  });
});

describe('createCallFor: what redial calls', () => {
  it('reads the prompt file again for every call; the label carries the new hash', async () => {
    const server = await double();
    const home = tempDir('omnia-plan-');
    const file = join(home, 'agent.md');
    writeFileSync(file, 'You are version one.');
    const decision = decideCall(
      choice({
        api: { apiBase: server.baseUrl, apiKey: KEY },
        prompt: { source: promptSource(file), settings: { voice: 'jenny', language: 'en-us' } },
      }),
    );
    if (decision.kind !== 'ready') throw new Error('expected a plan');
    const first = await createCallFor(decision.plan);
    writeFileSync(file, 'You are version two.');
    const second = await createCallFor(decision.plan);

    expect(first.label).toEqual({
      kind: 'prompt',
      text: `agent.md · ${sha8('You are version one.')}`,
      promptFile: 'agent.md',
      promptHash: sha8('You are version one.'),
      promptText: 'You are version one.',
    });
    expect(second.label.text).toBe(`agent.md · ${sha8('You are version two.')}`);
    expect(first.callId).not.toBe(second.callId);
    expect(second.websocketUrl).toContain(server.socketToken);
    const bodies = requestsTo(server, 'POST', /\/calls\/inline$/).map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.systemPrompt)).toEqual([
      'You are version one.',
      'You are version two.',
    ]);
    // The voice and language were checked once, for the first call.
    expect(requestsTo(server, 'GET', /\/voices$/)).toHaveLength(1);
  });

  it('an agent named by its name is looked up once; a redial calls its id directly', async () => {
    const server = await double({ agents: [{ id: 'agt_front', name: 'Front Desk' }] });
    const decision = decideCall(
      choice({ api: { apiBase: server.baseUrl, apiKey: KEY }, agentRef: 'Front Desk' }),
    );
    if (decision.kind !== 'ready') throw new Error('expected a plan');
    const first = await createCallFor(decision.plan);
    const second = await createCallFor(decision.plan);
    expect(first).toMatchObject({
      agentId: 'agt_front',
      label: { kind: 'agent', text: 'Front Desk (agt_front)', agentName: 'Front Desk' },
    });
    expect(second.agentId).toBe('agt_front');
    expect(
      requestsTo(server, 'POST', /\/calls\/create$/).map((r) => JSON.parse(r.body).agentId),
    ).toEqual(['Front Desk', 'agt_front', 'agt_front']);
    expect(requestsTo(server, 'GET', /\/agents$/)).toHaveLength(1);
  });

  it('a server that knows neither the agent nor /agents: the error of the call request, not of the lookup', async () => {
    const server = await startServer(reply(404, { detail: 'no such route' }));
    try {
      const decision = decideCall(
        choice({ api: { apiBase: server.base, apiKey: KEY }, agentRef: 'Front Desk' }),
      );
      if (decision.kind !== 'ready') throw new Error('expected a plan');
      await expect(createCallFor(decision.plan)).rejects.toThrow(
        /^Omnia does not know agent "Front Desk", or it is not active \(HTTP 404: no such route\)\./,
      );
      expect(server.requests.map((r) => r.url.split('?')[0])).toEqual([
        '/api/v1/calls/create',
        '/api/v1/agents',
      ]);
    } finally {
      await server.close();
    }
  });

  it('planForAgent: the picker chose an agent, and the call goes straight to it', async () => {
    const server = await double({ agents: [{ id: 'agt_front', name: 'Front Desk' }] });
    const plan = planForAgent(choice({ api: { apiBase: server.baseUrl, apiKey: KEY } }), {
      id: 'agt_front',
      name: 'Front Desk',
    });
    const call = await createCallFor(plan);
    expect(call.label.text).toBe('Front Desk (agt_front)');
    expect(requestsTo(server, 'POST', /\/calls\/create$/)).toHaveLength(1);
  });
});

describe('fetchCallRecord', () => {
  it('an abort skips the wait at once and says how to see the record later', async () => {
    const server = await double({
      agents: [{ id: 'agt_front', name: 'Front Desk' }],
      recordDelayMs: 60_000,
    });
    const plan = planForAgent(choice({ api: { apiBase: server.baseUrl, apiKey: KEY } }), {
      id: 'agt_front',
      name: 'Front Desk',
    });
    const call = await createCallFor(plan);
    const skip = new AbortController();
    const polls: number[] = [];
    const fetching = fetchCallRecord(plan.api, call.callId ?? '', {
      signal: skip.signal,
      pollMs: 50,
      onPoll: (attempt) => {
        polls.push(attempt);
        if (attempt === 2) skip.abort();
      },
    });
    expect(await fetching).toEqual({
      note: `skipped; later: omnia-voice calls show ${call.callId} --api-base ${plan.api.apiBase}`,
    });
    expect(polls).toEqual([1, 2]);
  });

  it('an unknown call, still unknown when the wait is over: the note is the last API error', async () => {
    const server = await double();
    const outcome = await fetchCallRecord({ apiBase: server.baseUrl, apiKey: KEY }, 'call_gone', {
      maxWaitMs: 600,
      pollMs: 100,
    });
    expect(outcome.note).toMatch(
      /^could not be fetched: Omnia has no call "call_gone" in this workspace \(HTTP 404: Call not found\)\. Request id: req_double_\d+\. Tried [2-5] times in 1 s; later: omnia-voice calls show call_gone --api-base http:\/\/127\.0\.0\.1:\d+$/,
    );
  });
});

describe('fetchCallRecord after the server stopped answering (serverLost)', () => {
  it('asks once, says why it did not wait, and keeps the later hint', async () => {
    const server = await double();
    const polls: number[] = [];
    const outcome = await fetchCallRecord({ apiBase: server.baseUrl, apiKey: KEY }, 'call_gone', {
      serverLost: true,
      pollMs: 100,
      onPoll: (attempt) => polls.push(attempt),
    });
    // A 404 is otherwise asked again for 5 s.
    expect(polls).toEqual([1]);
    expect(outcome.note).toMatch(
      /^could not be fetched: Omnia has no call "call_gone" in this workspace \(HTTP 404: Call not found\)\. Request id: req_double_\d+; asked once, not waited for, as the server had stopped answering during the call; later: omnia-voice calls show call_gone --api-base http:\/\/127\.0\.0\.1:\d+$/,
    );
  });

  it('sameHost: the REST base and the socket on one host (name and port), loopback names as one', () => {
    expect(sameHost('http://127.0.0.1:8787', 'ws://127.0.0.1:8787/calls/c1/ws')).toBe(true);
    expect(sameHost('http://localhost:8787/', 'ws://[::1]:8787/calls/c1/ws')).toBe(true);
    expect(sameHost('https://api.example.com', 'wss://API.example.com:443/x')).toBe(true);
    // Omnia's socket may live on another host than its REST API: not taken as gone with it.
    expect(sameHost('https://api.omnia-voice.com', 'wss://ws.omnia-voice.com/call')).toBe(false);
    expect(sameHost('http://127.0.0.1:8787', 'ws://127.0.0.1:8788/x')).toBe(false);
    expect(sameHost('not a url', 'ws://127.0.0.1:8787/x')).toBe(false);
  });
});

describe('rememberAgent', () => {
  it('keeps the chosen agent in the config file, where the next call reads it', () => {
    const dir = tempDir('omnia-remember-');
    const path = rememberAgent('agt_front', { cwd: dir });
    expect(path).toBe(join(dir, 'config.json'));
    expect(readConfig({ cwd: dir }).values().agentId).toBe('agt_front');
  });
});
