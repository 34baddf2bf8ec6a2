import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TONE_BEEP_MS, TONE_GAP_MS } from '../../source/local-agent/audio.js';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { GREETING_TEXT } from '../../source/local-agent/script.js';
import { peakOf, silence, TestClient, tone } from './helpers.js';

// Each test file runs in its own process, so hiding espeak-ng here affects nothing else.
const savedPath = process.env.PATH;
let agent: LocalAgent;
beforeAll(async () => {
  process.env.PATH = mkdtempSync(join(tmpdir(), 'no-espeak-'));
  agent = await startLocalAgent({ voice: 'espeak', sendSpeed: 16 });
});
afterAll(async () => {
  await agent.close();
  process.env.PATH = savedPath;
});

describe('espeak voice without espeak-ng installed', () => {
  it('falls back to echo: beeps for the greeting, the user voice for spoken turns', async () => {
    const rate = 16_000;
    const client = await TestClient.join(agent, { inputSampleRate: rate, outputSampleRate: rate });
    const greetingFinal = await client.waitForMessage({
      type: 'transcript',
      ordinal: 0,
      final: true,
    });
    const greeting = Buffer.concat(client.audioBetween(0, greetingFinal));
    const words = GREETING_TEXT.split(' ').length;
    expect(greeting.length).toBe(words * ((rate * (TONE_BEEP_MS + TONE_GAP_MS)) / 1000) * 2);
    expect(client.indexOf({ type: 'error' })).toBe(-1);

    const listening = await client.waitForMessage(
      { type: 'state', state: 'listening' },
      greetingFinal,
    );
    await client.sendFrames(Buffer.concat([tone(600, rate, -12, 300), silence(800, rate)]), rate);
    const speaking = await client.waitForMessage({ type: 'state', state: 'speaking' }, listening);
    const final = await client.waitForMessage(
      { type: 'transcript', ordinal: 2, final: true },
      speaking,
    );
    const reply = Buffer.concat(client.audioBetween(speaking, final));
    expect(reply.length).toBe(tone(600, rate).length);
    expect(peakOf(reply)).toBeGreaterThan(0.2 * 32_767);
    await client.close();
  });
});
