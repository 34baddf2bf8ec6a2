import { beforeAll, describe, expect, it } from 'vitest';
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
