import { performance } from 'node:perf_hooks';
import { BLOCK_MS } from '../constants.js';

/**
 * Period of the shared audio clock: one playback block. The playback pump runs on every tick
 * and the paced sources on every second one (a mic frame is two ticks), all in the same
 * wake-up, so a call wakes the process 100 times a second rather than once per timer (the
 * wake-ups, not the work done in them, were most of the idle-call CPU). A 20 ms tick would
 * halve that again, but the lead the pump must keep in the device (one tick plus a margin)
 * would then push barge-in past 30 ms of stale agent audio.
 */
export const AUDIO_TICK_MS = BLOCK_MS;

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
    // A timer can fire a fraction of a ms early; the tick stands for its grid time.
    const now = Math.max(this.now(), this.nextAt);
    // A copy: a listener may unsubscribe (stop) from inside its own tick.
    for (const listener of [...this.listeners]) listener(now);
    if (this.listeners.size > 0 && !this.timer) this.schedule(now, this.nextAt);
  }
}

/** The process-wide audio clock (see {@link AudioTicker}). */
export const audioTicker = new AudioTicker(AUDIO_TICK_MS);
