import { Box, Text, useCursor, useInput, usePaste } from 'ink';
import { type ReactNode, useEffect, useMemo } from 'react';
import type { AgentInfo, AgentList, AgentsProgress } from '../../api/agents.js';
import { graphemes } from '../../text/graphemes.js';
import { cursorWindow } from '../components/TypingLine.js';
import { ctrlLetter } from '../hooks/useCallKeys.js';
import { useLatestReducer } from '../hooks/useLatestReducer.js';
import { useTerminalSize } from '../hooks/useTerminalSize.js';
import { useSuspend } from '../jobControl.js';
import { editLine, PLAIN_KEY, pastedLine } from '../lineEdit.js';
import { forScreen, sanitizeLine, screenLine } from '../sanitize.js';
import { stringWidth, wrapText } from '../textWidth.js';
import { fg, stylesShown } from '../theme.js';
import {
  agentRow,
  agentWidths,
  fitVariants,
  headRow,
  pickerColumns,
  widestOf,
} from './pickerLayout.js';
import {
  INITIAL_PICKER_STATE,
  noMatchText,
  type PickerState,
  pickerCount,
  pickerReducer,
  searchesServer,
  selectedAgent,
} from './pickerState.js';

export interface AgentPickerProps {
  /**
   * Lists the workspace's active agents, telling `onProgress` after each page; aborted when the
   * picker goes away.
   */
  readonly loadAgents: (
    signal: AbortSignal,
    onProgress: (progress: AgentsProgress) => void,
  ) => Promise<readonly AgentInfo[] | AgentList>;
  /**
   * Omnia's own search for `text` (name, description), for a list that was cut (more agents
   * than are read): asked as the filter is typed, once the typing pauses.
   */
  readonly searchAgents?: (
    text: string,
    signal: AbortSignal,
  ) => Promise<readonly AgentInfo[] | AgentList>;
  readonly onPick: (agent: AgentInfo) => void;
  /** Why the agent picked before could not be called: shown, so another can be picked. */
  readonly refused?: string;
  /**
   * The picker as it was left (the list, the filter, the highlight): a picker shown again after
   * a refused agent goes on from there instead of listing every page again.
   */
  readonly saved?: PickerState;
  /** Told the picker's state as it changes, to be given back as `saved`. */
  readonly onState?: (state: PickerState) => void;
  /** Esc or Ctrl+C: no call; `why` when the agents could not be listed (said, exit 1). */
  readonly onCancel: (why?: string) => void;
}

/** Rows around the list: title, filter line, blank, column heads … footer. */
const CHROME_ROWS = 5;
/** "filter: " before the filter text. */
const FILTER_PROMPT_COLUMNS = 8;
/** Rows the refusal of the agent picked takes at most. */
const MAX_REFUSED_ROWS = 3;
/** Columns the title keeps beside the count ("omnia-voi…"). */
const TITLE_MIN_COLUMNS = 12;
/** The server is searched once the typing has paused this long (a request per pause, not per key). */
export const SEARCH_PAUSE_MS = 300;

/**
 * The keys that do something now (Enter only while an agent is highlighted), said shorter on a
 * narrow screen: the way in and out first, then that typing filters, then the moves.
 */
function footerKeys(state: PickerState, width: number): string {
  if (selectedAgent(state))
    return fitVariants(
      [
        'Enter call · Esc quit · ↑↓ PgUp PgDn Home End choose · type to filter',
        'Enter call · Esc quit · ↑↓ PgUp PgDn choose · type to filter',
        'Enter call · Esc quit · type to filter · ↑↓ choose',
        'Enter call · Esc quit · type to filter',
        'Enter call · Esc quit · type filters',
        'Enter · Esc · type to filter',
      ],
      width,
    );
  if (
    state.load === 'loaded' &&
    (state.search?.status === 'waiting' || state.search?.status === 'searching')
  )
    return fitVariants(
      ['Esc quit · searching Omnia for the filter…', 'Esc quit · searching…'],
      width,
    );
  if (state.load === 'loaded' && state.agents.length > 0)
    return fitVariants(
      [
        'Esc quit · no match: Backspace or Ctrl+U edits the filter',
        'Esc quit · no match: Ctrl+U clears the filter',
        'Esc quit · no match: Ctrl+U clears',
        'Esc quit · Ctrl+U clears',
      ],
      width,
    );
  if (state.load === 'failed') return fitVariants(['r retry · Esc quit'], width);
  return fitVariants(['Esc quit'], width);
}

/** ` 200 of 500`: how many agents have arrived while a long list loads (page by page). */
function progressText(progress: AgentsProgress | undefined): string {
  if (!progress) return '';
  const loaded = progress.loaded.toLocaleString('en-US');
  if (progress.total === undefined) return ` ${loaded} so far`;
  return ` ${loaded} of ${progress.total.toLocaleString('en-US')}`;
}

/**
 * Full-screen, before the call, when a key is configured but no agent: the workspace's agents,
 * filtered as you type; arrows choose, Enter calls, Esc quits.
 */
export function AgentPicker({
  loadAgents,
  searchAgents,
  onPick,
  onCancel,
  refused,
  saved,
  onState,
}: AgentPickerProps) {
  // Keys read the state the keys before them left (several can arrive in one terminal read).
  const [state, dispatch, stateNow] = useLatestReducer(
    pickerReducer,
    saved ?? INITIAL_PICKER_STATE,
  );
  useEffect(() => onState?.(state), [state, onState]);
  // Keys read with the Enter that picked (`↓⏎` in one read) changed the state after its last
  // render: what is kept is the state as the keys left it.
  useEffect(() => () => onState?.(stateNow()), [onState, stateNow]);
  const { columns, rows } = useTerminalSize();
  const suspend = useSuspend();
  const { setCursorPosition } = useCursor();

  const { attempt } = state;
  useEffect(() => {
    // A picker given back its list (after a refused agent) lists nothing again.
    if (stateNow().load !== 'loading') return;
    const abort = new AbortController();
    const onProgress = (progress: AgentsProgress) => {
      if (!abort.signal.aborted) dispatch({ type: 'progress', progress, attempt });
    };
    loadAgents(abort.signal, onProgress).then(
      (listed) => {
        const agents = 'agents' in listed ? listed.agents : listed;
        const more = 'agents' in listed ? listed.more : undefined;
        dispatch({ type: 'loaded', agents, attempt, ...(more ? { more } : {}) });
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        const message = error instanceof Error ? error.message : String(error);
        dispatch({ type: 'failed', error: message, attempt });
      },
    );
    return () => abort.abort();
  }, [loadAgents, dispatch, stateNow, attempt]);

  // A cut list: the server is asked for the filter once the typing pauses; a key typed meanwhile
  // cancels the wait, and the request of a filter since changed.
  const { filter } = state;
  // Done for this filter already (a picker brought back after a refused agent): not again.
  const searched = state.search?.status === 'done' && state.search.filter === filter;
  const searching =
    searchAgents !== undefined && state.load === 'loaded' && searchesServer(state) && !searched;
  useEffect(() => {
    if (!searching || !searchAgents) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      dispatch({ type: 'searching', filter });
      searchAgents(filter.trim(), abort.signal).then(
        (listed) => {
          const agents = 'agents' in listed ? listed.agents : listed;
          const more = 'agents' in listed ? listed.more : undefined;
          dispatch({ type: 'found', filter, agents, ...(more ? { more } : {}) });
        },
        (error: unknown) => {
          if (abort.signal.aborted) return;
          const message = error instanceof Error ? error.message : String(error);
          dispatch({ type: 'searchFailed', filter, error: message });
        },
      );
    }, SEARCH_PAUSE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [searching, searchAgents, filter, dispatch]);

  // Why the agent picked could not be called, over the list (a few rows at most).
  const refusedRows = refused
    ? wrapText(`✖ ${screenLine(refused)}`, columns).slice(0, MAX_REFUSED_ROWS)
    : [];
  const page = Math.max(1, rows - CHROME_ROWS - refusedRows.length);
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
    // The filter is only ever edited at its end: Home and End move in the list.
    else if (key.home) dispatch({ type: 'moveTo', index: 0 });
    else if (key.end) dispatch({ type: 'moveTo', index: now.shown.length - 1 });
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
  // The columns fit every agent listed, not only the rows in sight: they stay put as you scroll.
  const listedWidths = useMemo(() => agentWidths(state.agents), [state.agents]);
  const found = state.search?.found;
  const widths = useMemo(
    () => (found && found.length > 0 ? widestOf(listedWidths, agentWidths(found)) : listedWidths),
    [listedWidths, found],
  );
  const rowWidth = columns - 2;
  const cols = pickerColumns(rowWidth, widths);
  // The count before the title: the title gives way first, then the count says it shorter.
  const counts = pickerCount(state);
  const count =
    counts.length > 0 ? fitVariants(counts, Math.max(1, columns - TITLE_MIN_COLUMNS)) : '';
  const filterShown = cursorWindow(
    forScreen(state.filter),
    ' ',
    '',
    Math.max(1, columns - FILTER_PROMPT_COLUMNS),
  ).before;
  // Without styles the inverse cell is a plain one: the terminal's own cursor marks the place.
  setCursorPosition(
    stylesShown() ? undefined : { x: FILTER_PROMPT_COLUMNS + stringWidth(filterShown), y: 1 },
  );
  let body: ReactNode;
  if (state.load === 'loading')
    body = (
      <Text dimColor wrap="truncate-end">
        {`listing the workspace's agents…${progressText(state.progress)}`}
      </Text>
    );
  else if (state.load === 'failed')
    // Wrapped between words here: Ink's wrap keeps the space it broke at, starting a row with it.
    body = wrapText(
      `✖ ${screenLine(state.error ?? 'the agents could not be listed')}`,
      columns,
    ).map((line, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: the rows of one text, in order.
      <Text key={i} bold {...fg('red')}>
        {line}
      </Text>
    ));
  else if (state.agents.length === 0)
    body = wrapText(
      'No active agents in this workspace. Create one in the dashboard, or try a prompt with --prompt.',
      columns,
    ).map((line, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: the rows of one text, in order.
      <Text key={i} dimColor>
        {line}
      </Text>
    ));
  else if (state.shown.length === 0)
    body = wrapText(screenLine(noMatchText(state)), columns).map((line, i) => (
      // biome-ignore lint/suspicious/noArrayIndexKey: the rows of one text, in order.
      <Text key={i} dimColor>
        {line}
      </Text>
    ));
  else
    body = visible.map((agent, i) => {
      const highlighted = top + i === state.selected;
      return (
        <Text key={agent.id} inverse={highlighted} wrap="truncate-end">
          {`${highlighted ? '❯ ' : '  '}${agentRow(agent, rowWidth, cols)}`}
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
      {refusedRows.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the rows of one text, in order.
        <Text key={i} bold {...fg('red')} wrap="truncate-end">
          {line}
        </Text>
      ))}
      <Text dimColor wrap="truncate-end">
        {`  ${headRow(rowWidth, cols)}`}
      </Text>
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {body}
      </Box>
      {/* The way out and the way in first: a narrow screen says it shorter. */}
      <Text dimColor wrap="truncate-end">
        {footerKeys(state, columns)}
      </Text>
    </Box>
  );
}
