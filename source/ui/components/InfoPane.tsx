import { Box, Text } from 'ink';
import type { Snapshot } from '../../session/types.js';
import { SIDE_INFO_ROWS } from '../layout.js';
import { CallFacts } from './CallFacts.js';
import { MeterRow, MicFlags } from './Meters.js';
import { StateIndicator } from './StateIndicator.js';

export interface InfoPaneProps {
  readonly snapshot: Snapshot;
  readonly now: number;
  readonly width: number;
  readonly height: number;
  /** Side pane (wide terminals) or bottom pane (narrow). */
  readonly wide: boolean;
}

/**
 * State indicator, VU meters and call facts: redrawn every frame, so kept cheap (no clipping
 * unless the terminal is too short for the side pane: clipping costs Ink a slice per line).
 */
export function InfoPane({ snapshot, now, width, height, wide }: InfoPaneProps) {
  const live = (
    <>
      <StateIndicator snapshot={snapshot} now={now} width={wideOr(wide, width)} />
      {wide && <Text> </Text>}
      <MeterRow label="mic" level="micLevel" snapshot={snapshot} width={wideOr(wide, width)} />
      <MeterRow label="agent" level="agentLevel" snapshot={snapshot} width={wideOr(wide, width)} />
      <MicFlags
        muted={snapshot.muted}
        ptt={snapshot.ptt}
        pttDown={snapshot.pttDown}
        echoGuard={snapshot.echoGuard}
      />
    </>
  );
  if (wide) {
    return (
      <Box
        flexDirection="column"
        width={width}
        height={height}
        overflow={height < SIDE_INFO_ROWS ? 'hidden' : undefined}
      >
        {live}
        <Text> </Text>
        <CallFacts snapshot={snapshot} now={now} width={width} />
      </Box>
    );
  }
  const half = Math.floor(width / 2);
  return (
    <Box flexDirection="row" width={width} height={height}>
      <Box flexDirection="column" width={half} paddingRight={1}>
        {live}
      </Box>
      <CallFacts snapshot={snapshot} now={now} width={width - half} compact />
    </Box>
  );
}

function wideOr(wide: boolean, width: number): number {
  // In the narrow layout the meters share the row with the facts column.
  return wide ? width : Math.floor(width / 2) - 1;
}
