/**
 * What plain mode prints and the transcript file keeps when a call ends with something still
 * open, through the built CLI as a user meets it: an agent reply cut by the hang-up
 * (`--duration`), and a typed message the server had not put in its transcript yet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

let agent: LocalAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

/** The local agent in this process (tone voice: 180 ms a word, the same on every machine). */
async function toneAgent(): Promise<LocalAgent> {
  agent = await startLocalAgent({ voice: 'tone' });
  return agent;
}

const GREETING = 'Hello! I am the Omnia local demo agent. Say something, or type a message.';

describe('plain mode, a reply cut by the hang-up', () => {
  it('prints the words that were heard, as the transcript file has them', async () => {
    const { baseUrl } = await toneAgent();
    const home = tempDir('omnia-plain-hangup-cut-');
    // The greeting is 13 words (2.3 s of audio, its text all sent in the first 0.6 s): the call
    // ends 1.5 s in, with about a second of it still to play.
    const result = await runCli(
      ['--plain', '--api-base', baseUrl, '--duration', '1.5', '--input', 'none'].concat([
        '--output',
        'out.wav',
        '--transcript',
        'call.txt',
      ]),
      {
        env: cliEnv(home, { OMNIA_API_KEY: 'sk-test-hangup-cut', OMNIA_AGENT_ID: 'demo' }),
        timeoutMs: 30_000,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const cut = (text: string) => text.split('\n').filter((l) => l.endsWith('[interrupted]'));
    const file = readFileSync(join(home, 'call.txt'), 'utf8');
    expect(cut(file), file).toHaveLength(1);
    // Only the words heard: not the whole greeting, streamed ahead of its audio.
    expect(cut(file)[0]).not.toContain(GREETING);
    expect(cut(result.stdout), result.stdout).toEqual(cut(file));
    // The summary does not count it as an interruption, and says what cut it.
    const turnsLine = /^Turns: .*$/m;
    expect(result.stderr.match(turnsLine)?.[0]).toMatch(
      /interruptions: 0; a reply was cut off by the call's end$/,
    );
    expect(file.match(turnsLine)?.[0]).toMatch(/a reply was cut off by the call's end$/);
  }, 40_000);
});

describe('a typed message the server never put in its transcript', () => {
  it('is in plain output and in the file, marked as sent but not confirmed', async () => {
    const { baseUrl } = await toneAgent();
    const home = tempDir('omnia-plain-unconfirmed-');
    // Typed during the greeting (the agent holds it until the greeting ends, 2.3 s in); the call
    // ends 1.5 s in, before the server has put it in its transcript.
    const result = await runCli(
      [
        '--plain',
        '--api-base',
        baseUrl,
        '--duration',
        '1.5',
        '--input',
        'none',
        '--output',
        'none',
        '--transcript',
        'call.txt',
        '--no-call-record',
      ],
      {
        env: cliEnv(home, { OMNIA_API_KEY: 'sk-test-unconfirmed', OMNIA_AGENT_ID: 'demo' }),
        timeoutMs: 30_000,
        stdin: 'hello there\n',
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const line = 'User (typed): hello there [sent, not confirmed]';
    expect(result.stdout.split('\n'), result.stdout).toContain(line);
    const file = readFileSync(join(home, 'call.txt'), 'utf8');
    expect(file.split('\n'), file).toContain(line);
    // Where it was sent: during the greeting, beside it (before its line, or after it once it
    // had started). The greeting, cut off, is the agent's only turn: no farewell follows the
    // hang-up.
    const turns = file.split('\n').filter((l) => /^(Agent|User)/.test(l));
    expect(turns, file).toEqual(
      expect.arrayContaining([line, expect.stringMatching(/^Agent: Hello!.* \[interrupted\]$/)]),
    );
    expect(turns, file).toHaveLength(2);
  }, 40_000);
});
