import { performance } from 'node:perf_hooks';
import { AUDIO_TICK_MS } from '../constants.js';

/**
 * The shared audio clock ticks every AUDIO_TICK_MS (one mic frame, 20 ms). The paced sources
 * (silence, WAV input) send a frame on every tick and the playback pump runs in the same
 * wake-up, so a call wakes the process 50 times a second rather than once per timer (the
 * wake-ups, not the work done in them, were most of the idle-call CPU). Barge-in no longer
 * depends on the tick: sinks that can drop what they hold are cut at the clear (`player.ts`).
 */
export { AUDIO_TICK_MS };

type Listener = (now: number) => void;

/**
 * One drift-free timer on a fixed grid of `periodMs` (tick k at k·periodMs of
 * `performance.now()`), shared by every subscriber: they all run in the same event-loop turn.
 * It runs only while someone listens. Subscribers keep their own elapsed-time clocks, so a
 * late or skipped tick costs them nothing but the delay.
 */
export class AudioTicker {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private nextAt = 0;
  /**
   * When set, called with how late each tick ran, in ms: the event loop's lag, sampled by a
   * timer that runs during a call anyway (`source/app/stats.ts`), at no cost of its own.
   */
  onLateness: ((ms: number) => void) | undefined;

  constructor(
    readonly periodMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The latest grid time at or before `now`: where a clock should start to stay on the grid. */
  gridFloor(now: number): number {
    return Math.floor(now / this.periodMs) * this.periodMs;
  }

  /** Call `listener` on every tick until the returned function is called. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer) this.schedule(this.now());
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private schedule(now: number, after = Number.NEGATIVE_INFINITY): void {
    // Never the same grid time twice: a timer may fire a fraction of a ms before its time.
    this.nextAt = Math.max(this.gridFloor(now), after) + this.periodMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.nextAt - now));
  }

  private tick(): void {
    this.timer = undefined;
    const ranAt = this.now();
    this.onLateness?.(Math.max(0, ranAt - this.nextAt));
    // A timer can fire a fraction of a ms early; the tick stands for its grid time.
    const now = Math.max(ranAt, this.nextAt);
    // A copy: a listener may unsubscribe (stop) from inside its own tick.
    for (const listener of [...this.listeners]) listener(now);
    if (this.listeners.size > 0 && !this.timer) this.schedule(now, this.nextAt);
  }
}

/** The process-wide audio clock (see {@link AudioTicker}). */
export const audioTicker = new AudioTicker(AUDIO_TICK_MS);
