/**
 * A word missing or too many says what to type: a new-user trial saw Commander's own
 * `error: missing required argument 'id'`, the config's `Expected 1 argument, got 0.`, and
 * `agents show demo` refused as `too many arguments for 'agents'`. And `agents show <id|name>`
 * prints one agent's fields (greeting, description, voice), as Omnia's `GET /agents/{id}`
 * has them, here from the built-in local agent. Through the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAgentDetails } from '../../source/cli/commands/agents.js';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

const env = () => cliEnv(tempDir('omnia-args-'), { OMNIA_API_KEY: 'x' });
const cli = (args: string[]) => runCli(args, { env: env() });

describe('a word missing or left over says what to type', () => {
  it.each([
    [
      ['calls', 'show'],
      'error: calls show needs a call id: omnia-voice calls show <id> (omnia-voice calls lists them)',
    ],
    [
      ['agents', 'show'],
      'error: agents show needs an agent id or name: omnia-voice agents show <id|name> (omnia-voice agents lists them)',
    ],
    // The listing asks the server the command was to ask: a serve at --api-base, the local agent.
    [
      ['calls', 'show', '--api-base', 'http://127.0.0.1:8787'],
      'error: calls show needs a call id: omnia-voice calls show <id> (omnia-voice calls --api-base http://127.0.0.1:8787 lists them)',
    ],
    [
      ['calls', '--api-base', 'http://127.0.0.1:8787', 'show'],
      'error: calls show needs a call id: omnia-voice calls show <id> (omnia-voice calls --api-base http://127.0.0.1:8787 lists them)',
    ],
    [
      ['agents', 'show', '--local'],
      'error: agents show needs an agent id or name: omnia-voice agents show <id|name> (omnia-voice agents --local lists them)',
    ],
    [
      ['agents', 'show', '', '--api-base', 'http://127.0.0.1:8787'],
      'error: agents show needs an agent id or name, and it is empty: omnia-voice agents show <id|name> (omnia-voice agents --api-base http://127.0.0.1:8787 lists them).',
    ],
    [
      ['calls', 'show', 'a', 'b'],
      'error: calls show takes <id> (quote a value that has spaces), and "b" is left over: omnia-voice calls show <id>',
    ],
    [
      ['voices', 'english'],
      'error: voices takes no words of its own, and "english" is left over: omnia-voice voices --help lists its options',
    ],
    [
      ['config', 'get'],
      'error: config get needs a setting name: omnia-voice config get <key> (the keys are below).',
    ],
    [
      ['config', 'set', 'leadms'],
      'error: config set leadMs needs a value: omnia-voice config set leadMs <value> (allowed: an integer from 25 to 500).',
    ],
    [
      ['config', 'set', 'sk_pasted_first'],
      'error: config set needs a known setting name and its value: omnia-voice config set <key> <value> (the keys are below).',
    ],
    [
      ['config', 'get', 'echo', 'off'],
      'error: config get takes one setting name, and "off" is left over: omnia-voice config get <key>.',
    ],
    [
      ['config', 'set', 'greeting', 'hello', 'there'],
      'error: config set takes a setting name and one value (quote a value that has spaces), and "there" is left over: omnia-voice config set <key> <value>.',
    ],
  ])('%j', async (args, line) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toBe(line);
  });
});

describe('agents show', () => {
  let agent: LocalAgent;
  beforeAll(async () => {
    agent = await startLocalAgent({ port: 0, voice: 'tone' });
  });
  afterAll(async () => {
    await agent.close();
  });
  const show = (...args: string[]) => cli(['agents', 'show', ...args, '--api-base', agent.baseUrl]);

  it('by id: every field, one a line, and how to call it', async () => {
    const run = await show('concierge');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'Name:          Hotel Concierge',
      'ID:            concierge',
      'Status:        ACTIVE',
      'Description:   Greets guests of the Grand Hotel.',
      'Language:      en-gb',
      'Voice:         Annie',
      'First speaker: agent',
      'Greeting:      Good evening, and welcome to the Grand Hotel. How may I help you tonight?',
      'Model:         llama',
      '',
    ]);
    expect(run.stderr).toContain('Call it with: omnia-voice --agent concierge');
  });

  it('the command it prints asks the server this run asked: --api-base, or --local', async () => {
    const run = await show('concierge');
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      `Call it with: omnia-voice --agent concierge --api-base ${agent.baseUrl}`,
    );
    const local = await cli(['agents', 'show', 'concierge', '--local']);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stderr.trim().split('\n').at(-1)).toBe(
      'Call it with: omnia-voice --agent concierge --local',
    );
  });

  it('an id in another case is that agent', async () => {
    const run = await show('Concierge');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ID: +concierge$/m);
    const resting = await show('RETIRED');
    expect(resting.code, resting.stderr).toBe(0);
    expect(resting.stdout).toMatch(/^Name: +Old Receptionist$/m);
  });

  it('what names no agent is said of agents of every status, as the command shows them', async () => {
    const close = await show('e');
    expect(close.code).toBe(2);
    expect(close.stderr.trim()).toBe(
      'error: No agent has the id or name "e". Close matches: Demo (demo), Old Receptionist (retired), Hotel Concierge (concierge), Support Desk (support), Tuteur de français (tutor-fr).',
    );
    const far = await show('xyzzy');
    expect(far.code).toBe(2);
    expect(far.stderr.trim()).toBe(
      `error: No agent has the id or name "xyzzy". See them all with: omnia-voice agents --all --api-base ${agent.baseUrl}`,
    );
  });

  it('by name, in any case, as JSON: the same fields as agents --json', async () => {
    const run = await show('hotel concierge', '--json');
    expect(run.code, run.stderr).toBe(0);
    const listed = await cli(['agents', '--json', '--api-base', agent.baseUrl]);
    const fromList = (JSON.parse(listed.stdout) as Array<{ id: string }>).find(
      (a) => a.id === 'concierge',
    );
    expect(JSON.parse(run.stdout)).toEqual(fromList);
  });

  it('an inactive agent is shown, and said to take no calls', async () => {
    const run = await show('retired');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Status: +INACTIVE$/m);
    expect(run.stderr).toContain('It takes no calls: only active agents do (status INACTIVE).');
  });

  it('a name of no agent: the close ones, exit 2', async () => {
    const run = await show('hotel conc');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Close matches: Hotel Concierge (concierge).');
  });
});

describe('agents show in a terminal', () => {
  it('wraps a long value under itself, and keeps each field on one line for a pipe', () => {
    const greeting =
      'Good evening and welcome to the hotel, I can book a table, order a taxi or tell you about the spa.';
    const agent = { id: 'concierge', name: 'Hotel Concierge', status: 'ACTIVE', greeting };
    // A greeting ran on from column 0 under the labels at 80 columns.
    const rows = formatAgentDetails(agent, 60);
    const at = rows.findIndex((row) => row.startsWith('Greeting:'));
    const indent = rows[at]!.indexOf('Good');
    expect(rows.length).toBeGreaterThan(4);
    for (const row of rows.slice(at + 1)) {
      expect(row.slice(0, indent).trim()).toBe('');
      expect(row.length).toBeLessThanOrEqual(60);
    }
    expect(
      rows
        .slice(at)
        .map((row) => row.slice(indent))
        .join(' '),
    ).toBe(greeting);
    expect(formatAgentDetails(agent)).toContain(`Greeting:${' '.repeat(indent - 9)}${greeting}`);
  });
});
