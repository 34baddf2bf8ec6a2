import { Text } from 'ink';
import type { Snapshot } from '../../session/types.js';
import { meterRow } from '../rows.js';
import { fg } from '../theme.js';
import { LiveRow } from './LiveRow.js';

export interface MeterRowProps {
  readonly label: string;
  /** Which level of the snapshot the meter shows. */
  readonly level: 'micLevel' | 'agentLevel';
  readonly snapshot: Snapshot;
  readonly width: number;
}

/** "mic   ████████····│··· -23 dB" (a live row: it moves between Ink's frames). */
export function MeterRow({ label, level, snapshot, width }: MeterRowProps) {
  return (
    <LiveRow
      width={width}
      snapshot={snapshot}
      now={0}
      text={(s) => meterRow(label, s[level], width)}
    />
  );
}

export interface MicFlagsProps {
  readonly muted: boolean;
  readonly ptt: boolean;
  readonly pttDown: boolean;
  readonly echoGuard: { readonly enabled: boolean; readonly active: boolean };
}

/** Why the mic is (not) being heard: MUTED, PTT, ECHO GUARD. */
export function MicFlags({ muted, ptt, pttDown, echoGuard }: MicFlagsProps) {
  const parts: Array<{ text: string; color: string; strong: boolean }> = [];
  if (muted) parts.push({ text: 'MUTED', color: 'red', strong: true });
  if (ptt) {
    parts.push(
      pttDown
        ? { text: 'PTT: talking', color: 'green', strong: true }
        : { text: 'PTT: off (space)', color: 'yellow', strong: true },
    );
  }
  if (echoGuard.active) parts.push({ text: 'ECHO GUARD', color: 'yellow', strong: true });
  else if (echoGuard.enabled) parts.push({ text: 'echo guard', color: 'gray', strong: false });
  if (parts.length === 0) parts.push({ text: 'mic live', color: 'green', strong: false });
  return (
    <Text wrap="truncate-end">
      {parts.map((part, i) => (
        <Text key={part.text}>
          {i > 0 ? ' ' : ''}
          <Text inverse={part.strong} dimColor={!part.strong} {...fg(part.color)}>
            {part.strong ? ` ${part.text} ` : part.text}
          </Text>
        </Text>
      ))}
    </Text>
  );
}
