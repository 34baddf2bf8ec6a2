import { useCallback, useEffect, useMemo, useRef } from 'react';

/** What {@link useTypedAhead} gives the keys. */
export interface TypedAhead {
  /** Whether the key being read now was typed before the screen could show the call live. */
  readonly now: () => boolean;
  /** Told of every key read, as it is read (`useCallKeys`). */
  readonly keyRead: () => void;
}

/**
 * Which keys were typed before the screen could show the call live, so the talk control opens
 * no mic for them (`keys.md`, "Push-to-talk in a terminal"):
 *
 * - the keys that waited in the terminal while the app started (raw mode is on from before
 *   dialing, `holdKeysForUi`). Ink starts reading the terminal in the effects of the UI's first
 *   commit, and all that waited comes in its first read, in the event loop's next poll. The
 *   local agent's call is often live by then, and the first frame shows it: the phase alone
 *   cannot tell such a key from a press made once the call showed. So the keys of the first read
 *   are typed ahead, if it comes before the second `setImmediate` from then (later, the
 *   terminal had nothing waiting, and it is a press);
 * - a key read after the call went live but before a frame showing it was committed.
 *
 * Counted in reads, turns of the event loop and frames, not in milliseconds: a busy machine
 * delays the read of what waited, and a press read after it talks at once. `live`: the call is
 * live in what this render shows.
 */
export function useTypedAhead(live: boolean): TypedAhead {
  const waiting = useRef(true);
  const liveShown = useRef(false);
  useEffect(() => {
    let second: NodeJS.Immediate | undefined;
    const first = setImmediate(() => {
      second = setImmediate(() => {
        waiting.current = false;
      });
    });
    return () => {
      clearImmediate(first);
      if (second !== undefined) clearImmediate(second);
    };
  }, []);
  useEffect(() => {
    liveShown.current = live;
  }, [live]);
  // Ink hands over the keys of one read one after another, synchronously: the window closes
  // after the last of them, so the read after it is a press.
  const keyRead = useCallback(() => {
    if (waiting.current)
      queueMicrotask(() => {
        waiting.current = false;
      });
  }, []);
  const now = useCallback(() => waiting.current || !liveShown.current, []);
  return useMemo(() => ({ now, keyRead }), [now, keyRead]);
}
