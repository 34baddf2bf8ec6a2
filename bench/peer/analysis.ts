/**
 * What the server received and what the speaker sink played, reduced to the peer benchmarks'
 * figures. Pure functions over recordings; times are epoch ms (`epochMs()`) unless named `perf`.
 */
import type { OnsetOptions } from '../../test/helpers/heard.js';
import type { MicFrame } from '../scripted-agent.js';

/** What arrived at the server from a client's mic in [from, to). */
export interface MicFigures {
  /** ms of audio received per second of wall time. */
  readonly audioMsPerS: number;
  readonly framesPerS: number;
  readonly smallestFrameMs: number;
  readonly largestFrameMs: number;
}

export function micFigures(
  frames: readonly MicFrame[],
  from: number,
  to: number,
  rate: number,
): MicFigures {
  const inWindow = frames.filter((f) => f.at >= from && f.at < to);
  const ms = (bytes: number) => (bytes / 2 / rate) * 1000;
  const sizes = inWindow.map((f) => ms(f.bytes));
  const seconds = (to - from) / 1000;
  return {
    audioMsPerS: sizes.reduce((a, b) => a + b, 0) / seconds,
    framesPerS: inWindow.length / seconds,
    smallestFrameMs: Math.min(...sizes),
    largestFrameMs: Math.max(...sizes),
  };
}

/** Rules for which utterances count for mic latency, and what counts as loud (a frame's peak). */
export interface OnsetRules extends OnsetOptions {
  /**
   * An utterance counts only when the agent has been quiet this long before it starts (its
   * audio is then done playing, and an echo guard is not holding the mic) …
   */
  readonly quietBeforeMs: number;
  /** … and stays quiet this long after. */
  readonly quietAfterMs: number;
}

/**
 * For each onset a reference reader of the mic saw at `onsets[i]` (epoch ms) while the agent was
 * quiet, ms until the first loud frame of it arrived at the server (frames up to `earlyMs` before
 * the reference count: a client may hear it a little sooner than the reader).
 */
export function onsetLatencies(
  frames: readonly MicFrame[],
  onsets: readonly number[],
  speaking: ReadonlyArray<{ from: number; to?: number }>,
  rules: OnsetRules,
  earlyMs = 50,
): number[] {
  const quiet = (at: number) =>
    speaking.every(
      (s) =>
        at + rules.quietAfterMs < s.from || (s.to !== undefined && at > s.to + rules.quietBeforeMs),
    );
  const out: number[] = [];
  for (const onset of onsets) {
    if (!quiet(onset)) continue;
    const loud = frames.find((f) => f.at >= onset - earlyMs && f.peak > rules.loudPeak);
    if (loud) out.push(loud.at - onset);
  }
  return out;
}
