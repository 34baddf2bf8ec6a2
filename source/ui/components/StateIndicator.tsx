import type { Snapshot } from '../../session/types.js';
import { stateRow } from '../rows.js';
import { LiveRow } from './LiveRow.js';

export interface StateIndicatorProps {
  readonly snapshot: Snapshot;
  readonly now: number;
  readonly width: number;
}

/** "● listening 3s": what the agent is doing, animated, and for how long (a live row). */
export function StateIndicator({ snapshot, now, width }: StateIndicatorProps) {
  return (
    <LiveRow
      width={width}
      snapshot={snapshot}
      now={now}
      text={(s, t) => stateRow(s.phase, s.agentState, s.agentStateSince, t, width)}
    />
  );
}
