import { writeFileSync } from 'node:fs';
import { createHistogram, PerformanceObserver, performance } from 'node:perf_hooks';
import { audioTicker } from '../audio/sources/audio-ticker.js';
import type { GapCause } from '../audio/types.js';

/**
 * Environment variable naming a file where the app writes its own performance figures when it
 * exits (the benchmarks read it). Unset, nothing is measured and nothing is written.
 */
export const STATS_ENV = 'OMNIA_VOICE_STATS';

/** What the stats file holds (JSON). */
export interface AppStats {
  /**
   * Event-loop lag percentiles in ms: how late the shared audio tick ran (every 20 ms while
   * a call runs), so the figures cover the call, not start-up.
   */
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Ticks sampled. */
  readonly loopDelaySamples: number;
  /** Resident set size and V8 heap at exit, in MB. */
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** CPU of this process alone (children not included), in ms. */
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  /** From process start to exit, in ms. */
  readonly uptimeMs: number;
  /** Garbage collections (minor and major) and the time they paused the app, in ms. */
  readonly gcCount: number;
  readonly gcPauseMs: number;
  /** Frames the full-screen UI drew, and Ink's time turning the tree into text for them. */
  readonly uiFrames: number;
  readonly uiRenderMs: number;
  /**
   * Gaps inside the agent's replies as heard (the player's `onGap`), the first
   * MAX_LISTED_GAPS of them: when (ms since the process started), how long, and why.
   */
  readonly agentGaps: readonly { atMs: number; ms: number; cause: GapCause }[];
}

/** Counted by the full-screen UI (Ink's `onRender`): cheap enough to count always. */
export const uiFrames = { count: 0, renderMs: 0 };

const MAX_LISTED_GAPS = 100;
const agentGaps: { atMs: number; ms: number; cause: GapCause }[] = [];

/** Note a gap in the agent's audio (the player's `onGap`). */
export function countAgentGap(ms: number, cause: GapCause): void {
  if (agentGaps.length < MAX_LISTED_GAPS) {
    agentGaps.push({ atMs: Math.round(performance.now()), ms: Math.round(ms), cause });
  }
}

/**
 * Start measuring when `OMNIA_VOICE_STATS` is set; the figures are written synchronously on
 * process exit so every exit path (q, signals, errors) leaves them behind.
 */
export function startStatsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  const path = env[STATS_ENV];
  if (!path) return;
  // Not monitorEventLoopDelay: its own timer (every 10 ms) woke the process more often than
  // the whole call does, and showed up as a point of CPU in the very figure it was part of.
  // The audio tick is a timer the call runs anyway; its lateness is the loop's lag.
  const histogram = createHistogram();
  audioTicker.onLateness = (ms) => histogram.record(Math.max(1, Math.round(ms * 1000)));
  let gcCount = 0;
  let gcPauseMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      gcPauseMs += entry.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  process.once('exit', () => {
    audioTicker.onLateness = undefined;
    gc.disconnect();
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    // Recorded in µs (the histogram holds integers ≥ 1).
    const lag = (us: number) => (histogram.count === 0 ? 0 : Math.round(us / 10) / 100);
    const stats: AppStats = {
      loopDelayP50Ms: lag(histogram.percentile(50)),
      loopDelayP99Ms: lag(histogram.percentile(99)),
      loopDelayMaxMs: lag(histogram.max),
      loopDelaySamples: histogram.count,
      rssMb: Math.round(mem.rss / 1e4 / 1.048576) / 100,
      heapUsedMb: Math.round(mem.heapUsed / 1e4 / 1.048576) / 100,
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      uptimeMs: Math.round(process.uptime() * 1000),
      gcCount,
      gcPauseMs: Math.round(gcPauseMs * 100) / 100,
      uiFrames: uiFrames.count,
      uiRenderMs: Math.round(uiFrames.renderMs),
      agentGaps,
    };
    try {
      writeFileSync(path, `${JSON.stringify(stats)}\n`);
    } catch {
      // A stats file that cannot be written must not change how the app exits.
    }
  });
}
