import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatSummary,
  median,
  summarize,
} from '../../source/transcript/summary.js';
import { T0, turn } from './fake-store.js';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([900, 100, 500])).toBe(500);
    expect(median([400, 100, 300, 200])).toBe(250);
    expect(median([])).toBeUndefined();
  });

  it('always lies between the smallest and largest value', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1 }), (xs) => {
        const m = median(xs)!;
        return m >= Math.min(...xs) && m <= Math.max(...xs);
      }),
    );
  });
});

describe('summarize', () => {
  const turns = [turn(0, 'agent', 'hi'), turn(1, 'user', 'hey'), turn(2, 'agent', 'so')];

  it('counts turns by role, interruptions and latency median/worst', () => {
    const s = summarize({
      startedAt: T0,
      endedAt: T0 + 125_000,
      turns,
      interruptions: 2,
      responseLatenciesMs: [700, 300, 1_200, 500],
      transcriptPath: '/tmp/call.md',
    });
    expect(s).toMatchObject({
      durationMs: 125_000,
      turns: 3,
      userTurns: 1,
      agentTurns: 2,
      interruptions: 2,
      latencyCount: 4,
      medianLatencyMs: 600,
      worstLatencyMs: 1_200,
    });
    expect(formatSummary(s)).toEqual([
      'Call lasted 2m 05s',
      'Turns: 3 (user 1, agent 2), interruptions: 2',
      'Response latency: median 600 ms, worst 1200 ms (4 turns)',
      'Transcript: /tmp/call.md',
    ]);
  });

  it('says "1 turn" for a single measured latency', () => {
    const s = summarize({ startedAt: T0, turns: [], interruptions: 0, responseLatenciesMs: [319] });
    expect(formatSummary(s)).toContain('Response latency: median 319 ms, worst 319 ms (1 turn)');
  });

  it('measures a running call up to now and says when nothing was measured', () => {
    const s = summarize(
      { startedAt: T0, turns: [], interruptions: 0, responseLatenciesMs: [] },
      T0 + 7_000,
    );
    expect(s.durationMs).toBe(7_000);
    expect(formatSummary(s)).toContain('Response latency: not measured');
    // A summary of a call's record (no interruption count) has no latency because the record
    // holds none, not because none was measured.
    const { interruptions: _, ...fromRecord } = s;
    expect(formatSummary(fromRecord)).toContain(
      'Response latency: not in the call record (measured by the app during the call only)',
    );
    const never = summarize({ turns: [], interruptions: 0, responseLatenciesMs: [] });
    expect(formatSummary(never)[0]).toBe('Call did not start');
  });

  it('says what cut a reply marked interrupted that nobody barged in on', () => {
    const base = { startedAt: T0, turns, interruptions: 0, responseLatenciesMs: [] };
    const line = (s: ReturnType<typeof summarize>) =>
      formatSummary(s).find((l) => l.startsWith('Turns:'));
    expect(line(summarize({ ...base, replyCutByOutput: true }))).toBe(
      'Turns: 3 (user 1, agent 2), interruptions: 0; a reply was cut off when the audio output stopped',
    );
    expect(line(summarize({ ...base, replyCutByOutput: true, replyCutByEnd: true }))).toBe(
      "Turns: 3 (user 1, agent 2), interruptions: 0; a reply was cut off when the audio output stopped; a reply was cut off by the call's end",
    );
  });

  it('formats long durations with hours', () => {
    expect(formatDuration(3_723_000)).toBe('1h 02m 03s');
    expect(formatDuration(999)).toBe('1s');
  });
});
