/**
 * With no key the built-in local agent answers, and a refusal names it: "The local agent has no
 * call …", not "Omnia has no call …" (which sent users looking for a call in their Omnia
 * workspace). A voice it lacks: `test/omnia/prompt.test.ts`. Omnia's own refusals keep Omnia's
 * name (`test/omnia/`). Through the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** A `serve` on a free port, and its base URL. */
async function serve(home: string) {
  const run = startCli(['serve', '--voice', 'tone'], { env: cliEnv(home) });
  const base = await waitFor(() => /listening on (http:\/\/\S+)/.exec(run.output().stdout)?.[1], {
    what: 'the serve base URL',
  });
  return { run, base, host: new URL(base).host };
}

/** `text` as a regular expression matching it literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('an omnia-voice serve at --api-base is spoken of as the local agent', () => {
  it('a call it does not have, the later hint while it runs, and none once it has stopped', async () => {
    const home = tempDir('omnia-local-serve-');
    const agent = await serve(home);
    const stopped = (child: ReturnType<typeof startCli>['child']) =>
      new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      // A call it does not have: its words, not Omnia's workspace.
      const show = await runCli(['calls', 'show', 'call_nope', '--api-base', agent.base], {
        env: cliEnv(home),
        timeoutMs: 30_000,
      });
      expect(show.code).not.toBe(0);
      expect(show.stderr).toMatch(
        new RegExp(
          `^error: The local agent at ${agent.host.replace(/\./g, '\\.')} has no call "call_nope" \\(HTTP 404: Call not found\\): it keeps calls only while it runs, and forgets them when it stops\\. No call among the newest 100 has an id that starts with "call_nope" either: omnia-voice calls --api-base \\S+ lists them\\.$`,
          'm',
        ),
      );
      expect(show.stderr).not.toMatch(/Omnia|workspace/);

      // The record skipped (the app stopped): `calls show` works while the serve runs, and
      // the hint says so.
      const call = startCli(
        [...CALL.slice(0, -2), '--duration', '30', '--agent', 'demo', '--api-base', agent.base],
        {
          env: env(),
        },
      );
      await waitFor(() => call.output().stdout.includes('[call] connected'), { what: 'the call' });
      call.child.kill('SIGTERM');
      expect(await stopped(call.child), call.output().stderr).toBe(0);
      expect(call.output().stderr).toMatch(
        new RegExp(
          `^Call record: skipped: the app was stopped; later, while the local agent at ${agent.host.replace(/\./g, '\\.')} runs: omnia-voice calls show \\S+ --api-base ${agent.base.replace(/\./g, '\\.')}$`,
          'm',
        ),
      );

      // The serve killed under a call: its calls went with it, and no `later:` pretends else.
      const lost = startCli(
        [...CALL.slice(0, -2), '--duration', '30', '--agent', 'demo', '--api-base', agent.base],
        {
          env: env(),
        },
      );
      await waitFor(() => lost.output().stdout.includes('[call] connected'), { what: 'the call' });
      agent.run.child.kill('SIGKILL');
      await stopped(lost.child);
      const { stderr } = lost.output();
      expect(stderr).toMatch(
        new RegExp(
          `^Call record: could not be fetched: Nothing answers at ${agent.host.replace(/\./g, '\\.')} any more \\(connection refused\\): the server there has stopped; a local agent keeps its calls only while it runs, so no later command can read this one$`,
          'm',
        ),
      );
      expect(stderr).not.toMatch(/later:|later, while/);
    } finally {
      agent.run.child.kill('SIGKILL');
    }
  }, 60_000);

  const env = () => cliEnv(tempDir('omnia-local-serve-call-'));
});

describe('what a serve at --api-base refuses is said in its name, as its 404s are', () => {
  let agent: Awaited<ReturnType<typeof serve>>;
  const home = tempDir('omnia-local-serve-refusals-');
  beforeAll(async () => {
    agent = await serve(home);
  });
  afterAll(() => {
    agent?.run.child.kill('SIGKILL');
  });
  const ask = (args: string[]) =>
    runCli([...args, '--api-base', agent.base], { env: cliEnv(home), timeoutMs: 30_000 });

  it('a language or a voice it does not have: "The local agent at …", never Omnia', async () => {
    const who = `The local agent at ${literal(agent.host)}`;
    const cases: Array<[string[], RegExp]> = [
      [
        ['voices', '--language', 'xx'],
        new RegExp(
          `^error: ${who} has no language "xx"\\. See them all with: omnia-voice languages --api-base ${literal(agent.base)}$`,
          'm',
        ),
      ],
      [
        [...CALL, '--prompt', 'hi', '--voice', 'Nobody', '--language', 'en-us'],
        new RegExp(
          `^error: Could not create the call: ${who} has no voice "Nobody" for en-us\\.`,
          'm',
        ),
      ],
      [
        [...CALL, '--prompt', 'hi', '--voice', 'Alicia', '--language', 'qq'],
        new RegExp(`^error: Could not create the call: ${who} has no language "qq"\\.`, 'm'),
      ],
    ];
    for (const [args, said] of cases) {
      const run = await ask(args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(said);
      expect(run.stderr).not.toMatch(/Omnia (has|does|rejected)/);
    }
  }, 60_000);

  it('an id too short to look calls up by says only that, not that it forgets its calls (exit 2)', async () => {
    const run = await ask(['calls', 'show', '4']);
    expect(run.code, run.stderr).toBe(2);
    // It runs and has its calls: "4" is no id, and too short to be the start of one.
    expect(run.stderr.trim()).toBe(
      `error: The local agent at ${agent.host} has no call "4" (HTTP 404: Call not found). "4" is too short to find a call by the start of its id: give at least 4 characters of the id (omnia-voice calls --api-base ${agent.base} shows them).`,
    );
    // The built-in local agent the same.
    const local = await runCli(['calls', 'show', 'ab', '--local'], {
      env: cliEnv(tempDir('omnia-local-short-')),
      timeoutMs: 30_000,
    });
    expect(local.code, local.stderr).toBe(2);
    expect(local.stderr).toMatch(
      /^error: The local agent has no call "ab" \(HTTP 404: Call not found\)\. "ab" is too short to find a call by the start of its id: give at least 4 characters of the id \(omnia-voice calls --local shows them\)\.$/m,
    );
    expect(local.stderr).not.toContain('keeps calls');
  }, 60_000);

  it('--status: its own end reasons listed, and one in no list refused (exit 2), not taken for one with no calls', async () => {
    const own = 'agent_hangup, user_hangup, max_duration, disconnected, unjoined, server_shutdown.';
    // One of its own: none ended so yet.
    const disconnected = await ask(['calls', '--status', 'disconnected']);
    expect(disconnected.code, disconnected.stderr).toBe(0);
    expect(disconnected.stderr).toContain('No call ended with status "disconnected".');
    expect(disconnected.stderr).not.toMatch(/Omnia/);
    // Omnia's, not its own: none, and the list it ends calls with.
    const timeout = await ask(['calls', '--status', 'timeout']);
    expect(timeout.code, timeout.stderr).toBe(0);
    expect(timeout.stderr).toContain(
      `No call ended with status "timeout". The status is how a call ended, as the local agent at ${agent.host} spells it: ${own}`,
    );
    expect(timeout.stderr).not.toMatch(/Omnia/);
    // In no list: a typo, refused, with what it was close to; nothing on stdout, --json too.
    const typo = await ask(['calls', '--status', 'agent_hangupp', '--json']);
    expect(typo.code, typo.stderr).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr.trim()).toBe(
      `error: The local agent at ${agent.host} has no status "agent_hangupp": did you mean agent_hangup? The status is how a call ended, as it spells it: ${own}`,
    );
    // Its own, in another case and separators: sent as it spells it, and said so in its name.
    const shutdown = await ask(['calls', '--status', 'Server-Shutdown']);
    expect(shutdown.code, shutdown.stderr).toBe(0);
    expect(shutdown.stderr).toContain(
      `--status "Server-Shutdown" is sent as server_shutdown: the local agent at ${agent.host} spells end reasons in lower case.`,
    );
    expect(shutdown.stderr).toContain('No call ended with status "server_shutdown".');
    // The built-in local agent the same, in its name.
    const local = await runCli(['calls', '--local', '--status', 'zzz'], {
      env: cliEnv(tempDir('omnia-local-status-')),
      timeoutMs: 30_000,
    });
    expect(local.code, local.stderr).toBe(2);
    expect(local.stderr).toMatch(
      /^error: The local agent has no status "zzz"\. The status is how a call ended, as it spells it: agent_hangup, /m,
    );
  }, 60_000);
});
