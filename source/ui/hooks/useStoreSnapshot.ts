import { useCallback, useSyncExternalStore } from 'react';
import type { Snapshot, StoreReader } from '../../session/types.js';

/**
 * The store's snapshot, with change notifications coalesced to at most one per `frameMs`:
 * the store may publish on every audio block, the screen only needs a frame's worth. The
 * first change after a quiet spell goes through at once, so keys feel immediate.
 */
export function useStoreSnapshot(store: StoreReader, frameMs: number): Snapshot {
  const subscribe = useCallback(
    (listener: () => void) => {
      let timer: NodeJS.Timeout | undefined;
      let lastAt = 0;
      const fire = () => {
        timer = undefined;
        lastAt = Date.now();
        listener();
      };
      const unsubscribe = store.subscribe(() => {
        if (timer) return;
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
