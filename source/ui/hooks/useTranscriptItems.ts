import { useMemo, useSyncExternalStore } from 'react';
import type { StoreReader } from '../../session/types.js';
import { animationClock } from '../clock.js';
import { isTurn, itemsCache, type TranscriptItem, unfinishedChanged } from '../transcriptLayout.js';

/**
 * A turn that is still streaming shows its new text every this many animation steps (three
 * frames a second), on the steps the meters move on anyway: streaming text costs no frame of
 * its own. A new turn, a final one, an interruption or an inline event shows at once.
 */
export const STREAM_EVERY_STEPS = 3;

/** True when `next` differs from `prev` only by the text of turns that are still streaming. */
export function onlyStreaming(
  prev: readonly TranscriptItem[],
  next: readonly TranscriptItem[],
): boolean {
  if (prev.length !== next.length) return false;
  for (let i = 0; i < next.length; i++) {
    const a = prev[i]!;
    const b = next[i]!;
    if (a === b) continue;
    if (!isTurn(a) || !isTurn(b)) return false;
    if (a.ordinal !== b.ordinal || a.final || b.final || a.interrupted !== b.interrupted) {
      return false;
    }
    // Marked unfinished as the call ends: shown at once (no step comes after the end).
    if (unfinishedChanged(a, b)) return false;
  }
  return true;
}

type Listener = () => void;

/** The transcript items of a store, paced as {@link STREAM_EVERY_STEPS} says. */
export class TranscriptFeed {
  private readonly itemsOf = itemsCache();
  private items: readonly TranscriptItem[];
  private pending = false;
  private readonly listeners = new Set<Listener>();
  private stop: (() => void) | undefined;

  constructor(readonly store: StoreReader) {
    this.items = this.latest();
  }

  readonly get = (): readonly TranscriptItem[] => this.items;

  /** The items as they are in the store now (scrolling measures against them). */
  latest(): readonly TranscriptItem[] {
    const s = this.store.getSnapshot();
    const ended = s.phase === 'ended' || s.phase === 'error';
    return this.itemsOf(s.turns, s.events, s.pendingTexts, ended);
  }

  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    if (!this.stop) {
      const offStore = this.store.subscribe(() => this.onStore());
      const offClock = animationClock.subscribe(() => this.onStep());
      this.stop = () => {
        offStore();
        offClock();
      };
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.stop?.();
        this.stop = undefined;
      }
    };
  };

  private onStore(): void {
    const next = this.latest();
    if (next === this.items) return;
    if (onlyStreaming(this.items, next)) {
      this.pending = true;
      return;
    }
    this.show(next);
  }

  private onStep(): void {
    if (this.pending && animationClock.getStep() % STREAM_EVERY_STEPS === 0) {
      this.show(this.latest());
    }
  }

  private show(items: readonly TranscriptItem[]): void {
    this.pending = false;
    this.items = items;
    for (const listener of [...this.listeners]) listener();
  }
}

/** The transcript items to draw, from a feed made once per store. */
export function useTranscriptItems(feed: TranscriptFeed): readonly TranscriptItem[] {
  return useSyncExternalStore(feed.subscribe, feed.get, feed.get);
}

/** One {@link TranscriptFeed} for the life of `store`. */
export function useTranscriptFeed(store: StoreReader): TranscriptFeed {
  return useMemo(() => new TranscriptFeed(store), [store]);
}
