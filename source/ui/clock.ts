/**
 * The UI's clocks. Everything on screen that moves by itself (the state spinner, the call and
 * state clocks, the transcript while it streams) moves on the ticks of the shared audio clock
 * (`audio-ticker.ts`) on which the session store folds audio levels: every LEVEL_TICK_EVERY-th
 * tick (120 ms). Whatever changes on one of those ticks changes in one event-loop turn, and
 * React and Ink turn it into one frame: a meter, a spinner and a clock moving together cost one
 * frame, not three, and the UI's clocks cost no wake-up of their own.
 */
import { useSyncExternalStore } from 'react';
import { LEVEL_TICK_EVERY, LEVEL_TICK_MS } from '../audio/constants.js';
import { audioTicker } from '../audio/sources/audio-ticker.js';

/** One step of every animation: the meters' rate (about 8 steps a second). */
export const ANIMATION_STEP_MS = LEVEL_TICK_MS;
/** Clocks show whole seconds. */
export const CLOCK_STEP_MS = 1_000;

type Listener = () => void;

/**
 * A clock whose value is `floor(now / stepMs)` and which tells its listeners when that changes.
 * It looks on the store's level-fold ticks of the shared audio clock (so a whole second shows
 * on the first of them after it), and only while someone listens.
 */
export class StepClock {
  private readonly listeners = new Set<Listener>();
  private stopTicker: (() => void) | undefined;
  private step: number;

  constructor(
    readonly stepMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.step = Math.floor(this.now() / stepMs);
  }

  /** The current step (whole `stepMs` since the epoch). */
  readonly getStep = (): number => {
    // Without listeners nothing advances the step: read the time directly.
    if (!this.stopTicker) this.step = Math.floor(this.now() / this.stepMs);
    return this.step;
  };

  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    if (!this.stopTicker) {
      this.step = Math.floor(this.now() / this.stepMs);
      this.stopTicker = audioTicker.subscribe(() => this.tick(), LEVEL_TICK_EVERY);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stopTicker?.();
        this.stopTicker = undefined;
      }
    };
  };

  private tick(): void {
    const step = Math.floor(this.now() / this.stepMs);
    if (step === this.step) return;
    this.step = step;
    for (const listener of [...this.listeners]) listener();
  }
}

/** The UI's shared clocks (one of each, whatever the number of components that use them). */
export const animationClock = new StepClock(ANIMATION_STEP_MS);
export const secondClock = new StepClock(CLOCK_STEP_MS);

const idle = () => () => undefined;

/**
 * The time in ms, re-rendering the component once a step of `clock` while `active` (and never
 * while not: a still screen costs nothing). The step only says when; the time is read now.
 */
export function useClock(clock: StepClock, active: boolean): number {
  useSyncExternalStore(active ? clock.subscribe : idle, active ? clock.getStep : zero);
  return Date.now();
}

function zero(): number {
  return 0;
}
