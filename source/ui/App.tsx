import { Box } from 'ink';
import {
  type ReactElement,
  useCallback,
  useContext,
  useEffect,
  useReducer,
  useRef,
  useState,
} from 'react';
import type { Snapshot, Store } from '../session/types.js';
import { EventsPane } from './components/EventsPane.js';
import { Footer, TypingLine } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { InfoPane } from './components/InfoPane.js';
import { LiveRow } from './components/LiveRow.js';
import { Notices, notices } from './components/Notices.js';
import { TranscriptPane } from './components/TranscriptPane.js';
import { useCallCommands } from './hooks/useCallCommands.js';
import { useCallKeys } from './hooks/useCallKeys.js';
import { useStoreSnapshot } from './hooks/useStoreSnapshot.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { useTicker } from './hooks/useTicker.js';
import { computeLayout } from './layout.js';
import { LiveContext } from './live.js';
import { ANIMATION_STEP_MS, isAnimated, rowText } from './rows.js';
import { sanitizeLine } from './sanitize.js';
import { fg } from './theme.js';
import { itemsCache } from './transcriptLayout.js';
import { INITIAL_UI_STATE, uiReducer } from './uiState.js';

/** 10 frames per second: meters look live (the spec allows 10–20), and a call stays cheap. */
export const DEFAULT_FRAME_MS = 100;
/** Clocks show whole seconds. */
const CLOCK_STEP_MS = 1_000;
/** How long a toast line stays. */
export const TOAST_MS = 5_000;

export interface AppProps {
  readonly store: Store;
  /** Shown in the header. */
  readonly title?: string;
  /** Called when the UI wants to quit (after hangUp resolves, or on a forced exit). */
  readonly onExit: (code: number) => void;
  /** Frame period of meters and animations (tests use a short one). */
  readonly frameMs?: number;
}

/** The full-screen call UI. Reads the store, calls its actions; never touches I/O itself. */
export function App({
  store,
  title = 'omnia-voice',
  onExit,
  frameMs = DEFAULT_FRAME_MS,
}: AppProps): ReactElement {
  // The full-screen UI has live rows (meters, clocks, state, call facts, the transcript) that
  // repaint themselves; Ink then draws a frame only when the layout changes (see live.ts).
  const live = useContext(LiveContext);
  const animatingRef = useRef(false);
  const [ui, dispatch] = useReducer(uiReducer, INITIAL_UI_STATE);
  const snapshot = useStoreSnapshot(store, {
    frameMs,
    animating: animatingRef.current,
    live: live !== undefined,
    eventsPane: ui.showEvents,
  });
  const size = useTerminalSize();
  // Without live rows: spinners need animation frames; otherwise only the clocks move, once a
  // second. Once the call is over nothing moves and the ticker stops. While it animates, the
  // ticker's frames also carry the meters and the live turn (see useStoreSnapshot).
  const over = snapshot.phase === 'ended' || snapshot.phase === 'error';
  const animating = !over && isAnimated(snapshot.phase, snapshot.agentState);
  animatingRef.current = animating;
  const stepMs = animating ? Math.max(frameMs, ANIMATION_STEP_MS) : CLOCK_STEP_MS;
  const tickerNow = useTicker(stepMs, !over && live === undefined);
  const now = live ? Date.now() : tickerNow;
  // Live rows repaint on their own clock while the call lasts.
  useEffect(() => {
    if (!live || over) return;
    live.layer.start();
    return () => live.layer.stop();
  }, [live, over]);

  const noticeItems = notices({
    phase: snapshot.phase,
    error: snapshot.error,
    endReason: snapshot.endReason,
    toast: ui.toast?.text,
    quitting: ui.quitting,
  });
  const layout = computeLayout({
    columns: size.columns,
    rows: size.rows,
    showEvents: ui.showEvents,
    noticeRows: noticeItems.length,
  });
  const [itemsCached] = useState(itemsCache);
  const itemsOf = useCallback((s: Snapshot) => itemsCached(s.turns, s.events), [itemsCached]);
  const items = itemsOf(snapshot);

  const run = useCallCommands({
    store,
    snapshot,
    ui,
    dispatch,
    onExit,
    // The latest items, not this render's: with live rows the transcript moves without renders.
    items: () => itemsOf(store.getSnapshot()),
    transcript: layout.transcript,
  });
  useCallKeys({ mode: ui.mode, ptt: snapshot.ptt }, run);

  const toastId = ui.toast?.id;
  useEffect(() => {
    if (toastId === undefined) return;
    const timer = setTimeout(() => dispatch({ type: 'clearToast', id: toastId }), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toastId]);

  const transcript = (
    <TranscriptPane
      items={items}
      itemsOf={itemsOf}
      width={layout.transcript.width}
      height={layout.transcript.height}
      scroll={ui.scroll}
    />
  );
  const info = (
    <InfoPane
      snapshot={snapshot}
      now={now}
      width={layout.info.width}
      height={layout.info.height}
      wide={layout.wide}
    />
  );
  const events = ui.showEvents && layout.eventsRows > 0 && (
    <EventsPane events={snapshot.events} width={layout.info.width} rows={layout.eventsRows} />
  );

  let body: ReactElement;
  if (ui.mode === 'help') {
    body = <HelpOverlay width={layout.width} height={layout.bodyRows} />;
  } else if (layout.wide) {
    body = (
      <Box flexDirection="row" height={layout.bodyRows}>
        {transcript}
        <Box
          flexDirection="column"
          width={layout.info.width + 1}
          height={layout.bodyRows}
          borderStyle="single"
          borderTop={false}
          borderRight={false}
          borderBottom={false}
          borderDimColor
          {...(fg('gray').color ? { borderColor: 'gray' } : {})}
        >
          {info}
          {events}
        </Box>
      </Box>
    );
  } else {
    body = (
      <Box flexDirection="column" height={layout.bodyRows}>
        {transcript}
        <LiveRow
          width={layout.width}
          snapshot={snapshot}
          now={now}
          text={() => rowText([['─'.repeat(layout.width), { dim: true }]], layout.width)}
        />
        {info}
        {events}
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      <Header title={title} snapshot={snapshot} now={now} width={layout.width} />
      {body}
      <Notices items={noticeItems} width={layout.width} />
      {ui.mode === 'typing' ? (
        <TypingLine
          value={ui.draft}
          onChange={(text) => {
            // A paste, or a terminal that batches keys, delivers text and Enter in one chunk:
            // ink-text-input then hands us the newline as text instead of an Enter key.
            const cut = text.search(/[\r\n]/);
            if (cut < 0) {
              dispatch({ type: 'draft', text });
              return;
            }
            const line = sanitizeLine(text.slice(0, cut)).trim();
            if (line.length > 0) store.actions.sendText(line);
            dispatch({ type: 'stopTyping' });
          }}
          width={layout.width}
        />
      ) : (
        <Footer context={{ mode: ui.mode, ptt: snapshot.ptt }} width={layout.width} />
      )}
    </Box>
  );
}
