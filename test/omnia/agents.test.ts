/**
 * Issue 12, item 1: `omnia-voice agents` (every page, active only unless --all, --search,
 * --json) and `--agent` by id or name, through the built CLI against the Omnia double and the
 * built-in local agent.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import type { DoubleAgent } from './double.js';
import { double, expectNoSecrets, KEY, QUIET_CALL, requestsTo, runAgainst } from './helpers.js';

const AGENTS: DoubleAgent[] = [
  { id: 'agt_front', name: 'Front Desk', voiceId: 'v-jenny', languageId: 'en-US' },
  { id: 'agt_sales', name: 'Sales', voiceId: 'v-guy', firstSpeaker: 'user' },
  { id: 'agt_old', name: 'Old Bot', status: 'INACTIVE' },
  { id: 'agt_support', name: 'Support', voiceId: 'v-denise', languageId: 'fr-FR' },
  { id: 'agt_billing', name: 'Billing' },
];

describe('omnia-voice agents against the Omnia double', () => {
  it('lists the active agents of every page, two at a time, in a table', async () => {
    const server = await double({ agents: AGENTS });
    const run = await runAgainst(server, ['agents']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ID\s+STATUS\s+LANGUAGE\s+VOICE\s+FIRST SPEAKER$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual([
      'agt_front',
      'agt_sales',
      'agt_support',
      'agt_billing',
    ]);
    expect(run.stdout).toMatch(/^Support\s+agt_support\s+ACTIVE\s+fr-FR\s+v-denise\s+agent$/m);
    expect(run.stdout).toMatch(/^Sales\s+agt_sales\s+ACTIVE\s+en-US\s+v-guy\s+user$/m);
    expect(run.stderr).toContain('4 active agents.');
    // Two a page: the client followed the pages to the end, asking for active agents only.
    const pages = requestsTo(server, 'GET', /\/agents$/);
    expect(pages.map((r) => r.query.get('page'))).toEqual(['1', '2']);
    expect(pages.every((r) => r.query.get('status') === 'ACTIVE')).toBe(true);
    expect(pages[0]?.headers['x-api-key']).toBeDefined();
    expectNoSecrets([run.stdout, run.stderr], run.home);
  });

  it('an agent name holding the key, cut to its column: not even the start of the key shows', async () => {
    // A server that echoes the key in a name long enough to be cut: blanked before it is cut,
    // else `…sk_live_abcdefgh…` showed most of it. A zero-width space inside it changes nothing.
    const agents: DoubleAgent[] = [
      { id: 'agt_long', name: `${'x'.repeat(15)}${KEY}` },
      { id: 'agt_hidden', name: `Front ${KEY.slice(0, 9)}\u200b${KEY.slice(9)}` },
    ];
    const server = await double({ agents });
    const run = await runAgainst(server, ['agents']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^x{15}\[redacted\]\s+agt_long/m);
    expect(run.stdout).toMatch(/^Front \[redacted\]\s+agt_hidden/m);
    for (let i = 0; i + 8 <= KEY.length; i++) expect(run.stdout).not.toContain(KEY.slice(i, i + 8));
  });

  it('--all includes inactive agents, --search passes the text on, --json prints every field', async () => {
    const server = await double({ agents: AGENTS });
    const all = await runAgainst(server, ['agents', '--all']);
    expect(all.stdout).toMatch(/^Old Bot\s+agt_old\s+INACTIVE/m);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(6);

    const searched = await runAgainst(server, ['agents', '--search', 'sup', '--json']);
    expect(searched.code, searched.stderr).toBe(0);
    const json = JSON.parse(searched.stdout) as Array<Record<string, unknown>>;
    expect(json).toEqual([
      {
        id: 'agt_support',
        name: 'Support',
        description: 'Support (double)',
        status: 'ACTIVE',
        language: 'fr-FR',
        voice: 'v-denise',
        firstSpeaker: 'agent',
        greeting: 'Hello from the Omnia double.',
        model: 'llama',
      },
    ]);
    expect(
      requestsTo(server, 'GET', /\/agents$/)
        .at(-1)
        ?.query.get('search'),
    ).toBe('sup');
  });

  it('--agent takes a name: the call goes to that agent, named in the transcript header', async () => {
    const server = await double({ agents: AGENTS });
    const home = tempDir('omnia-console-');
    const run = await runAgainst(
      server,
      [
        ...QUIET_CALL,
        '--agent',
        'front desk',
        '--duration',
        '1',
        '--no-call-record',
        '--transcript',
        `${home}/t.txt`,
      ],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);
    const creates = requestsTo(server, 'POST', /\/calls\/create$/);
    // The name was tried as an id first (404), then looked up and called by its id.
    expect(creates.map((r) => JSON.parse(r.body).agentId)).toEqual(['front desk', 'agt_front']);
    expect(server.calls.filter((c) => c.agentId === 'agt_front')).toHaveLength(1);
    expect(run.stdout).toContain('Agent: Hello from the Omnia double.');
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${home}/t.txt`, 'utf8')).toMatch(
      /^=== Call · Front Desk \(agt_front\) · call call_1_/,
    );
  }, 40_000);

  it('--agent takes an id in another case: the call goes to that agent', async () => {
    const server = await double({ agents: AGENTS });
    const run = await runAgainst(server, [
      ...QUIET_CALL,
      '--agent',
      'AGT_FRONT',
      '--duration',
      '1',
      '--no-call-record',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const creates = requestsTo(server, 'POST', /\/calls\/create$/);
    expect(creates.map((r) => JSON.parse(r.body).agentId)).toEqual(['AGT_FRONT', 'agt_front']);
  }, 40_000);

  it('a name that matches no agent, or several, is one line with the close matches, exit 2', async () => {
    const server = await double({ agents: [...AGENTS, { id: 'agt_sales2', name: 'Sales' }] });
    const none = await runAgainst(server, [...QUIET_CALL, '--agent', 'Suport']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim().split('\n').at(-1)).toBe(
      'error: Could not create the call: No active agent has the id or name "Suport". Close matches: Support (agt_support).',
    );
    // Nothing close: the command that lists them names this server, as the call asked it.
    const far = await runAgainst(server, [...QUIET_CALL, '--agent', 'zzzzzzzz']);
    expect(far.code).toBe(2);
    expect(far.stderr.trim().split('\n').at(-1)).toBe(
      `error: Could not create the call: No active agent has the id or name "zzzzzzzz". See them with: omnia-voice agents --api-base ${server.baseUrl}`,
    );
    const many = await runAgainst(server, [...QUIET_CALL, '--agent', 'sales']);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain(
      'Several agents are named "sales": Sales (agt_sales), Sales (agt_sales2). Pass the id with --agent.',
    );
    // No call was made for either.
    expect(server.calls).toHaveLength(0);
  });

  it('an inactive agent, by name or id, is said to be inactive, with the command that lists every agent', async () => {
    const server = await double({ agents: AGENTS });
    for (const ref of ['old bot', 'agt_old']) {
      const run = await runAgainst(server, [...QUIET_CALL, '--agent', ref]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n').at(-1)).toBe(
        `error: Could not create the call: Old Bot (agt_old) exists but is not active (status INACTIVE): only active agents take calls. See every agent and its status with: omnia-voice agents --api-base ${server.baseUrl} --all`,
      );
    }
    expect(server.calls).toHaveLength(0);
  });

  it('plain mode with a key but no agent says to pick one with omnia-voice agents, exit 2', async () => {
    const server = await double({ agents: AGENTS });
    const run = await runAgainst(server, QUIET_CALL);
    expect(run.code).toBe(2);
    // The command names the server the run asked, as the no-match message does.
    expect(run.stderr.trim()).toBe(
      `No agent chosen: pass --agent <id or name> (omnia-voice agents --api-base ${server.baseUrl} lists them), set OMNIA_AGENT_ID, or try a prompt with --prompt.`,
    );
    expect(server.requests).toHaveLength(0);
  });
});

describe('omnia-voice agents against the built-in local agent', () => {
  it('with a key and --local, a name that matches nothing names the command that lists the local agents', async () => {
    // `omnia-voice agents` with a key configured asks Omnia, not the agent the call asked.
    const home = tempDir('omnia-console-');
    const run = await runCli([...QUIET_CALL, '--local', '--agent', 'zzzzzzzz'], {
      env: cliEnv(home, { OMNIA_API_KEY: KEY }),
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'error: Could not create the call: No active agent has the id or name "zzzzzzzz". See them with: omnia-voice agents --local',
    );
    expectNoSecrets([run.stdout, run.stderr], home);
  });

  it('lists its demo agents, every page of three, and --all adds the inactive one', async () => {
    const home = tempDir('omnia-console-');
    const run = await runCli(['agents'], { env: cliEnv(home) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('No API key configured: asking the built-in local agent.');
    expect(run.stdout).toMatch(/^Hotel Concierge\s+concierge\s+ACTIVE\s+en-gb\s+Annie\s+agent$/m);
    expect(run.stdout).toMatch(/^Support Desk\s+support\s+ACTIVE\s+en-us\s+Andy\s+user$/m);
    // The fourth agent is on the second page.
    expect(run.stdout).toMatch(/^Tuteur de français\s+tutor-fr\s+ACTIVE\s+fr-fr\s/m);
    expect(run.stdout).not.toContain('retired');
    const all = await runCli(['agents', '--all', '--json'], { env: cliEnv(home) });
    const ids = (JSON.parse(all.stdout) as Array<{ id: string }>).map((a) => a.id);
    expect(ids).toEqual(['demo', 'concierge', 'support', 'tutor-fr', 'retired']);
  });

  it('--agent by name calls that demo agent, which greets with its own words', async () => {
    const home = tempDir('omnia-console-');
    const run = await runCli(
      [...QUIET_CALL, '--agent', 'Hotel Concierge', '--duration', '6', '--no-call-record'],
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Agent: Good evening, and welcome to the Grand Hotel\./m);
    const retired = await runCli([...QUIET_CALL, '--agent', 'retired'], { env: cliEnv(home) });
    expect(retired.code).toBe(2);
    expect(retired.stderr.trim().split('\n').at(-1)).toBe(
      'error: Could not create the call: Old Receptionist (retired) exists but is not active (status INACTIVE): only active agents take calls. See every agent and its status with: omnia-voice agents --local --all',
    );
  }, 60_000);
});
