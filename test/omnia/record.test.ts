/**
 * Issue 12, item 4: after a call the app fetches `GET /calls/{id}`, polling while the record is
 * incomplete, with a visible line that Ctrl+C skips, and adds the end reason, the server's
 * duration, billed minutes, cost and summary to the summary and the transcript files;
 * `--no-call-record` skips it. Through the built CLI against the double and the local agent.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { laterHint } from '../../source/app/call-record.js';
import { cliEnv, runCli, startCli, tempDir, waitFor } from '../helpers/cli.js';
import type { Fault, OmniaDouble } from './double.js';
import { double, omniaEnv, QUIET_CALL, requestsTo, runAgainst } from './helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];

/** A one-second call to the double with test knobs for the record's wait: exit 0, and the run. */
async function oneSecondCall(server: OmniaDouble, env: Record<string, string>) {
  const run = await runAgainst(server, [...QUIET_CALL, '--agent', 'agt_front', '--duration', '1'], {
    env,
  });
  expect(run.code, run.stderr).toBe(0);
  return run;
}

describe('the call record from the Omnia double', () => {
  it('polls while the record is incomplete, then shows end reason, duration, billing and summary', async () => {
    const server = await double({ agents: AGENTS, recordDelayMs: 1_500 });
    const home = tempDir('omnia-record-');
    const transcript = join(home, 'call.json');
    const run = await runAgainst(
      server,
      [...QUIET_CALL, '--agent', 'agt_front', '--duration', '1', '--transcript', transcript],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);
    const id = server.calls[0]?.id ?? '';
    expect(run.stderr).toContain('fetching the call record… (Ctrl+C skips)');
    // Incomplete for 1.5 s after the call, polled every 200 ms: several requests, then complete.
    const polls = requestsTo(server, 'GET', new RegExp(`/calls/${id}$`));
    expect(polls.length).toBeGreaterThan(2);
    expect(run.stderr).toMatch(/^Server end reason: the caller hung up \(user_hangup\)$/m);
    expect(run.stderr).toMatch(/^Server: lasted \ds, billed 1 min, cost \$0\.07$/m);
    expect(run.stderr).toContain(
      `Server summary: The double greeted the caller; call ${id} ended (user_hangup).`,
    );
    const doc = JSON.parse(readFileSync(transcript, 'utf8'));
    expect(doc.summary.record).toMatchObject({
      callId: id,
      complete: true,
      endReason: 'user_hangup',
      billedMinutes: 1,
      costCents: 7,
      currency: 'USD',
      agentId: 'agt_front',
      agentName: 'Front Desk',
    });
  }, 40_000);

  it('--no-call-record asks for nothing after the call', async () => {
    const server = await double({ agents: AGENTS });
    const run = await runAgainst(server, [
      ...QUIET_CALL,
      '--agent',
      'agt_front',
      '--duration',
      '1',
      '--no-call-record',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('fetching the call record');
    expect(requestsTo(server, 'GET', /\/calls\//)).toHaveLength(0);
  }, 40_000);

  it('a record still incomplete when the wait is over: what there is, and how to see it later', async () => {
    const server = await double({ agents: AGENTS, recordDelayMs: 60_000 });
    const run = await oneSecondCall(server, { OMNIA_RECORD_WAIT_MS: '1000' });
    const id = server.calls[0]?.id;
    expect(run.stderr).toContain(
      `Call record: not complete after 1 s; later: omnia-voice calls show ${id}`,
    );
  }, 40_000);

  it('a record fetch that fails for a while (5xx, 404 before the record exists, a reset) is tried again', async () => {
    const server = await double({ agents: AGENTS, recordDelayMs: 300 });
    const record = /\/calls\/call_/;
    const fault = (extra: Partial<Fault>) =>
      server.inject({ method: 'GET', path: record, status: 503, body: {}, times: 1, ...extra });
    fault({ status: 404, body: { error: 'Call not found' } });
    fault({ status: 503, body: { error: 'Service unavailable' } });
    fault({ reset: true });
    fault({ status: 502, body: { error: 'Bad gateway' } });
    fault({ status: 500, body: { error: 'Internal error' } });
    const run = await oneSecondCall(server, { OMNIA_RECORD_POLL_MS: '100' });
    expect(run.stderr).not.toContain('could not be fetched');
    expect(run.stderr).toMatch(/^Server end reason: the caller hung up \(user_hangup\)$/m);
    expect(requestsTo(server, 'GET', record).length).toBeGreaterThan(5);
  }, 40_000);

  it('a record fetch that keeps failing until the wait is over says the last reason', async () => {
    const server = await double({ agents: AGENTS });
    server.inject({
      method: 'GET',
      path: /\/calls\/call_/,
      status: 503,
      body: { error: 'Service unavailable' },
    });
    const run = await oneSecondCall(server, { OMNIA_RECORD_WAIT_MS: '1500' });
    const id = server.calls[0]?.id;
    expect(run.stderr).toMatch(
      new RegExp(
        `^Call record: could not be fetched: Omnia had a server problem \\(HTTP 503: Service unavailable\\)\\. Try again in a few minutes\\. Request id: req_double_\\d+\\. Tried [3-9] times in [12] s; later: omnia-voice calls show ${id} --api-base ${server.baseUrl}$`,
        'm',
      ),
    );
  }, 40_000);

  it('a record request that stalls ends with the wait, not its own 20 s later', async () => {
    const server = await double({ agents: AGENTS });
    server.inject({ method: 'GET', path: /\/calls\/call_/, status: 0, body: {}, stall: true });
    const started = Date.now();
    const run = await oneSecondCall(server, { OMNIA_RECORD_WAIT_MS: '2000' });
    expect(run.stderr).toMatch(
      /^Call record: could not be fetched: The call record did not arrive in time; later: /m,
    );
    // The call (1 s), its start and the 2 s wait; a stalled try held it 20 s more before.
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 40_000);

  it('a server with no records (404) is asked for 5 s, not the whole wait', async () => {
    const server = await double({ agents: AGENTS });
    server.inject({
      method: 'GET',
      path: /\/calls\/call_/,
      status: 404,
      body: { error: 'Call not found' },
    });
    const run = await oneSecondCall(server, { OMNIA_RECORD_POLL_MS: '200' });
    expect(run.stderr).toMatch(
      /^Call record: could not be fetched: .*has no call .*Tried \d+ times in 5 s/m,
    );
  }, 40_000);

  it('Ctrl+C during the fetch skips it; the summary says so and the exit code is 0', async () => {
    const server = await double({ agents: AGENTS, recordDelayMs: 60_000 });
    const home = tempDir('omnia-record-');
    const run = startCli(
      [...QUIET_CALL, '--agent', 'agt_front', '--duration', '1', '--api-base', server.baseUrl],
      {
        env: omniaEnv(home),
      },
    );
    await waitFor(() => run.output().stderr.includes('fetching the call record'), {
      what: 'the fetching line',
    });
    await waitFor(() => requestsTo(server, 'GET', /\/calls\/call_/).length > 0, { what: 'a poll' });
    run.child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => run.child.on('close', resolve));
    expect(code, run.output().stderr).toBe(0);
    expect(run.output().stderr).toContain(
      `Call record: skipped; later: omnia-voice calls show ${server.calls[0]?.id}`,
    );
  }, 40_000);
});

describe('no record after a stop by signal', () => {
  it('SIGTERM ends the call at once: no fetching line, no record request', async () => {
    const server = await double({ agents: AGENTS, recordDelayMs: 60_000 });
    const home = tempDir('omnia-record-');
    const run = startCli([...QUIET_CALL, '--agent', 'agt_front', '--api-base', server.baseUrl], {
      env: omniaEnv(home),
    });
    await waitFor(() => run.output().stdout.includes('[call] connected'), { what: 'the call' });
    run.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => run.child.on('close', resolve));
    expect(code, run.output().stderr).toBe(0);
    expect(run.output().stderr).toMatch(/^Ended: stopped by SIGTERM$/m);
    expect(run.output().stderr).not.toContain('fetching the call record');
    expect(requestsTo(server, 'GET', /\/calls\//)).toHaveLength(0);
    // The summary says why the Server lines are missing, and how to get them.
    // The command names the server the call was on: without --api-base it would ask Omnia.
    expect(run.output().stderr).toContain(
      `Call record: skipped: the app was stopped; later: omnia-voice calls show ${server.calls[0]?.id} --api-base ${server.baseUrl}`,
    );
  }, 40_000);
});

describe('the later hint', () => {
  it('names a server of its own (never a user or password in it), not Omnia, not the built-in agent', () => {
    const api = (apiBase: string, server?: string) => ({ apiBase, ...(server ? { server } : {}) });
    expect(laterHint(api('https://api.omnia-voice.com/'), 'c1')).toBe(
      '; later: omnia-voice calls show c1',
    );
    expect(laterHint(api('http://127.0.0.1:8787'), 'c1')).toBe(
      '; later: omnia-voice calls show c1 --api-base http://127.0.0.1:8787',
    );
    expect(laterHint(api('https://me:secret@omnia.example/base/'), 'c1')).toBe(
      '; later: omnia-voice calls show c1 --api-base https://omnia.example/base',
    );
    expect(laterHint(api('http://127.0.0.1:9', 'The local agent'), 'c1')).toBe('');
  });
});

describe('the call record from the built-in local agent', () => {
  it('is fetched after a local call: end reason, billing and the summary the agent wrote', async () => {
    const home = tempDir('omnia-record-');
    const transcript = join(home, 'call.jsonl');
    const run = await runCli([...QUIET_CALL, '--duration', '2', '--transcript', transcript], {
      env: cliEnv(home),
      timeoutMs: 40_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^Server end reason: the caller hung up \(user_hangup\)$/m);
    expect(run.stderr).toMatch(/^Server: lasted \ds, billed 1 min, cost \$0\.00$/m);
    expect(run.stderr).toMatch(
      /^Server summary: A call with Demo\. The caller spoke 0 times and typed 0 messages;/m,
    );
    const lines = readFileSync(transcript, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summary = lines.find((l) => l.type === 'summary');
    expect(summary.record).toMatchObject({
      complete: true,
      endReason: 'user_hangup',
      costCents: 0,
    });
  }, 40_000);
});
