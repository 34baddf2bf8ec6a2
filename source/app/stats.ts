import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Environment variable naming a file where the app writes its own performance figures when it
 * exits (the benchmarks read it). Unset, nothing is measured and nothing is written.
 */
export const STATS_ENV = 'OMNIA_VOICE_STATS';
/** Sampling period of the loop-delay histogram. */
const RESOLUTION_MS = 10;

/** What the stats file holds (JSON). */
export interface AppStats {
  /** Event-loop lag percentiles over the whole run, in ms, beyond the 10 ms sampling period. */
  readonly loopDelayP50Ms: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
  /** Resident set size and V8 heap at exit, in MB. */
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** CPU of this process alone (children not included), in ms. */
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  /** From process start to exit, in ms. */
  readonly uptimeMs: number;
}

/**
 * Start measuring when `OMNIA_VOICE_STATS` is set; the figures are written synchronously on
 * process exit so every exit path (q, signals, errors) leaves them behind.
 */
export function startStatsFromEnv(env: NodeJS.ProcessEnv = process.env): void {
  const path = env[STATS_ENV];
  if (!path) return;
  // 10 ms resolution: the histogram's own timer must not be a visible cost of the app.
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  process.once('exit', () => {
    histogram.disable();
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    // The histogram records the whole period between its timer's runs; the lag is the excess.
    const lag = (ns: number) => Math.max(0, Math.round((ms(ns) - RESOLUTION_MS) * 100) / 100);
    const stats: AppStats = {
      loopDelayP50Ms: lag(histogram.percentile(50)),
      loopDelayP99Ms: lag(histogram.percentile(99)),
      loopDelayMaxMs: lag(histogram.max),
      rssMb: Math.round(mem.rss / 1e4 / 1.048576) / 100,
      heapUsedMb: Math.round(mem.heapUsed / 1e4 / 1.048576) / 100,
      cpuUserMs: Math.round(cpu.user / 1000),
      cpuSystemMs: Math.round(cpu.system / 1000),
      uptimeMs: Math.round(process.uptime() * 1000),
    };
    try {
      writeFileSync(path, `${JSON.stringify(stats)}\n`);
    } catch {
      // A stats file that cannot be written must not change how the app exits.
    }
  });
}
