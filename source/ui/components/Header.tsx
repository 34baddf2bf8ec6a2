import { Box, Text } from 'ink';
import { memo } from 'react';
import type { Snapshot, Store } from '../../session/types.js';
import { callClock, useClock } from '../clock.js';
import { formatCallTime } from '../format.js';
import { shallowEqual, useStoreSelector } from '../hooks/useStoreSelector.js';
import { screenLine } from '../sanitize.js';
import { stringWidth } from '../textWidth.js';
import { fg, PHASE_COLOR } from '../theme.js';

export interface HeaderProps {
  readonly store: Store;
  readonly title: string;
  readonly width: number;
}

const selectHeader = (s: Snapshot) => ({
  phase: s.phase,
  startedAt: s.startedAt,
  endedAt: s.endedAt,
});

/** The fewest columns a title is shown in (`omn…`); fewer, the header is the phase alone. */
const MIN_TITLE_COLUMNS = 4;

/** Title on the left; call phase and call time on the right (the clock moves once a second). */
export const Header = memo(function Header({ store, title, width }: HeaderProps) {
  const { phase, startedAt, endedAt } = useStoreSelector(store, selectHeader, shallowEqual);
  const ticking = startedAt !== undefined && endedAt === undefined;
  const now = useClock(callClock(startedAt ?? 0), ticking);
  const elapsed = startedAt === undefined ? '' : ` ${formatCallTime(startedAt, endedAt, now)}`;
  const status = `${phase}${elapsed}`;
  // No room for a title worth reading: the phase and time alone, flush left (not after a space
  // kept for a title of no columns).
  if (stringWidth(status) + 1 + MIN_TITLE_COLUMNS > width) {
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-end" {...fg(PHASE_COLOR[phase])}>
          {status}
        </Text>
      </Box>
    );
  }
  return (
    <Box width={width} height={1}>
      <Box flexGrow={1} flexShrink={1}>
        <Text bold wrap="truncate-end">
          {screenLine(title)}
        </Text>
      </Box>
      <Box flexShrink={0} marginLeft={1}>
        <Text {...fg(PHASE_COLOR[phase])}>{status}</Text>
      </Box>
    </Box>
  );
});
