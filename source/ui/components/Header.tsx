import type { Snapshot } from '../../session/types.js';
import { callElapsedMs, headerRow } from '../rows.js';
import { LiveRow } from './LiveRow.js';

export interface HeaderProps {
  readonly title: string;
  readonly snapshot: Snapshot;
  readonly now: number;
  readonly width: number;
}

/** Title on the left, call phase and call time on the right (a live row: the clock ticks). */
export function Header({ title, snapshot, now, width }: HeaderProps) {
  return (
    <LiveRow
      width={width}
      snapshot={snapshot}
      now={now}
      text={(s, t) => headerRow(title, s.phase, callElapsedMs(s, t), width)}
    />
  );
}
