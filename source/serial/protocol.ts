/**
 * The serial line protocol, both directions. Pure: no I/O. See docs/serial.md.
 *
 * Device → app: one command per line (`MUTE`, `PTT_DOWN`, …), case-insensitive.
 * App → device: `STATE <state>`, `MUTED <0|1>`, `MUTE_SWITCH <0|1>`, `PTT <0|1>`,
 * `LEVEL <in> <out>`.
 */
import { StringDecoder } from 'node:string_decoder';
import { LEVEL_FLOOR_DB } from '../audio/constants.js';
import type { Snapshot } from '../session/types.js';

/** A command a device can send. */
export type DeviceCommandKind =
  | 'mute'
  | 'unmute'
  | 'mute_toggle'
  | 'ptt_down'
  | 'ptt_up'
  | 'interrupt'
  | 'hangup';

/** A parsed device line. Blank lines are `empty` (ignored); anything else unknown is kept. */
export type DeviceLine =
  | { readonly kind: DeviceCommandKind }
  | { readonly kind: 'empty' }
  | { readonly kind: 'unknown'; readonly line: string };

const COMMANDS: Readonly<Record<string, DeviceCommandKind>> = {
  MUTE: 'mute',
  UNMUTE: 'unmute',
  MUTE_TOGGLE: 'mute_toggle',
  PTT_DOWN: 'ptt_down',
  PTT_UP: 'ptt_up',
  INTERRUPT: 'interrupt',
  HANGUP: 'hangup',
};

/** Longest line kept; a device that never sends a newline must not grow memory forever. */
export const MAX_LINE_CHARS = 256;

/**
 * How long the device may go quiet in the middle of something that cannot become a command
 * (noise, a boot message without a line end) before that is taken as a line of its own: the
 * command the device sends after it then starts a line of its own instead of being swallowed.
 * Much longer than the gaps inside one line (a byte takes under 2 ms at 9600 baud).
 */
export const LINE_PAUSE_MS = 500;

/** Parses one line from the device (with or without its CR/LF). */
export function parseDeviceLine(raw: string): DeviceLine {
  const line = raw.replace(/^[\s\u0000]+|[\s\u0000]+$/g, '');
  if (line.length === 0) return { kind: 'empty' };
  const kind = COMMANDS[line.toUpperCase()];
  return kind ? { kind } : { kind: 'unknown', line };
}

/**
 * Whether the start of a line could still become a command (`MUTE_TOG`, `  PTT_UP `): a
 * person typing a command in a terminal program sends it a key at a time, with pauses.
 */
export function couldBecomeCommand(partial: string): boolean {
  const match = /^[\s\u0000]*([^\s\u0000]*)([\s\u0000]*)$/.exec(partial);
  if (!match) return false;
  const word = (match[1] ?? '').toUpperCase();
  if (match[2]) return word === '' || Object.hasOwn(COMMANDS, word);
  return Object.keys(COMMANDS).some((command) => command.startsWith(word));
}

/** Makes device text safe to show: no control characters or escapes, bounded length. */
export function printableDeviceText(text: string, maxChars = 60): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}…` : clean;
}

/**
 * Whether a line is garbled rather than a command the app does not know: bytes that are not
 * UTF-8 text (decoded as U+FFFD) or control characters, which is what a device at another
 * baud rate, or line noise, looks like. `VOLUME 11` is not garbled.
 */
export function isGarbledDeviceText(line: string): boolean {
  return /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]/.test(line);
}

/** Unknown lines shown one by one in a window before the rest are dropped. */
export const UNKNOWN_LINES_SHOWN = 3;
/** The window: after it, unknown lines are shown again. */
export const UNKNOWN_LINE_WINDOW_MS = 60_000;

/** What to do about one unknown line: show it, say that the rest are dropped, or drop it. */
export type UnknownLineVerdict =
  | { readonly kind: 'show' }
  | { readonly kind: 'drop_notice'; readonly garbled: boolean }
  | { readonly kind: 'drop' };

/**
 * Keeps unknown lines from flooding the events pane: noise on the line (a wrong baud rate)
 * makes dozens a second. The first {@link UNKNOWN_LINES_SHOWN} in a window of
 * {@link UNKNOWN_LINE_WINDOW_MS} are shown; the next one is replaced by a single notice (which
 * says whether they were garbled, so the baud rate can be suspected), the rest of the window's
 * are dropped. The window starts at the first unknown line after the previous one ended.
 */
export class UnknownLineLimit {
  private windowStart = Number.NEGATIVE_INFINITY;
  private seen = 0;
  private garbled = 0;

  constructor(
    private readonly shown = UNKNOWN_LINES_SHOWN,
    private readonly windowMs = UNKNOWN_LINE_WINDOW_MS,
  ) {}

  /** The verdict for an unknown line received at `now` (milliseconds). */
  take(line: string, now: number): UnknownLineVerdict {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.seen = 0;
      this.garbled = 0;
    }
    this.seen += 1;
    if (isGarbledDeviceText(line)) this.garbled += 1;
    if (this.seen <= this.shown) return { kind: 'show' };
    // Most of them garbled: noise or a wrong baud rate, not a device speaking another protocol.
    if (this.seen === this.shown + 1)
      return { kind: 'drop_notice', garbled: this.garbled * 2 > this.seen };
    return { kind: 'drop' };
  }
}

/**
 * Splits a byte stream into lines. Reads from a serial port end anywhere, including in the
 * middle of a line or a multi-byte character; LF, CRLF and lone CR all end a line.
 *
 * A line longer than {@link MAX_LINE_CHARS} is given out once, cut to that length, as soon as
 * it is that long; the rest of it, up to its line end, is skipped (one warning for it, however
 * long). A line end is not the only end: when the device goes quiet ({@link pause}, after
 * {@link LINE_PAUSE_MS}) in the middle of something that cannot become a command, or of a line
 * being skipped, that ends it, so the command sent after the pause is obeyed.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** The line in hand was longer than MAX_LINE_CHARS and was given out: skip to its end. */
  private skipping = false;

  /** Feeds bytes; returns the lines completed by them (without terminators). */
  push(chunk: Buffer | string): string[] {
    const parts = (
      this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
    ).split(/\r\n|\n|\r/);
    this.pending = parts.pop() ?? '';
    if (this.skipping) {
      if (parts.length > 0) {
        // The first part is the end of the line already given out.
        parts.shift();
        this.skipping = false;
      } else {
        this.pending = '';
      }
    }
    if (this.pending.length > MAX_LINE_CHARS) {
      parts.push(this.pending.slice(0, MAX_LINE_CHARS));
      this.pending = '';
      this.skipping = true;
    }
    return parts;
  }

  /** Whether the device going quiet now would end a line ({@link pause} would do something). */
  get endsOnPause(): boolean {
    return this.skipping || (this.pending !== '' && !couldBecomeCommand(this.pending));
  }

  /**
   * The device has been quiet for {@link LINE_PAUSE_MS}: what it sent last that cannot become
   * a command is a line of its own (returned), and a long line being skipped is over. The start
   * of a command is kept: it may still be being typed.
   */
  pause(): string[] {
    this.skipping = false;
    if (this.pending === '' || couldBecomeCommand(this.pending)) return [];
    const line = this.pending;
    this.pending = '';
    return [line];
  }
}

/** The state a device shows, from the call phase and the agent's turn state. */
export type DeviceState =
  | 'idle'
  | 'listening'
  | 'thinking'
  | 'speaking'
  | 'connecting'
  | 'ended'
  | 'error';

/** What the device is told about; lines are sent when any of it changes. */
export interface DeviceView {
  readonly state: DeviceState;
  /** The mic sends silence, for whatever reason (the mute, a push-to-talk control up). */
  readonly muted: boolean;
  /** The user's mute is on (MUTE, the m key), whether or not the mic is closed anyway. */
  readonly muteSwitch: boolean;
  readonly pttDown: boolean;
}

/**
 * The device's state for the call as the user meets it: a reply cut off (`INTERRUPT`, `i`) is
 * not played while the server still sends it, so the device hears `listening` (the mic is
 * open, the agent silent) until the agent's next turn, as the screen says
 * `interrupted, rest not played` rather than speaking.
 */
export function deviceState(
  snapshot: Pick<Snapshot, 'phase' | 'agentState' | 'agentCutOff'>,
): DeviceState {
  switch (snapshot.phase) {
    case 'creating':
    case 'connecting':
      return 'connecting';
    case 'ending':
    case 'ended':
      return 'ended';
    case 'error':
      return 'error';
    case 'live':
      if (snapshot.agentState === 'speaking' && snapshot.agentCutOff) return 'listening';
      return snapshot.agentState;
  }
}

export function deviceView(
  snapshot: Pick<
    Snapshot,
    'phase' | 'agentState' | 'agentCutOff' | 'muted' | 'userMuted' | 'pttDown'
  >,
): DeviceView {
  return {
    state: deviceState(snapshot),
    muted: snapshot.muted,
    muteSwitch: snapshot.userMuted,
    pttDown: snapshot.pttDown,
  };
}

export function formatStateLine(state: DeviceState): string {
  return `STATE ${state}\n`;
}

export function formatMutedLine(muted: boolean): string {
  return `MUTED ${muted ? 1 : 0}\n`;
}

/**
 * `MUTE_SWITCH <0|1>`: the user's mute, for a mute LED. `MUTED` cannot be that LED: in --ptt
 * mode it is 1 whenever the talk button is up, so MUTE and UNMUTE would change nothing a
 * device sees.
 */
export function formatMuteSwitchLine(on: boolean): string {
  return `MUTE_SWITCH ${on ? 1 : 0}\n`;
}

export function formatPttLine(down: boolean): string {
  return `PTT ${down ? 1 : 0}\n`;
}

function wholeDb(db: number): number {
  if (!Number.isFinite(db)) return LEVEL_FLOOR_DB;
  return Math.min(0, Math.max(LEVEL_FLOOR_DB, Math.round(db)));
}

/** `LEVEL <mic> <agent>` in whole dBFS, clamped to [LEVEL_FLOOR_DB, 0]. */
export function formatLevelLine(inDb: number, outDb: number): string {
  return `LEVEL ${wholeDb(inDb)} ${wholeDb(outDb)}\n`;
}

/** The lines that tell a device about the change from `prev` (undefined: tell everything). */
export function viewChangeLines(prev: DeviceView | undefined, next: DeviceView): string[] {
  const lines: string[] = [];
  if (prev?.state !== next.state) lines.push(formatStateLine(next.state));
  if (prev?.muted !== next.muted) lines.push(formatMutedLine(next.muted));
  if (prev?.muteSwitch !== next.muteSwitch) lines.push(formatMuteSwitchLine(next.muteSwitch));
  if (prev?.pttDown !== next.pttDown) lines.push(formatPttLine(next.pttDown));
  return lines;
}
