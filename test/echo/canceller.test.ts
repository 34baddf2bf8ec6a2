import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DelayEstimate, DelayEstimator } from '../../source/audio/echo/delay.js';
import { loadSpeexDsp, type SpeexDsp } from '../../source/audio/echo/speexdsp.js';
import { SpeechDetector } from '../../source/local-agent/vad.js';
import { AGENT_START_MS, runCancellerRig, USER_START_MS } from '../helpers/echo-rig.js';

/**
 * The canceller alone, in-process, in a modelled room (test/helpers/room.ts): espeak-ng agent
 * speech through a delay, 48 reflections decaying over 150 ms and a gain, plus noise, with the
 * user talking over the agent from 4.5 s. The delay is not given: the canceller finds it.
 * Deterministic (seeded room, same voices), so the figures are exact on every run.
 */
let dsp: SpeexDsp;
beforeAll(() => {
  const loaded = loadSpeexDsp();
  // Not a skip: CI installs libspeexdsp1 (scripts/install-system-deps.sh), so this must load.
  if (typeof loaded === 'string') throw new Error(loaded);
  dsp = loaded;
});

/** The local agent's speech detector over 20 ms frames; when it first heard speech (ms). */
function firstSpeechMs(pcm: Buffer, rate: number, fromMs: number): number | undefined {
  const detector = new SpeechDetector(rate);
  const frame = (rate / 50) * 2;
  for (let at = 0; at + frame <= pcm.length; at += frame) {
    const ms = (at / 2 / rate) * 1000;
    const events = detector.push(pcm.subarray(at, at + frame));
    if (ms >= fromMs && events.some((e) => e.kind === 'start')) return ms;
  }
  return undefined;
}

describe('speexdsp echo canceller in a modelled room', () => {
  for (const delayMs of [20, 80, 200]) {
    it(`room delay ${delayMs} ms: echo down 20 dB after 1 s, the user's voice kept`, async () => {
      const r = await runCancellerRig(dsp, { delayMs, gain: 0.3 });
      const figures = JSON.stringify({ ...r, erleWindowsDb: r.erleWindowsDb.map(Math.round) });
      expect(r.stats.estimatedDelayMs, figures).toBeGreaterThanOrEqual(delayMs);
      expect(r.stats.estimatedDelayMs, figures).toBeLessThanOrEqual(delayMs + 40);
      expect(r.erleAfter1sDb, figures).toBeGreaterThanOrEqual(20);
      expect(r.convergenceMs, figures).toBeLessThanOrEqual(1_000);
      expect(Math.abs(r.doubleTalkDb), figures).toBeLessThanOrEqual(6);
    }, 30_000);
  }

  it('a speech detector hears the user over the agent, and never the agent alone', async () => {
    const rate = 48_000;
    const r = await runCancellerRig(dsp, { delayMs: 80, gain: 0.3, keepAudio: true });
    // Without the canceller the agent's echo alone counts as speech (the rig can fail)...
    const raw = firstSpeechMs(r.audio!.mic, rate, 0);
    expect(raw).toBeDefined();
    expect(raw!).toBeLessThan(USER_START_MS);
    // ...with it, once the filter has had its first second, nothing until the user talks, then
    // the user within 300 ms. (In the app the mic is muted until the filter has converged.)
    const heard = firstSpeechMs(r.audio!.out, rate, AGENT_START_MS + 1_000);
    expect(heard).toBeDefined();
    expect(heard!).toBeGreaterThanOrEqual(USER_START_MS);
    expect(heard!).toBeLessThan(USER_START_MS + 300);
  }, 30_000);
});

/**
 * The delay search now and then returns one estimate at another lag (its correlations over the
 * few blocks since a pause, or a user talking over the agent, put some other lag just over its
 * threshold; 230 ms at a correlation of 0.70 while the echo sat at 370 ms was seen through the
 * whole app). One such estimate used to count as the echo lost, and closed the mic until the
 * filter had shown 15 dB again, which it cannot while the user talks: the barge-in did not get
 * through. A loss now takes two checks in a row agreeing on a delay the filter cannot model.
 */
describe('the canceller and a stray delay estimate', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Every estimate the canceller's own checks got, with the frame time it was taken in. */
  function watchEstimates(): {
    onFrame: (ms: number) => void;
    taken: Array<{ ms: number; estimate: DelayEstimate }>;
  } {
    const spy = vi.spyOn(DelayEstimator.prototype, 'estimate');
    const taken: Array<{ ms: number; estimate: DelayEstimate }> = [];
    let seen = 0;
    return {
      taken,
      onFrame: (ms) => {
        for (; seen < spy.mock.results.length; seen++) {
          const estimate = spy.mock.results[seen]!.value as DelayEstimate | undefined;
          if (estimate) taken.push({ ms, estimate });
        }
      },
    };
  }

  it('one estimate at another lag during double-talk does not close the mic', async () => {
    // The agent pauses for 1.6 s (the delay search starts afresh, the filter must show again that
    // it cancels), goes on, the filter converges again, and the user talks over it from 4.5 s:
    // one check then finds 140 ms, where the echo is at 90 ms.
    const watch = watchEstimates();
    const converged: boolean[] = [];
    let bulkMs = 0;
    const r = await runCancellerRig(dsp, {
      delayMs: 80,
      gain: 0.3,
      pause: { atMs: 2_200, ms: 1_600 },
      onFrame: (ms, canceller) => {
        watch.onFrame(ms);
        converged[ms / 20] = canceller.isConverged;
        bulkMs = canceller.stats.bulkDelayMs;
      },
    });
    const figures = JSON.stringify({
      stats: r.stats,
      estimates: watch.taken.map((t) => `${t.ms}:${t.estimate.delayMs}`).join(' '),
    });
    // The echo did not move: the filter kept its alignment all along.
    expect(r.stats.realignments, figures).toBe(1);
    const fits = (delayMs: number) => delayMs >= bulkMs && delayMs <= bulkMs + 80;
    // Converged again on the speech after the pause, before the user talks...
    const again = converged.findIndex((c, i) => c && i * 20 > 3_800);
    expect(again, figures).toBeGreaterThan(0);
    expect(again * 20, figures).toBeLessThan(USER_START_MS);
    // ...and the rig did make the delay search stray, alone, while it was converged.
    const strays = watch.taken.filter((t) => t.ms > again * 20 && !fits(t.estimate.delayMs));
    expect(strays.length, figures).toBe(1);
    // The filter stays trusted through it, and the user's voice goes through.
    expect(r.stats.losses, figures).toBe(0);
    expect(converged.slice(again).every(Boolean), figures).toBe(true);
    expect(r.stats.converged, figures).toBe(true);
  }, 30_000);

  it('a real move of the echo is still caught, within a check of the search seeing it', async () => {
    // The devices' latency jumps by 100 ms at 3 s (PulseAudio after an underrun).
    const watch = watchEstimates();
    let lostAt: number | undefined;
    let wasConverged = false;
    const r = await runCancellerRig(dsp, {
      delayMs: 80,
      gain: 0.3,
      jump: { atMs: 3_000, byMs: 100 },
      onFrame: (ms, canceller) => {
        watch.onFrame(ms);
        if (wasConverged && !canceller.isConverged) lostAt ??= ms;
        wasConverged = canceller.isConverged;
      },
    });
    const figures = JSON.stringify({
      stats: r.stats,
      lostAt,
      estimates: watch.taken.map((t) => `${t.ms}:${t.estimate.delayMs}`).join(' '),
    });
    expect(r.stats.losses, figures).toBe(1);
    // The search first sees the moved echo (190 ms) at 3.4 s, and the filter moves to it on the
    // third check that agrees. The loss comes before: the filter's residual grew louder than
    // the mic (the divergence check) as soon as the agent spoke after the move, at 3.3 s; the
    // search alone would have lost it on its second agreeing check, at 3.5 s.
    const firstMoved = watch.taken.find((t) => t.ms >= 3_000 && t.estimate.delayMs >= 170);
    expect(firstMoved, figures).toBeDefined();
    expect(lostAt, figures).toBeDefined();
    expect(lostAt!, figures).toBeGreaterThanOrEqual(3_000);
    expect(lostAt! - firstMoved!.ms, figures).toBeLessThanOrEqual(100);
    expect(r.stats.realignments, figures).toBe(2);
    expect(r.stats.estimatedDelayMs!, figures).toBeGreaterThanOrEqual(180);
    expect(r.stats.estimatedDelayMs!, figures).toBeLessThanOrEqual(220);
  }, 30_000);
});
