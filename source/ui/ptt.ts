/**
 * Space as push-to-talk. Terminals that speak the kitty keyboard protocol report key releases
 * (and repeats while a key is held); the others report a press per keystroke and nothing else.
 * Until a release has been seen Space toggles; from then on it is held to talk.
 */

/** The kind of key event, as Ink reports it (undefined: a terminal without the protocol). */
export type KeyEventType = 'press' | 'repeat' | 'release' | undefined;

/**
 * What a Space event does to the push-to-talk control: the new state of the control, or
 * undefined for "nothing" (a repeat while held). Pure.
 */
export function pttAfterSpace(
  event: KeyEventType,
  hold: boolean,
  down: boolean,
): boolean | undefined {
  if (event === 'release') return false;
  if (event === 'repeat') return undefined;
  return hold ? true : !down;
}

/**
 * Space presses closer together than this are a held key's auto-repeat (terminals repeat a held
 * key every 30–50 ms), not presses a person makes: in toggle mode they flip nothing.
 */
export const SPACE_REPEAT_MS = 100;

/**
 * The longest delay before a held key starts to repeat (X11's default is 660 ms, macOS's and
 * Windows' shorter): a press this soon after the one before, followed at once by repeats, was
 * that key's first repeat.
 */
export const SPACE_REPEAT_DELAY_MS = 1000;

/** The Space presses seen so far, as {@link spaceTap} needs them. */
export interface SpaceTaps {
  /** When the last press came (ms, any monotonic clock). */
  readonly last: number;
  /** When the press before it came. */
  readonly before: number;
  /** The last press flipped the toggle. */
  readonly flipped: boolean;
}

export const NO_SPACE_YET: SpaceTaps = {
  last: Number.NEGATIVE_INFINITY,
  before: Number.NEGATIVE_INFINITY,
  flipped: false,
};

/**
 * Whether a Space press at `now` flips the toggle (push-to-talk in a terminal without key
 * releases), so that a held Space toggles once rather than with every repeat. A press within
 * {@link SPACE_REPEAT_MS} of the last one is a repeat: it flips nothing, and the window runs
 * from it. The first repeat of a held key comes after the terminal's repeat delay and looks
 * like a second press, so it flips; the repeat right after it shows what it was, and flips
 * back. Pure.
 */
export function spaceTap(taps: SpaceTaps, now: number): { taps: SpaceTaps; flip: boolean } {
  if (now - taps.last >= SPACE_REPEAT_MS) {
    return { taps: { last: now, before: taps.last, flipped: true }, flip: true };
  }
  const firstRepeat = taps.flipped && taps.last - taps.before < SPACE_REPEAT_DELAY_MS;
  return { taps: { last: now, before: taps.last, flipped: false }, flip: firstRepeat };
}
