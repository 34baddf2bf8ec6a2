import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { Snapshot, StoreReader } from '../../session/types.js';

/** What a store change touches, for how soon it needs a frame. */
export type ChangeKind =
  /** Only what live rows show: they repaint it, Ink draws no frame. */
  | 'live'
  /** Without live rows: levels, queued audio or the streaming turn's text (frames may wait). */
  | 'streaming'
  /** Anything else: a phase, a setting, a notice, and without live rows a turn or an event. */
  | 'other';

/** Always drawn by live rows, never by Ink's frame. */
const ALWAYS_LIVE: ReadonlySet<keyof Snapshot> = new Set(['micLevel', 'agentLevel', 'queuedMs']);
/**
 * Also drawn by live rows in the full-screen UI (the state indicator, the call facts and the
 * transcript); the component view without live rows needs a frame for them.
 */
const LIVE_ROWS_ONLY: ReadonlySet<keyof Snapshot> = new Set([
  'agentState',
  'agentStateSince',
  'rttMs',
  'responseLatencyMs',
  'responseLatenciesMs',
  'interruptions',
  'turns',
]);

/** What the screen shows, for {@link changeKind}. */
export interface ShownParts {
  /** Live rows draw the state, the facts and the transcript (the full-screen UI). */
  readonly liveRows?: boolean;
  /** The events pane is open: with live rows, the one thing that draws events through Ink. */
  readonly eventsPane?: boolean;
}

/** How `next` differs from `prev` (see {@link ChangeKind}). */
export function changeKind(prev: Snapshot, next: Snapshot, shown: ShownParts = {}): ChangeKind {
  let streaming = false;
  for (const key of Object.keys(next) as Array<keyof Snapshot>) {
    if (prev[key] === next[key]) continue;
    if (shown.liveRows) {
      if (ALWAYS_LIVE.has(key) || LIVE_ROWS_ONLY.has(key)) continue;
      // Inline events are transcript rows; the others show only in the events pane.
      if (key === 'events' && !shown.eventsPane) continue;
      return 'other';
    }
    // Ink alone draws the meters and the streaming turn: frames, but they may wait.
    if (ALWAYS_LIVE.has(key) || (key === 'turns' && prev.turns.length === next.turns.length)) {
      streaming = true;
      continue;
    }
    return 'other';
  }
  return streaming ? 'streaming' : 'live';
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
   * Live rows repaint levels, clocks, state, facts and the transcript themselves (see
   * `live.ts`): such changes cost no frame.
   */
  readonly live?: boolean;
  /** The events pane is open (with live rows, other events then cost no frame). */
  readonly eventsPane?: boolean;
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
        const { animating = false, live = false, eventsPane = false } = pacingRef.current;
        const kind = changeKind(shown, store.getSnapshot(), { liveRows: live, eventsPane });
        if (kind === 'live' || (animating && kind !== 'other')) return;
        const at = Math.max(Date.now(), lastAt + frameMs);
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
