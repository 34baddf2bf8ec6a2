import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { Snapshot, StoreReader } from '../../session/types.js';

/**
 * True when `next` differs from `prev` only in what streams all the time while the agent talks
 * (levels, queued audio, the live turn's text): changes that can wait for the next animation
 * frame instead of costing a frame of their own.
 */
export function onlyStreamingChanged(prev: Snapshot, next: Snapshot): boolean {
  for (const key of Object.keys(next) as Array<keyof Snapshot>) {
    if (key === 'micLevel' || key === 'agentLevel' || key === 'queuedMs' || key === 'turns')
      continue;
    if (prev[key] !== next[key]) return false;
  }
  return prev.turns.length === next.turns.length;
}

/**
 * The store's snapshot, with change notifications coalesced to at most one per `frameMs`:
 * the store may publish on every audio block, the screen only needs a frame's worth. The
 * first change after a quiet spell goes through at once, so keys feel immediate.
 *
 * While `animating`, a ticker already redraws every frame and each redraw reads the latest
 * snapshot, so streaming changes (see {@link onlyStreamingChanged}) wait for it rather than
 * adding frames of their own between the ticker's (that had doubled the frame rate).
 */
export function useStoreSnapshot(store: StoreReader, frameMs: number, animating = false): Snapshot {
  const animatingRef = useRef(animating);
  animatingRef.current = animating;
  const subscribe = useCallback(
    (listener: () => void) => {
      let timer: NodeJS.Timeout | undefined;
      let lastAt = 0;
      let shown = store.getSnapshot();
      const fire = () => {
        timer = undefined;
        lastAt = Date.now();
        shown = store.getSnapshot();
        listener();
      };
      const unsubscribe = store.subscribe(() => {
        if (timer) return;
        if (animatingRef.current && onlyStreamingChanged(shown, store.getSnapshot())) return;
        const waitMs = lastAt + frameMs - Date.now();
        if (waitMs <= 0) fire();
        else timer = setTimeout(fire, waitMs);
      });
      return () => {
        unsubscribe();
        if (timer) clearTimeout(timer);
      };
    },
    [store, frameMs],
  );
  const getSnapshot = useCallback(() => store.getSnapshot(), [store]);
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
