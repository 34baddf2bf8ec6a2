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
 * Most ticks between two calls of one listener: the ticker looks this far ahead for the next
 * tick someone wants.
 */
const MAX_EVERY_TICKS = 50;
/**
 * While beats carry the ticks, how often a timer checks that they still come. Node re-arms its
 * timer lazily, so a timer cleared or moved still wakes the process at its old time: one
 * fallback timer per tick would cost the very wake-ups the beats save. If the beats stop (the
 * mic died), ticks resume on the timer within this long, plus one period.
 */
export const BEAT_WATCHDOG_MS = 200;

/**
 * One drift-free clock on a grid of `periodMs` of `performance.now()`, shared by every
 * subscriber: they all run in the same event-loop turn. It runs only while someone listens, and
 * wakes only on ticks someone wants: a listener called every n-th tick (tick numbers divisible by
 * n) costs no wake-up in between, so listeners whose periods divide one another share every
 * wake-up.
 *
 * An outside clock that wakes the process anyway (the microphone delivering a frame) can carry
 * the ticks: {@link AudioTicker.beat}. A tick due within half a period runs in the beat's
 * wake-up, the grid moves to the beat's phase, and while beats come the ticker sets no timer of
 * its own (a watchdog checks every BEAT_WATCHDOG_MS that they still come). Subscribers keep their
 * own elapsed-time clocks, so a late, early or skipped tick costs them nothing but the delay.
 */
export class AudioTicker {
  /** Each listener with the n of its every-n-th tick. */
  private readonly listeners = new Map<Listener, number>();
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  /** Time and number of the next tick someone wants (while anyone listens). */
  private nextAt = 0;
  private nextNo = 0;
  /** Time and number of the last tick that ran: the grid the next ones follow. */
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastNo = 0;
  private lastBeatAt = Number.NEGATIVE_INFINITY;
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
    if (this.lastAt === Number.NEGATIVE_INFINITY) {
      return Math.floor(now / this.periodMs) * this.periodMs;
    }
    return this.lastAt + Math.floor((now - this.lastAt) / this.periodMs) * this.periodMs;
  }

  /**
   * Call `listener` on every `everyTicks`-th tick of the grid (default every tick) until the
   * returned function is called.
   */
  subscribe(listener: Listener, everyTicks = 1): () => void {
    const every = Math.min(MAX_EVERY_TICKS, Math.max(1, Math.round(everyTicks)));
    this.listeners.set(listener, every);
    // A faster listener may want a tick before the one already planned.
    this.schedule(this.now());
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopTimers();
    };
  }

  /**
   * An outside clock ticked at `now` (a mic frame arrived). If a wanted tick is due within half a
   * period it runs now, in this wake-up, and the grid follows this phase from here on.
   */
  beat(now: number = this.now()): void {
    const wasBeating = this.beating(now);
    this.lastBeatAt = now;
    if (this.listeners.size === 0) return;
    if (this.nextAt - now <= this.periodMs / 2) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.run(now, now, 0);
    } else if (!wasBeating) {
      // Beats just started: their watchdog takes over from the per-tick timer.
      this.schedule(now);
    }
  }

  private beating(now: number): boolean {
    return now - this.lastBeatAt < 2 * this.periodMs;
  }

  private stopTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.timer = undefined;
    this.watchdog = undefined;
  }

  /** Plan the next wanted tick after `now`; arm its timer unless beats carry the ticks. */
  private schedule(now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.listeners.size === 0) return;
    if (
      this.lastAt === Number.NEGATIVE_INFINITY ||
      now - this.lastAt > MAX_EVERY_TICKS * this.periodMs
    ) {
      // Idle for a while: back on the absolute grid, so numbering matches k·periodMs.
      this.lastNo = Math.floor(now / this.periodMs);
      this.lastAt = this.lastNo * this.periodMs;
    }
    // Never the same tick twice: a timer may fire a fraction of a ms before its time.
    let no = this.lastNo + Math.max(1, Math.ceil((now - this.lastAt) / this.periodMs));
    const limit = no + MAX_EVERY_TICKS;
    while (no < limit && !this.wanted(no)) no++;
    this.nextNo = no;
    this.nextAt = this.lastAt + (no - this.lastNo) * this.periodMs;
    if (this.beating(now)) {
      this.watchdog ??= setTimeout(() => this.checkBeats(), BEAT_WATCHDOG_MS);
      return;
    }
    const at = this.nextAt;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const ranAt = this.now();
        // A timer can fire a fraction of a ms early; the tick stands for its grid time.
        this.run(Math.max(ranAt, at), at, Math.max(0, ranAt - at));
      },
      Math.max(0, at - now),
    );
  }

  /** The watchdog: while beats come it sleeps again; once they stop, ticks go back on timers. */
  private checkBeats(): void {
    this.watchdog = undefined;
    if (this.listeners.size === 0) return;
    const now = this.now();
    if (this.beating(now)) {
      this.watchdog = setTimeout(() => this.checkBeats(), BEAT_WATCHDOG_MS);
      return;
    }
    // Ticks missed while waiting are not replayed: listeners keep their own clocks.
    if (!this.timer) this.schedule(now);
  }

  /** Whether some listener wants tick number `tick`. */
  private wanted(tick: number): boolean {
    for (const every of this.listeners.values()) if (tick % every === 0) return true;
    return false;
  }

  /**
   * Run tick `nextNo` at `now`; `gridAt` is where the grid stands from now on, `lateMs` how late
   * the timer ran (the event loop's lag).
   */
  private run(now: number, gridAt: number, lateMs: number): void {
    this.onLateness?.(lateMs);
    const tick = this.nextNo;
    this.lastNo = tick;
    this.lastAt = gridAt;
    // A copy: a listener may unsubscribe (stop) from inside its own tick.
    for (const [listener, every] of [...this.listeners]) if (tick % every === 0) listener(now);
    if (!this.timer) this.schedule(now);
  }
}

/** The process-wide audio clock (see {@link AudioTicker}). */
export const audioTicker = new AudioTicker(AUDIO_TICK_MS);
