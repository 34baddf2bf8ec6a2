import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { GREETING_TEXT } from '../../source/local-agent/script.js';
import { agentText, TestClient, waitFor } from './helpers.js';

const agents: LocalAgent[] = [];
const clients: TestClient[] = [];
async function join(
  options: Parameters<typeof startLocalAgent>[0] = {},
): Promise<{ agent: LocalAgent; client: TestClient }> {
  const agent = await startLocalAgent({ voice: 'tone', sendSpeed: 16, ...options });
  agents.push(agent);
  const client = await TestClient.join(agent);
  clients.push(client);
  await client.waitForMessage({ type: 'call_started' });
  return { agent, client };
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

/** Waits for the agent turn that follows index `from` to finish; returns [speaking, final]. */
/** The client asks for the client tool; the agent's invocation (its index, and the message). */
async function askForClientTool(
  client: TestClient,
): Promise<{ invoke: number; msg: TestClient['messages'][number] }> {
  client.send({ type: 'user_text_message', text: 'client tool please', urgency: 'immediate' });
  const invoke = await client.waitForMessage({ type: 'client_tool_invocation' });
  const msg = client.messages.find((m) => m.type === 'client_tool_invocation')!;
  return { invoke, msg };
}

async function nextAgentTurn(client: TestClient, from: number): Promise<[number, number]> {
  const speaking = await client.waitForMessage({ type: 'state', state: 'speaking' }, from);
  const final = await client.waitForMessage(
    { type: 'transcript', role: 'agent', final: true },
    speaking,
  );
  return [speaking, final];
}

describe('typed messages', () => {
  it('answers after the greeting, with ordinals shared by user and agent turns', async () => {
    const { client } = await join();
    client.send({ type: 'user_text_message', text: 'hello there' });
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' });
    const greetingFinal = client.indexOf({ type: 'transcript', ordinal: 0, final: true });
    expect(greetingFinal).toBeGreaterThan(-1);
    expect(user).toBeGreaterThan(greetingFinal);
    expect(client.received[user]).toMatchObject({
      msg: { medium: 'text', text: 'hello there', final: true, ordinal: 1 },
    });
    expect(client.indexOf({ type: 'playback_clear_buffer' })).toBe(-1);
    const thinking = await client.waitForMessage({ type: 'state', state: 'thinking' }, user);
    const [speaking] = await nextAgentTurn(client, thinking);
    expect(speaking).toBeGreaterThan(thinking);
    expect(agentText(client.messages, 2)).toBe('You typed: hello there');
    await client.waitForMessage({ type: 'state', state: 'listening' }, speaking);
  });

  it('with urgency immediate, interrupts the greeting first', async () => {
    const { client } = await join({ sendSpeed: 1 });
    await waitFor(() => client.received.some((r) => r.kind === 'audio'), 'greeting audio');
    client.send({ type: 'user_text_message', text: 'stop, please', urgency: 'immediate' });
    const clear = await client.waitForMessage({ type: 'playback_clear_buffer' });
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' }, clear);
    const greetingFinal = client.indexOf({ type: 'transcript', ordinal: 0, final: true });
    expect(greetingFinal).toBeGreaterThan(clear);
    expect(greetingFinal).toBeLessThan(user);
    expect(agentText(client.messages, 0).length).toBeLessThan(GREETING_TEXT.length);
    expect(client.audioBetween(clear, user)).toHaveLength(0);
    await nextAgentTurn(client, user);
    expect(agentText(client.messages, 2)).toBe('You typed: stop, please');
  });

  it('never repeats escape sequences from typed text in its answer', async () => {
    const { client } = await join();
    client.send({
      type: 'user_text_message',
      text: '\u001b[2J\u001b]0;pwned\u0007hi',
      urgency: 'immediate',
    });
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' });
    await nextAgentTurn(client, user);
    const answer = agentText(client.messages, 2);
    expect(answer).toMatch(/^You typed: /);
    expect(answer).not.toMatch(/[\u0000-\u001f\u007f]/);
  });

  it('answers in text only after set_output_medium text, and in voice again after voice', async () => {
    const { client } = await join();
    client.send({ type: 'set_output_medium', medium: 'text' });
    client.send({ type: 'user_text_message', text: 'quietly', urgency: 'immediate' });
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' });
    const [speaking, final] = await nextAgentTurn(client, user);
    expect(client.received[final]).toMatchObject({
      msg: { medium: 'text', text: 'You typed: quietly' },
    });
    const listening = await client.waitForMessage({ type: 'state', state: 'listening' }, final);
    expect(client.audioBetween(speaking, listening)).toHaveLength(0);

    client.send({ type: 'set_output_medium', medium: 'voice' });
    client.send({ type: 'user_text_message', text: 'loudly' });
    const user2 = await client.waitForMessage({ type: 'transcript', role: 'user' }, listening);
    const [speaking2, final2] = await nextAgentTurn(client, user2);
    expect(client.received[final2]).toMatchObject({ msg: { medium: 'voice' } });
    expect(client.audioBetween(speaking2, final2).length).toBeGreaterThan(0);
  });

  it('cuts a very long typed message before an emoji sequence, not inside it', async () => {
    const { client } = await join();
    // 3,995 letters, then a ZWJ family (8 UTF-16 units) across the 4,000-unit cap.
    const letters = 'a'.repeat(3_995);
    client.send({ type: 'user_text_message', text: `${letters}👨\u200d👩\u200d👧 and more` });
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' });
    expect(client.received[user]).toMatchObject({ msg: { text: letters } });
  });

  it('echoes emoji sequences and joined scripts whole', async () => {
    const { client } = await join();
    // A ZWJ family, a flag, a skin-tone modifier and a Persian word with a zero-width non-joiner.
    const typed = 'family 👨\u200d👩\u200d👧 from 🇫🇷 says 👋🏽 and می\u200cخواهم';
    client.send({ type: 'user_text_message', text: typed });
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' });
    expect(client.received[user]).toMatchObject({ msg: { text: typed } });
    await nextAgentTurn(client, user);
    expect(agentText(client.messages, 2)).toBe(`You typed: ${typed}`);
  });
});

describe('tools', () => {
  it('runs a server tool: thinking, debug call and result, then the answer', async () => {
    const { client } = await join();
    client.send({
      type: 'user_text_message',
      text: "What's the weather in Paris?",
      urgency: 'immediate',
    });
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' });
    const thinking = await client.waitForMessage({ type: 'state', state: 'thinking' }, user);
    const call = await client.waitForMessage({ type: 'debug' }, thinking);
    expect(client.received[call]).toMatchObject({
      msg: { message: 'Tool call: get_weather({"city":"Paris"})' },
    });
    const result = await client.waitForMessage({ type: 'debug' }, call + 1);
    expect(client.received[result]).toMatchObject({
      msg: { message: expect.stringMatching(/^Tool result: .*Paris/) },
    });
    const [speaking] = await nextAgentTurn(client, result);
    expect(speaking).toBeGreaterThan(result);
    expect(agentText(client.messages, 2)).toMatch(/weather in Paris is sunny/);
  });

  it('waits for a client tool result and says what it answered', async () => {
    const { agent, client } = await join();
    client.send({ type: 'user_text_message', text: 'use the client tool', urgency: 'immediate' });
    const invoke = await client.waitForMessage({ type: 'client_tool_invocation' });
    const msg = client.messages.find((m) => m.type === 'client_tool_invocation')!;
    expect(msg.toolName).toBe('show_banner');
    expect(typeof msg.invocationId).toBe('string');
    expect(typeof msg.parameters).toBe('object');
    // A result for some other invocation does not unblock the agent.
    client.send({ type: 'client_tool_result', invocationId: 'someone-else', result: 'no' });
    client.send({ type: 'ping', timestamp: 1 });
    await client.waitForMessage({ type: 'pong' }, invoke);
    expect(client.indexOf({ type: 'state', state: 'speaking' }, invoke)).toBe(-1);

    client.send({
      type: 'client_tool_result',
      invocationId: msg.invocationId,
      errorType: 'undefined',
      errorMessage: 'no such tool',
    });
    await nextAgentTurn(client, invoke);
    expect(agentText(client.messages, 2)).toBe('The client has no show_banner tool: no such tool.');
    expect(
      agent.calls[0]!.clientMessages.filter((m) => m.type === 'client_tool_result'),
    ).toHaveLength(2);
  });

  it('mentions the result a client tool returned', async () => {
    const { client } = await join();
    const { invoke, msg } = await askForClientTool(client);
    client.send({
      type: 'client_tool_result',
      invocationId: msg.invocationId,
      result: 'banner shown',
    });
    await nextAgentTurn(client, invoke);
    expect(agentText(client.messages, 2)).toBe('The show_banner tool returned: banner shown.');
  });

  it("repeats the reason of a failure sent with Omnia's error field alone", async () => {
    const { client } = await join();
    const { invoke, msg } = await askForClientTool(client);
    client.send({
      type: 'client_tool_result',
      invocationId: msg.invocationId,
      error: 'the banner service is down',
    });
    await nextAgentTurn(client, invoke);
    expect(agentText(client.messages, 2)).toBe(
      'The show_banner tool failed: the banner service is down.',
    );
  });
});
