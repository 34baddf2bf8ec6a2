import { useEffect, useState } from 'react';

/**
 * The current time, refreshed every `frameMs` while `active`: the one clock that moves the
 * meters, spinners and elapsed times at a steady frame rate (audio never sets React state).
 */
export function useTicker(frameMs: number, active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), frameMs);
    return () => clearInterval(timer);
  }, [frameMs, active]);
  return now;
}
