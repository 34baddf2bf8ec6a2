/**
 * The UI's step clocks: a call's clock steps on the call's own whole seconds, and only on a tick,
 * so whatever renders between two ticks reads the value every other reader shows.
 */
import { describe, expect, it } from 'vitest';
import { CLOCK_STEP_MS, callClock, StepClock, type TickSource } from '../../source/ui/clock.js';

/** A tick source the test drives, and a time it sets. */
function manual() {
  const listeners = new Set<() => void>();
  const ticker: TickSource = {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const clock = { now: 0 };
  return {
    ticker,
    clock,
    /** One level-fold tick at `at`. */
    tickAt(at: number) {
      clock.now = at;
      for (const listener of [...listeners]) listener();
    },
    get listening() {
      return listeners.size;
    },
  };
}

describe('StepClock', () => {
  it("steps on the call's own seconds, not the wall clock's", () => {
    const m = manual();
    const startedAt = 1_700_000_000_300;
    m.clock.now = startedAt + 40;
    const clock = new StepClock(CLOCK_STEP_MS, startedAt, () => m.clock.now, m.ticker);
    const steps: number[] = [];
    const off = clock.subscribe(() => steps.push(clock.getStep()));
    expect(clock.getStep()).toBe(0);
    // The wall clock's second begins: the call has lasted 0.7 s, nothing changes.
    m.tickAt(startedAt + 700);
    expect(clock.getStep()).toBe(0);
    m.tickAt(startedAt + 999);
    expect(steps).toEqual([]);
    // The call's first second is over: the first tick from then on steps, once.
    m.tickAt(startedAt + 1_000);
    expect(steps).toEqual([1]);
    expect(clock.timeOf(1) - startedAt).toBe(1_000);
    m.tickAt(startedAt + 1_120);
    m.tickAt(startedAt + 1_700);
    expect(steps).toEqual([1]);
    m.tickAt(startedAt + 2_050);
    expect(steps).toEqual([1, 2]);
    off();
    expect(m.listening).toBe(0);
  });

  it('moves only on ticks while listened to: a read between two ticks gives the last tick', () => {
    const m = manual();
    const startedAt = 5_450;
    m.clock.now = startedAt;
    const clock = new StepClock(CLOCK_STEP_MS, startedAt, () => m.clock.now, m.ticker);
    const off = clock.subscribe(() => undefined);
    m.tickAt(startedAt + 1_010);
    expect(clock.getStep()).toBe(1);
    // The call's second second is over, no tick yet: a component drawing now for another reason
    // reads what the others show.
    m.clock.now = startedAt + 2_060;
    expect(clock.getStep()).toBe(1);
    m.tickAt(startedAt + 2_090);
    expect(clock.getStep()).toBe(2);
    off();
    // Nobody listens: the step is read from the time.
    m.clock.now = startedAt + 7_500;
    expect(clock.getStep()).toBe(7);
  });
});

describe('callClock', () => {
  it("is one clock per call, starting at the call's start", () => {
    const a = callClock(1_000_300);
    expect(callClock(1_000_300)).toBe(a);
    expect(a.origin).toBe(1_000_300);
    expect(a.stepMs).toBe(CLOCK_STEP_MS);
    const b = callClock(2_000_700);
    expect(b).not.toBe(a);
    expect(b.origin).toBe(2_000_700);
  });
});
