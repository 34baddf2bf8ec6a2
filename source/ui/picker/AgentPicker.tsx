import { Box, Text, useCursor, useInput, usePaste } from 'ink';
import { type ReactNode, useEffect } from 'react';
import type { AgentInfo } from '../../api/agents.js';
import { graphemes } from '../../text/graphemes.js';
import { cursorWindow } from '../components/TypingLine.js';
import { ctrlLetter } from '../hooks/useCallKeys.js';
import { useLatestReducer } from '../hooks/useLatestReducer.js';
import { useTerminalSize } from '../hooks/useTerminalSize.js';
import { useSuspend } from '../jobControl.js';
import { editLine, PLAIN_KEY, pastedLine } from '../lineEdit.js';
import { sanitizeLine } from '../sanitize.js';
import { fitToWidth, stringWidth } from '../textWidth.js';
import { fg, stylesShown } from '../theme.js';
import {
  INITIAL_PICKER_STATE,
  type PickerState,
  pickerReducer,
  selectedAgent,
} from './pickerState.js';

export interface AgentPickerProps {
  /** Lists the workspace's active agents; aborted when the picker goes away. */
  readonly loadAgents: (signal: AbortSignal) => Promise<readonly AgentInfo[]>;
  readonly onPick: (agent: AgentInfo) => void;
  /** Esc or Ctrl+C: no call; `why` when the agents could not be listed (said, exit 1). */
  readonly onCancel: (why?: string) => void;
}

/** Rows around the list: title, filter line, blank, column heads … footer. */
const CHROME_ROWS = 5;
const NAME_COLUMNS = 24;
/** "filter: " before the filter text. */
const FILTER_PROMPT_COLUMNS = 8;
const ID_COLUMNS = 18;

/** The id column's place: shown where the row has room for it beside the name and details. */
const ID_FROM_COLUMNS = 64;

/**
 * The name and id columns for a screen `width` wide. Narrow screens drop the id (the name is
 * what is picked by) and give the name under half the row, so language and voice stay in sight.
 */
function pickerColumns(width: number): { name: number; id: number } {
  if (width >= ID_FROM_COLUMNS) return { name: NAME_COLUMNS, id: ID_COLUMNS };
  return { name: Math.min(NAME_COLUMNS, Math.max(10, Math.floor(width * 0.45))), id: 0 };
}

/** One agent on one line: name, id (when there is room), language, voice, who speaks first. */
function agentRow(agent: AgentInfo, width: number): string {
  const detail = [agent.language, agent.voice, agent.firstSpeaker && `${agent.firstSpeaker} first`]
    .filter(Boolean)
    .join(' · ');
  const cols = pickerColumns(width);
  const id = cols.id > 0 ? `${fitToWidth(agent.id, cols.id)} ` : '';
  const text = `${fitToWidth(agent.name, cols.name)} ${id}${detail}`;
  return fitToWidth(sanitizeLine(text), Math.max(1, width));
}

/** The column heads, over the rows as `agentRow` lays them out. */
function headRow(width: number): string {
  const cols = pickerColumns(width);
  const id = cols.id > 0 ? `${fitToWidth('id', cols.id)} ` : '';
  return `${fitToWidth('name', cols.name)} ${id}language · voice · who speaks first`;
}

/** The keys that do something now: Enter only while an agent is highlighted. */
function footerKeys(state: PickerState): string {
  if (selectedAgent(state)) return 'Enter call · Esc quit · ↑↓ PgUp PgDn choose · type to filter';
  if (state.load === 'loaded' && state.agents.length > 0)
    return 'Esc quit · no match: Backspace or Ctrl+U edits the filter';
  if (state.load === 'failed') return 'r retry · Esc quit';
  return 'Esc quit';
}

/**
 * Full-screen, before the call, when a key is configured but no agent: the workspace's agents,
 * filtered as you type; arrows choose, Enter calls, Esc quits.
 */
export function AgentPicker({ loadAgents, onPick, onCancel }: AgentPickerProps) {
  // Keys read the state the keys before them left (several can arrive in one terminal read).
  const [state, dispatch, stateNow] = useLatestReducer(pickerReducer, INITIAL_PICKER_STATE);
  const { columns, rows } = useTerminalSize();
  const suspend = useSuspend();
  const { setCursorPosition } = useCursor();

  const { attempt } = state;
  useEffect(() => {
    const abort = new AbortController();
    loadAgents(abort.signal).then(
      (agents) => dispatch({ type: 'loaded', agents, attempt }),
      (error: unknown) => {
        if (abort.signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        dispatch({ type: 'failed', error: message, attempt });
      },
    );
    return () => abort.abort();
  }, [loadAgents, dispatch, attempt]);

  const page = Math.max(1, rows - CHROME_ROWS);
  useInput((input, key) => {
    if (key.eventType === 'release') return;
    if (key.escape || (key.ctrl && input === 'c')) {
      const now = stateNow();
      onCancel(now.load === 'failed' ? (now.error ?? 'the agents could not be listed') : undefined);
      return;
    }
    // After a failed listing (a server not up yet), r lists again: nothing else can be typed.
    if (stateNow().load === 'failed') {
      if (input.toLowerCase() === 'r' && !key.ctrl && !key.meta) dispatch({ type: 'retry' });
      return;
    }
    if (key.ctrl && input === 'z') {
      suspend();
      return;
    }
    const now = stateNow();
    if (key.return) {
      const agent = selectedAgent(now);
      if (agent) onPick(agent);
      return;
    }
    if (key.upArrow) dispatch({ type: 'move', by: -1 });
    else if (key.downArrow) dispatch({ type: 'move', by: 1 });
    else if (key.pageUp) dispatch({ type: 'move', by: -page });
    else if (key.pageDown) dispatch({ type: 'move', by: page });
    else {
      // Keys typed fast arrive in one read: text, Ctrl+U and the like, then Enter (`front⏎`)
      // filter and then call, each in turn.
      let filter = now.filter;
      const edit = (text: string, k: typeof key) => {
        filter = editLine({ text: filter, cursor: filter.length }, text, k).text;
      };
      let text = '';
      for (const { segment } of graphemes().segment(input)) {
        const control = ctrlLetter(segment);
        const enter = /^[\r\n]+$/.test(segment);
        if (control === undefined && !enter) {
          text += segment;
          continue;
        }
        if (text) edit(sanitizeLine(text), key);
        text = '';
        if (control !== undefined) edit(control, { ...key, ctrl: true });
        else {
          if (filter !== stateNow().filter) dispatch({ type: 'filter', filter });
          const agent = selectedAgent(stateNow());
          if (agent) onPick(agent);
          return;
        }
      }
      // A key with no text of its own (Backspace, Delete) edits too.
      if (text || input === '') edit(sanitizeLine(text), key);
      if (filter !== stateNow().filter) dispatch({ type: 'filter', filter });
    }
  });
  // A paste (bracketed: Ink turns it on while this listens) is filter text, lines joined.
  usePaste((pasted) => {
    const now = stateNow();
    const text = pastedLine(pasted);
    const line = editLine({ text: now.filter, cursor: now.filter.length }, text, PLAIN_KEY);
    if (line.text !== now.filter) dispatch({ type: 'filter', filter: line.text });
  });

  // The window of the list that holds the highlighted agent.
  const top = Math.max(
    0,
    Math.min(state.selected - Math.floor(page / 2), state.shown.length - page),
  );
  const visible = state.shown.slice(top, top + page);
  const count =
    state.load === 'loaded' ? `${state.shown.length} of ${state.agents.length} agents` : '';
  const filterShown = cursorWindow(
    state.filter,
    ' ',
    '',
    Math.max(1, columns - FILTER_PROMPT_COLUMNS),
  ).before;
  // Without styles the inverse cell is a plain one: the terminal's own cursor marks the place.
  setCursorPosition(
    stylesShown() ? undefined : { x: FILTER_PROMPT_COLUMNS + stringWidth(filterShown), y: 1 },
  );
  let body: ReactNode;
  if (state.load === 'loading') body = <Text dimColor>listing the workspace's agents…</Text>;
  else if (state.load === 'failed')
    body = (
      <Text bold {...fg('red')} wrap="wrap">
        {`✖ ${sanitizeLine(state.error ?? 'the agents could not be listed')}`}
      </Text>
    );
  else if (state.agents.length === 0)
    body = (
      <Text dimColor>
        No active agents in this workspace. Create one in the dashboard, or try a prompt with
        --prompt.
      </Text>
    );
  else if (state.shown.length === 0) body = <Text dimColor>No agent matches the filter.</Text>;
  else
    body = visible.map((agent, i) => {
      const highlighted = top + i === state.selected;
      return (
        <Text key={agent.id} inverse={highlighted} wrap="truncate-end">
          {`${highlighted ? '❯ ' : '  '}${agentRow(agent, columns - 2)}`}
        </Text>
      );
    });

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Box width={columns} height={1}>
        <Box flexGrow={1} flexShrink={1}>
          <Text bold wrap="truncate-end">
            omnia-voice · pick an agent
          </Text>
        </Box>
        {count && (
          <Box flexShrink={0} marginLeft={1}>
            <Text dimColor>{count}</Text>
          </Box>
        )}
      </Box>
      <Text wrap="truncate-end">
        <Text bold>{'filter: '}</Text>
        {/* The end being typed stays in sight: a long filter shows its tail. */}
        {filterShown}
        <Text inverse> </Text>
      </Text>
      <Text dimColor wrap="truncate-end">
        {`  ${headRow(columns - 2)}`}
      </Text>
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {body}
      </Box>
      {/* The way out and the way in first: a narrow screen cuts the end. */}
      <Text dimColor wrap="truncate-end">
        {footerKeys(state)}
      </Text>
    </Box>
  );
}
