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
