import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { Snapshot, StoreReader } from '../../session/types.js';

/** Equality of two selections. */
export type Equality<T> = (a: T, b: T) => boolean;

/** Same keys, same values (`Object.is`): selections that build a small object each time. */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keysA = Object.keys(a) as Array<keyof T>;
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.is(a[key], b[key]));
}

/**
 * What `select` picks from the store's snapshot. The component renders again only when the
 * selection changes by `equal`, not on every snapshot: a meter does not redraw for a new
 * transcript delta, nor the transcript for a level. `select` may close over props; it is
 * applied again when it changes.
 */
export function useStoreSelector<T>(
  store: StoreReader,
  select: (snapshot: Snapshot) => T,
  equal: Equality<T> = Object.is,
): T {
  const cache = useRef<{ snapshot?: Snapshot; select?: (s: Snapshot) => T; value?: T }>({});
  const getSelection = useCallback((): T => {
    const snapshot = store.getSnapshot();
    const c = cache.current;
    if (c.snapshot === snapshot && c.select === select) return c.value as T;
    const value = select(snapshot);
    const same = c.select !== undefined && equal(c.value as T, value);
    c.snapshot = snapshot;
    c.select = select;
    if (!same) c.value = value;
    return c.value as T;
  }, [store, select, equal]);
  return useSyncExternalStore(store.subscribe, getSelection, getSelection);
}
