import { Text } from 'ink';
import { LEVEL_FLOOR_DB } from '../../audio/constants.js';
import type { Level } from '../../session/types.js';
import { formatDb } from '../format.js';
import { type MeterSegment, meterSegments } from '../meter.js';
import { fg, METER_COLOR } from '../theme.js';

/** Columns around the bar: label (6) + space + dB readout (7). */
const METER_CHROME_COLUMNS = 14;

const SEGMENT_COLOR: Record<MeterSegment['tone'], string | undefined> = {
  low: METER_COLOR.low,
  mid: METER_COLOR.mid,
  high: METER_COLOR.high,
  hold: METER_COLOR.hold,
  empty: undefined,
};

export interface MeterRowProps {
  readonly label: string;
  readonly level: Level;
  readonly width: number;
}

/** "mic   ████████····│··· -23 dB" */
export function MeterRow({ label, level, width }: MeterRowProps) {
  const barWidth = Math.max(4, width - METER_CHROME_COLUMNS);
  const segments = meterSegments(level, barWidth);
  return (
    <Text wrap="truncate-end">
      <Text>{label.padEnd(6)}</Text>
      {segments.map((segment, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional
        <Text key={i} dimColor={segment.tone === 'empty'} {...fg(SEGMENT_COLOR[segment.tone])}>
          {segment.text}
        </Text>
      ))}
      <Text dimColor>{` ${formatDb(level.rmsDb, LEVEL_FLOOR_DB).padStart(6)}`}</Text>
    </Text>
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
