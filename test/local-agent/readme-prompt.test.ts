/**
 * The README's prompt examples: the one for Omnia stays, and there is one a user without a key
 * can copy. The Omnia one (`--voice Jenny`) was all there was, and the local agent refuses that
 * voice. Against the real local agent's `POST /calls/inline`.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';

const README = new URL('../../README.md', import.meta.url);

let agent: LocalAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

/** `[voice, language]` of each `omnia-voice --prompt …` line of the README. */
function promptExamples(): Array<[string, string]> {
  const text = readFileSync(README, 'utf8');
  const found: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    if (!/^omnia-voice --prompt /.test(line)) continue;
    const voice = /--voice (\S+)/.exec(line)?.[1];
    const language = /--language (\S+)/.exec(line)?.[1];
    if (voice && language) found.push([voice, language]);
  }
  return found;
}

async function inlineCall(base: string, voice: string, language: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/calls/inline`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': 'local' },
    body: JSON.stringify({ systemPrompt: 'You are a florist.', voice, language }),
  });
  await res.body?.cancel();
  return res.status;
}

describe('README, trying a prompt', () => {
  it('keeps the Omnia example and has one the built-in local agent takes', async () => {
    const examples = promptExamples();
    expect(examples).toContainEqual(['Jenny', 'en-US']);
    agent = await startLocalAgent({ voice: 'tone' });
    const base = agent.baseUrl;
    const taken: Array<[string, string]> = [];
    for (const [voice, language] of examples) {
      if ((await inlineCall(base, voice, language)) === 201) taken.push([voice, language]);
    }
    expect(taken, JSON.stringify(examples)).not.toEqual([]);
  });
});
