import { type Dispatch, useCallback, useRef, useState } from 'react';

/**
 * `useReducer` whose state can also be read between renders: `now()` is the state after every
 * action dispatched so far. A terminal read can hold several keys (a fast typist over SSH, a
 * held Backspace, a busy event loop): Ink hands them to the input handlers one after another
 * before React renders again, so a handler that read the rendered state would build each key on
 * the state before the batch and undo the keys before it.
 */
export function useLatestReducer<S, A>(
  reducer: (state: S, action: A) => S,
  initial: S,
): readonly [S, Dispatch<A>, () => S] {
  const [state, setState] = useState(initial);
  const latest = useRef(initial);
  const dispatch = useCallback(
    (action: A) => {
      const next = reducer(latest.current, action);
      if (Object.is(next, latest.current)) return;
      latest.current = next;
      setState(next);
    },
    [reducer],
  );
  const now = useCallback(() => latest.current, []);
  return [state, dispatch, now] as const;
}
