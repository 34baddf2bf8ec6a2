import { Box, Text } from 'ink';
import type { CallPhase } from '../../session/types.js';
import { formatClock } from '../format.js';
import { sanitizeLine } from '../sanitize.js';
import { fg, PHASE_COLOR } from '../theme.js';

export interface HeaderProps {
  readonly title: string;
  readonly phase: CallPhase;
  /** Call time in ms, when the call has started. */
  readonly elapsedMs?: number;
  readonly width: number;
}

/** Title on the left, call phase and call time on the right. */
export function Header({ title, phase, elapsedMs, width }: HeaderProps) {
  const right = `${phase}${elapsedMs === undefined ? '' : ` ${formatClock(elapsedMs)}`}`;
  return (
    <Box width={width} height={1} justifyContent="space-between">
      <Box flexShrink={1}>
        <Text bold wrap="truncate-end">
          {sanitizeLine(title)}
        </Text>
      </Box>
      <Box flexShrink={0} marginLeft={1}>
        <Text {...fg(PHASE_COLOR[phase])}>{right}</Text>
      </Box>
    </Box>
  );
}
