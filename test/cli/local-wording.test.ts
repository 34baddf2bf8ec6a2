/**
 * With no key the built-in local agent answers, and a refusal names it: "The local agent has no
 * call …", not "Omnia has no call …" (which sent users looking for a call in their Omnia
 * workspace). A voice it lacks: `test/omnia/prompt.test.ts`. Omnia's own refusals keep Omnia's
 * name (`test/omnia/`). Through the built CLI.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, startCli, tempDir, waitFor } from '../helpers/cli.js';

const CALL = ['--plain', '--input', 'none', '--output', 'none', '--duration', '1'];

describe('what the local agent refuses is said in its name', () => {
  const env = () => cliEnv(tempDir('omnia-local-wording-'));

  it.each([
    [['calls', 'show', 'call_nope'], /^error: The local agent has no call "call_nope" \(HTTP 404/m],
    [['voices', '--language', 'xx'], /^error: The local agent has no language "xx"\./m],
    [
      [...CALL, '--prompt', 'Hello.', '--voice', 'Alex', '--language', 'zz'],
      /^error: Could not create the call: The local agent has no language "zz"\./m,
    ],
  ])(
    '%j',
    async (args, said) => {
      const run = await runCli(args, { env: env(), timeoutMs: 30_000 });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(said);
      expect(run.stderr).not.toMatch(/Omnia (has|does|rejected)/);
    },
    40_000,
  );

  it('with no key, says what the run needs to talk to Omnia: a prompt call needs no agent id', async () => {
    const prompt = await runCli(
      [
        ...CALL,
        '--no-call-record',
        '--prompt',
        'Be brief.',
        '--voice',
        'Alex',
        '--language',
        'en-us',
      ],
      { env: env(), timeoutMs: 30_000 },
    );
    expect(prompt.code, prompt.stderr).toBe(0);
    expect(prompt.stderr).toMatch(
      /^No API key configured: talking to the built-in local agent at http:\/\/127\.0\.0\.1:\d+\. Set OMNIA_API_KEY to try the prompt on Omnia\.$/m,
    );
    expect(prompt.stderr).not.toContain('OMNIA_AGENT_ID');
    // An agent call: a key is what it takes (the full screen then lists the agents to pick
    // from); an agent id is not required.
    const agent = await runCli([...CALL, '--no-call-record'], { env: env(), timeoutMs: 30_000 });
    expect(agent.code, agent.stderr).toBe(0);
    expect(agent.stderr).toMatch(
      / Set OMNIA_API_KEY to talk to Omnia \(then pick one of your agents, or name one with --agent\)\.$/m,
    );
  }, 40_000);

  it('a local call stopped by a signal points at no later `calls show`: its agent is gone', async () => {
    const run = startCli([...CALL.slice(0, -2), '--duration', '30'], { env: env() });
    await waitFor(() => run.output().stdout.includes('[call] connected'), { what: 'the call' });
    run.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => run.child.on('close', resolve));
    const { stderr } = run.output();
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/^Call record: skipped: the app was stopped$/m);
  }, 40_000);
});
