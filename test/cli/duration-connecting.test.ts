/**
 * `--duration` running out while the call's socket is still connecting: the call exists on the
 * server by then, and cutting the socket left it there unjoined ("in progress" in `calls`)
 * while the app said only "Call did not start". It is hung up as asked instead: the socket is
 * let open, `hang_up` sent, the call named, exit 0. Through the built CLI against the built-in
 * local agent run apart (as `omnia-voice serve`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir, waitFor } from '../helpers/cli.js';

let agent: LocalAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

describe('--duration ending before the socket is open', () => {
  it('hangs up the created call once it connects, names it, exit 0', async () => {
    agent = await startLocalAgent({ voice: 'tone' });
    const served = agent;
    const run = await runCli(
      [
        ...['--plain', '--input', 'none', '--output', 'none', '--duration', '0.001'],
        ...['--api-base', served.baseUrl, '--agent', 'demo', '--no-call-record'],
      ],
      { env: cliEnv(tempDir('omnia-duration-connecting-')), timeoutMs: 30_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(served.calls).toHaveLength(1);
    const call = served.calls[0]!;
    expect(run.stdout).toContain(`[call] connected (call ${call.id})`);
    expect(run.stderr).toMatch(/^Ended: --duration 0\.001s reached$/m);
    expect(run.stderr).not.toMatch(/Call did not start|could not connect/);
    await waitFor(() => call.endReason, { what: 'the call to end on the server' });
    expect(call.hungUp).toBe(true);
    expect(call.endReason).toBe('user_hangup');
    // `calls` says so too: not a call left in progress.
    const calls = await runCli(['calls', '--json', '--api-base', served.baseUrl], {
      env: cliEnv(tempDir('omnia-duration-connecting-')),
    });
    expect(calls.code, calls.stderr).toBe(0);
    expect(calls.stdout).toContain('"user_hangup"');
    expect(calls.stdout).not.toContain('in_progress');
  }, 40_000);
});
