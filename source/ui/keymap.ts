/**
 * Every shortcut of the full-screen UI in ONE table. The input hook, the footer and the help
 * overlay are all generated from it, so a key cannot work without being documented (and
 * docs/keys.md is a hand copy of this table).
 */
import type { Key } from 'ink';

/** What the UI is doing, which decides which keys are live. */
export type UiMode = 'call' | 'typing' | 'help';

/** A named thing the user can ask for. */
export type CommandName =
  | 'mute'
  | 'interrupt'
  | 'type'
  | 'toggleMedium'
  | 'save'
  | 'toggleEvents'
  | 'eventsBack'
  | 'eventsOn'
  | 'help'
  | 'quit'
  | 'redial'
  | 'hangUpOrForce'
  | 'suspend'
  | 'ptt'
  | 'scrollUp'
  | 'scrollDown'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'send'
  | 'cancel';

/** Normalised key names, as produced by {@link keyNameOf}. */
export type KeyName = string;

/** One row of the keymap. */
export interface KeyBinding {
  readonly command: CommandName;
  readonly keys: readonly KeyName[];
  readonly description: string;
  /** Modes in which the binding is live. */
  readonly when: readonly UiMode[];
  /** Short label for the footer; bindings without one appear only in the help overlay. */
  readonly footer?: string;
  /** The footer's label while the help is open, when it differs (`close`: `?/Esc close`). */
  readonly helpFooter?: string;
  /** Only live when push-to-talk mode is on. */
  readonly onlyInPtt?: boolean;
  /** Only live where a call can be made again (the full-screen run). */
  readonly onlyWithRedial?: boolean;
  /**
   * Acts on the call itself: not offered in the footer once the call is over (pressed then, it
   * says why it did nothing).
   */
  readonly forTheCall?: boolean;
}

/**
 * Push-to-talk on Space starts as a toggle (press: talk, press again: stop), because most
 * terminals report no key releases. Once the terminal has reported a release (the kitty keyboard
 * protocol), Space is held to talk for the rest of the call.
 */
const PTT_TOGGLE_DESCRIPTION = 'push-to-talk: press to talk, press again to stop';
const PTT_HOLD_DESCRIPTION = 'push-to-talk: hold to talk, release to stop';
const PTT_HOLD_FOOTER = 'hold to talk';
/**
 * Said when Space is pressed without `--ptt`: it does nothing, and how to have it; the help's
 * row for Space says the same then.
 */
export const PTT_OFF = 'push-to-talk is off: start with --ptt to talk with Space';

export const KEYMAP: readonly KeyBinding[] = [
  {
    command: 'mute',
    keys: ['m'],
    description: 'mute / unmute the mic (silence is sent while muted)',
    when: ['call'],
    footer: 'mute',
    forTheCall: true,
  },
  {
    command: 'ptt',
    keys: ['space'],
    description: PTT_TOGGLE_DESCRIPTION,
    when: ['call'],
    footer: 'talk on/off',
    onlyInPtt: true,
    forTheCall: true,
  },
  {
    command: 'interrupt',
    keys: ['i'],
    description: 'interrupt the agent (drop its queued audio)',
    when: ['call'],
    footer: 'interrupt',
    forTheCall: true,
  },
  {
    command: 'type',
    keys: ['t'],
    description: 'type a message to the agent',
    when: ['call'],
    footer: 'type',
    forTheCall: true,
  },
  {
    command: 'toggleMedium',
    keys: ['v'],
    description: 'switch the agent between voice and text answers',
    when: ['call'],
    footer: 'voice/text',
    forTheCall: true,
  },
  {
    command: 'save',
    keys: ['s'],
    description: 'save the transcript now',
    when: ['call'],
    footer: 'save',
  },
  {
    command: 'toggleEvents',
    keys: ['d'],
    description: 'show / hide the events and debug pane',
    when: ['call'],
    footer: 'events',
  },
  {
    command: 'eventsBack',
    keys: ['['],
    description: 'scroll the events pane back a page (its title says what is above)',
    when: ['call'],
  },
  {
    command: 'eventsOn',
    keys: [']'],
    description: 'scroll the events pane on a page, to the newest events',
    when: ['call'],
  },
  {
    command: 'help',
    keys: ['?'],
    description: 'show / hide this help',
    when: ['call', 'help'],
    footer: 'help',
    helpFooter: 'close',
  },
  {
    command: 'redial',
    keys: ['r'],
    description: 'hang up and call again (a prompt file is read again)',
    when: ['call'],
    footer: 'redial',
    onlyWithRedial: true,
  },
  {
    command: 'quit',
    keys: ['q'],
    description: 'hang up and quit',
    when: ['call', 'help'],
    footer: 'quit',
  },
  {
    command: 'hangUpOrForce',
    keys: ['ctrl+c'],
    description: 'hang up and quit; again while hanging up: quit at once',
    when: ['call', 'typing', 'help'],
  },
  {
    command: 'suspend',
    keys: ['ctrl+z'],
    description: "suspend to the shell (fg comes back; the call's audio stops meanwhile)",
    when: ['call', 'typing', 'help'],
  },
  {
    command: 'scrollUp',
    keys: ['up'],
    description: 'scroll up one line',
    when: ['call', 'help'],
  },
  {
    command: 'scrollDown',
    keys: ['down'],
    description: 'scroll down one line',
    when: ['call', 'help'],
  },
  {
    command: 'pageUp',
    keys: ['pageup'],
    description: 'scroll up one page (stops following the live turn)',
    when: ['call', 'help'],
  },
  {
    command: 'pageDown',
    keys: ['pagedown'],
    description: 'scroll down one page',
    when: ['call', 'help'],
  },
  {
    command: 'top',
    keys: ['home'],
    description: 'jump to the start of the transcript',
    when: ['call', 'help'],
  },
  {
    command: 'bottom',
    keys: ['end'],
    description: 'jump to the end and follow the live turn',
    when: ['call', 'help'],
  },
  {
    command: 'send',
    keys: ['return'],
    description: 'send the typed message',
    when: ['typing'],
    footer: 'send',
  },
  {
    command: 'cancel',
    keys: ['escape'],
    description: 'cancel typing / close the help',
    when: ['typing', 'help'],
    footer: 'cancel',
    helpFooter: 'close',
  },
];

const KEY_LABELS: Record<string, string> = {
  'ctrl+c': 'Ctrl+C',
  'ctrl+z': 'Ctrl+Z',
  space: 'Space',
  up: '↑',
  down: '↓',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'Enter',
  escape: 'Esc',
};

/** How a key is written for people: "PgUp", "Ctrl+C", "m". */
export function keyLabel(key: KeyName): string {
  return KEY_LABELS[key] ?? key;
}

/** Turns Ink's `(input, key)` into one {@link KeyName}; undefined for keys nothing uses. */
export function keyNameOf(input: string, key: Key): KeyName | undefined {
  if (key.ctrl && input === 'c') return 'ctrl+c';
  if (key.ctrl && input === 'z') return 'ctrl+z';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'return';
  if (key.escape) return 'escape';
  if (key.ctrl || key.meta) return undefined;
  if (input === ' ') return 'space';
  // Caps Lock should not turn shortcuts off.
  if (input.length === 1) return input.toLowerCase();
  return undefined;
}

/** What the current mode allows. */
export interface KeyContext {
  readonly mode: UiMode;
  readonly ptt: boolean;
  /** The terminal reports key releases: Space is held to talk (see {@link PTT_HOLD_DESCRIPTION}). */
  readonly pttHold?: boolean;
  /** `r` calls again (the full-screen run; not a single store on its own). */
  readonly redial?: boolean;
  /** The call has ended: the footer offers no key that acts on it (mute, interrupt, type …). */
  readonly over?: boolean;
}

/**
 * The binding as it reads in this context: push-to-talk says whether Space is held, and without
 * `--ptt` what Space does then (nothing, and how to have it).
 */
function shown(binding: KeyBinding, context: KeyContext): KeyBinding {
  if (binding.command !== 'ptt') return binding;
  if (!context.ptt) return { ...binding, description: PTT_OFF };
  if (!context.pttHold) return binding;
  return { ...binding, description: PTT_HOLD_DESCRIPTION, footer: PTT_HOLD_FOOTER };
}

function isLive(binding: KeyBinding, context: KeyContext): boolean {
  return (
    binding.when.includes(context.mode) &&
    (!binding.onlyInPtt || context.ptt) &&
    (!binding.onlyWithRedial || context.redial === true)
  );
}

/** The command a key triggers in this context, if any. */
export function commandFor(name: KeyName, context: KeyContext): CommandName | undefined {
  for (const binding of KEYMAP) {
    if (binding.keys.includes(name) && isLive(binding, context)) return binding.command;
  }
  return undefined;
}

/**
 * What to say of a key that is no command in this context, when it is worth a word: Space
 * without `--ptt`, and a key of the call pressed with the help open (the help covers what it
 * would change, so it does nothing: Esc first). Undefined for keys that are just not keys. Pure.
 */
export function whyNothing(name: KeyName, context: KeyContext): string | undefined {
  if (name === 'space' && !context.ptt) return PTT_OFF;
  if (context.mode !== 'help') return undefined;
  if (commandFor(name, { ...context, mode: 'call' }) === undefined) return undefined;
  return `the help is open: Esc closes it, then ${keyLabel(name)} works`;
}

/** Footer items for the context: `[key label, short label]`, in table order. */
export function footerItems(context: KeyContext): Array<readonly [string, string]> {
  const items: Array<readonly [string, string]> = [];
  for (const binding of KEYMAP) {
    if (binding.footer === undefined || !isLive(binding, context)) continue;
    if (binding.forTheCall && context.over) continue;
    const label =
      context.mode === 'help' && binding.helpFooter !== undefined
        ? binding.helpFooter
        : (shown(binding, context).footer ?? '');
    const keys = binding.keys.map(keyLabel).join('/');
    // In the help, `?` and Esc both close it: one item, in the order its title says them
    // (`? or Esc to close`), not `? help` beside `Esc close`.
    const same = items.findIndex(([, other]) => other === label);
    if (context.mode === 'help' && same >= 0) {
      items[same] = [`${items[same]?.[0]}/${keys}`, label];
      continue;
    }
    items.push([keys, label]);
  }
  return items;
}

const MODE_WORDS: Record<UiMode, string> = { call: 'in call', typing: 'typing', help: 'help' };

/**
 * One help row per binding: keys, description, and when it works. `when` is empty for the
 * common case (during the call; the help overlay is part of the call), so the overlay fits 80
 * columns. Space says what it does in this run only (`ptt`): push-to-talk, or that it is off.
 */
export function helpRows(
  context: Pick<KeyContext, 'pttHold' | 'redial'> & { readonly ptt?: boolean } = { redial: true },
): Array<{ keys: string; description: string; when: string }> {
  return KEYMAP.filter((entry) => !entry.onlyWithRedial || context.redial === true).map((entry) => {
    const binding = shown(entry, {
      mode: 'call',
      ptt: context.ptt === true,
      pttHold: context.pttHold,
    });
    // A key of the call says nothing more: the help lists the call's keys, which work once it
    // is closed (with it open they say so, `whyNothing`). A key for typing and the help (Esc)
    // says both in its description: no "(typing)" that reads as "only while typing".
    const modes = binding.when.filter((m) => m !== 'help');
    const describedWhere = !binding.when.includes('call') && binding.when.includes('help');
    let when: string;
    // Push-to-talk's row says what Space does in this run (on, or off and how to have it): a
    // "(with --ptt)" read as a condition still to meet with --ptt given.
    if (describedWhere || binding.onlyInPtt) when = '';
    else if (modes.length === 1 && modes[0] === 'call') when = '';
    else if (modes.includes('call') && modes.includes('typing')) when = 'also while typing';
    else when = modes.map((m) => MODE_WORDS[m]).join(', ');
    return { keys: binding.keys.map(keyLabel).join(', '), description: binding.description, when };
  });
}
