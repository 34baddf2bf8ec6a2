/**
 * What a reader of the private sound server (`sound-server.ts`) got, reduced to what a user would
 * notice: when a sound starts or stops as heard, and whether a turn was heard whole. Pure
 * functions over a recording and its chunk arrival times (performance.now()).
 */
import type { ChunkArrival } from './sound-server.js';

/** What counts as sound: a sample above `loudPeak`; an onset follows `quietMs` of silence. */
export interface OnsetOptions {
  readonly loudPeak: number;
  readonly quietMs: number;
}

/**
 * performance.now() of each utterance's onset as a reader of the mic saw it: the arrival of the
 * first chunk with a loud sample after at least `quietMs` of silence.
 */
export function onsetsHeard(
  pcm: Buffer,
  arrivals: readonly ChunkArrival[],
  rate: number,
  rules: OnsetOptions,
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

/** The agent's turns as heard on the sink: stretches of tone and the gaps inside them. */
export interface HeardTurns {
  /** Stretches of sound longer than `minTurnMs`, in ms. */
  readonly turnsMs: number[];
  /** Silent stretches inside those turns (underruns, dropped audio), in ms. */
  readonly gapsMs: number[];
  /** The same gaps, turn by turn. */
  readonly gapsByTurn: number[][];
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
  const gapsByTurn: number[][] = [];
  let start = -1;
  let lastLoud = -1;
  let gaps: number[] = [];
  const close = () => {
    if (start >= 0 && lastLoud - start + 1 >= minTurnMs) {
      turnsMs.push(lastLoud - start + 1);
      gapsMs.push(...gaps);
      gapsByTurn.push(gaps);
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
  return { turnsMs, gapsMs, gapsByTurn };
}

/**
 * When the last loud sample among the chunks that arrived in [fromPerf, toPerf] was played: the
 * arrival of its chunk, less the samples after it in that chunk (a monitor hands a chunk over as
 * soon as it is complete, so the chunk's last sample is the one just played). Undefined when no
 * loud sample arrived then.
 */
export function lastLoudPlayedAt(
  pcm: Buffer,
  arrivals: readonly ChunkArrival[],
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
