/**
 * The UI's clocks. Everything on screen that moves by itself (the state spinner, the call and
 * state clocks, the transcript while it streams) moves on the ticks of the shared audio clock
 * (`audio-ticker.ts`) on which the session store folds audio levels: every LEVEL_TICK_EVERY-th
 * tick (120 ms). Whatever changes on one of those ticks changes in one event-loop turn, and
 * React and Ink turn it into one frame: a meter, a spinner and a clock moving together cost one
 * frame, not three, and the UI's clocks cost no wake-up of their own.
 *
 * A clock's value is its step, counted from its origin, and it moves only on a tick: everything
 * that reads a clock reads that step (never the time at which it happens to render), so two
 * components showing the same clock show the same value whatever else makes either render.
 */
import { useSyncExternalStore } from 'react';
import { LEVEL_TICK_EVERY, LEVEL_TICK_MS } from '../audio/constants.js';
import { audioTicker } from '../audio/sources/audio-ticker.js';

/** One step of every animation: the meters' rate (about 8 steps a second). */
export const ANIMATION_STEP_MS = LEVEL_TICK_MS;
/** Clocks show whole seconds. */
export const CLOCK_STEP_MS = 1_000;

type Listener = () => void;

/** What drives a clock's ticks: the shared audio clock, or a test's. */
export interface TickSource {
  subscribe(listener: () => void, everyTicks: number): () => void;
}

/**
 * A clock whose step is `floor((now - origin) / stepMs)` and which tells its listeners when that
 * changes. It looks on the store's level-fold ticks of the shared audio clock (so a step shows on
 * the first of them after it begins), and only while someone listens; while someone does, the
 * step moves on those ticks alone.
 */
export class StepClock {
  private readonly listeners = new Set<Listener>();
  private stopTicker: (() => void) | undefined;
  private step: number;

  constructor(
    readonly stepMs: number,
    /** Where step 0 begins (ms since the epoch): a call's clock starts with the call. */
    readonly origin = 0,
    private readonly now: () => number = () => Date.now(),
    private readonly ticker: TickSource = audioTicker,
  ) {
    this.step = this.stepAt(this.now());
  }

  /** The current step (whole `stepMs` since the origin). */
  readonly getStep = (): number => {
    // Without listeners nothing advances the step: read the time directly.
    if (!this.stopTicker) this.step = this.stepAt(this.now());
    return this.step;
  };

  /** When step `step` began (ms since the epoch). */
  timeOf(step: number): number {
    return this.origin + step * this.stepMs;
  }

  /** True while someone listens. */
  get listened(): boolean {
    return this.listeners.size > 0;
  }

  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    if (!this.stopTicker) {
      this.step = this.stepAt(this.now());
      this.stopTicker = this.ticker.subscribe(() => this.tick(), LEVEL_TICK_EVERY);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stopTicker?.();
        this.stopTicker = undefined;
      }
    };
  };

  private stepAt(now: number): number {
    return Math.floor((now - this.origin) / this.stepMs);
  }

  private tick(): void {
    const step = this.stepAt(this.now());
    if (step === this.step) return;
    this.step = step;
    for (const listener of [...this.listeners]) listener();
  }
}

/** The UI's shared animation clock (one, whatever the number of components that use it). */
export const animationClock = new StepClock(ANIMATION_STEP_MS);

/** The one-second clocks by origin: the call's, shared by every component that shows it. */
const secondClocks = new Map<number, StepClock>();

/**
 * The one-second clock of a call that started at `startedAt` (ms since the epoch, as the store
 * gives it): its steps are the call's whole seconds, so the call time shown changes when the call
 * has lasted one more second (on the first level-fold tick after it). Every component showing the
 * call time, or timing something during the call, reads this one clock: they all change in the
 * same frame and show the same value.
 */
export function callClock(startedAt: number): StepClock {
  let clock = secondClocks.get(startedAt);
  if (!clock) {
    // A redial starts a new clock; the old ones are dropped once nobody listens to them.
    for (const [origin, old] of secondClocks) if (!old.listened) secondClocks.delete(origin);
    clock = new StepClock(CLOCK_STEP_MS, startedAt);
    secondClocks.set(startedAt, clock);
  }
  return clock;
}

const idle = () => () => undefined;

/**
 * The time of `clock`'s current step (when it began, ms since the epoch), re-rendering the
 * component once a step while `active` (and never while not: a still screen costs nothing). Time
 * shown from it is the clock's, not the moment the component happens to render: a component
 * that renders between two ticks for other reasons shows what the others show.
 */
export function useClock(clock: StepClock, active: boolean): number {
  const step = useSyncExternalStore(active ? clock.subscribe : idle, active ? clock.getStep : zero);
  // Not ticking, nothing shown moves: the step of the moment, outside React's snapshot (which
  // must not change between two reads of one render).
  return clock.timeOf(active ? step : clock.getStep());
}

function zero(): number {
  return 0;
}
