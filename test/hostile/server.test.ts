/**
 * The hostile double itself: a check that fails inside a call script must fail the test, not
 * vanish into a list nobody reads (issue 13, item 7).
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startHostileServer } from './server.js';

/** Create a call as the app does and open its socket; resolves once the socket is closed. */
async function joinAndLeave(baseUrl: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/calls/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
    body: JSON.stringify({ agentId: 'x' }),
  });
  const { websocketUrl } = (await res.json()) as { websocketUrl: string };
  const ws = new WebSocket(websocketUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.close(1000);
  await new Promise((resolve) => ws.once('close', resolve));
}

describe('the hostile double', () => {
  it('close() rejects with what a call script threw', async () => {
    const server = await startHostileServer({
      call: async (call) => {
        await call.closed;
        throw new Error('the client never said hello');
      },
    });
    await joinAndLeave(server.baseUrl);
    await expect.poll(() => server.scriptErrors.length).toBe(1);
    await expect(server.close()).rejects.toThrow(
      "the scripted server's call script failed: the client never said hello",
    );
  });

  it('close() resolves when every script ran clean', async () => {
    let ran = false;
    const server = await startHostileServer({
      call: async (call) => {
        await call.closed;
        ran = true;
      },
    });
    await joinAndLeave(server.baseUrl);
    await expect.poll(() => ran).toBe(true);
    await expect(server.close()).resolves.toBeUndefined();
  });

  it('answers call creation as Omnia documents it: 201 and the call record', async () => {
    const server = await startHostileServer();
    try {
      const res = await fetch(`${server.baseUrl}/api/v1/calls/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
        body: '{}',
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toMatchObject({
        id: expect.any(String),
        websocketUrl: expect.stringMatching(/^ws:\/\//),
        status: expect.any(String),
        connectionType: 'websocket',
        agent: { id: expect.any(String), name: expect.any(String) },
        createdAt: expect.any(String),
      });
    } finally {
      await server.close();
    }
  });
});
