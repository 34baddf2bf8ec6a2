/**
 * The UI's own state (not the call's): which mode the keys are in, the message being typed,
 * the events pane, the toast line, the transcript scroll, and whether we are quitting.
 * A pure reducer so every transition is unit-testable.
 */
import type { UiMode } from './keymap.js';
import { type EditLine, EMPTY_LINE } from './lineEdit.js';
import { FOLLOW, type ScrollState } from './transcriptLayout.js';

export interface UiState {
  readonly mode: UiMode;
  /** The message being typed (mode "typing"). */
  readonly line: EditLine;
  /**
   * The terminal has reported a key release (kitty keyboard protocol): from then on Space is
   * held to talk instead of toggled.
   */
  readonly pttHold: boolean;
  readonly showEvents: boolean;
  /** The events pane scrolled back (`[`): where its view ends; undefined follows the newest. */
  readonly eventsEnd?: number;
  /** One-line notice, e.g. where the transcript was saved. */
  readonly toast?: {
    readonly text: string;
    readonly id: number;
    readonly notice?: boolean;
    /** About the help being open (`the help is open: Esc closes it, then m works`): goes with it. */
    readonly whileHelp?: boolean;
  };
  /** Id of the last toast, so a stale timer cannot clear a newer one. */
  readonly toastSeq: number;
  /**
   * Notices of the run's (an agent remembered, a settings or call warning) that came while
   * another line was showing: each shows in turn, for the whole of its time, when the line
   * before it goes. A reply to a key takes the line at once; the notice it took it from waits here again.
   */
  readonly queuedNotices: readonly string[];
  readonly scroll: ScrollState;
  /** The help's first row shown (it scrolls when the terminal is too small for it). */
  readonly helpTop: number;
  /** "q" or Ctrl+C was pressed: hanging up, a second Ctrl+C quits at once. */
  readonly quitting: boolean;
}

export type UiAction =
  | { readonly type: 'startTyping' }
  | { readonly type: 'edit'; readonly line: EditLine }
  | { readonly type: 'keyReleaseSeen' }
  | { readonly type: 'stopTyping' }
  | { readonly type: 'toggleHelp' }
  | { readonly type: 'closeHelp' }
  | { readonly type: 'toggleEvents' }
  | { readonly type: 'eventsScroll'; readonly end: number | undefined }
  | { readonly type: 'toast'; readonly text: string; readonly whileHelp?: boolean }
  | { readonly type: 'notice'; readonly text: string }
  | { readonly type: 'clearToast'; readonly id: number; readonly all?: boolean }
  | { readonly type: 'scroll'; readonly scroll: ScrollState }
  | { readonly type: 'helpScroll'; readonly top: number }
  | { readonly type: 'quitting' };

export const INITIAL_UI_STATE: UiState = {
  mode: 'call',
  line: EMPTY_LINE,
  pttHold: false,
  showEvents: false,
  toastSeq: 0,
  queuedNotices: [],
  scroll: FOLLOW,
  helpTop: 0,
  quitting: false,
};

/** Notices waiting beyond this many are in the events pane only (`d`). */
const MAX_QUEUED_NOTICES = 4;

function showToast(state: UiState, text: string, notice = false, whileHelp = false): UiState {
  const toast = {
    text,
    id: state.toastSeq + 1,
    ...(notice ? { notice } : {}),
    ...(whileHelp ? { whileHelp } : {}),
  };
  return { ...state, toast, toastSeq: state.toastSeq + 1 };
}

/** The toast goes; the next notice waiting shows (none with `all`: they go too). */
function dropToast(state: UiState, all = false): UiState {
  const [next, ...rest] = all ? [] : state.queuedNotices;
  const cleared = { ...state, toast: undefined, queuedNotices: rest };
  return next === undefined ? cleared : showToast(cleared, next, true);
}

/** The help closed: a toast about it being open goes too (the next notice, if any, shows). */
function helpClosed(state: UiState): UiState {
  return state.toast?.whileHelp ? dropToast(state) : state;
}

export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'startTyping':
      return { ...state, mode: 'typing', line: EMPTY_LINE };
    case 'edit':
      return state.mode === 'typing' ? { ...state, line: action.line } : state;
    case 'keyReleaseSeen':
      return state.pttHold ? state : { ...state, pttHold: true };
    case 'stopTyping':
      return { ...state, mode: 'call', line: EMPTY_LINE };
    case 'toggleHelp':
      return state.mode === 'help'
        ? helpClosed({ ...state, mode: 'call', helpTop: 0 })
        : { ...state, mode: 'help', helpTop: 0 };
    case 'closeHelp':
      return state.mode === 'help' ? helpClosed({ ...state, mode: 'call' }) : state;
    case 'toggleEvents': {
      // Shown again, the pane has the newest events (`d` twice is a way back to them too).
      const { eventsEnd: _scrolled, ...rest } = state;
      return { ...rest, showEvents: !state.showEvents };
    }
    case 'eventsScroll': {
      if (state.eventsEnd === action.end) return state;
      const { eventsEnd: _scrolled, ...rest } = state;
      return action.end === undefined ? rest : { ...rest, eventsEnd: action.end };
    }
    case 'toast': {
      // A reply to a key takes the line at once; a notice of the run's it took the line from
      // shows again after it (its whole time: it may have been up a moment only).
      const taken = state.toast?.notice ? state.toast.text : undefined;
      const queued = taken === undefined ? state.queuedNotices : [taken, ...state.queuedNotices];
      return showToast({ ...state, queuedNotices: queued }, action.text, false, action.whileHelp);
    }
    case 'notice': {
      if (!state.toast) return showToast(state, action.text, true);
      const known = state.toast.text === action.text || state.queuedNotices.includes(action.text);
      if (known || state.queuedNotices.length >= MAX_QUEUED_NOTICES) return state;
      return { ...state, queuedNotices: [...state.queuedNotices, action.text] };
    }
    case 'clearToast': {
      if (state.toast?.id !== action.id) return state;
      return dropToast(state, action.all);
    }
    case 'scroll':
      return state.scroll === action.scroll ? state : { ...state, scroll: action.scroll };
    case 'helpScroll':
      return state.helpTop === action.top ? state : { ...state, helpTop: action.top };
    case 'quitting':
      // Typing and help are abandoned: the screen shows the hang-up.
      return { ...state, quitting: true, mode: 'call', line: EMPTY_LINE };
  }
}
