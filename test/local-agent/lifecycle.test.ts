import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { silence, TestClient, waitFor } from './helpers.js';

const agents: LocalAgent[] = [];
const clients: TestClient[] = [];
async function join(): Promise<{ agent: LocalAgent; client: TestClient; lines: string[] }> {
  const lines: string[] = [];
  const agent = await startLocalAgent({ voice: 'tone', sendSpeed: 16, log: (l) => lines.push(l) });
  agents.push(agent);
  const client = await TestClient.join(agent, { inputSampleRate: 16_000 });
  clients.push(client);
  await client.waitForMessage({ type: 'call_started' });
  return { agent, client, lines };
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

describe('call lifecycle', () => {
  it('echoes the ping timestamp in a pong', async () => {
    const { client } = await join();
    client.send({ type: 'ping', timestamp: 1_732_000_000.125 });
    const i = await client.waitForMessage({ type: 'pong' });
    expect(client.received[i]).toMatchObject({ msg: { timestamp: 1_732_000_000.125 } });
  });

  it('a hang_up without a message ends the call at once: nothing is said after it', async () => {
    const { agent, client } = await join();
    // Hung up while the greeting streams.
    await client.waitForMessage({ type: 'transcript', role: 'agent' });
    const at = client.messages.length;
    client.send({ type: 'hang_up' });
    await waitFor(() => client.closed, 'socket close');
    expect(client.closed?.code).toBe(1000);
    // The greeting is closed with the words heard; no new agent turn (no `Goodbye!`) follows.
    const after = client.messages.slice(at);
    const agentTurns = after.filter((m) => m.type === 'transcript' && m.role === 'agent');
    // (Deltas of the greeting already on their way may come first.)
    expect(agentTurns.map((m) => m.ordinal).filter((o) => o !== 0)).toEqual([]);
    expect(agentTurns.at(-1)).toMatchObject({ ordinal: 0, final: true });
    const record = agent.calls[0]!;
    await waitFor(() => record.closeCode !== undefined, 'record closed');
    expect(record.hungUp).toBe(true);
    expect(record.closeCode).toBe(1000);
  });

  it('a hang_up with a message: the agent says that farewell, then closes with 1000', async () => {
    const { agent, client } = await join();
    client.send({ type: 'hang_up', message: 'Thanks, \u001b[31mbye for now!' });
    await waitFor(() => client.closed, 'socket close');
    expect(client.closed?.code).toBe(1000);
    expect(client.messages.at(-1)).toMatchObject({
      type: 'transcript',
      role: 'agent',
      medium: 'text',
      final: true,
      text: 'Thanks, [31mbye for now!',
    });
    const record = agent.calls[0]!;
    await waitFor(() => record.closeCode !== undefined, 'record closed');
    expect(record.hungUp).toBe(true);
  });

  it('tolerates junk and keeps the call going', async () => {
    const { agent, client, lines } = await join();
    for (const junk of [
      'not json',
      '[1,2]',
      '{"type":5}',
      '{"type":"future_thing","x":1}',
      '{"type":"user_text_message"}',
      '{"type":"set_output_medium","medium":"smell"}',
      '{"type":"client_tool_result"}',
    ]) {
      client.send(junk);
    }
    client.sendAudio(Buffer.from([1]));
    client.sendAudio(Buffer.alloc(0));
    client.send({ type: 'ping', timestamp: 42 });
    await client.waitForMessage({ type: 'pong', timestamp: 42 });
    const record = agent.calls[0]!;
    expect(record.invalidMessages).toBe(3);
    expect(record.clientMessages.map((m) => m.type)).toEqual([
      'future_thing',
      'user_text_message',
      'set_output_medium',
      'client_tool_result',
      'ping',
    ]);
    expect(client.closed).toBeUndefined();
    expect(client.indexOf({ type: 'error' })).toBe(-1);
    expect(lines.some((l) => l.includes('future_thing'))).toBe(true);
  });

  it('records what the client sent: bytes, and the digital silence of a muted mic', async () => {
    const { agent, client } = await join();
    const muted = silence(1_000, 16_000);
    await client.sendFrames(muted, 16_000);
    client.send({ type: 'ping', timestamp: 1 });
    await client.waitForMessage({ type: 'pong' });
    const record = agent.calls[0]!;
    expect(record.bytesReceived).toBe(muted.length);
    expect(record.audio.length).toBe(muted.length);
    expect(record.audio.every((b) => b === 0)).toBe(true);
    expect(client.indexOf({ type: 'transcript', role: 'user' })).toBe(-1);
  });

  it('ends the call when the client closes the socket, and keeps serving new calls', async () => {
    const { agent, client } = await join();
    await client.close();
    const record = agent.calls[0]!;
    await waitFor(() => record.endedAt, 'call end');
    expect(record.closeCode).toBe(1000);
    expect(record.hungUp).toBe(false);
    const sent = record.bytesSent;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(record.bytesSent).toBe(sent);
    const next = await TestClient.join(agent);
    clients.push(next);
    await next.waitForMessage({ type: 'call_started' });
  });
});
