/**
 * `calls` in an 80-column terminal, against the built-in local agent: a new-user trial saw
 * `START | AGENT (Hotel Con…) | END REASON (the agent h…) | ID`, the duration, cost and summary
 * left out and the end reason cut to words that said nothing, its code lost. Now the end reason
 * is its code (`user_hangup`, what `--status` takes), the duration stays, and the agent gives way
 * before them. A call of a prompt is named as `calls show` names it (`none (inline prompt)`), or
 * `(prompt)` where the column is narrow, not `-`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { stringWidth } from '../../source/ui/textWidth.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import { killAllTuis, PRE_APP_MARKER, startTui } from '../tui/tmux.js';

let agent: LocalAgent;
const env = () => cliEnv(tempDir('omnia-calls-narrow-'), { OMNIA_API_KEY: 'x' });
const QUIET = ['--plain', '--input', 'none', '--output', 'none', '--duration', '1'];

beforeAll(async () => {
  agent = await startLocalAgent({ port: 0, voice: 'tone' });
  // One call of a saved agent, then one of a prompt (newest first: the prompt's is the first row).
  for (const how of [
    ['--agent', 'concierge'],
    ['--prompt', 'Be brief with me.', '--voice', 'Adam', '--language', 'en-us'],
  ]) {
    const call = await runCli([...QUIET, ...how, '--api-base', agent.baseUrl], {
      env: env(),
      timeoutMs: 30_000,
    });
    expect(call.code, call.stderr).toBe(0);
  }
}, 60_000);

afterAll(async () => {
  await killAllTuis();
  await agent.close();
});

/** Runs `calls` in a `width`-column tmux pane; the lines it printed (stdout and stderr). */
async function callsIn(width: number): Promise<string[]> {
  const home = tempDir('omnia-calls-narrow-');
  const tui = await startTui({
    args: ['calls', '--api-base', agent.baseUrl],
    env: cliEnv(home, { OMNIA_API_KEY: 'x', TERM: 'screen' }),
    cwd: home,
    width,
    height: 24,
    wrapInShell: true,
  });
  const screen = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'calls to end');
  await tui.kill();
  const lines = screen.split('\n');
  const to = lines.findIndex((line) => /^EXITED:/.test(line));
  expect(lines[to]).toBe('EXITED:0');
  return lines.slice(lines.indexOf(PRE_APP_MARKER) + 1, to);
}

describe('calls in a narrow terminal', () => {
  it('80 columns: the agent kept beside the duration and the end reason; the id cut to a prefix calls show takes', async () => {
    const lines = await callsIn(80);
    const [head, prompt, concierge] = lines;
    expect(head).toMatch(/^START +AGENT +DURATION +END REASON +ID$/);
    for (const row of [prompt, concierge]) {
      expect(stringWidth(row ?? '')).toBeLessThanOrEqual(80);
      // The code whole, not "the caller h…"; the duration kept; the id's start, marked cut.
      expect(row).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d +\S.* +\d+s +user_hangup +[0-9a-f-]{8,35}…$/);
    }
    expect(prompt).toMatch(/ \(prompt\) /);
    expect(concierge).toMatch(/ Hotel Concierge +\d+s /);
    expect(lines.slice(-2)).toEqual([
      'Left out to fit 80 columns: COST, SUMMARY; --json has every field.',
      'Ids cut to fit 80 columns: calls show takes one as shown.',
    ]);
    // The id as shown, pasted with its `…`, shows that call.
    const shownId = /(\S+…)$/.exec(concierge ?? '')?.[1] ?? '';
    const shown = await runCli(['calls', 'show', shownId, '--api-base', agent.baseUrl], {
      env: env(),
    });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`**Call ID:** ${shownId.slice(0, -1)}`);
  }, 30_000);

  it('100 columns: the agent comes back, a prompt’s as (prompt)', async () => {
    const [head, prompt, concierge] = await callsIn(100);
    expect(head).toMatch(/^START +AGENT +DURATION +END REASON +COST +ID$/);
    expect(prompt).toMatch(/ \(prompt\) +\d+s +user_hangup +\$0\.00 +[0-9a-f-]{36}$/);
    // A name cut by a cell or two rather than the end reason cut to its first words.
    expect(concierge).toMatch(/ Hotel Concier… +\d+s +user_hangup /);
  }, 30_000);

  it('whole, a prompt’s call is none (inline prompt), as calls show names it', async () => {
    const listed = await runCli(['calls', '--api-base', agent.baseUrl], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    const row = listed.stdout.split('\n')[1] ?? '';
    expect(row).toMatch(
      /^\S+ \S+ +none \(inline prompt\) +\d+s +the caller hung up \(user_hangup\)/,
    );
    const id = /[0-9a-f-]{36}/.exec(row)?.[0] ?? '';
    const shown = await runCli(['calls', 'show', id, '--api-base', agent.baseUrl], { env: env() });
    expect(shown.stdout).toContain('- **Agent:** none (inline prompt)');
  }, 30_000);
});
