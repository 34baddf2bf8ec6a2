import { type AudioTicker, audioTicker } from './audio-ticker.js';

/**
 * Frame pacing by elapsed time: frame k is due at start + (k - 1) * frameMs (one frame of lead,
 * so the first leaves at once). Scheduling from the start time rather than chaining timeouts
 * keeps a long stream drift-free: a late timer makes the next tick send two frames, not shift
 * every later frame. Pure: the caller passes the clock.
 */
export class FrameClock {
  private startAt: number | undefined;
  private slots = 0;
  /** Frames of clock time skipped because the process was stalled too long. */
  skippedFrames = 0;

  /**
   * @param maxCatchUpFrames most frames handed out at once after a stall; older missed time is
   *   skipped. Infinity (default) never skips.
   */
  constructor(
    readonly frameMs: number,
    private readonly maxCatchUpFrames: number = Number.POSITIVE_INFINITY,
  ) {}

  start(now: number): void {
    this.startAt = now;
    this.slots = 0;
  }

  /** Frames to emit at `now`; counts them as emitted. */
  take(now: number): number {
    if (this.startAt === undefined) return 0;
    const due = Math.floor((now - this.startAt) / this.frameMs) + 1;
    let owed = due - this.slots;
    if (owed > this.maxCatchUpFrames) {
      this.skippedFrames += owed - this.maxCatchUpFrames;
      owed = this.maxCatchUpFrames;
    }
    this.slots = due;
    return Math.max(0, owed);
  }

  /** When the next frame falls due (same clock as `now`). */
  nextDueAt(): number {
    return (this.startAt ?? 0) + this.slots * this.frameMs;
  }
}

/**
 * Runs a {@link FrameClock} on real timers, calling `onFrames(n)` when n frames are due. A clock
 * whose frame is a whole number of shared audio ticks rides on {@link audioTicker} (its frames
 * fall due on the grid, in the same wake-up as the playback pump); any other frame length gets
 * its own timer.
 */
export class PacedTimer {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private running = false;

  constructor(
    private readonly clock: FrameClock,
    private readonly onFrames: (count: number) => void,
    private readonly ticker: AudioTicker = audioTicker,
  ) {}

  start(): void {
    this.running = true;
    const now = performance.now();
    if (this.clock.frameMs % this.ticker.periodMs === 0) {
      this.clock.start(this.ticker.gridFloor(now));
      this.emit(now);
      if (this.running) this.unsubscribe = this.ticker.subscribe((at) => this.emit(at));
      return;
    }
    this.clock.start(now);
    this.tick();
  }

  stop(): void {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private emit(now: number): void {
    if (!this.running) return;
    const count = this.clock.take(now);
    if (count > 0) this.onFrames(count);
  }

  private tick(): void {
    if (!this.running) return;
    this.emit(performance.now());
    if (!this.running) return;
    const wait = Math.max(0, this.clock.nextDueAt() - performance.now());
    this.timer = setTimeout(() => this.tick(), wait);
  }
}
