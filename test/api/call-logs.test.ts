/**
 * A call log's facts while the call is still running: Omnia's record has no `endTime` yet, and
 * its `status` (the local agent's `in_progress`) names no ending, so it is no end reason. And
 * how long a record that is not there is asked for.
 */
import { describe, expect, it } from 'vitest';
import { callLogSchema, recordFacts, waitForCallRecord } from '../../source/api/call-logs.js';
import { ApiError } from '../../source/api/errors.js';
import { fetchCallRecord } from '../../source/app/call-record.js';
import { formatRecord, formatSummary } from '../../source/transcript/summary.js';
import { reply, startServer } from './helpers.js';

/** A call log as Omnia answers `GET /calls/{id}` while the call runs. */
const LIVE = callLogSchema.parse({
  id: 'call_live',
  startTime: '2026-11-30T15:34:00.000Z',
  endTime: null,
  durationMs: null,
  durationSeconds: null,
  status: 'in_progress',
  summary: null,
  shortSummary: null,
  transcript: [],
  billing: null,
});

describe('recordFacts of a call still running', () => {
  it('is not complete and has no end reason', () => {
    const facts = recordFacts(LIVE);
    expect(facts).toEqual({
      callId: 'call_live',
      complete: false,
      startedAt: Date.UTC(2026, 10, 30, 15, 34),
    });
    expect(formatRecord(facts)).toEqual([]);
  });

  it('keeps a real end reason sent before the end time', () => {
    const facts = recordFacts(callLogSchema.parse({ ...LIVE, status: 'agent_hangup' }));
    expect(facts).toMatchObject({ complete: false, endReason: 'agent_hangup' });
  });

  it('keeps the status of a finished record whatever its word', () => {
    const facts = recordFacts(
      callLogSchema.parse({ ...LIVE, status: 'completed', endTime: '2026-11-30T15:35:00.000Z' }),
    );
    expect(facts).toMatchObject({ complete: true, endReason: 'completed' });
    // A code that is its own words is said once (it read `completed (completed)`).
    expect(formatRecord(facts)).toContain('Server end reason: completed');
    expect(
      formatRecord(recordFacts(callLogSchema.parse({ ...LIVE, status: 'agent_hangup' }))),
    ).toContain('Server end reason: the agent hung up (agent_hangup)');
  });

  it('the summary says the call is in progress, not that it did not start', () => {
    const lines = formatSummary({
      turns: 0,
      userTurns: 0,
      agentTurns: 0,
      interruptions: 0,
      latencyCount: 0,
      record: recordFacts(LIVE),
    });
    expect(lines[0]).toBe('Call still in progress: no end time yet');
    expect(lines.join('\n')).not.toMatch(/did not start|Server end reason/);
  });
});

describe('waitForCallRecord after 404s', () => {
  it('asks for 5 s, as documented, not until the next pause of the back-off ends', async () => {
    // Omnia never makes this record: tries at 0, 1 and 3 s; the 4 s pause that followed ran
    // the wait to 7 s. It is cut to what is left of the 5 s, where the last try falls.
    const server = await startServer(reply(404, { error: 'Call not found' }));
    try {
      const started = Date.now();
      const failure = await waitForCallRecord({ apiBase: server.base, apiKey: 'k' }, 'call_x', {
        pollMs: 1_000,
      }).catch((error: unknown) => error);
      const elapsed = Date.now() - started;
      expect(failure).toBeInstanceOf(ApiError);
      expect((failure as ApiError).message).toMatch(
        /has no call "call_x".* Tried 4 times in 5 s\.$/,
      );
      expect(elapsed).toBeGreaterThanOrEqual(5_000);
      expect(elapsed).toBeLessThan(6_000);
      expect(server.requests).toHaveLength(4);
    } finally {
      await server.close();
    }
  }, 15_000);
});

describe('the call record from a local server that is gone', () => {
  it('fails at once on a refused connection, saying the server has stopped', async () => {
    // A port on this machine that nothing listens on any more (a `serve` that was stopped).
    const server = await startServer(reply(404, {}));
    const base = server.base;
    await server.close();
    const started = Date.now();
    const outcome = await fetchCallRecord({ apiBase: base, apiKey: 'k' }, 'call_x', {
      pollMs: 1_000,
    });
    // It was asked for 5 s (4 tries) before, the call's end held all that time.
    expect(Date.now() - started).toBeLessThan(1_000);
    const host = new URL(base).host;
    expect(outcome.note).toMatch(
      new RegExp(
        `^could not be fetched: Nothing answers at ${host.replace(/\./g, '\\.')} any more \\(connection refused\\): the server there has stopped; later: `,
      ),
    );
    expect(outcome.note).not.toMatch(/Tried|network/);
  });
});
