import { useEffect, useState } from 'react';

/**
 * The time, refreshed every `stepMs` while `active`: it moves spinners and elapsed times.
 * Meters move with the store's own level ticks, so a still screen costs one render a second.
 */
export function useTicker(stepMs: number, active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const tick = () => setNow(Date.now());
    tick();
    const timer = setInterval(tick, stepMs);
    return () => clearInterval(timer);
  }, [stepMs, active]);
  return now;
}
