import { Box, Text } from 'ink';
import { helpRows } from '../keymap.js';

const KEYS_COLUMNS = 8;

/** Every binding of the keymap with its description and when it works (`?`). */
export function HelpOverlay({
  width,
  height,
  pttHold = false,
  redial = false,
}: {
  readonly width: number;
  readonly height: number;
  /** Space is held to talk (the terminal reports key releases). */
  readonly pttHold?: boolean;
  /** `r` calls again. */
  readonly redial?: boolean;
}) {
  const rows = helpRows({ pttHold, redial });
  const fit = rows.slice(0, Math.max(0, height - 2));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate-end">
        Keys <Text dimColor>(? or Esc to close)</Text>
      </Text>
      {fit.map((row) => (
        <Text key={row.keys} wrap="truncate-end">
          <Text bold>{row.keys.padEnd(KEYS_COLUMNS)}</Text>
          <Text>{row.description}</Text>
          {row.when !== '' && <Text dimColor>{` (${row.when})`}</Text>}
        </Text>
      ))}
      {fit.length < rows.length && (
        <Text dimColor wrap="truncate-end">
          {`… ${rows.length - fit.length} more (enlarge the terminal)`}
        </Text>
      )}
    </Box>
  );
}
