import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { speakWithEspeak } from '../../source/local-agent/voices.js';
import { commandMissing, skipWhenMissing } from '../helpers/requires.js';
import { peakOf, TestClient } from './helpers.js';

const agents: LocalAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

describe('espeak voice', () => {
  beforeEach((ctx) => skipWhenMissing(ctx, commandMissing('espeak-ng')));

  it('speaks text as audible PCM at the requested rate', async () => {
    const pcm = await speakWithEspeak('Hello from the local agent.', 48_000);
    const seconds = pcm.length / 2 / 48_000;
    expect(seconds).toBeGreaterThan(0.8);
    expect(seconds).toBeLessThan(5);
    expect(peakOf(pcm)).toBeGreaterThan(3_000);
  });

  it('greets a call with non-silent speech', async () => {
    const agent = await startLocalAgent({ voice: 'espeak', sendSpeed: 16 });
    agents.push(agent);
    const client = await TestClient.join(agent, { outputSampleRate: 16_000 });
    const final = await client.waitForMessage({ type: 'transcript', ordinal: 0, final: true });
    const greeting = Buffer.concat(client.audioBetween(0, final));
    expect(greeting.length / 2 / 16_000).toBeGreaterThan(2);
    expect(peakOf(greeting)).toBeGreaterThan(3_000);
    expect(client.indexOf({ type: 'error' })).toBe(-1);
    await client.close();
  });
});
