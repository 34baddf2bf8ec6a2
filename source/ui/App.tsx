import { Box, type Key, useInput, usePaste } from 'ink';
import { type ReactElement, useCallback, useEffect, useMemo, useRef } from 'react';
import { describeEndReason } from '../api/record-facts.js';
import type { EarlierCall } from '../app/call-parts.js';
import { ALREADY_CALLING, type SessionStage } from '../app/call-session.js';
import type { CallEvent, Snapshot, Store } from '../session/types.js';
import { type CallSummary, formatSummary } from '../transcript/summary.js';
import { callClock, useClock } from './clock.js';
import { selectIsRecording } from './components/CallFacts.js';
import { EventsPane, type EventsView } from './components/EventsPane.js';
import { Footer } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpOverlay, helpLines, helpRoom } from './components/HelpOverlay.js';
import { InfoPane } from './components/InfoPane.js';
import { Notices, noticeRows, notices } from './components/Notices.js';
import { TranscriptPane } from './components/TranscriptPane.js';
import { TypingLine } from './components/TypingLine.js';
import {
  type CallControls,
  isOver,
  NOT_LIVE_YET,
  noOneToTypeTo,
  sendLine,
  useCallCommands,
} from './hooks/useCallCommands.js';
import { useCallKeys } from './hooks/useCallKeys.js';
import { useLatestReducer } from './hooks/useLatestReducer.js';
import { shallowEqual, useStoreSelector } from './hooks/useStoreSelector.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { useTranscriptFeed, useTranscriptItems } from './hooks/useTranscriptItems.js';
import { useTypedAhead } from './hooks/useTypedAhead.js';
import { type KeyContext, keyNameOf, whyNothing } from './keymap.js';
import { computeLayout, screenWidth } from './layout.js';
import { editLine, PLAIN_KEY, pastedLine } from './lineEdit.js';
import { sanitizeLine } from './sanitize.js';
import { fg } from './theme.js';
import {
  type CallDivider,
  endedPending,
  endedTurns,
  inlineEvents,
  mergeItems,
  type SummaryBlock,
  type TranscriptItem,
} from './transcriptLayout.js';
import { INITIAL_UI_STATE, uiReducer } from './uiState.js';

/** How long a toast line stays. */
export const TOAST_MS = 5_000;

export interface AppProps {
  readonly store: Store;
  /** Shown in the header. */
  readonly title?: string;
  /**
   * A store on its own: called when the UI wants to quit (after hangUp resolves, or on a
   * forced exit). The full-screen run passes `controls` instead.
   */
  readonly onExit?: (code: number) => void;
  /** How q, r and Ctrl+C end or repeat the call (the full-screen run). */
  readonly controls?: CallControls;
  /** Calls made before this one in the same screen (redial), oldest first. */
  readonly earlier?: readonly EarlierCall[];
  /** What the run is doing between calls, when it is. */
  readonly stage?: SessionStage;
  /** A line from the run. */
  readonly note?: string;
  /** A line under the help's keys, for the whole run. */
  readonly helpNote?: string;
  /** The current call's summary once it is over (shown under its conversation). */
  readonly endSummary?: CallSummary;
}

const NO_EARLIER: readonly EarlierCall[] = [];
const noExit = () => undefined;

/** "call 2 · florist.md · 1a2b3c4d": the divider above a call of a screen with several. */
export function dividerFor(number: number, snapshot: Snapshot, ended?: EarlierCall): CallDivider {
  const parts = [`call ${number}`];
  if (snapshot.label?.text) parts.push(snapshot.label.text);
  const code = ended?.summary.record?.endReason;
  const own = ended?.summary.endReason;
  // When the caller's side ended it, the app knows how (`--duration 5s reached`, `you hung
  // up`), where Omnia says only `the caller hung up`; when the call broke (the socket lost or
  // closed with an error), the app's words say what broke, as the summary's first line does,
  // where Omnia says `disconnected`; else Omnia's code in words, as the summary says it (`the
  // maximum duration was reached (max_duration)`).
  const callerEnded = code === undefined || /^(user|client)_hangup$/i.test(code);
  const broke = ended !== undefined && ended.snapshot.exitCode !== 0;
  const reason = (callerEnded || broke) && own ? own : code ? describeEndReason(code) : own;
  if (ended) parts.push(`ended: ${reason ?? 'hung up'}`);
  return { divider: parts.join(' · ') };
}

/** The redials after a call that made no call (`could not call again: …`), as error events. */
function failureEvents(call: EarlierCall): readonly CallEvent[] {
  const failures = call.redialsFailed ?? [];
  const after = call.snapshot.events.at(-1)?.id ?? 0;
  return failures.map(({ at, message }, k) => ({
    id: after + k + 1,
    at,
    kind: 'error' as const,
    message,
  }));
}

/**
 * A call's events, then the redials after it that made no call (`could not call again: …`), as
 * error events numbered on from the call's.
 */
export function eventsWithFailures(call: EarlierCall): readonly CallEvent[] {
  const { events } = call.snapshot;
  if ((call.redialsFailed ?? []).length === 0) return events;
  return [...events, ...failureEvents(call)];
}

/** A call's summary as the transcript shows it: the lines the run's end prints. */
export function summaryBlock(summary: CallSummary): SummaryBlock {
  return { summary: formatSummary(summary) };
}

/**
 * The transcript items of the earlier calls, each under its divider and over its summary (the
 * redials that failed after it come last: they were tried after it ended).
 */
function earlierItems(earlier: readonly EarlierCall[]): TranscriptItem[] {
  return earlier.flatMap((call, i) => [
    dividerFor(i + 1, call.snapshot, call),
    ...mergeItems(
      endedTurns(call.snapshot.turns),
      inlineEvents(call.snapshot.events),
      endedPending(call.snapshot.pendingTexts),
    ),
    summaryBlock(call.summary),
    ...failureEvents(call),
  ]);
}

/**
 * The earlier calls' items, then the current call's under its divider (if there is one), and
 * its summary once it is over.
 */
function withEarlier(
  before: readonly TranscriptItem[],
  divider: CallDivider | undefined,
  current: readonly TranscriptItem[],
  summary?: SummaryBlock,
): readonly TranscriptItem[] {
  const after = summary ? [...current, summary] : current;
  if (before.length === 0) return after;
  return divider ? [...before, divider, ...after] : [...before, ...after];
}

const selectWarning = (s: Snapshot) => s.warning;
const selectQuietSince = (s: Snapshot) => s.serverQuiet?.since;
const selectServerBack = (s: Snapshot) => s.serverBack;

const selectScreen = (s: Snapshot) => ({
  phase: s.phase,
  error: s.error,
  endReason: s.endReason,
  ptt: s.ptt,
});

/**
 * The full-screen call UI. Reads the store through selectors (each part renders when what it
 * shows changes), calls its actions; never touches I/O itself.
 */
export function App({
  store,
  title = 'omnia-voice',
  onExit = noExit,
  controls,
  earlier = NO_EARLIER,
  stage,
  note,
  helpNote,
  endSummary,
}: AppProps): ReactElement {
  const [ui, dispatch, uiNow] = useLatestReducer(uiReducer, INITIAL_UI_STATE);
  const { phase, error, endReason, ptt } = useStoreSelector(store, selectScreen, shallowEqual);
  const size = useTerminalSize();
  const feed = useTranscriptFeed(store);
  const current = useTranscriptItems(feed);
  // Earlier calls do not change: their items are built once per redial.
  const before = useMemo(() => earlierItems(earlier), [earlier]);
  // Between calls (the next one being created, or its creation failed) there is no current
  // call: no divider for one, whatever the store holds.
  const noCall = stage?.kind === 'dialing' || stage?.kind === 'failed';
  const currentDivider = useMemo(
    () =>
      earlier.length > 0 && !noCall
        ? dividerFor(earlier.length + 1, store.getSnapshot())
        : undefined,
    [earlier, store, noCall],
  );
  // The events pane keeps the earlier calls' events too (why one ended), under the same dividers.
  const earlierEvents = useMemo(
    () =>
      earlier.map((call, i) => ({
        divider: dividerFor(i + 1, call.snapshot, call).divider,
        events: eventsWithFailures(call),
        dropped: call.snapshot.eventsDropped,
      })),
    [earlier],
  );
  // Its summary, once the call is over, follows its conversation (between calls there is none).
  const summary = useMemo(
    () => (endSummary && !noCall ? summaryBlock(endSummary) : undefined),
    [endSummary, noCall],
  );
  const items = useMemo(
    () => withEarlier(before, currentDivider, current, summary),
    [before, currentDivider, current, summary],
  );
  const itemsNow = useCallback(
    () => withEarlier(before, currentDivider, feed.latest(), summary),
    [before, currentDivider, feed, summary],
  );
  const redial = controls?.redial !== undefined;
  const between = stage && stage.kind !== 'call' && stage.kind !== 'picking' ? stage : undefined;
  // The server's silence, counted on a clock of its own (whole seconds since its last sign of
  // life): the rtt fact reads the same clock, so both say the same number.
  const quietSince = useStoreSelector(store, selectQuietSince);
  const quietNow = useClock(callClock(quietSince ?? 0), quietSince !== undefined);

  const noticeItems = notices({
    phase,
    error,
    endReason,
    toast: ui.toast?.text,
    ...(quietSince === undefined
      ? {}
      : { quietSeconds: Math.max(0, Math.floor((quietNow - quietSince) / 1_000)) }),
    quitting: ui.quitting && !between,
    redial,
    typing: ui.mode === 'typing',
    between,
  });
  // A notice may take two rows (a toast whose path needs them): the layout counts rows.
  const noticeLines = noticeRows(noticeItems, screenWidth(size.columns));
  const recording = useStoreSelector(store, selectIsRecording);
  const layout = computeLayout({
    columns: size.columns,
    rows: size.rows,
    showEvents: ui.showEvents,
    noticeRows: noticeLines.length,
    recording,
  });

  // What the events pane shows, as it last drew: `[` and `]` page through it.
  const eventsView = useRef<EventsView | undefined>(undefined);
  const typedAhead = useTypedAhead(phase === 'live');
  const run = useCallCommands({
    store,
    controls,
    ui: uiNow,
    dispatch,
    onExit,
    // The items as the store has them now: a key may come before a deferred streaming frame.
    items: itemsNow,
    transcript: layout.transcript,
    help: () => ({
      lines: helpLines(
        layout.width,
        { ptt: store.getSnapshot().ptt, pttHold: uiNow().pttHold, redial },
        helpNote,
      ).length,
      rows: helpRoom(layout.bodyRows),
    }),
    events: () => eventsView.current,
    typedAhead: typedAhead.now,
  });
  const over = phase === 'ended' || phase === 'error' || between?.kind === 'failed';
  const context = useMemo<KeyContext>(
    () => ({ mode: ui.mode, ptt, pttHold: ui.pttHold, redial, over }),
    [ui.mode, ptt, ui.pttHold, redial, over],
  );
  // Keys read the mode as the keys before them left it, rendered or not.
  const keyContext = useCallback((): KeyContext => {
    const now = uiNow();
    return { mode: now.mode, ptt: store.getSnapshot().ptt, pttHold: now.pttHold, redial };
  }, [uiNow, store, redial]);
  const onRelease = useCallback(() => dispatch({ type: 'keyReleaseSeen' }), [dispatch]);
  // The message line: text and editing keys while typing (Enter and Esc are the keymap's).
  const onText = useCallback(
    (input: string, key: Key) => {
      const { mode, line } = uiNow();
      if (mode !== 'typing') {
        // Not a command here: a key that looks like one says why it did nothing.
        const name = key.eventType === 'release' ? undefined : keyNameOf(input, key);
        const why = name === undefined ? undefined : whyNothing(name, keyContext());
        // A held key's repeats (every 30-50 ms) say nothing new: no frame and timer for each.
        if (why !== undefined && uiNow().toast?.text !== why)
          dispatch({ type: 'toast', text: why, whileHelp: mode === 'help' });
        return;
      }
      // A paste, or a terminal that batches keys, delivers text and Enter in one chunk.
      const cut = input.search(/[\r\n]/);
      // Pasted text may hold escape sequences or tabs: only printable text reaches the line.
      const next = editLine(line, sanitizeLine(cut < 0 ? input : input.slice(0, cut)), key);
      if (cut < 0 || key.return) {
        if (next !== line) dispatch({ type: 'edit', line: next });
        return;
      }
      sendLine(store, dispatch, next);
    },
    [uiNow, dispatch, store, keyContext],
  );
  // A paste the terminal brackets (Ink turns bracketed paste on while this listens) is text,
  // never keys: in the message line at the cursor, its lines joined by spaces, sent only with
  // Enter; outside the message line it opens one with the text. Not a `q` or an `s` in it runs.
  const onPaste = useCallback(
    (pasted: string) => {
      const { mode } = uiNow();
      // Over, a line opened for it could send nothing: said, as `t` says it.
      if (mode !== 'typing' && isOver(store)) {
        dispatch({ type: 'toast', text: noOneToTypeTo(redial) });
        return;
      }
      if (mode === 'help') dispatch({ type: 'closeHelp' });
      if (mode !== 'typing') dispatch({ type: 'startTyping' });
      const text = pastedLine(pasted);
      if (text) dispatch({ type: 'edit', line: editLine(uiNow().line, text, PLAIN_KEY) });
    },
    [uiNow, dispatch, store, redial],
  );
  // While a finished call's record is fetched, any key skips the wait (Ctrl+C too).
  const fetchingRecord = between?.kind === 'finishing' && between.record;
  useCallKeys(
    { context: keyContext, run, onRelease, onText, onPaste, onRead: typedAhead.keyRead },
    !fetchingRecord,
  );
  usePaste(onPaste, { isActive: !fetchingRecord });
  useInput(
    (_input, key) => {
      if (key.eventType !== 'release') controls?.skipRecord?.();
    },
    { isActive: fetchingRecord },
  );

  const toastId = ui.toast?.id;
  // A call being created makes the notice about the last one stale (`not calling again: …`,
  // then a redial that works): it goes as the new call starts. Before the run's note below,
  // which may come in the same update (`already calling again`) and must not go with it.
  const dialing = stage?.kind === 'dialing';
  const toastIdNow = useRef(toastId);
  toastIdNow.current = toastId;
  useEffect(() => {
    if (dialing && toastIdNow.current !== undefined)
      dispatch({ type: 'clearToast', id: toastIdNow.current, all: true });
  }, [dialing, dispatch]);
  // A line from the run (an agent remembered) shows like a toast: for a while, then goes.
  useEffect(() => {
    if (note) dispatch({ type: 'notice', text: note });
  }, [note, dispatch]);
  // A warning of the call's (playing through sox play) shows the same way, as the settings'
  // warnings do: the events pane keeps it, with its detail.
  const warning = useStoreSelector(store, selectWarning);
  useEffect(() => {
    if (warning) {
      const why = warning.more ? ' (d shows why)' : '';
      dispatch({ type: 'notice', text: `warning: ${warning.text}${why}` });
    }
  }, [warning, dispatch]);
  // The server answers again: said for a while, as the warning it ends is gone.
  const serverBack = useStoreSelector(store, selectServerBack);
  useEffect(() => {
    if (serverBack) dispatch({ type: 'notice', text: serverBack.text });
  }, [serverBack, dispatch]);
  // "Not connected yet: press Enter once the call is live" is done with once it is live, and so
  // is `already calling again` (`rrr`): left standing, it reads as if the app were still dialling.
  const live = phase === 'live';
  const waitingForLive = ui.toast?.text === NOT_LIVE_YET || ui.toast?.text === ALREADY_CALLING;
  useEffect(() => {
    if (live && waitingForLive && toastIdNow.current !== undefined)
      dispatch({ type: 'clearToast', id: toastIdNow.current });
  }, [live, waitingForLive, dispatch]);
  useEffect(() => {
    if (toastId === undefined) return;
    const timer = setTimeout(() => dispatch({ type: 'clearToast', id: toastId }), TOAST_MS);
    return () => clearTimeout(timer);
  }, [toastId, dispatch]);

  const transcript = (
    <TranscriptPane
      items={items}
      width={layout.transcript.width}
      height={layout.transcript.height}
      scroll={ui.scroll}
    />
  );
  const info = (
    <InfoPane
      store={store}
      width={layout.info.width}
      height={layout.info.height}
      wide={layout.wide}
    />
  );
  const events = ui.showEvents && layout.eventsRows > 0 && (
    <EventsPane
      store={store}
      width={layout.info.width}
      rows={layout.eventsRows}
      earlier={earlierEvents}
      {...(currentDivider ? { divider: currentDivider.divider } : {})}
      {...(ui.eventsEnd === undefined ? {} : { end: ui.eventsEnd })}
      view={eventsView}
    />
  );

  let body: ReactElement;
  if (ui.mode === 'help') {
    body = (
      <HelpOverlay
        width={layout.width}
        height={layout.bodyRows}
        top={ui.helpTop}
        ptt={ptt}
        pttHold={ui.pttHold}
        redial={redial}
        {...(helpNote === undefined ? {} : { note: helpNote })}
      />
    );
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
    // The rule only above a pane: on a screen of a few rows the transcript has them all.
    const below = layout.info.height + layout.eventsRows > 0;
    body = (
      <Box flexDirection="column" height={layout.bodyRows}>
        {transcript}
        {below && (
          <Box
            width={layout.width}
            height={1}
            borderStyle="single"
            borderTop
            borderLeft={false}
            borderRight={false}
            borderBottom={false}
            borderDimColor
          />
        )}
        {below && info}
        {events}
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={layout.width} height={layout.height}>
      {layout.headerRows > 0 && <Header store={store} title={title} width={layout.width} />}
      {layout.bodyRows > 0 && body}
      <Notices rows={noticeLines.slice(0, layout.noticeRows)} width={layout.width} />
      {ui.mode === 'typing' ? (
        <TypingLine line={ui.line} width={layout.width} row={layout.height - 1} />
      ) : (
        <Footer context={context} width={layout.width} />
      )}
    </Box>
  );
}
