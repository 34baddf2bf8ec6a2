import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { Snapshot, StoreReader } from '../../session/types.js';

/** What a store change touches, for how soon it needs a frame. */
export type ChangeKind =
  /** Only levels or queued audio: the live rows repaint them (when there is a live layer). */
  | 'live'
  /** The text of existing turns (the agent's turn streaming in), maybe with live values. */
  | 'streaming'
  /** Anything else: a new turn, a state, an event, a setting. */
  | 'other';

const LIVE_KEYS: ReadonlySet<keyof Snapshot> = new Set(['micLevel', 'agentLevel', 'queuedMs']);

/** How `next` differs from `prev` (see {@link ChangeKind}). */
export function changeKind(prev: Snapshot, next: Snapshot): ChangeKind {
  let turns = false;
  for (const key of Object.keys(next) as Array<keyof Snapshot>) {
    if (prev[key] === next[key] || LIVE_KEYS.has(key)) continue;
    if (key !== 'turns' || prev.turns.length !== next.turns.length) return 'other';
    turns = true;
  }
  return turns ? 'streaming' : 'live';
}

/** Options of {@link useStoreSnapshot}. */
export interface SnapshotPacing {
  /** Least time between two frames. */
  readonly frameMs: number;
  /**
   * A ticker redraws every frame and reads the latest snapshot then, so streaming changes wait
   * for it rather than adding frames of their own between the ticker's.
   */
  readonly animating?: boolean;
  /**
   * Live rows repaint levels, clocks and queued audio themselves (see `live.ts`): such changes
   * cost no frame, and the streaming turn's text gets a frame at most every `streamMs`.
   */
  readonly live?: boolean;
  readonly streamMs?: number;
}

/**
 * The store's snapshot, with change notifications coalesced to at most one per `frameMs`:
 * the store may publish on every audio block, the screen only needs a frame's worth. The
 * first change after a quiet spell goes through at once, so keys feel immediate.
 */
export function useStoreSnapshot(store: StoreReader, pacing: SnapshotPacing): Snapshot {
  const pacingRef = useRef(pacing);
  pacingRef.current = pacing;
  const { frameMs } = pacing;
  const subscribe = useCallback(
    (listener: () => void) => {
      let timer: NodeJS.Timeout | undefined;
      let dueAt = 0;
      let lastAt = 0;
      let shown = store.getSnapshot();
      const fire = () => {
        timer = undefined;
        lastAt = Date.now();
        shown = store.getSnapshot();
        listener();
      };
      const unsubscribe = store.subscribe(() => {
        const { animating = false, live = false, streamMs = frameMs } = pacingRef.current;
        const kind = changeKind(shown, store.getSnapshot());
        let gapMs = frameMs;
        if (live) {
          if (kind === 'live') return;
          if (kind === 'streaming') gapMs = Math.max(frameMs, streamMs);
        } else if (animating && kind !== 'other') return;
        const at = Math.max(Date.now(), lastAt + gapMs);
        // A pending frame that is due sooner already covers this change.
        if (timer && dueAt <= at) return;
        if (timer) clearTimeout(timer);
        if (at <= Date.now()) {
          fire();
          return;
        }
        dueAt = at;
        timer = setTimeout(fire, at - Date.now());
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
