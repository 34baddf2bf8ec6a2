/**
 * Issue 12, item 5: `omnia-voice calls` (newest first, following the cursor, --limit, --since,
 * --status, --json) and `omnia-voice calls show ID` (--format, --out). Through the built CLI
 * against the Omnia double and against `omnia-voice serve`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, startCli, tempDir, waitFor } from '../helpers/cli.js';
import { double, expectNoSecrets, QUIET_CALL, requestsTo, runAgainst } from './helpers.js';

/** A finished call log as Omnia documents it. */
function pastCall(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const start = Date.UTC(2026, 4, 10 - n, 9, 30);
  return {
    id: `call_past_${n}`,
    agentId: 'agt_front',
    agent: { id: 'agt_front', name: 'Front Desk' },
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + 125_000).toISOString(),
    durationMs: 125_000,
    durationSeconds: 125,
    status: n % 2 === 0 ? 'agent_hangup' : 'user_hangup',
    summary: `The caller booked table ${n}. They asked about parking.`,
    shortSummary: `Booked table ${n}`,
    transcript: [
      { role: 'agent', text: 'Front desk, hello.' },
      { role: 'user', text: `A table for ${n}, please.` },
    ],
    billing: {
      durationMinutes: 3,
      costCents: 21,
      costDollars: 0.21,
      pricePerMinuteCents: 7,
      currency: 'USD',
    },
    ...over,
  };
}

const PAST = [1, 2, 3, 4, 5].map((n) => pastCall(n));

describe('omnia-voice calls against the Omnia double', () => {
  it('lists the newest calls, following the cursor two at a time, up to --limit', async () => {
    const server = await double({ pastCalls: PAST });
    const run = await runAgainst(server, ['calls', '--limit', '3']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^START\s+AGENT\s+DURATION\s+END REASON\s+COST\s+ID\s+SUMMARY$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      /^2026-05-\d\d \d\d:\d\d\s+Front Desk\s+2m 05s\s+the caller hung up \(user_hangup\)\s+\$0\.21\s+call_past_1\s+Booked table 1$/,
    );
    expect(lines[2]).toContain('the agent hung up (agent_hangup)');
    expect(lines[3]).toContain('call_past_3');
    const pages = requestsTo(server, 'GET', /\/calls$/);
    expect(pages.map((r) => r.query.get('cursor'))).toEqual([null, 'cur_2']);
    expect(pages.map((r) => r.query.get('pageSize'))).toEqual(['3', '1']);
  });

  it('--since and --status go to the server; --json prints the records', async () => {
    const server = await double({ pastCalls: PAST });
    const run = await runAgainst(
      server,
      ['calls', '--since', '2026-05-07', '--status', 'agent_hangup', '--json'],
      { env: { TZ: 'UTC' } },
    ); // a date means local midnight: UTC's here
    expect(run.code, run.stderr).toBe(0);
    const [request] = requestsTo(server, 'GET', /\/calls$/);
    expect(request?.query.get('startDate')).toBe('2026-05-07T00:00:00.000Z');
    expect(request?.query.get('status')).toBe('agent_hangup');
    const records = JSON.parse(run.stdout) as Array<{ callId: string; costCents: number }>;
    expect(records.map((r) => r.callId)).toEqual(['call_past_2']);
    expect(records[0]?.costCents).toBe(21);

    const bad = await runAgainst(server, ['calls', '--since', 'last tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since "last tuesday" is not a date');
  });

  it('--until a date takes in that whole day; after --since it is refused', async () => {
    const server = await double({ pastCalls: PAST });
    const utc = { env: { TZ: 'UTC' } };
    const run = await runAgainst(
      server,
      ['calls', '--since', '2026-05-06', '--until', '2026-05-07', '--json'],
      utc,
    );
    expect(run.code, run.stderr).toBe(0);
    const [request] = requestsTo(server, 'GET', /\/calls$/);
    expect(request?.query.get('startDate')).toBe('2026-05-06T00:00:00.000Z');
    expect(request?.query.get('endDate')).toBe('2026-05-07T23:59:59.999Z');
    const records = JSON.parse(run.stdout) as Array<{ callId: string }>;
    expect(records.map((r) => r.callId)).toEqual(['call_past_3', 'call_past_4']);

    const backwards = await runAgainst(
      server,
      ['calls', '--since', '2026-05-07', '--until', '2026-05-06'],
      utc,
    );
    expect(backwards.code).toBe(2);
    expect(backwards.stderr.trim()).toBe(
      'error: --since "2026-05-07" comes after --until "2026-05-06": no call can be in between.',
    );
  });

  it('calls show prints the record and transcript; --out saves it in the format of its extension', async () => {
    const server = await double({ pastCalls: PAST });
    const txt = await runAgainst(server, ['calls', 'show', 'call_past_2', '--format', 'txt']);
    expect(txt.code, txt.stderr).toBe(0);
    expect(txt.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^=== Call · Front Desk \(agt_front\) · call call_past_2 · 2026-05-08T09:30:00\.000Z ===$/,
        ),
        'Agent: Front desk, hello.',
        'User: A table for 2, please.',
        'Server end reason: the agent hung up (agent_hangup)',
        'Server: lasted 2m 05s, billed 3 min, cost $0.21',
        'Server summary: The caller booked table 2. They asked about parking.',
      ]),
    );
    const home = tempDir('omnia-calls-');
    const file = join(home, 'out', 'call.json');
    const saved = await runAgainst(server, ['calls', 'show', 'call_past_2', '--out', file], {
      home,
    });
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stderr).toContain(`call call_past_2 saved to ${file}`);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.call).toMatchObject({
      callId: 'call_past_2',
      agentId: 'agt_front',
      durationMs: 125_000,
    });
    expect(doc.turns.map((t: { text: string }) => t.text)).toEqual([
      'Front desk, hello.',
      'A table for 2, please.',
    ]);
    expect(doc.summary.record).toMatchObject({ endReason: 'agent_hangup', billedMinutes: 3 });
    expectNoSecrets([saved.stdout, saved.stderr], home);
  });

  it('calls show of a call still running says its record is not complete, not naming Omnia', async () => {
    // A local agent (a serve) answers as Omnia does: "Omnia is still filling it in" was wrong there.
    const live = pastCall(7, {
      id: 'call_live_1',
      endTime: undefined,
      durationMs: undefined,
      durationSeconds: undefined,
      status: undefined,
      billing: undefined,
    });
    const server = await double({ pastCalls: [live] });
    const run = await runAgainst(server, ['calls', 'show', 'call_live_1', '--format', 'txt']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^Call record: not complete yet: the server is still filling it in$/m,
    );
  });

  it('calls show of an unknown call: the 404 with its request id and that no recent id starts so, as `call_nope…` says (exit 2 both)', async () => {
    const server = await double({ pastCalls: PAST });
    const run = await runAgainst(server, ['calls', 'show', 'call_nope']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `error: Omnia has no call "call_nope" in this workspace (HTTP 404: Call not found). Request id: req_double_1. No call among the newest 100 has an id that starts with "call_nope" either: omnia-voice calls --api-base ${server.baseUrl} lists them.`,
    );
    const cut = await runAgainst(server, ['calls', 'show', 'call_nope…']);
    expect(cut.code).toBe(2);
    expect(cut.stderr.trim()).toBe(
      `error: No call among the newest 100 has an id that starts with "call_nope": omnia-voice calls --api-base ${server.baseUrl} lists them.`,
    );
  });

  it('calls show of a start of an id that is too short says so and how many characters to give (exit 2)', async () => {
    const server = await double({ pastCalls: PAST });
    const cut = await runAgainst(server, ['calls', 'show', 'c…']);
    expect(cut.code).toBe(2);
    expect(cut.stderr.trim()).toBe(
      `error: "c…" is too short to find a call by the start of its id: give at least 4 characters of the id (omnia-voice calls --api-base ${server.baseUrl} shows them).`,
    );
    const typed = await runAgainst(server, ['calls', 'show', 'cal']);
    expect(typed.code).toBe(2);
    expect(typed.stderr.trim()).toBe(
      `error: Omnia has no call "cal" in this workspace (HTTP 404: Call not found). Request id: req_double_1. "cal" is too short to find a call by the start of its id: give at least 4 characters of the id (omnia-voice calls --api-base ${server.baseUrl} shows them).`,
    );
  });

  it('calls show of an id cut as a narrow table shows it: one match shown, several or none refused (exit 2)', async () => {
    const server = await double({ pastCalls: PAST });
    const one = await runAgainst(server, ['calls', 'show', 'call_past_3…']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('**Call ID:** call_past_3');
    const several = await runAgainst(server, ['calls', 'show', 'call_past…']);
    expect(several.code).toBe(2);
    expect(several.stderr.trim()).toBe(
      'error: Several calls have ids that start with "call_past": call_past_1, call_past_2, call_past_3, call_past_4, call_past_5. Give more of the id.',
    );
    const none = await runAgainst(server, ['calls', 'show', 'zzzz…']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'No call among the newest 100 has an id that starts with "zzzz": omnia-voice',
    );
    expect(none.stdout).toBe('');
  });
});

describe('calls show of a record whose transcript cannot be read', () => {
  it('says so on stderr instead of silently showing no turns; the rest of the record is shown', async () => {
    const server = await double({
      pastCalls: [
        pastCall(1, { transcript: { turns: [{ role: 'agent', text: 'Hello.' }] } }),
        pastCall(2, { transcript: [{ who: 'agent', said: 'Hello.' }] }),
        pastCall(3, { transcript: [1, 'two'] }),
      ],
    });
    const object = await runAgainst(server, ['calls', 'show', 'call_past_1', '--format', 'txt']);
    expect(object.code, object.stderr).toBe(0);
    expect(object.stderr.trim()).toBe(
      "The transcript in call call_past_1's record could not be read (it is an object, not a list of turns): shown without its turns.",
    );
    expect(object.stdout).toContain('The caller booked table 1.');
    const items = await runAgainst(server, ['calls', 'show', 'call_past_2', '--format', 'txt']);
    expect(items.stderr.trim()).toBe(
      "The transcript in call call_past_2's record could not be read (its one item is not a turn with a role and a text): shown without its turns.",
    );
    const many = await runAgainst(server, ['calls', 'show', 'call_past_3', '--format', 'txt']);
    expect(many.stderr).toContain('(none of its 2 items is a turn with a role and a text)');
    // A record with turns says nothing of the kind.
    const fine = await runAgainst(await double({ pastCalls: PAST }), [
      'calls',
      'show',
      'call_past_1',
      '--format',
      'txt',
    ]);
    expect(fine.stderr).toBe('');
  });
});

describe('omnia-voice calls against omnia-voice serve', () => {
  it('lists the calls the local agent served and shows one with its transcript and summary', async () => {
    const home = tempDir('omnia-calls-');
    const serve = startCli(['serve', '--voice', 'tone'], { env: cliEnv(home) });
    try {
      const base = await waitFor(
        () => /listening on (http:\/\/\S+)/.exec(serve.output().stdout)?.[1],
        {
          what: 'the serve base URL',
        },
      );
      for (const agent of ['concierge', 'demo']) {
        const call = await runCli(
          [
            ...QUIET_CALL,
            '--api-base',
            base,
            '--agent',
            agent,
            '--duration',
            '4',
            '--no-call-record',
          ],
          {
            env: cliEnv(home),
            timeoutMs: 40_000,
          },
        );
        expect(call.code, call.stderr).toBe(0);
      }
      const list = await runCli(['calls', '--api-base', base], { env: cliEnv(home) });
      expect(list.code, list.stderr).toBe(0);
      const rows = list.stdout.trimEnd().split('\n').slice(1);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatch(
        /^\S+ \S+\s+Demo\s+\ds\s+the caller hung up \(user_hangup\)\s+\$0\.00\s+\S+\s+0 caller turns, \d agent turns?; user hangup$/,
      );
      expect(rows[1]).toContain('Hotel Concierge');
      const id = /\s([0-9a-f-]{36})\s/.exec(rows[1] ?? '')?.[1] ?? '';
      const show = await runCli(['calls', 'show', id, '--api-base', base, '--format', 'md'], {
        env: cliEnv(home),
      });
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain('- **Agent:** Hotel Concierge (concierge)');
      expect(show.stdout).toMatch(
        /\*\*Agent\*\* \(\+0:0\d\): Good evening, and welcome to the Grand Hotel\./,
      );
      expect(show.stdout).toContain('- Server summary: A call with Hotel Concierge.');
    } finally {
      serve.child.kill('SIGTERM');
      await new Promise((resolve) => serve.child.on('close', resolve));
    }
  }, 90_000);
});
