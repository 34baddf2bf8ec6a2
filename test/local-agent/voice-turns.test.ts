import { describe, expect, it } from 'vitest';
import { TONE_BEEP_MS, TONE_GAP_MS } from '../../source/local-agent/audio.js';
import { GREETING_TEXT } from '../../source/local-agent/script.js';
import {
  afterGreeting,
  agentFixture,
  agentText,
  IN_RATE,
  peakOf,
  silence,
  tone,
  toneBytes,
  waitFor,
  wordCount,
} from './helpers.js';

const join = agentFixture();

describe('greeting', () => {
  it('announces the call, then speaks a streamed greeting with audio at the output rate', async () => {
    const client = await join({ sendSpeed: 8 });
    const done = await afterGreeting(client);
    const msgs = client.messages;
    expect(msgs[0]).toMatchObject({ type: 'call_started' });
    expect(typeof msgs[0]!.callId).toBe('string');
    expect(msgs[1]).toEqual({ type: 'state', state: 'listening' });
    expect(msgs[2]).toEqual({ type: 'state', state: 'speaking' });

    const turns = msgs.filter((m) => m.type === 'transcript');
    const deltas = turns.filter((m) => typeof m.delta === 'string');
    expect(deltas.length).toBeGreaterThan(3);
    expect(turns.every((m) => m.role === 'agent' && m.medium === 'voice' && m.ordinal === 0)).toBe(
      true,
    );
    const last = turns.at(-1)!;
    expect(last).toMatchObject({ final: true, text: GREETING_TEXT });
    expect(deltas.every((m) => m.final === false)).toBe(true);
    expect(agentText(msgs, 0)).toBe(GREETING_TEXT);

    // Audio: exactly the greeting's tone at 24 kHz, in frames of varying sizes, some odd.
    const frames = client.audioBetween(0, done);
    const total = frames.reduce((n, f) => n + f.length, 0);
    expect(total).toBe(toneBytes(wordCount(GREETING_TEXT)));
    expect(frames.some((f) => f.length % 2 === 1)).toBe(true);
    expect(new Set(frames.map((f) => f.length)).size).toBeGreaterThan(2);
    expect(peakOf(Buffer.concat(frames))).toBeGreaterThan(4_000);

    // Deltas are interleaved with audio, not all sent before or after it.
    const firstAudio = client.received.findIndex((r) => r.kind === 'audio');
    const lastDelta = client.received.findLastIndex(
      (r) => r.kind === 'json' && typeof r.msg.delta === 'string',
    );
    expect(lastDelta).toBeGreaterThan(firstAudio);
  });

  it('stays speaking until the audio sent would have finished playing in real time', async () => {
    const client = await join({ sendSpeed: 50 });
    const speakingAt = await waitFor(
      () => (client.indexOf({ type: 'state', state: 'speaking' }) >= 0 ? Date.now() : undefined),
      'speaking',
    );
    await client.waitForMessage({ type: 'state', state: 'listening' }, 3);
    const greetingMs = wordCount(GREETING_TEXT) * (TONE_BEEP_MS + TONE_GAP_MS);
    // All audio arrives almost at once at 50x, yet listening only follows real-time playback.
    expect(Date.now() - speakingAt).toBeGreaterThan(greetingMs * 0.8);
  });
});

describe('barge-in', () => {
  it('clears the client buffer, closes the agent turn and stops sending audio', async () => {
    const client = await join({ sendSpeed: 1 });
    await waitFor(() => client.received.some((r) => r.kind === 'audio'), 'greeting audio');
    await client.sendFrames(tone(200, IN_RATE, -12), IN_RATE);
    const clear = await client.waitForMessage({ type: 'playback_clear_buffer' });
    const final = client.received
      .slice(0, clear + 3)
      .find((r) => r.kind === 'json' && r.msg.type === 'transcript' && r.msg.final === true);
    expect(final).toBeDefined();
    const finalText = final!.kind === 'json' ? String(final!.msg.text) : '';
    expect(finalText.length).toBeLessThan(GREETING_TEXT.length);
    expect(GREETING_TEXT.startsWith(finalText)).toBe(true);
    await client.waitForMessage({ type: 'state', state: 'listening' }, clear);

    // Let the utterance end; the next reply may start, but nothing of the greeting follows the clear.
    await client.sendFrames(silence(800, IN_RATE), IN_RATE);
    const user = await client.waitForMessage({ type: 'transcript', role: 'user' }, clear);
    expect(client.audioBetween(clear, user)).toHaveLength(0);
    expect(client.received[user]).toMatchObject({ msg: { text: '(spoke 0.2 s)', ordinal: 1 } });
  });

  it('closes an interrupted turn with only the words heard so far, even if more were sent', async () => {
    const client = await join({ sendSpeed: 50 });
    // At 50x every word and frame is sent within a few tens of ms of a 2.5 s greeting.
    await client.waitForMessage({ type: 'transcript', ordinal: 0, delta: ' message.' });
    await client.sendFrames(tone(200, IN_RATE, -12), IN_RATE);
    const clear = await client.waitForMessage({ type: 'playback_clear_buffer' });
    const final = await client.waitForMessage({ type: 'transcript', ordinal: 0, final: true });
    expect(final).toBeGreaterThan(clear);
    const heard = String(client.messages.find((m) => m.ordinal === 0 && m.final === true)?.text);
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThan(GREETING_TEXT.length / 2);
    expect(GREETING_TEXT.startsWith(heard)).toBe(true);
  });

  it('speech while the agent is thinking cancels the answer without a clear', async () => {
    const client = await join({ sendSpeed: 16 });
    // A client tool keeps the agent thinking until the client answers: no race with a timer.
    client.send({ type: 'user_text_message', text: 'use the client tool', urgency: 'immediate' });
    const invoke = await client.waitForMessage({ type: 'client_tool_invocation' });
    const thinking = client.indexOf({ type: 'state', state: 'thinking' });
    expect(thinking).toBeGreaterThan(-1);
    expect(thinking).toBeLessThan(invoke);
    await client.sendFrames(tone(200, IN_RATE, -12), IN_RATE);
    const listening = await client.waitForMessage({ type: 'state', state: 'listening' }, invoke);
    expect(client.indexOf({ type: 'playback_clear_buffer' }, invoke)).toBe(-1);
    // The abandoned answer never comes, even when the tool result arrives late.
    const id = client.messages.find((m) => m.type === 'client_tool_invocation')!.invocationId;
    client.send({ type: 'client_tool_result', invocationId: id, result: 'late' });
    client.send({ type: 'ping', timestamp: 5 });
    await client.waitForMessage({ type: 'pong', timestamp: 5 }, listening);
    expect(client.indexOf({ type: 'state', state: 'speaking' }, listening)).toBe(-1);
  });
});
