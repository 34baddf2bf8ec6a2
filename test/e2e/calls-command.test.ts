/**
 * `omnia-voice calls` and `calls show`, through the built CLI, as a user trial found them:
 * `--since` read in local time like the table (and impossible dates refused), a live call shown
 * as in progress (never "did not start"), and `--out` failing in one line that names the path,
 * writing into stdout, devices and FIFOs, and leaving nothing behind. Against the Omnia double
 * (answering as ../shared/omnia-protocol.md §5 says) and the built-in local agent.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { CLI_PATH, cliEnv, runCli, runProcess, tempDir } from '../helpers/cli.js';
import { TestClient, waitFor } from '../local-agent/helpers.js';
import { double, KEY, omniaEnv, pastCall, requestsTo, runAgainst } from '../omnia/helpers.js';

// 15:34 UTC is 00:34 the next day in Tokyo; 14:00 UTC is still the day before there.
const PAST = [
  pastCall('call_after_midnight', '2026-11-30T15:34:00Z'),
  pastCall('call_before_midnight', '2026-11-30T14:00:00Z'),
];
const TOKYO = { TZ: 'Asia/Tokyo' };

describe('calls --since: dates in local time, as the table shows them', () => {
  it('a date alone is local midnight; the table and the filter agree', async () => {
    const server = await double({ pastCalls: PAST });
    const all = await runAgainst(server, ['calls'], { env: TOKYO });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^2026-12-01 00:34 .*call_after_midnight/m);
    expect(all.stdout).toMatch(/^2026-11-30 23:00 .*call_before_midnight/m);

    const since = await runAgainst(server, ['calls', '--since', '2026-12-01'], { env: TOKYO });
    expect(since.code, since.stderr).toBe(0);
    expect(since.stdout).toMatch(/^2026-12-01 00:34 .*call_after_midnight/m);
    expect(since.stdout).not.toContain('call_before_midnight');
    expect(since.stderr).toContain('1 call, newest first.');
    const sent = requestsTo(server, 'GET', /\/calls$/).map((r) => r.query.get('startDate'));
    expect(sent.at(-1)).toBe('2026-11-30T15:00:00.000Z');
  });

  it('--limit under what there is says there are more, and how to see them', async () => {
    const server = await double({ pastCalls: PAST });
    const one = await runAgainst(server, ['calls', '--limit', '1']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain(
      '1 call, newest first; there are more: --limit 50 shows more, --since narrows.',
    );
    const all = await runAgainst(server, ['calls', '--limit', '2']);
    expect(all.stderr).toContain('2 calls, newest first.');
  });

  it('a date and time with no zone is local; with a zone it is that instant', async () => {
    const server = await double({ pastCalls: PAST });
    const cases: Array<[string, string, string[]]> = [
      ['2026-12-01T00:30', '2026-11-30T15:30:00.000Z', ['call_after_midnight']],
      ['2026-12-01 00:30:00', '2026-11-30T15:30:00.000Z', ['call_after_midnight']],
      ['2026-12-01T00:30Z', '2026-12-01T00:30:00.000Z', []],
      [
        '2026-11-30T13:30-01:00',
        '2026-11-30T14:30:00.000Z',
        ['call_after_midnight'], // 14:30 UTC: after 14:00, before 15:34
      ],
      [
        '2026-11-30T22:59:59.5+0900',
        '2026-11-30T13:59:59.500Z',
        ['call_after_midnight', 'call_before_midnight'],
      ],
    ];
    for (const [value, startDate, ids] of cases) {
      const run = await runAgainst(server, ['calls', '--since', value, '--json'], { env: TOKYO });
      expect(run.code, `${value}: ${run.stderr}`).toBe(0);
      const sent = requestsTo(server, 'GET', /\/calls$/)
        .at(-1)
        ?.query.get('startDate');
      expect(sent, value).toBe(startDate);
      const records = JSON.parse(run.stdout) as Array<{ callId: string }>;
      expect(
        records.map((r) => r.callId),
        value,
      ).toEqual(ids);
    }
  });

  it('--status that matches nothing says so, with the end reasons closest to a typo', async () => {
    const server = await double({ pastCalls: PAST });
    const typo = await runAgainst(server, ['calls', '--status', 'user_hangpu']);
    expect(typo.code, typo.stderr).toBe(0);
    expect(
      requestsTo(server, 'GET', /\/calls$/)
        .at(-1)
        ?.query.get('status'),
    ).toBe('user_hangpu');
    // The line that says what matched nothing, not a count of none.
    expect(typo.stderr).not.toContain('0 calls');
    expect(typo.stderr).toMatch(
      /^No call ended with status "user_hangpu"\. Did you mean user_hangup\? The status is how a call ended, spelled as Omnia does: agent_hangup, user_hangup, /m,
    );
    const known = await runAgainst(server, ['calls', '--status', 'max_duration']);
    // No range asked for: none is named.
    expect(known.stderr).toContain('No call ended with status "max_duration".');
    expect(known.stderr).not.toContain('range');
    const ranged = await runAgainst(server, ['calls', '--status', 'max_duration', '--since', '7d']);
    expect(ranged.stderr).toContain(
      'No call ended with status "max_duration" in that range (--since 7d).',
    );
    const found = await runAgainst(server, ['calls', '--status', 'agent_hangup']);
    expect(found.stderr).toContain('2 calls, newest first.');
    expect(found.stderr).not.toContain('No call ended');
  });

  it('no calls at all says "No calls yet."; none in a range says so, naming the range', async () => {
    const empty = await runAgainst(await double({ pastCalls: [] }), ['calls']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toBe('');
    expect(empty.stderr.trim()).toBe('No calls yet.');
    const server = await double({ pastCalls: PAST });
    const range = await runAgainst(server, ['calls', '--since', '2026-12-01T00:00Z']);
    expect(range.code, range.stderr).toBe(0);
    expect(range.stderr.trim()).toBe('No calls in that range (--since 2026-12-01T00:00Z).');
  });

  it('--status in any case is sent as Omnia spells end reasons (lower case), and says so', async () => {
    const server = await double({ pastCalls: PAST });
    const sent = () =>
      requestsTo(server, 'GET', /\/calls$/)
        .at(-1)
        ?.query.get('status');
    const upper = await runAgainst(server, ['calls', '--status', 'AGENT_HANGUP']);
    expect(upper.code, upper.stderr).toBe(0);
    expect(sent()).toBe('agent_hangup');
    expect(upper.stderr).toContain(
      '--status "AGENT_HANGUP" is sent as agent_hangup: Omnia spells end reasons in lower case.',
    );
    expect(upper.stderr).toContain('2 calls, newest first.');
    const dashed = await runAgainst(server, ['calls', '--status', 'Agent-Hangup', '--json']);
    expect(sent()).toBe('agent_hangup');
    expect(JSON.parse(dashed.stdout)).toHaveLength(2);
    const unknown = await runAgainst(server, ['calls', '--status', 'Transferred']);
    expect(sent()).toBe('transferred');
    const asIs = await runAgainst(server, ['calls', '--status', 'agent_hangup']);
    expect(asIs.stderr).not.toContain('is sent as');
    expect(unknown.stderr).toContain('No call ended with status "transferred".');
  });

  it('--json keeps the notes, on stderr: more calls, a status that matched nothing', async () => {
    const server = await double({ pastCalls: PAST });
    const one = await runAgainst(server, ['calls', '--limit', '1', '--json']);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout)).toHaveLength(1);
    expect(one.stderr).toContain(
      '1 call, newest first; there are more: --limit 50 shows more, --since narrows.',
    );
    const typo = await runAgainst(server, ['calls', '--status', 'user_hangpu', '--json']);
    expect(typo.code, typo.stderr).toBe(0);
    expect(JSON.parse(typo.stdout)).toEqual([]);
    expect(typo.stderr).toMatch(
      /^No call ended with status "user_hangpu"\. Did you mean user_hangup\?/m,
    );
  });

  it('a date that does not exist is a usage error (exit 2) naming what is wrong; nothing is asked', async () => {
    const server = await double({ pastCalls: PAST });
    const cases: Array<[string, string]> = [
      ['2026-02-30', 'February 2026 has 28 days'],
      ['6M', 'use m for minutes (months are not an age here: give a date)'],
      ['2026-02-29', 'February 2026 has 28 days'],
      ['2026-04-31', 'April 2026 has 30 days'],
      ['2026-13-01', 'there is no month 13'],
      ['2026-00-10', 'there is no month 00'],
      ['2026-12-00', 'December 2026 has 31 days'],
      ['2026-12-01T24:00', 'there is no hour 24 (00 to 23)'],
      ['2026-12-01T10:60', 'there is no minute 60 (00 to 59)'],
    ];
    for (const [value, why] of cases) {
      const run = await runAgainst(server, ['calls', '--since', value], { env: TOKYO });
      expect(run.code, value).toBe(2);
      expect(run.stderr.trim()).toBe(
        `error: --since ${JSON.stringify(value)} is not a date: ${why}.`,
      );
    }
    const odd = await runAgainst(server, ['calls', '--since', '1/12/2026'], { env: TOKYO });
    expect(odd.code).toBe(2);
    expect(odd.stderr.trim()).toMatch(
      /^error: --since "1\/12\/2026" is not a date: use 2026-05-01/,
    );
    expect(requestsTo(server, 'GET', /\/calls$/)).toHaveLength(0);

    const leap = await runAgainst(server, ['calls', '--since', '2024-02-29'], { env: TOKYO });
    expect(leap.code, leap.stderr).toBe(0);
  });

  it('a local time the clocks skip (spring forward) is refused, naming the zone and the nearest times', async () => {
    const server = await double({ pastCalls: PAST });
    const newYork = { TZ: 'America/New_York' };
    for (const [flag, value] of [
      ['--since', '2026-03-08T02:30'],
      ['--until', '2026-03-08 02:00:00'],
      ['--since', '2026-03-08T02:59:59.999'],
    ] as const) {
      const run = await runAgainst(server, ['calls', flag, value], { env: newYork });
      expect(run.code, `${flag} ${value}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim()).toBe(
        `error: ${flag} ${JSON.stringify(value)} does not exist in the local time zone (America/New_York): ` +
          'the clocks went from 02:00 straight to 03:00 on 2026-03-08. Use 2026-03-08T01:59 or ' +
          '2026-03-08T03:00, or a time in UTC (03:00 there is 2026-03-08T07:00Z).',
      );
    }
    // Lord Howe Island moves its clocks by half an hour, at 02:00 local time.
    const howe = await runAgainst(server, ['calls', '--since', '2026-10-04T02:15'], {
      env: { TZ: 'Australia/Lord_Howe' },
    });
    expect(howe.code).toBe(2);
    expect(howe.stderr).toContain(
      'does not exist in the local time zone (Australia/Lord_Howe): the clocks went from 02:00 straight to 02:30 on 2026-10-04.',
    );
    expect(requestsTo(server, 'GET', /\/calls$/)).toHaveLength(0);

    // The minutes around the jump exist, and are sent as they are.
    const sent = async (args: string[], env: Record<string, string>, param = 'startDate') => {
      const run = await runAgainst(server, ['calls', ...args], { env });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      return requestsTo(server, 'GET', /\/calls$/)
        .at(-1)
        ?.query.get(param);
    };
    expect(await sent(['--since', '2026-03-08T01:59'], newYork)).toBe('2026-03-08T06:59:00.000Z');
    expect(await sent(['--since', '2026-03-08T03:00'], newYork)).toBe('2026-03-08T07:00:00.000Z');
    // A time the clocks show twice (fall back) is the first of the two (daylight time); an
    // offset picks the second.
    expect(await sent(['--since', '2026-11-01T01:30'], newYork)).toBe('2026-11-01T05:30:00.000Z');
    expect(await sent(['--since', '2026-11-01T01:30-05:00'], newYork)).toBe(
      '2026-11-01T06:30:00.000Z',
    );
    // A date alone starts at the first moment of that day, even where midnight is skipped
    // (Chile moves from 00:00 to 01:00), and --until ends just before the next day's first.
    const chile = { TZ: 'America/Santiago' };
    expect(await sent(['--since', '2026-09-06'], chile)).toBe('2026-09-06T04:00:00.000Z');
    expect(await sent(['--until', '2026-09-05'], chile, 'endDate')).toBe(
      '2026-09-06T03:59:59.999Z',
    );
  });
});

describe('calls show as a user types it', () => {
  it('--format in any case: TXT is txt, JSON is json', async () => {
    const server = await double({ pastCalls: PAST });
    const txt = await runAgainst(server, [
      'calls',
      'show',
      'call_after_midnight',
      '--format',
      'TXT',
    ]);
    expect(txt.code, txt.stderr).toBe(0);
    expect(txt.stdout.split('\n')).toContain('User: Roses, please.');
    const json = await runAgainst(server, [
      'calls',
      'show',
      'call_after_midnight',
      '--format',
      'Json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveProperty('call.callId', 'call_after_midnight');
    const both = await runAgainst(server, [
      'calls',
      'show',
      'call_after_midnight',
      '--format',
      'MD',
      '--json',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe(
      'error: --json is the same as --format json: give --format md or --json, not both.',
    );
    const wrong = await runAgainst(server, [
      'calls',
      'show',
      'call_after_midnight',
      '--format',
      'PDF',
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toBe(
      'error: Invalid value for --format: "PDF". Allowed: md, txt, json or jsonl.',
    );
  });

  it('an id pasted with spaces or a line break around it is the id: ids have none', async () => {
    const server = await double({ pastCalls: PAST });
    for (const id of [' call_after_midnight', 'call_after_midnight ', '\tcall_after_midnight\n']) {
      const run = await runAgainst(server, ['calls', 'show', id, '--format', 'txt']);
      expect(run.code, `${JSON.stringify(id)}: ${run.stderr}`).toBe(0);
      expect(run.stdout.split('\n')).toContain('User: Roses, please.');
    }
    const asked = requestsTo(server, 'GET', /\/calls\//).map((r) => r.path);
    expect(new Set(asked)).toEqual(new Set(['/api/v1/calls/call_after_midnight']));
  });
});

/**
 * The `--json` field tables of docs/omnia-api.md: field path → the type the doc states (the
 * type cell's first word: string, number, boolean, object). Two tables: the records, then
 * `calls show`'s document.
 */
function docJsonTypes(): Array<Map<string, string>> {
  const doc = readFileSync(new URL('../../docs/omnia-api.md', import.meta.url), 'utf8');
  const tables: Array<Map<string, string>> = [];
  for (const block of doc.split(/\n\n/)) {
    if (!block.startsWith('| field | type |')) continue;
    const types = new Map<string, string>();
    for (const row of block.split('\n').slice(2)) {
      const [fields = '', type = ''] = row.split(' | ');
      const word = /^(string|number|boolean|object)\b/.exec(type)?.[1] ?? `? ${type}`;
      for (const field of fields.matchAll(/`([^`]+)`/g)) types.set(field[1] ?? '', word);
    }
    tables.push(types);
  }
  return tables;
}

/** Every leaf of a JSON value as path → JSON type (`turns[].text`; `summary.record` stops). */
function jsonTypes(
  value: unknown,
  path = '',
  out = new Map<string, string>(),
  stop = new Set<string>(),
) {
  if (Array.isArray(value)) {
    for (const item of value) jsonTypes(item, `${path}[]`, out, stop);
  } else if (typeof value === 'object' && value !== null && !stop.has(path)) {
    for (const [key, item] of Object.entries(value)) {
      jsonTypes(item, path ? `${path}.${key}` : key, out, stop);
    }
  } else {
    out.set(path, value === null ? 'null' : typeof value);
  }
  return out;
}

describe('the --json fields of calls and calls show, as docs/omnia-api.md types them', () => {
  // The doc listed the fields without their types: is startedAt a date string or a number?
  it('states the type of every field the commands print', async () => {
    const server = await double({ pastCalls: PAST });
    const [records, show] = docJsonTypes();
    expect(records?.size, 'the records table').toBeGreaterThan(0);
    expect(show?.size, 'the calls show table').toBeGreaterThan(0);
    const list = await runAgainst(server, ['calls', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const listed = jsonTypes(JSON.parse(list.stdout));
    expect(listed.size).toBeGreaterThan(10);
    for (const [path, type] of listed) {
      expect(records?.get(path.replace(/^\[\]\./, '')), path).toBe(type);
    }
    const one = await runAgainst(server, ['calls', 'show', 'call_after_midnight', '--json']);
    expect(one.code, one.stderr).toBe(0);
    const doc = JSON.parse(one.stdout) as { summary: { record: unknown } };
    const shown = jsonTypes(doc, '', new Map(), new Set(['summary.record']));
    expect(shown.get('call.startedAt')).toBe('number');
    for (const [path, type] of shown) expect(show?.get(path), path).toBe(type);
    for (const [path, type] of jsonTypes(doc.summary.record)) {
      expect(records?.get(path), `summary.record.${path}`).toBe(type);
    }
  });
});

describe('calls show states only what the record holds', () => {
  // Omnia documents a record's transcript as who said what: not whether a turn was typed or
  // cut off. calls show stated `"medium":"voice","typed":false`, `"interrupted":false` and
  // `interruptions: 0` for a call whose live transcript had `(typed)`, `[interrupted]`, 1.
  it('json and jsonl leave medium, typed and interrupted out; no interruption count; the summary says why', async () => {
    const server = await double({ pastCalls: PAST });
    const show = (format: string) =>
      runAgainst(server, ['calls', 'show', 'call_after_midnight', '--format', format]);
    const json = await show('json');
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as {
      turns: Array<Record<string, unknown>>;
      summary: Record<string, unknown>;
    };
    expect(doc.turns.map((t) => [t.role, t.text])).toEqual([
      ['agent', 'Front desk, hello.'],
      ['user', 'Roses, please.'],
    ]);
    for (const turn of doc.turns) {
      expect(turn).not.toHaveProperty('medium');
      expect(turn).not.toHaveProperty('typed');
      expect(turn).not.toHaveProperty('interrupted');
    }
    expect(doc.summary).not.toHaveProperty('interruptions');
    expect(doc.summary).toMatchObject({ turns: 2, userTurns: 1, agentTurns: 1 });

    const jsonl = await show('jsonl');
    const lines = jsonl.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const turns = lines.filter((l) => l.type === 'turn');
    expect(turns).toHaveLength(2);
    for (const turn of turns) expect(Object.keys(turn)).not.toContain('typed');
    expect(lines.find((l) => l.type === 'summary')).not.toHaveProperty('interruptions');

    const note =
      'Turns: 2 (user 1, agent 1); the call record does not say which were typed or cut off';
    const md = await show('md');
    expect(md.stdout).toContain(`- ${note}`);
    expect(md.stdout).not.toContain('interruptions: 0');
    const txt = await show('txt');
    expect(txt.stdout.split('\n')).toContain(note);
  });

  // The call's live summary had `Response latency: median 640 ms, …`; calls show said `not
  // measured`, as if nobody had: the record has no latency to show.
  it('says the response latency is not in the record, not that it was not measured', async () => {
    const server = await double({ pastCalls: PAST });
    const line =
      'Response latency: not in the call record (measured by the app during the call only)';
    const md = await runAgainst(server, ['calls', 'show', 'call_after_midnight']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout.split('\n')).toContain(`- ${line}`);
    expect(md.stdout).not.toContain('not measured');
    const txt = await runAgainst(server, [
      'calls',
      'show',
      'call_after_midnight',
      '--format',
      'txt',
    ]);
    expect(txt.stdout.split('\n')).toContain(line);
  });
});

describe('calls show of a call still running (the built-in local agent)', () => {
  let agent: LocalAgent | undefined;
  let client: TestClient | undefined;
  afterEach(async () => {
    await client?.close();
    await agent?.close();
    client = undefined;
    agent = undefined;
  });

  it('says it is in progress, never that it did not start; once over, the record', async () => {
    agent = await startLocalAgent({ voice: 'tone' });
    client = await TestClient.join(agent);
    await client.waitForMessage({ type: 'call_started' });
    const id = agent.calls[0]?.id ?? '';
    const home = tempDir('omnia-calls-live-');
    const env = cliEnv(home);
    const base = agent.baseUrl;

    const md = await runCli(['calls', 'show', id, '--api-base', base], { env });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('- Call still in progress: no end time yet');
    expect(md.stdout).toContain('- **Duration:** in progress');
    expect(md.stdout).not.toContain('did not start');

    expect(md.stdout).not.toContain('Server end reason');
    expect(md.stderr).toContain(`Call ${id} is still in progress (no end time yet)`);

    const txt = await runCli(['calls', 'show', id, '--api-base', base, '--format', 'txt'], {
      env,
    });
    expect(txt.code, txt.stderr).toBe(0);
    expect(txt.stdout.split('\n')).toContain('Call still in progress: no end time yet');
    expect(txt.stdout).not.toMatch(/did not start|Server end reason/);

    const list = await runCli(['calls', '--api-base', base], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`\\s-\\s+in progress\\s+-\\s+${id}`));
    const json = await runCli(['calls', '--api-base', base, '--json'], { env });
    const [record] = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(record).toMatchObject({ callId: id, complete: false });
    expect(record).not.toHaveProperty('endReason');

    await client.close();
    await waitFor(() => agent?.calls[0]?.endedAt !== undefined, 'the call to end');
    const done = await runCli(['calls', 'show', id, '--api-base', base, '--format', 'txt'], {
      env,
    });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^Call lasted \d+s$/m);
    expect(done.stdout).toMatch(/^Server end reason: /m);
    expect(done.stderr).not.toContain('in progress');
  }, 60_000);
});

/**
 * `pid` reads the FIFO at `path`: it has it open, or waits in the open for a writer (the kernel
 * counts it as a reader from then on).
 */
function readersOf(pid: number | undefined, path: string): boolean {
  if (pid === undefined) return false;
  try {
    if (readFileSync(`/proc/${pid}/wchan`, 'utf8') === 'wait_for_partner') return true;
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Runs a shell command line to its end: its stdout and stderr. */
const shell = (line: string, env: NodeJS.ProcessEnv) =>
  runProcess('sh', ['-c', line], { env, timeoutMs: 30_000 });

describe('calls show --out: one line naming the path, nothing left behind', () => {
  /** Files and folders under `dir`, recursively, as relative paths. */
  function listing(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  }

  it('a file where a folder should be: exit 1 before anything is fetched', async () => {
    const server = await double({ pastCalls: PAST });
    const home = tempDir('omnia-out-');
    writeFileSync(join(home, 'exist.md'), 'mine');
    const path = join(home, 'exist.md', 'sub.md');
    const run = await runAgainst(server, ['calls', 'show', 'call_after_midnight', '--out', path], {
      home,
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `error: cannot save to ${path}: ${join(home, 'exist.md')} is a file, not a folder`,
    );
    expect(requestsTo(server, 'GET', /\/calls\//)).toHaveLength(0);
    expect(readFileSync(join(home, 'exist.md'), 'utf8')).toBe('mine');
  });

  it('a folder as the file: exit 1, it is a folder', async () => {
    const server = await double({ pastCalls: PAST });
    const home = tempDir('omnia-out-');
    const folder = join(home, 'notes.md');
    mkdirSync(folder);
    const run = await runAgainst(
      server,
      ['calls', 'show', 'call_after_midnight', '--out', folder],
      {
        home,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`error: cannot save to ${folder}: it is a folder`);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('a folder that takes no new files (/proc): exit 1 in words, no temporary file named', async () => {
    const server = await double({ pastCalls: PAST });
    const cases: Array<[string, string]> = [
      // As --transcript says it (test/cli/transcript-paths.test.ts).
      ['/proc/x.md', 'the folder /proc takes no new files'],
      [
        '/proc/nodir/x.md',
        'the folder /proc/nodir cannot be made there (/proc takes no new folders)',
      ],
    ];
    for (const [out, why] of cases) {
      const run = await runAgainst(server, ['calls', 'show', 'call_after_midnight', '--out', out]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`error: cannot save to ${out}: ${why}`);
    }
  });

  it('the API key in a record is redacted in every format written to a file, as on the screen', async () => {
    // The user read the key out, or typed it, during the call: the record holds it.
    const leaky = pastCall('call_leaky', '2026-11-30T15:34:00Z', {
      transcript: [{ role: 'user', text: `my key is ${KEY}, can you see it?` }],
      summary: `The caller shared ${KEY}.`,
    });
    const server = await double({ pastCalls: [leaky] });
    const home = tempDir('omnia-out-');
    for (const name of ['x.md', 'x.txt', 'x.json', 'x.jsonl']) {
      const path = join(home, name);
      const run = await runAgainst(server, ['calls', 'show', 'call_leaky', '--out', path], {
        home,
      });
      expect(run.code, run.stderr).toBe(0);
      const text = readFileSync(path, 'utf8');
      expect(text, name).toContain('my key is [redacted]');
      expect(text, name).not.toContain(KEY);
    }
    const shown = await runAgainst(server, ['calls', 'show', 'call_leaky']);
    expect(shown.stdout).toContain('my key is [redacted]');
  });

  it('a missing folder is created, and the saved line says so', async () => {
    const server = await double({ pastCalls: PAST });
    const home = tempDir('omnia-out-');
    const path = join(home, 'nodir', 'deeper', 'x.md');
    const run = await runAgainst(server, ['calls', 'show', 'call_after_midnight', '--out', path], {
      home,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.trim()).toBe(
      `call call_after_midnight saved to ${path} (created the folder ${join(home, 'nodir')})`,
    );
    expect(readFileSync(path, 'utf8')).toContain('**User** (+0:00): Roses, please.');
    const existing = join(home, 'x.txt');
    const again = await runAgainst(
      server,
      ['calls', 'show', 'call_after_midnight', '--out', existing],
      { home },
    );
    expect(again.stderr.trim()).toBe(`call call_after_midnight saved to ${existing}`);
  });

  it('a file that is there keeps its mode (600 stays 600); one kept read-only is refused, exit 1', async () => {
    const server = await double({ pastCalls: PAST });
    const home = tempDir('omnia-out-');
    const mine = join(home, 'p600.md');
    writeFileSync(mine, 'private');
    chmodSync(mine, 0o600);
    const run = await runAgainst(server, ['calls', 'show', 'call_after_midnight', '--out', mine], {
      home,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(mine, 'utf8')).toContain('Roses, please.');
    expect((statSync(mine).mode & 0o777).toString(8)).toBe('600');

    const kept = join(home, 'p444.md');
    writeFileSync(kept, 'keep me');
    chmodSync(kept, 0o444);
    const refused = await runAgainst(
      server,
      ['calls', 'show', 'call_after_midnight', '--out', kept],
      { home },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(`error: cannot save to ${kept}: it is read-only (mode 444)`);
    expect(readFileSync(kept, 'utf8')).toBe('keep me');
    expect((statSync(kept).mode & 0o777).toString(8)).toBe('444');
  });

  it('a write that fails after making folders removes them again', async () => {
    const server = await double({ pastCalls: PAST });
    const dir = tempDir('omnia-out-dir-');
    const path = join(dir, 'made', 'here', `${'n'.repeat(300)}.md`);
    const run = await runAgainst(server, ['calls', 'show', 'call_after_midnight', '--out', path]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `error: cannot save to ${path}: the name is longer than the file system allows (255 bytes)`,
    );
    expect(listing(dir)).toEqual([]);
  });

  it('/dev/stdout into a pipe: the transcript, as without --out', async () => {
    const server = await double({ pastCalls: PAST });
    const run = await runAgainst(server, [
      'calls',
      'show',
      'call_after_midnight',
      '--out',
      '/dev/stdout',
      '--format',
      'txt',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')).toEqual(
      expect.arrayContaining(['Agent: Front desk, hello.', 'User: Roses, please.']),
    );
    expect(run.stderr).toBe('');
    // No extension needed: md, the default.
    const md = await runAgainst(server, [
      'calls',
      'show',
      'call_after_midnight',
      '--out',
      '/dev/stdout',
    ]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('**Agent** (+0:00): Front desk, hello.');

    // | head: the reader leaves early; the command still exits 0 with what head printed.
    const home = tempDir('omnia-out-');
    // Not spawnSync: the double answers from this process.
    const piped = await shell(
      `"$NODE" "$CLI" calls show call_after_midnight --out /dev/stdout --format txt --api-base "$BASE" | head -n 2; echo "status $?"`,
      { ...omniaEnv(home), NODE: process.execPath, CLI: CLI_PATH, BASE: server.baseUrl },
    );
    expect(piped.stderr).toBe('');
    expect(piped.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^=== Call · Front Desk \(agt_front\) · call call_after_midnight/),
      'Agent: Front desk, hello.',
      'status 0',
    ]);
  });

  it('/dev/stdout appended to a file (>>): appended, not replaced', async () => {
    const server = await double({ pastCalls: PAST });
    const home = tempDir('omnia-out-');
    const log = join(home, 'log.txt');
    writeFileSync(log, 'earlier line\n');
    const fd = openSync(log, 'a');
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          CLI_PATH,
          'calls',
          'show',
          'call_after_midnight',
          '--out',
          '/dev/stdout',
          '--format',
          'txt',
          '--api-base',
          server.baseUrl,
        ],
        { env: omniaEnv(home), cwd: home, stdio: ['ignore', fd, 'ignore'] },
      );
      child.on('error', reject);
      child.on('close', resolve);
    });
    closeSync(fd);
    expect(code).toBe(0);
    const text = readFileSync(log, 'utf8');
    expect(text.startsWith('earlier line\n')).toBe(true);
    expect(text).toContain('User: Roses, please.');
  });

  it('a FIFO is written into, not replaced', async () => {
    const server = await double({ pastCalls: PAST });
    const dir = tempDir('omnia-out-dir-');
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let got = '';
    reader.stdout.on('data', (d: Buffer) => {
      got += d.toString();
    });
    const readerDone = new Promise((resolve) => reader.on('close', resolve));
    // The reader is there before the app looks (a FIFO nobody reads is refused, below): on a
    // busy machine `cat` can come after the app's check.
    await waitFor(() => readersOf(reader.pid, fifo), 'cat to open the FIFO');
    const run = await runAgainst(server, [
      'calls',
      'show',
      'call_after_midnight',
      '--out',
      fifo,
      '--format',
      'txt',
    ]);
    await readerDone;
    expect(run.code, run.stderr).toBe(0);
    expect(got).toContain('User: Roses, please.');
    expect(listing(dir)).toEqual(['pipe']);
  });

  it('a FIFO nobody reads, or a descriptor that is a pipe, is refused at once, not waited on', async () => {
    const server = await double({ pastCalls: PAST });
    const dir = tempDir('omnia-out-dir-');
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const show = ['calls', 'show', 'call_after_midnight', '--out'];
    const unread = await runAgainst(server, [...show, fifo], { timeoutMs: 15_000 });
    expect(unread.code).toBe(1);
    expect(unread.stderr.trim()).toBe(`error: cannot save to ${fifo}: nothing reads from it`);
    // The app's own descriptors past 2 are pipes and event fds of the runtime: never written.
    const piped = await runAgainst(server, [...show, '/dev/fd/7'], { timeoutMs: 15_000 });
    expect(piped.code).toBe(1);
    expect(piped.stderr).toMatch(
      /cannot save to \/dev\/fd\/7: (file descriptor 7 is not open|file descriptor 7 is not a file or a terminal)/,
    );
    expect(listing(dir)).toEqual(['pipe']);
  });

  it('an empty id or an empty --out is a usage error (exit 2), and nothing is asked', async () => {
    const server = await double({ pastCalls: PAST });
    const empty = await runAgainst(server, ['calls', 'show', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim()).toBe(
      `error: calls show needs a call id, and "" is empty: omnia-voice calls --api-base ${server.baseUrl} lists them.`,
    );
    const blank = await runAgainst(server, ['calls', 'show', '  ']);
    expect(blank.code).toBe(2);
    expect(blank.stderr.trim()).toBe(
      `error: calls show needs a call id, and "  " is empty: omnia-voice calls --api-base ${server.baseUrl} lists them.`,
    );
    const noFile = await runAgainst(server, ['calls', 'show', 'call_after_midnight', '--out', '']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr.trim()).toBe('error: --out needs a file name, and "" is empty.');
    expect(server.requests).toHaveLength(0);
  });
});
