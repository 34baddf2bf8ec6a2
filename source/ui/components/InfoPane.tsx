import { Box, Text } from 'ink';
import { memo } from 'react';
import type { Store } from '../../session/types.js';
import { useStoreSelector } from '../hooks/useStoreSelector.js';
import { sideInfoRows } from '../layout.js';
import { CallFacts, EchoFact, RecordFact, selectIsRecording } from './CallFacts.js';
import { MeterRow, MicFlags } from './Meters.js';
import { StateIndicator } from './StateIndicator.js';

export interface InfoPaneProps {
  readonly store: Store;
  readonly width: number;
  readonly height: number;
  /** Side pane (wide terminals) or bottom pane (narrow). */
  readonly wide: boolean;
}

/** State indicator, VU meters and call facts; each part renders when what it shows changes. */
export const InfoPane = memo(function InfoPane({ store, width, height, wide }: InfoPaneProps) {
  const recording = useStoreSelector(store, selectIsRecording);
  // In the narrow layout the meters share the row with the facts column.
  const half = Math.floor(width / 2);
  // Two columns between the halves: a left row that fills its half (the echo fact) must not read
  // on into the facts' labels (`… a microphone in      none`).
  const meterWidth = wide ? width : half - 2;
  const live = (
    <>
      <StateIndicator store={store} />
      {wide && <Text> </Text>}
      <MeterRow store={store} label="mic" level="micLevel" width={meterWidth} />
      <MeterRow store={store} label="agent" level="agentLevel" width={meterWidth} />
      <MicFlags store={store} />
    </>
  );
  if (wide) {
    return (
      <Box
        flexDirection="column"
        width={width}
        height={height}
        overflow={height < sideInfoRows(recording) ? 'hidden' : undefined}
      >
        {/* Not shrunk: a pane shorter than its rows shows the first ones whole and clips the
            rest (shrunk rows would be drawn over one another). */}
        <Box flexDirection="column" flexShrink={0}>
          {live}
          <Text> </Text>
          <CallFacts store={store} width={width} />
          <RecordFact store={store} width={width} />
        </Box>
      </Box>
    );
  }
  return (
    // Columns as tall as their rows (not stretched, so not shrunk to the pane): a pane shorter
    // than them shows the first rows whole and clips the rest.
    <Box
      flexDirection="row"
      width={width}
      height={height}
      overflow="hidden"
      alignItems="flex-start"
    >
      <Box flexDirection="column" width={half} paddingRight={2}>
        {live}
        <EchoFact store={store} />
        {/* The sixth row, under the echo fact: the facts' column has none to spare. */}
        <RecordFact store={store} width={half - 2} compact />
      </Box>
      <CallFacts store={store} width={width - half} compact />
    </Box>
  );
});
