import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { TONE_HZ } from '../../source/local-agent/audio.js';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir, writeTemp } from '../helpers/cli.js';
import { goertzel, monoWav, silence, tone } from '../helpers/signal.js';

const RATE = 16_000;

let agent: LocalAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

/** Energy of the agent's beep frequency in each 50 ms window of the played WAV. */
function beepWindows(pcm: Buffer): number[] {
  const windowBytes = (RATE / 20) * 2;
  const out: number[] = [];
  for (let at = 0; at + windowBytes <= pcm.length; at += windowBytes) {
    out.push(goertzel(pcm.subarray(at, at + windowBytes), TONE_HZ, RATE));
  }
  return out;
}

describe('barge-in through the whole app', () => {
  it('stops the agent at once when the user talks over it: queued audio is never played', async () => {
    // The tone voice makes the greeting 14 beeps over 2.5 s, sent 4x faster than real time, so
    // nearly all of it sits in the app's queue when the user starts talking at 1.0 s.
    agent = await startLocalAgent({ voice: 'tone', sendSpeed: 4 });
    const home = tempDir();
    const userPcm = Buffer.concat([
      silence(1_000, RATE),
      tone(300, 1_500, RATE, 0.4),
      silence(3_000, RATE),
    ]);
    const input = writeTemp(home, 'talk-over.wav', monoWav(userPcm, RATE));
    const output = join(home, 'heard.wav');
    const result = await runCli(
      [
        '--plain',
        '-v',
        '--api-base',
        agent.baseUrl,
        '--agent',
        'demo',
        '--input',
        input,
        '--output',
        output,
        '--sample-rate',
        String(RATE),
        '--duration',
        '4',
      ],
      { env: cliEnv(home, { OMNIA_API_KEY: 'test-key-barge-in' }), timeoutMs: 40_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /barge-in: server cleared playback \(\d+ ms of agent audio dropped\)/,
    );
    const sent = agent.calls[0]?.serverMessages.map((m) => m.type) ?? [];
    expect(sent).toContain('playback_clear_buffer');

    const beeps = beepWindows(parseWav(readFileSync(output)).data);
    const loud = (v: number) => v > 0.05;
    // The greeting was heard before the user spoke...
    expect(beeps.slice(0, 18).filter(loud).length).toBeGreaterThan(4);
    // ...and nothing of it after the clear (user at 1.0 s, detected within ~100 ms, plus the
    // lead), although 1.3 s of it was still queued: from 1.7 s, which leaves 600 ms for the
    // detection on a loaded machine, to 2.5 s, when the user stops and the agent answers.
    expect(beeps.slice(34, 50).filter(loud)).toEqual([]);
  }, 60_000);
});
