import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { Snapshot, StoreReader } from '../../session/types.js';
import { inlineEvents } from '../transcriptLayout.js';

/** What a store change touches, for how soon it needs a frame. */
export type ChangeKind =
  /** Only what live rows show (levels, queued audio, state, latencies): they repaint it. */
  | 'live'
  /** The text of existing turns (the agent's turn streaming in), maybe with live values. */
  | 'streaming'
  /** Anything else: a new turn, a phase, a setting, an event the screen shows. */
  | 'other';

/** Always drawn by live rows, never by Ink's frame. */
const ALWAYS_LIVE: ReadonlySet<keyof Snapshot> = new Set(['micLevel', 'agentLevel', 'queuedMs']);
/**
 * Also drawn by live rows in the full-screen UI (the state indicator and the call facts); the
 * component view without live rows needs a frame for them.
 */
const LIVE_ROWS_ONLY: ReadonlySet<keyof Snapshot> = new Set([
  'agentState',
  'agentStateSince',
  'rttMs',
  'responseLatencyMs',
  'responseLatenciesMs',
  'interruptions',
]);

/** What the screen shows, for {@link changeKind}. */
export interface ShownParts {
  /** Live rows draw state and facts (the full-screen UI). */
  readonly liveRows?: boolean;
  /** The events pane is open: every event shows. Otherwise only those inline in the transcript. */
  readonly eventsPane?: boolean;
}

/** How `next` differs from `prev` (see {@link ChangeKind}). */
export function changeKind(prev: Snapshot, next: Snapshot, shown: ShownParts = {}): ChangeKind {
  let turns = false;
  for (const key of Object.keys(next) as Array<keyof Snapshot>) {
    if (prev[key] === next[key] || ALWAYS_LIVE.has(key)) continue;
    if (shown.liveRows && LIVE_ROWS_ONLY.has(key)) continue;
    if (key === 'events' && shown.liveRows && !shown.eventsPane) {
      // Events that show nowhere but in the closed events pane need no frame.
      const before = inlineEvents(prev.events);
      if (inlineEvents(next.events, before) === before) continue;
      return 'other';
    }
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
        const {
          animating = false,
          live = false,
          streamMs = frameMs,
          eventsPane = false,
        } = pacingRef.current;
        const kind = changeKind(shown, store.getSnapshot(), { liveRows: live, eventsPane });
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
