import { describe, expect, it } from 'vitest';
import { spokenReply } from '../../source/local-agent/script.js';
import {
  afterGreeting,
  agentFixture,
  agentText,
  IN_RATE,
  OUT_RATE,
  peakOf,
  silence,
  tone,
  toneBytes,
  wordCount,
} from './helpers.js';

const join = agentFixture();

describe('speech detection', () => {
  it('turns 1 s of tone between silences into a user turn and an answer', async () => {
    const client = await join({ sendSpeed: 16 });
    const ready = await afterGreeting(client);
    await client.sendFrames(
      Buffer.concat([silence(300, IN_RATE), tone(1_000, IN_RATE, -12), silence(900, IN_RATE)]),
      IN_RATE,
    );
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' }, ready);
    expect(client.received[user]).toMatchObject({
      kind: 'json',
      msg: { medium: 'voice', text: '(spoke 1.0 s)', final: true, ordinal: 1 },
    });
    const thinking = await client.waitForMessage({ type: 'state', state: 'thinking' }, user);
    const speaking = await client.waitForMessage({ type: 'state', state: 'speaking' }, thinking);
    // The final transcript comes once the reply has played, after its last audio frame.
    const final = await client.waitForMessage(
      { type: 'transcript', ordinal: 2, final: true },
      speaking,
    );
    const expected = spokenReply(1_000);
    expect(agentText(client.messages, 2)).toBe(expected);
    expect(client.messages.find((m) => m.ordinal === 2 && m.final === true)).toMatchObject({
      role: 'agent',
      medium: 'voice',
      text: expected,
    });
    const replyBytes = client.audioBetween(speaking, final).reduce((n, f) => n + f.length, 0);
    expect(replyBytes).toBe(toneBytes(wordCount(expected)));
  });

  it('ignores quiet noise and short clicks', async () => {
    const client = await join({ sendSpeed: 16 });
    const ready = await afterGreeting(client);
    await client.sendFrames(
      Buffer.concat([
        tone(1_000, IN_RATE, -50),
        silence(200, IN_RATE),
        tone(30, IN_RATE, -6),
        silence(900, IN_RATE),
      ]),
      IN_RATE,
    );
    client.send({ type: 'ping', timestamp: 7 });
    const pong = await client.waitForMessage({ type: 'pong' }, ready);
    // The server handles frames in order, so by the pong every frame has been heard.
    expect(client.indexOf({ type: 'transcript', role: 'user' }, ready)).toBe(-1);
    expect(client.indexOf({ type: 'state', state: 'thinking' }, ready)).toBe(-1);
    expect(pong).toBeGreaterThan(ready);
  });

  it('echo voice plays the user utterance back', async () => {
    const client = await join({ voice: 'echo', sendSpeed: 16 });
    const ready = await afterGreeting(client);
    await client.sendFrames(
      Buffer.concat([silence(200, IN_RATE), tone(800, IN_RATE, -12), silence(800, IN_RATE)]),
      IN_RATE,
    );
    const speaking = await client.waitForMessage({ type: 'state', state: 'speaking' }, ready);
    const final = await client.waitForMessage(
      { type: 'transcript', ordinal: 2, final: true },
      speaking,
    );
    const reply = Buffer.concat(client.audioBetween(speaking, final));
    // 800 ms of speech, resampled 16k -> 24k: the same length and level came back.
    const ms = reply.length / 2 / (OUT_RATE / 1000);
    expect(ms).toBeGreaterThan(700);
    expect(ms).toBeLessThan(900);
    expect(peakOf(reply)).toBeGreaterThan(0.2 * 32_767);
  });
});
