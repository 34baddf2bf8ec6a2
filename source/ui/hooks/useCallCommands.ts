import { type Dispatch, useCallback, useRef } from 'react';
import type { CallPhase, Store } from '../../session/types.js';
import { shortHome } from '../../text/home-path.js';
import { type EventsView, eventsPageBack, eventsPageOn } from '../components/EventsPane.js';
import { useSuspend } from '../jobControl.js';
import type { CommandName } from '../keymap.js';
import type { EditLine } from '../lineEdit.js';
import { NO_SPACE_YET, pttAfterSpace, spaceTap } from '../ptt.js';
import { sanitizeLine } from '../sanitize.js';
import { type ScrollCommand, scroll, type TranscriptItem } from '../transcriptLayout.js';
import type { UiAction, UiState } from '../uiState.js';
import type { RunCommand } from './useCallKeys.js';

/** Exit code when the user forces the quit with a second Ctrl+C (as if killed by SIGINT). */
export const FORCED_EXIT_CODE = 130;

const SCROLL_COMMANDS: Partial<Record<CommandName, ScrollCommand>> = {
  scrollUp: 'lineUp',
  scrollDown: 'lineDown',
  pageUp: 'pageUp',
  pageDown: 'pageDown',
  top: 'top',
  bottom: 'bottom',
};

/**
 * How the screen ends a call: the full-screen run passes its own (it finishes the call, fetches
 * its record, can call again); a store on its own hangs up and exits.
 */
export interface CallControls {
  /** q, Ctrl+C: hang up and end; `force` (a second Ctrl+C): at once. */
  quit(force: boolean): void;
  /** r: hang up and call again; returns what to say when it calls no one. */
  redial?(): string | undefined;
  /** Any key while the call record is fetched. */
  skipRecord?(): void;
}

export interface CallCommandsInput {
  readonly store: Store;
  /** Given by the full-screen run; without it q hangs the store up and calls `onExit`. */
  readonly controls?: CallControls;
  /** The UI state after every key so far, rendered or not (`useLatestReducer`). */
  readonly ui: () => UiState;
  readonly dispatch: Dispatch<UiAction>;
  readonly onExit: (code: number) => void;
  /** The transcript's items now (scroll commands measure against them). */
  readonly items: () => readonly TranscriptItem[];
  readonly transcript: { readonly width: number; readonly height: number };
  /** The help's lines and the rows it has for them (the help scrolls with the same keys). */
  readonly help: () => { readonly lines: number; readonly rows: number };
  /** What the events pane shows, as it last drew (undefined before it has). */
  readonly events?: () => EventsView | undefined;
  /** The key being read was typed before the screen showed the call live (`useTypedAhead`). */
  readonly typedAhead?: () => boolean;
}

/** Said when Enter comes before the call is up: the line stays, nothing is lost. */
export const NOT_LIVE_YET =
  'not connected yet: your message is kept, press Enter once the call is live';
/**
 * Said when a talk key typed before the screen showed the call live (while the app started) is
 * read once it is live: it opens nothing, as before the call is up.
 */
export const TYPED_AHEAD =
  'pressed before the call was live: Space opened no mic, press it again to talk';
/** Said when Enter comes after the call ended: the line stays (Esc closes it). */
export const CALL_OVER = 'the call is over: your message was not sent (Esc closes the line)';

/** The notices about the open message line: Esc, closing it, takes them with it. */
const LINE_NOTICES: ReadonlySet<string> = new Set([NOT_LIVE_YET, CALL_OVER]);

/**
 * Said when `t` or a paste would open the message line on a call that is over: nothing typed
 * could be sent. `redial`: `r` calls again (the full-screen run).
 */
export function noOneToTypeTo(redial: boolean): string {
  return `the call is over: there is no one to type to${redial ? ' (r calls again)' : ''}`;
}

/** The call is being created or connected: no mic is sent, no agent speaks yet. */
function notUpYet(phase: CallPhase): boolean {
  return phase === 'creating' || phase === 'connecting';
}

/** Whether the call in `store` has ended (or failed): nothing more can reach it. */
export function isOver(store: Store): boolean {
  const { phase } = store.getSnapshot();
  return phase === 'ended' || phase === 'error';
}

/**
 * Enter on the message line: the text goes to the agent and the line closes; when the call is
 * not live (nothing could carry it) the line stays open with the text, and a notice says why.
 */
export function sendLine(store: Store, dispatch: Dispatch<UiAction>, line: EditLine): void {
  const text = sanitizeLine(line.text).trim();
  const { phase } = store.getSnapshot();
  if (text.length > 0 && phase !== 'live') {
    dispatch({ type: 'edit', line });
    const before = phase === 'creating' || phase === 'connecting';
    dispatch({ type: 'toast', text: before ? NOT_LIVE_YET : CALL_OVER });
    return;
  }
  if (text.length > 0) store.actions.sendText(text);
  dispatch({ type: 'stopTyping' });
}

function message(error: unknown): string {
  return sanitizeLine(error instanceof Error ? error.message : String(error));
}

/** What each keymap command does to the store and the UI state. */
export function useCallCommands(input: CallCommandsInput): RunCommand {
  const { store, controls, ui: uiNow, dispatch, onExit, items, transcript, help, events } = input;
  const { typedAhead } = input;
  const exited = useRef(false);
  const quitting = useRef(false);
  const spaceTaps = useRef(NO_SPACE_YET);
  /** The file the last `s` saved to: saving there again says so, else the toast would not change. */
  const savedTo = useRef<string | undefined>(undefined);
  const suspend = useSuspend();

  const exit = useCallback(
    (code: number) => {
      if (exited.current) return;
      exited.current = true;
      onExit(code);
    },
    [onExit],
  );

  const quit = useCallback(
    (force: boolean) => {
      if (controls) {
        // The first q or Ctrl+C hangs up; a second Ctrl+C while that runs quits at once.
        if (quitting.current) {
          if (force) controls.quit(true);
          return;
        }
        quitting.current = true;
        dispatch({ type: 'quitting' });
        controls.quit(false);
        return;
      }
      if (quitting.current) {
        if (force) exit(FORCED_EXIT_CODE);
        return;
      }
      quitting.current = true;
      dispatch({ type: 'quitting' });
      store.actions.hangUp().then(
        () => exit(store.getSnapshot().exitCode),
        () => exit(Math.max(1, store.getSnapshot().exitCode)),
      );
    },
    [store, controls, dispatch, exit],
  );

  return (command: CommandName, event) => {
    const ui = uiNow();
    const scrollCommand = SCROLL_COMMANDS[command];
    if (scrollCommand !== undefined && ui.mode === 'help') {
      const { lines, rows } = help();
      const steps: Record<ScrollCommand, number> = {
        lineUp: -1,
        lineDown: 1,
        pageUp: -rows,
        pageDown: rows,
        top: -lines,
        bottom: lines,
      };
      const top = Math.max(0, Math.min(ui.helpTop + steps[scrollCommand], lines - rows));
      dispatch({ type: 'helpScroll', top });
      return;
    }
    if (scrollCommand !== undefined) {
      const next = scroll(ui.scroll, scrollCommand, items(), transcript.width, transcript.height);
      dispatch({ type: 'scroll', scroll: next });
      return;
    }
    const { actions } = store;
    // Read at the key, not at the last render: nothing here needs a render of its own.
    const snapshot = store.getSnapshot();
    switch (command) {
      case 'mute': {
        actions.mute();
        // Over, the call has no mic to mute: the mute is kept for the call `r` makes. Not up
        // yet, the mute is the coming call's: it starts with it. Either way said, not silent.
        const after = store.getSnapshot();
        const starts = after.userMuted
          ? 'starts muted'
          : after.ptt
            ? 'starts unmuted (Space talks)'
            : 'starts with the mic live';
        if (isOver(store))
          dispatch({ type: 'toast', text: `the call is over: the call r makes ${starts}` });
        else if (notUpYet(snapshot.phase))
          dispatch({ type: 'toast', text: `not connected yet: the call ${starts}` });
        return;
      }
      case 'ptt': {
        if (isOver(store)) {
          const again = controls?.redial !== undefined ? ' (r calls again)' : '';
          const text = `the call is over: Space opens no mic${again}`;
          // A held Space's repeats say nothing new: no frame and timer for each.
          if (event !== 'release' && ui.toast?.text !== text) dispatch({ type: 'toast', text });
          return;
        }
        const hold = ui.pttHold || event === 'release';
        if (!hold && event !== 'repeat') {
          // A toggle: a held Space's repeats flip it no more (`spaceTap`).
          const tap = spaceTap(spaceTaps.current, performance.now());
          spaceTaps.current = tap.taps;
          if (!tap.flip) return;
        }
        const down = pttAfterSpace(event, hold, snapshot.pttDown);
        // Before the call is up Space opens nothing (see the store's setPtt): said, not silent.
        if (down === true && notUpYet(snapshot.phase)) {
          dispatch({ type: 'toast', text: 'not connected yet: Space talks once the call is live' });
          return;
        }
        // Live, but the press was typed before that showed (it waited in the terminal while the
        // app started): it would open the mic at a moment nobody chose, as above. Only while
        // live: a press while the call ends is not "before the call was live".
        if (down === true && snapshot.phase === 'live' && typedAhead?.()) {
          dispatch({ type: 'toast', text: TYPED_AHEAD });
          return;
        }
        if (down !== undefined) actions.setPtt(down);
        return;
      }
      case 'interrupt': {
        if (notUpYet(snapshot.phase)) {
          dispatch({ type: 'toast', text: 'not connected yet: there is nothing to interrupt' });
          return;
        }
        actions.interrupt();
        // The store says what the key did in the events (nothing to interrupt, nothing more,
        // or how much was dropped): said where the user looks too, in place of an older notice.
        if (snapshot.phase === 'ended' || snapshot.phase === 'error') {
          dispatch({ type: 'toast', text: 'the call is over: there is nothing to interrupt' });
          return;
        }
        const said = store.getSnapshot().events.at(-1)?.message;
        if (said !== undefined && /^(nothing|interrupted the agent)/.test(said))
          dispatch({ type: 'toast', text: said });
        return;
      }
      case 'type':
        if (isOver(store)) {
          dispatch({ type: 'toast', text: noOneToTypeTo(controls?.redial !== undefined) });
          return;
        }
        dispatch({ type: 'startTyping' });
        return;
      case 'send':
        sendLine(store, dispatch, ui.line);
        return;
      case 'cancel':
        if (ui.mode === 'help') {
          dispatch({ type: 'closeHelp' });
          return;
        }
        dispatch({ type: 'stopTyping' });
        // What was said about the line (kept until live, not sent) is wrong once it is dropped.
        if (ui.toast && LINE_NOTICES.has(ui.toast.text))
          dispatch({ type: 'clearToast', id: ui.toast.id });
        return;
      case 'toggleMedium': {
        if (snapshot.phase !== 'live') {
          // In the words the other keys use: over, or not up yet.
          const text =
            snapshot.phase === 'ended' || snapshot.phase === 'error'
              ? `the call is over: there is no agent to ask${controls?.redial !== undefined ? ' (r calls again)' : ''}`
              : notUpYet(snapshot.phase)
                ? 'not connected yet: there is no agent to ask'
                : 'the call is ending: there is no agent to ask';
          dispatch({ type: 'toast', text });
          return;
        }
        const medium = snapshot.outputMedium === 'voice' ? 'text' : 'voice';
        actions.setOutputMedium(medium);
        dispatch({
          type: 'toast',
          text:
            medium === 'text' ? 'asked the agent to answer in text' : 'asked the agent to speak',
        });
        return;
      }
      case 'save':
        actions.saveTranscript().then(
          (path) => {
            const again = savedTo.current === path ? ' again' : '';
            savedTo.current = path;
            // Under the home folder as `~/…`, as the shell would take it.
            dispatch({ type: 'toast', text: `transcript saved${again} to ${shortHome(path)}` });
          },
          (error: unknown) => {
            const why = message(error);
            // The writer's own line already names the path: `could not write transcript …`; a
            // pipe written at the end says so (`SaveAtEnd`), not a failure.
            const said = /^could not/.test(why) || (error as Error)?.name === 'SaveAtEnd';
            const text = said ? why : `could not save the transcript: ${why}`;
            // Its path under the home folder as `~/…`, as a save that worked says it: room for
            // the reason and the way out (the notice keeps them whole, `Notices.tsx`). A function,
            // so a `$&` in a folder's name is not read as a pattern.
            const path = (error as { path?: unknown })?.path;
            const shown =
              typeof path === 'string' ? text.replace(path, () => shortHome(path)) : text;
            dispatch({ type: 'toast', text: shown });
          },
        );
        return;
      case 'toggleEvents':
        dispatch({ type: 'toggleEvents' });
        return;
      case 'eventsBack':
      case 'eventsOn': {
        const view = ui.showEvents ? events?.() : undefined;
        if (!view || view.height <= 0) {
          dispatch({
            type: 'toast',
            text: 'the events pane is closed: d shows it, [ and ] scroll it',
          });
          return;
        }
        const page = command === 'eventsBack' ? eventsPageBack : eventsPageOn;
        dispatch({ type: 'eventsScroll', end: page(view, ui.eventsEnd) });
        return;
      }
      case 'help':
        dispatch({ type: 'toggleHelp' });
        return;
      case 'quit':
        quit(false);
        return;
      case 'redial':
        // A call is being created: r would make a second one. Say so rather than nothing.
        if (snapshot.phase === 'creating') {
          dispatch({ type: 'toast', text: 'already calling: r calls again once this call is on' });
          return;
        }
        {
          const refused = controls?.redial?.();
          if (refused !== undefined) dispatch({ type: 'toast', text: refused });
        }
        return;
      case 'hangUpOrForce':
        quit(true);
        return;
      case 'suspend':
        suspend();
        return;
      default:
        return;
    }
  };
}
