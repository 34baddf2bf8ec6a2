/**
 * The local agent's Omnia REST API (issue 12, item 8): demo agents paged three at a time, the
 * call endpoints' and the other endpoints' error shapes, inline calls shaped by their prompt,
 * call logs by cursor with records that stay incomplete for `recordDelayMs`, and `hangup`
 * when the caller says goodbye or the maximum duration is reached.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type CallTransport, DemoConversation } from '../../source/local-agent/conversation.js';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { TestClient, waitFor } from './helpers.js';

const agents: LocalAgent[] = [];
async function start(options: Parameters<typeof startLocalAgent>[0] = {}): Promise<LocalAgent> {
  const agent = await startLocalAgent({ voice: 'tone', sendSpeed: 20, ...options });
  agents.push(agent);
  return agent;
}
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

async function get(
  agent: LocalAgent,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${agent.baseUrl}/api/v1${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function post(agent: LocalAgent, path: string, body: unknown) {
  const res = await fetch(`${agent.baseUrl}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    requestId: res.headers.get('x-request-id'),
  };
}

describe('GET /agents and /agents/{id}', () => {
  it('pages three at a time, whatever the limit, with Omnia pagination', async () => {
    const agent = await start();
    const page1 = await get(agent, '/agents?limit=100');
    expect(page1.body.pagination).toEqual({ page: 1, limit: 3, total: 5, totalPages: 2 });
    const page2 = await get(agent, '/agents?page=2&limit=100');
    expect((page2.body.data as Array<{ id: string }>).map((a) => a.id)).toEqual([
      'tutor-fr',
      'retired',
    ]);
    const active = await get(agent, '/agents?status=ACTIVE&search=desk');
    expect((active.body.data as Array<{ id: string }>).map((a) => a.id)).toEqual(['support']);
    const one = await get(agent, '/agents/concierge');
    expect(one.body).toMatchObject({
      id: 'concierge',
      status: 'ACTIVE',
      standardConfig: { languageId: 'en-gb', voiceId: 'Annie', firstSpeaker: 'agent' },
    });
  });

  it('answers bad queries and unknown ids in the `{error, details}` shape', async () => {
    const agent = await start();
    const bad = await get(agent, '/agents?limit=500');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'Invalid query parameters',
      details: {
        formErrors: [],
        fieldErrors: { limit: ['Number must be less than or equal to 100'] },
      },
    });
    expect(await get(agent, '/agents/nobody')).toEqual({
      status: 404,
      body: { error: 'Agent not found' },
    });
  });
});

describe('call creation', () => {
  it("an unknown or inactive agent is a 404 in the call endpoints' shape; a known one names itself", async () => {
    const agent = await start();
    const retired = await post(agent, '/calls/create', { agentId: 'retired' });
    expect(retired.status).toBe(404);
    expect(retired.body).toEqual({
      error: { message: 'Agent not found or not active', code: 'API_ERROR' },
    });
    expect(retired.requestId).toMatch(/^local-/);
    const ok = await post(agent, '/calls/create', {
      agentId: 'concierge',
      connectionType: 'websocket',
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      status: 'created',
      connectionType: 'websocket',
      agent: { id: 'concierge', name: 'Hotel Concierge' },
    });
  });

  it('POST /calls/inline checks the prompt, voice and language; the greeting comes from the prompt', async () => {
    const agent = await start();
    const noVoice = await post(agent, '/calls/inline', {
      systemPrompt: 'Hi',
      language: 'en-us',
      voice: 'Nobody',
    });
    expect(noVoice.status).toBe(400);
    expect(noVoice.body).toEqual({
      error: { message: 'unknown voice "Nobody"', code: 'VALIDATION_ERROR' },
    });
    const badTemp = await post(agent, '/calls/inline', {
      systemPrompt: 'Hi',
      language: 'en-us',
      voice: 'Alex',
      temperature: 2,
    });
    expect(badTemp.body).toMatchObject({
      error: { message: 'temperature must be a number from 0 to 1' },
    });

    // The largest prompt the client sends (256 KiB of text), escaped as JSON escapes quotes.
    const long = await post(agent, '/calls/inline', {
      systemPrompt: `${'Say "storm". '.repeat(20_000)}`.slice(0, 256 * 1024),
      voice: 'alex',
      language: 'en-us',
    });
    expect(long.status).toBe(201);

    const created = await post(agent, '/calls/inline', {
      systemPrompt: 'You are a lighthouse keeper. Speak of storms.',
      voice: 'alex',
      language: 'EN-US',
      connectionType: 'websocket',
      websocket: { inputSampleRate: 16_000, outputSampleRate: 16_000, codec: 'pcm' },
    });
    expect(created.status).toBe(201);
    const client = await TestClient.connect(String(created.body.websocketUrl));
    await client.waitForMessage({ type: 'transcript', final: true, role: 'agent' });
    const greeting = client.messages.find((m) => m.type === 'transcript' && m.final);
    expect(greeting?.text).toBe('Hello! I am trying your prompt: You are a lighthouse keeper.');
    await client.close();
  });
});

describe('call logs', () => {
  it('a call stays incomplete for recordDelayMs after it ends, then has its end reason, billing and summary', async () => {
    const agent = await start({ recordDelayMs: 400 });
    const client = await TestClient.join(agent);
    await client.waitForMessage({ type: 'call_started' });
    const id = agent.calls[0]?.id ?? '';
    client.send({ type: 'hang_up' });
    await waitFor(() => agent.calls[0]?.endedAt !== undefined, 'call end');
    const early = await get(agent, `/calls/${id}`);
    expect(early.body).toMatchObject({
      id,
      endTime: null,
      status: 'in_progress',
      billing: null,
      summary: null,
    });
    let done = early;
    while (!done.body.endTime) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = await get(agent, `/calls/${id}`);
    }
    expect(done.body).toMatchObject({
      status: 'user_hangup',
      agent: { id: 'demo', name: 'Demo' },
      billing: { durationMinutes: 1, costCents: 0, currency: 'USD' },
      summary: expect.stringMatching(/^A call with Demo\. .* The caller hung up\.$/),
    });
  });

  it('dates each turn from its start, as the live transcript does, not from its end', async () => {
    // At real-time pace the greeting streams for seconds before its final text.
    const agent = await start({ sendSpeed: 1, recordDelayMs: 0 });
    const client = await TestClient.join(agent);
    await client.waitForMessage({ type: 'transcript', role: 'agent' });
    const firstAt = Date.now();
    await client.waitForMessage({ type: 'transcript', role: 'agent', final: true });
    const finalAt = Date.now();
    expect(finalAt - firstAt).toBeGreaterThan(1_000);
    client.send({ type: 'hang_up' });
    const id = agent.calls[0]?.id ?? '';
    let done = await get(agent, `/calls/${id}`);
    while (!done.body.endTime) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      done = await get(agent, `/calls/${id}`);
    }
    const transcript = done.body.transcript as Array<{ role: string; timestamp: string }>;
    const greetingAt = Date.parse(transcript[0]?.timestamp ?? '');
    expect(transcript[0]?.role).toBe('agent');
    // The greeting is all the agent said: the caller's hang_up (no message) got no farewell.
    expect(transcript).toHaveLength(1);
    expect(done.body.summary).toMatch(/the agent said 1 thing\b/);
    expect(Math.abs(greetingAt - firstAt)).toBeLessThan(500);
  });

  it('lists calls newest first by cursor, three a page, filtered by status', async () => {
    const agent = await start();
    for (let i = 0; i < 4; i++) {
      const client = await TestClient.join(agent);
      await client.waitForMessage({ type: 'call_started' });
      await client.close();
    }
    await waitFor(() => agent.calls.every((c) => c.endedAt !== undefined), 'calls ended');
    const first = await get(agent, '/calls?pageSize=10');
    const page = first.body.pagination as { next: string | null; total: number; pageSize: number };
    expect(page).toMatchObject({ total: 4, pageSize: 3 });
    expect((first.body.data as Array<{ id: string }>).map((c) => c.id)).toEqual(
      agent.calls
        .slice(1)
        .map((c) => c.id)
        .reverse(),
    );
    const second = await get(agent, `/calls?pageSize=10&cursor=${page.next}`);
    expect((second.body.data as Array<{ id: string }>).map((c) => c.id)).toEqual([
      agent.calls[0]?.id,
    ]);
    expect((second.body.pagination as { next: unknown }).next).toBeNull();
    expect(((await get(agent, '/calls?status=agent_hangup')).body.data as unknown[]).length).toBe(
      0,
    );
    expect((await get(agent, '/calls?cursor=bogus')).body).toEqual({ error: 'Invalid cursor' });
  });
});

describe('hangup', () => {
  it('a caller who types goodbye hears the farewell, then gets hangup and a normal close', async () => {
    const agent = await start();
    const client = await TestClient.join(agent);
    await client.waitForMessage({ type: 'call_started' });
    client.send({ type: 'user_text_message', text: 'ok, goodbye', urgency: 'immediate' });
    const at = await client.waitForMessage({ type: 'hangup', reason: 'agent_hangup' });
    const farewell = client.messages.find(
      (m) =>
        m.type === 'transcript' &&
        m.final &&
        m.role === 'agent' &&
        String(m.text).startsWith('Goodbye!'),
    );
    expect(farewell).toBeDefined();
    expect(client.indexOf({ type: 'transcript', text: farewell?.text ?? '' })).toBeLessThan(at);
    await waitFor(() => client.closed, 'close');
    expect(client.closed).toEqual({ code: 1000, reason: 'agent hung up' });
    expect(agent.calls[0]?.endReason).toBe('agent_hangup');
  });

  it('the maximum duration ends the call with hangup `max_duration`', async () => {
    const sent: Array<Record<string, unknown>> = [];
    let closed: number | undefined;
    const transport: CallTransport = {
      sendJson: (m) => sent.push(m),
      sendAudio: () => undefined,
      close: (code) => {
        closed = code;
      },
    };
    let reason: string | undefined;
    const conversation = new DemoConversation(transport, {
      callId: 'c1',
      voice: 'tone',
      sendSpeed: 50,
      inputSampleRate: 16_000,
      outputSampleRate: 16_000,
      log: () => undefined,
      greeting: null,
      maxDurationMs: 100,
      onAgentHangup: (r) => {
        reason = r;
      },
    });
    conversation.start();
    await waitFor(() => closed, 'the close');
    expect(sent.at(-1)).toEqual({ type: 'hangup', reason: 'max_duration' });
    expect(
      sent.some((m) => m.type === 'transcript' && m.text === 'We are out of time. Goodbye!'),
    ).toBe(true);
    expect(reason).toBe('max_duration');
    expect(closed).toBe(1000);
  });
});
