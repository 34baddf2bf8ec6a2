/**
 * Response latency for a message typed while the agent still talks: counted from the end of the
 * agent's audio, not from the message. A line piped in at the start goes during the local
 * agent's greeting (about 5 s of it), which the agent says to its end before it answers: the
 * summary read about 5.4 s, the greeting's length. Through the built CLI and the local agent,
 * whose audio plays in real time into no device.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

describe('response latency of a message typed during the greeting', () => {
  it('is the agent’s own delay after its greeting, not the greeting’s length', async () => {
    const home = tempDir('omnia-typed-latency-');
    const run = await runCli(
      ['--plain', '--input', 'none', '--output', 'none', '--duration', '10'],
      { env: cliEnv(home), timeoutMs: 40_000, stdin: 'hello\n' },
    );
    expect(run.code, run.stderr).toBe(0);
    // The message went during the greeting and was answered after it.
    const turns = run.stdout.split('\n').filter((line) => /^(Agent|User)/.test(line));
    expect(turns.slice(0, 3), run.stdout).toEqual([
      'Agent: Hello! I am the Omnia local demo agent. Say something, or type a message.',
      'User (typed): hello',
      'Agent: You typed: hello',
    ]);
    const median = /^Response latency: median (\d+) ms/m.exec(run.stderr);
    expect(median, run.stderr).not.toBeNull();
    // The greeting lasts seconds; the agent answers it within a second or so.
    expect(Number(median![1])).toBeLessThan(2_000);
  }, 60_000);
});
