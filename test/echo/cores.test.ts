import { describe, expect, it } from 'vitest';
import { CaptureClock } from '../../source/audio/echo/capture-clock.js';
import { DELAY_BLOCK_MS, DelayEstimator } from '../../source/audio/echo/delay.js';
import { ErleMeter } from '../../source/audio/echo/erle.js';
import { decideEcho, parseEchoMode, wantsCanceller } from '../../source/audio/echo/mode.js';
import { ReferenceTimeline } from '../../source/audio/echo/reference.js';
import { random } from '../helpers/room.js';

describe('DelayEstimator', () => {
  /** A speech-like envelope: bursts of 50-250 ms with pauses, as mean squares. */
  function envelope(blocks: number, seed: number): number[] {
    const rnd = random(seed);
    const out: number[] = [];
    while (out.length < blocks) {
      const loud = 5 + Math.floor(rnd() * 20);
      const level = 10 ** (5 + rnd() * 2);
      for (let i = 0; i < loud; i++) out.push(level * (0.5 + rnd()));
      const pause = 2 + Math.floor(rnd() * 15);
      for (let i = 0; i < pause; i++) out.push(100 * rnd());
    }
    return out.slice(0, blocks);
  }

  it('finds the lag of an attenuated, noisy echo', () => {
    const lagBlocks = 37;
    const ref = envelope(400, 3);
    const rnd = random(9);
    const est = new DelayEstimator();
    for (let n = 0; n < ref.length; n++) {
      const echo = n >= lagBlocks ? ref[n - lagBlocks]! * 0.05 : 0;
      est.push(echo + 300 * rnd(), ref[n]!, ref[n]! > 1e4);
    }
    expect(est.estimate()?.delayMs).toBe(lagBlocks * DELAY_BLOCK_MS);
  });

  it('says nothing without evidence: a mic that does not follow the reference', () => {
    const ref = envelope(400, 3);
    const other = envelope(400, 4);
    const est = new DelayEstimator();
    for (let n = 0; n < ref.length; n++) est.push(other[n]!, ref[n]!, ref[n]! > 1e4);
    expect(est.estimate()).toBeUndefined();
  });
});

describe('CaptureClock', () => {
  it('is steady under arrival jitter: frames 20 ms apart, from the earliest arrival', () => {
    const clock = new CaptureClock();
    const rnd = random(5);
    const times: number[] = [];
    for (let k = 0; k < 200; k++)
      times.push(clock.capturedAt(1_000 + (k + 1) * 20 + rnd() * 15, 20));
    // After the first frames, consecutive capture times differ by 20 ms to within 3 ms (the
    // canceller takes anything within 5 ms as a continuation).
    for (let k = 60; k < 200; k++) expect(Math.abs(times[k]! - times[k - 1]! - 20)).toBeLessThan(3);
    expect(times[199]! - (1_000 + 199 * 20)).toBeLessThan(3);
  });

  it('follows a gap the capture pacer forgave', () => {
    const clock = new CaptureClock();
    let last = 0;
    for (let k = 0; k < 100; k++) last = clock.capturedAt(1_000 + (k + 1) * 20, 20);
    // 300 ms with no audio, then frames again, as the pacer sends them after forgiving the gap.
    for (let k = 100; k < 160; k++) last = clock.capturedAt(1_300 + (k + 1) * 20, 20);
    expect(last).toBeCloseTo(1_300 + 159 * 20, 0);
  });
});

describe('ReferenceTimeline', () => {
  it('reads what was written where, silence elsewhere, and lets a later write replace a span', () => {
    const t = new ReferenceTimeline(100);
    t.write(Int16Array.from([1, 2, 3, 4]), 10);
    // A gap: the device ran dry between 14 and 20.
    t.write(Int16Array.from([9, 9]), 20);
    // A barge-in rewrote from 12 on.
    t.write(Int16Array.from([7, 7]), 12);
    expect([...t.read(8, new Int16Array(16))]).toEqual([
      0, 0, 1, 2, 7, 7, 0, 0, 0, 0, 0, 0, 9, 9, 0, 0,
    ]);
  });

  it('forgets what is older than its capacity', () => {
    const t = new ReferenceTimeline(10);
    t.write(Int16Array.from([5, 5, 5]), 0);
    t.write(Int16Array.from([6]), 20);
    expect([...t.read(0, new Int16Array(3))]).toEqual([0, 0, 0]);
  });
});

describe('ErleMeter', () => {
  it('measures only while the agent is audible in the mic', () => {
    const m = new ErleMeter();
    const loud = 1e7;
    expect(m.push(loud, loud / 100, false, 5)).toBe(false);
    expect(m.erleDb).toBeUndefined();
    for (let i = 0; i < 50; i++) m.push(loud, loud / 100, true, 5);
    expect(m.erleDb).toBeCloseTo(20, 0);
    // Agent silent for longer than the tail: no figure.
    for (let i = 0; i < 6; i++) m.push(10, 10, false, 5);
    expect(m.erleDb).toBeUndefined();
  });
});

describe('echo mode', () => {
  const mic = { inputKind: 'mic', loudspeaker: true };
  it('cancels by default, falls back to the guard with the reason, and is off without echo', () => {
    expect(decideEcho('cancel', mic)).toEqual({ mode: 'cancel', degraded: false });
    expect(decideEcho('cancel', mic, 'libspeexdsp not found')).toEqual({
      mode: 'guard',
      reason: 'libspeexdsp not found',
      degraded: true,
    });
    expect(decideEcho('guard', mic).mode).toBe('guard');
    expect(decideEcho('off', mic).mode).toBe('off');
    expect(decideEcho('cancel', { inputKind: 'file', loudspeaker: true }).mode).toBe('off');
    expect(
      decideEcho('cancel', {
        inputKind: 'mic',
        loudspeaker: false,
        outputNote: 'the output is a WAV file',
      }),
    ).toEqual({ mode: 'off', reason: 'the output is a WAV file', degraded: false });
    expect(wantsCanceller('cancel', { inputKind: 'mic', loudspeaker: false })).toBe(false);
  });

  it('parses what users type', () => {
    expect(parseEchoMode(' Cancel ')).toBe('cancel');
    expect(parseEchoMode('on')).toBeUndefined();
  });
});
