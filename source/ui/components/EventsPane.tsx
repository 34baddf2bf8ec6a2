import { Box, Text } from 'ink';
import { memo } from 'react';
import type { CallEvent } from '../../session/types.js';
import { sanitizeLine } from '../sanitize.js';
import { EVENT_COLOR, fg } from '../theme.js';

export interface EventsPaneProps {
  readonly events: readonly CallEvent[];
  readonly width: number;
  /** Rows including the title row. */
  readonly rows: number;
}

function clock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

/** The newest events that fit, one line each (toggled with `d`). */
export const EventsPane = memo(function EventsPane({ events, width, rows }: EventsPaneProps) {
  if (rows <= 0) return null;
  const shown = events.slice(Math.max(0, events.length - (rows - 1)));
  return (
    <Box flexDirection="column" width={width} height={rows}>
      <Text bold wrap="truncate-end">
        {`Events (${events.length})`}
        <Text dimColor> d to hide</Text>
      </Text>
      {shown.map((event) => (
        <Text key={event.id} wrap="truncate-end">
          <Text dimColor>{`${clock(event.at)} `}</Text>
          <Text {...fg(EVENT_COLOR[event.kind])}>{`${event.kind.padEnd(8)} `}</Text>
          <Text>{sanitizeLine(event.message)}</Text>
        </Text>
      ))}
    </Box>
  );
});
