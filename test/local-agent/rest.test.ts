import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { createCall, TestClient, waitFor } from './helpers.js';

const agents: LocalAgent[] = [];
async function start(options: Parameters<typeof startLocalAgent>[0] = {}): Promise<LocalAgent> {
  const agent = await startLocalAgent({ voice: 'tone', ...options });
  agents.push(agent);
  return agent;
}
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

/** Opens a socket and reports the HTTP status the upgrade was refused with. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('upgrade unexpectedly accepted'));
    });
    ws.once('error', () => {
      // Reported via unexpected-response or open.
    });
  });
}

describe('call creation over REST', () => {
  it('creates a call and returns a websocketUrl on the same port', async () => {
    const agent = await start();
    expect(agent.baseUrl).toBe(`http://127.0.0.1:${agent.port}`);
    const { status, body } = await createCall(agent, {
      agentId: 'concierge',
      connectionType: 'websocket',
      websocket: { inputSampleRate: 16_000, outputSampleRate: 24_000, codec: 'pcm' },
    });
    expect(status).toBe(201);
    expect(typeof body.id).toBe('string');
    expect(body.websocketUrl).toBe(`ws://127.0.0.1:${agent.port}/calls/${body.id}/ws`);
    expect(Number.isNaN(Date.parse(String(body.created)))).toBe(false);
    expect(agent.calls).toHaveLength(1);
    expect(agent.calls[0]).toMatchObject({
      id: body.id,
      agentId: 'concierge',
      inputSampleRate: 16_000,
      outputSampleRate: 24_000,
    });
  });

  it('bound to all interfaces, points the websocketUrl at the host the client used', async () => {
    const agent = await start({ host: '0.0.0.0' });
    expect(agent.baseUrl).toBe(`http://127.0.0.1:${agent.port}`);
    const { body } = await createCall(agent, { agentId: 'demo' });
    expect(String(body.websocketUrl)).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:${agent.port}/calls/[0-9a-f-]+/ws$`),
    );
    const client = await TestClient.connect(String(body.websocketUrl));
    await client.waitForMessage({ type: 'call_started' });
    await client.close();
  });

  it('defaults both sample rates to 48000 when the websocket block is omitted', async () => {
    const agent = await start();
    const { status } = await createCall(agent, { agentId: 'demo' });
    expect(status).toBe(201);
    expect(agent.calls[0]).toMatchObject({ inputSampleRate: 48_000, outputSampleRate: 48_000 });
  });

  it.each([
    ['bad JSON', '{"agentId":', 400, /not valid JSON/],
    ['a non-object body', '[1,2]', 400, /JSON object/],
    ['a missing agentId', { connectionType: 'websocket' }, 400, /agentId is required/],
    ['an empty agentId', { agentId: '  ' }, 400, /agentId is required/],
    [
      'a fractional rate',
      { agentId: 'demo', websocket: { inputSampleRate: 16000.5 } },
      422,
      /inputSampleRate must be an integer/,
    ],
    [
      'a string rate',
      { agentId: 'demo', websocket: { outputSampleRate: '48000' } },
      422,
      /outputSampleRate must be an integer/,
    ],
    [
      'a rate below 8000',
      { agentId: 'demo', websocket: { inputSampleRate: 4000 } },
      422,
      /between 8000 and 48000/,
    ],
    [
      'a rate above 48000',
      { agentId: 'demo', websocket: { outputSampleRate: 96000 } },
      422,
      /between 8000 and 48000/,
    ],
    [
      'an unsupported codec',
      { agentId: 'demo', websocket: { codec: 'opus' } },
      422,
      /unsupported codec/,
    ],
    ['another connection type', { agentId: 'demo', connectionType: 'sip' }, 422, /connectionType/],
  ])('rejects %s with its status and a message', async (_name, body, status, message) => {
    const agent = await start();
    const res = await createCall(agent, body);
    expect(res.status).toBe(status);
    const error = res.body.error as { message: string };
    expect(error.message).toMatch(message);
    expect(agent.calls).toHaveLength(0);
  });

  it('requires the configured X-API-Key, without ever echoing a key', async () => {
    const secret = 'sk-local-secret-123';
    const lines: string[] = [];
    const agent = await start({ requireApiKey: secret, log: (l) => lines.push(l) });
    const missing = await createCall(agent, { agentId: 'demo' });
    expect(missing.status).toBe(401);
    expect((missing.body.error as { message: string }).message).toMatch(/missing X-API-Key/);
    const wrong = await createCall(agent, { agentId: 'demo' }, { 'x-api-key': 'sk-wrong-key' });
    expect(wrong.status).toBe(401);
    expect(JSON.stringify(wrong.body)).not.toContain('sk-wrong-key');
    const ok = await createCall(agent, { agentId: 'demo' }, { 'x-api-key': secret });
    expect(ok.status).toBe(201);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).not.toContain('sk-wrong-key');
  });

  it('answers unknown paths with a JSON 404, wrong methods with 405, and /health with 200', async () => {
    const agent = await start();
    const missing = await fetch(`${agent.baseUrl}/api/v1/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /no such endpoint/,
    );
    const get = await fetch(`${agent.baseUrl}/api/v1/calls/create`);
    expect(get.status).toBe(405);
    const health = await fetch(`${agent.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
  });
});

describe('joining calls', () => {
  it('refuses the upgrade for an unknown call id with 404', async () => {
    const agent = await start();
    expect(await upgradeStatus(`ws://127.0.0.1:${agent.port}/calls/not-a-call/ws`)).toBe(404);
    expect(await upgradeStatus(`ws://127.0.0.1:${agent.port}/elsewhere`)).toBe(404);
  });

  it('drops a call that is not joined in time, then refuses it with 404', async () => {
    const agent = await start({ joinTimeoutMs: 200 });
    const { body } = await createCall(agent, { agentId: 'demo' });
    await waitFor(() => agent.calls[0]?.endedAt !== undefined, 'call expiry');
    expect(await upgradeStatus(String(body.websocketUrl))).toBe(404);
    expect(agent.calls[0]?.joinedAt).toBeUndefined();
  });

  it('lets a call be joined only once', async () => {
    const agent = await start();
    const { body } = await createCall(agent, { agentId: 'demo' });
    const client = await TestClient.connect(String(body.websocketUrl));
    expect(await upgradeStatus(String(body.websocketUrl))).toBe(409);
    await client.close();
  });

  it('runs several calls at once, each with its own call id', async () => {
    const agent = await start();
    const [a, b] = await Promise.all([TestClient.join(agent), TestClient.join(agent)]);
    await a!.waitForMessage({ type: 'call_started' });
    await b!.waitForMessage({ type: 'call_started' });
    const idA = a!.messages[0]!.callId;
    const idB = b!.messages[0]!.callId;
    expect(idA).not.toBe(idB);
    expect(agent.calls.map((c) => c.id).sort()).toEqual([idA, idB].sort());
    a!.send({ type: 'ping', timestamp: 1 });
    b!.send({ type: 'ping', timestamp: 2 });
    await a!.waitForMessage({ type: 'pong', timestamp: 1 });
    await b!.waitForMessage({ type: 'pong', timestamp: 2 });
    expect(a!.indexOf({ type: 'pong', timestamp: 2 })).toBe(-1);
  });

  it('ends every live call with 1001 and stops listening on close()', async () => {
    const agent = await startLocalAgent({ voice: 'tone' });
    const clients = await Promise.all([TestClient.join(agent), TestClient.join(agent)]);
    await Promise.all(clients.map((c) => c.waitForMessage({ type: 'call_started' })));
    await agent.close();
    await waitFor(() => clients.every((c) => c.closed !== undefined), 'sockets closed', 5_000);
    expect(clients.map((c) => c.closed?.code)).toEqual([1001, 1001]);
    await expect(fetch(`${agent.baseUrl}/health`)).rejects.toThrow();
  });
});
