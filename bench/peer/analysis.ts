/**
 * What the server received and what the speaker sink played, reduced to the peer benchmarks'
 * figures. Pure functions over recordings; times are epoch ms (`epochMs()`) unless named `perf`.
 */
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

/** Rules for which utterances count for mic latency, and what counts as loud. */
export interface OnsetRules {
  /** A sample, or a frame's peak, above this carries the voice (the room is otherwise silent). */
  readonly loudPeak: number;
  /** Silence before an onset, ms: the start of an utterance, not a syllable inside one. */
  readonly quietMs: number;
  /**
   * An utterance counts only when the agent has been quiet this long before it starts (its
   * audio is then done playing, and an echo guard is not holding the mic) …
   */
  readonly quietBeforeMs: number;
  /** … and stays quiet this long after. */
  readonly quietAfterMs: number;
}

/**
 * performance.now() of each utterance's onset as a reader of the mic saw it: the arrival of the
 * first chunk with a loud sample after at least `quietMs` of silence.
 */
export function onsetsHeard(
  pcm: Buffer,
  arrivals: readonly Arrival[],
  rate: number,
  rules: OnsetRules,
): number[] {
  const out: number[] = [];
  let begin = 0;
  let lastLoudSample = Number.NEGATIVE_INFINITY;
  const quietSamples = Math.round((rules.quietMs * rate) / 1000);
  for (const chunk of arrivals) {
    const end = Math.min(chunk.end, pcm.length) >> 1;
    for (let i = begin; i < end; i++) {
      if (Math.abs(pcm.readInt16LE(i * 2)) <= rules.loudPeak) continue;
      if (i - lastLoudSample > quietSamples) out.push(chunk.at);
      lastLoudSample = i;
    }
    begin = end;
  }
  return out;
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

/** The agent's turns as heard on the sink: stretches of tone and the gaps inside them. */
export interface HeardTurns {
  /** Stretches of sound longer than `minTurnMs`, in ms. */
  readonly turnsMs: number[];
  /** Silent stretches inside those turns (underruns, dropped audio), in ms. */
  readonly gapsMs: number[];
}

/**
 * Split s16le `pcm` into 1 ms windows, loud or silent (max |x| above `loudPeak`); turns are runs
 * of loud windows where no silence lasts `turnBreakMs`; gaps are the silences inside a turn.
 */
export function heardTurns(
  pcm: Buffer,
  rate: number,
  {
    loudPeak,
    turnBreakMs,
    minTurnMs,
  }: { loudPeak: number; turnBreakMs: number; minTurnMs: number },
): HeardTurns {
  const win = Math.round(rate / 1000);
  const samples = pcm.length >> 1;
  const loud: boolean[] = [];
  for (let w = 0; (w + 1) * win <= samples; w++) {
    let peak = 0;
    for (let i = w * win; i < (w + 1) * win; i++)
      peak = Math.max(peak, Math.abs(pcm.readInt16LE(i * 2)));
    loud.push(peak > loudPeak);
  }
  const turnsMs: number[] = [];
  const gapsMs: number[] = [];
  let start = -1;
  let lastLoud = -1;
  let gaps: number[] = [];
  const close = () => {
    if (start >= 0 && lastLoud - start + 1 >= minTurnMs) {
      turnsMs.push(lastLoud - start + 1);
      gapsMs.push(...gaps);
    }
    start = -1;
    gaps = [];
  };
  for (let w = 0; w < loud.length; w++) {
    if (!loud[w]) continue;
    if (start >= 0 && w - lastLoud - 1 >= turnBreakMs) close();
    if (start < 0) start = w;
    else if (w - lastLoud > 1) gaps.push(w - lastLoud - 1);
    lastLoud = w;
  }
  close();
  return { turnsMs, gapsMs };
}

/** One chunk read back from a monitor: when it arrived (performance.now()) and the bytes so far. */
export interface Arrival {
  readonly at: number;
  readonly end: number;
}

/**
 * When the last loud sample among the chunks that arrived in [fromPerf, toPerf] was played: the
 * arrival of its chunk, less the samples after it in that chunk (a monitor hands a chunk over as
 * soon as it is complete, so the chunk's last sample is the one just played). Undefined when no
 * loud sample arrived then.
 */
export function lastLoudPlayedAt(
  pcm: Buffer,
  arrivals: readonly Arrival[],
  rate: number,
  { fromPerf, toPerf, loudPeak }: { fromPerf: number; toPerf: number; loudPeak: number },
): number | undefined {
  for (let c = arrivals.length - 1; c >= 0; c--) {
    const chunk = arrivals[c]!;
    if (chunk.at > toPerf) continue;
    if (chunk.at < fromPerf) return undefined;
    const first = (c > 0 ? arrivals[c - 1]!.end : 0) >> 1;
    const end = Math.min(chunk.end, pcm.length) >> 1;
    for (let i = end - 1; i >= first; i--) {
      if (Math.abs(pcm.readInt16LE(i * 2)) > loudPeak)
        return chunk.at - ((end - 1 - i) / rate) * 1000;
    }
  }
  return undefined;
}
