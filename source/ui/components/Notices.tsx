import { Box, Text } from 'ink';
import type { CallPhase } from '../../session/types.js';
import { sanitizeLine } from '../sanitize.js';
import { fg } from '../theme.js';

export interface NoticeInput {
  readonly phase: CallPhase;
  readonly error?: string;
  readonly endReason?: string;
  readonly toast?: string;
  readonly quitting: boolean;
}

/** One notice line. */
export interface Notice {
  readonly key: string;
  readonly text: string;
  readonly color: string;
  readonly bold: boolean;
}

/**
 * The lines shown above the footer: the error banner, how the call ended, the toast, the
 * hang-up in progress. Pure, so the layout can count them before rendering.
 */
export function notices(input: NoticeInput): Notice[] {
  const out: Notice[] = [];
  const ended = input.phase === 'ended' || input.phase === 'error';
  const error = input.error ? sanitizeLine(input.error) : undefined;
  const reason = input.endReason ? sanitizeLine(input.endReason) : undefined;
  if (error && !(ended && reason === error)) {
    out.push({ key: 'error', text: `✖ ${error}`, color: 'red', bold: true });
  }
  if (input.quitting && !ended) {
    out.push({
      key: 'quitting',
      text: 'hanging up… (Ctrl+C again to quit at once)',
      color: 'yellow',
      bold: false,
    });
  } else if (ended) {
    out.push({
      key: 'ended',
      text: `call ended: ${reason ?? (input.phase === 'error' ? 'error' : 'hung up')} — press q to quit`,
      color: input.phase === 'error' ? 'red' : 'yellow',
      bold: input.phase === 'error',
    });
  }
  if (input.toast) {
    out.push({ key: 'toast', text: sanitizeLine(input.toast), color: 'blue', bold: false });
  }
  return out;
}

export function Notices({ items, width }: { readonly items: Notice[]; readonly width: number }) {
  if (items.length === 0) return null;
  return (
    <Box flexDirection="column" width={width}>
      {items.map((notice) => (
        <Text key={notice.key} bold={notice.bold} wrap="truncate-end" {...fg(notice.color)}>
          {notice.text}
        </Text>
      ))}
    </Box>
  );
}
