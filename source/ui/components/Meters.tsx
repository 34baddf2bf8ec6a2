import { Text } from 'ink';
import { memo } from 'react';
import type { Snapshot, Store } from '../../session/types.js';
import { shallowEqual, useStoreSelector } from '../hooks/useStoreSelector.js';
import { formatReading, type MeterReading, meterReading, meterSegments } from '../meter.js';
import { fg, METER_COLOR } from '../theme.js';

/** Columns around the bar: label (6) + space + the readout (at most 7, "<-60 dB"). */
export const METER_CHROME_COLUMNS = 14;
/** The label's columns ("agent "). */
const METER_LABEL_COLUMNS = 6;
/** Fewest cells of a bar beside its readout; narrower, the readout goes, never cut. */
const MIN_METER_CELLS = 4;

const TONE_PROPS = {
  low: () => fg(METER_COLOR.low),
  mid: () => fg(METER_COLOR.mid),
  high: () => fg(METER_COLOR.high),
  hold: () => fg(METER_COLOR.hold),
  empty: () => ({ dimColor: true }),
} as const;

export interface MeterRowProps {
  readonly store: Store;
  readonly label: string;
  /** Which level of the snapshot the meter shows. */
  readonly level: 'micLevel' | 'agentLevel';
  readonly width: number;
}

/**
 * "mic   ████████····│··· -23 dB". The meter renders again only when what it shows changes:
 * whole cells and whole dB, so a steady level or silence costs no frame.
 */
export const MeterRow = memo(function MeterRow({ store, label, level, width }: MeterRowProps) {
  // A readout cut short reads as another figure (`-29 dB` cut to `-2…`): below the width where
  // it fits whole beside a short bar, the row is the bar alone.
  const withReading = width - METER_CHROME_COLUMNS >= MIN_METER_CELLS;
  const cells = withReading
    ? width - METER_CHROME_COLUMNS
    : Math.max(1, width - METER_LABEL_COLUMNS);
  const { unheard, ...reading } = useStoreSelector(
    store,
    (s: Snapshot): MeterReading & { unheard: boolean } => {
      const reading = meterReading(s[level], cells);
      // No output device: the agent is heard by no one, and its row says so instead of a meter.
      const unheard = level === 'agentLevel' && s.outputLost === true;
      // Without the readout its dB is not shown: a change of it alone is no frame.
      return withReading ? { ...reading, unheard } : { ...reading, db: 0, unheard };
    },
    shallowEqual,
  );
  if (unheard) {
    return (
      <Text wrap="truncate-end">
        {label.padEnd(6)}
        <Text dimColor>no audio output: not heard</Text>
      </Text>
    );
  }
  return (
    <Text wrap="truncate-end">
      {label.padEnd(6)}
      {meterSegments(reading, cells).map((segment, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional
        <Text key={i} {...TONE_PROPS[segment.tone]()}>
          {segment.text}
        </Text>
      ))}
      {withReading && <Text dimColor>{` ${formatReading(reading.db).padStart(6)}`}</Text>}
    </Text>
  );
});

export interface MicFlagsProps {
  readonly store: Store;
}

const selectFlags = (s: Snapshot) => ({
  live: s.phase === 'live',
  lost: s.micLost === true,
  muted: s.userMuted,
  /** The mic sends what it hears (a held talk control can open a muted mic without --ptt). */
  open: !s.muted,
  ptt: s.ptt,
  pttDown: s.pttDown,
  guardEnabled: s.echoGuard.enabled,
  guardActive: s.echoGuard.active,
});

/**
 * Why the mic is (not) being heard: NO MIC, MUTED, PTT, ECHO GUARD (the guard, `--echo guard`),
 * MIC HELD: LEARNING ECHO (the canceller holding the mic while the agent may be heard in it,
 * until it has learnt the room's echo: the user's speech does not get through then).
 */
export const MicFlags = memo(function MicFlags({ store }: MicFlagsProps) {
  const { live, lost, muted, open, ptt, pttDown, guardEnabled, guardActive } = useStoreSelector(
    store,
    selectFlags,
    shallowEqual,
  );
  const parts: Array<{ text: string; color: string; strong: boolean }> = [];
  // Before the call is up and once it is over, nothing of the mic is sent.
  if (!live) parts.push({ text: 'mic off', color: 'gray', strong: false });
  else if (lost) parts.push({ text: 'NO MIC: sending silence', color: 'red', strong: true });
  // The user's mute, and whether a held talk control opened the mic through it (no --ptt).
  if (muted && open) parts.push({ text: 'MUTED, talk held: live', color: 'green', strong: true });
  else if (muted) parts.push({ text: 'MUTED', color: 'red', strong: true });
  if (ptt && live) {
    parts.push(
      !pttDown
        ? { text: 'PTT: off (space)', color: 'yellow', strong: true }
        : muted
          ? { text: 'PTT: held, muted', color: 'yellow', strong: true }
          : { text: 'PTT: talking', color: 'green', strong: true },
    );
  }
  if (guardActive && guardEnabled)
    parts.push({ text: 'ECHO GUARD', color: 'yellow', strong: true });
  else if (guardActive) {
    parts.push({ text: 'MIC HELD: learning echo', color: 'yellow', strong: true });
  } else if (guardEnabled) parts.push({ text: 'echo guard', color: 'gray', strong: false });
  if (parts.length === 0) parts.push({ text: 'mic live', color: 'green', strong: false });
  // A flag is its text, inverse when it stops the mic: no padding inside, so `MUTED` starts in
  // the column `mic live` and the meters start in (a padded ` MUTED ` stood a column in).
  return (
    <Text wrap="truncate-end">
      {parts.map((part, i) => (
        <Text key={part.text}>
          {i > 0 ? ' ' : ''}
          <Text inverse={part.strong} dimColor={!part.strong} {...fg(part.color)}>
            {part.text}
          </Text>
        </Text>
      ))}
    </Text>
  );
});
