/**
 * The transcript reducer: folds `transcript` messages into turns ordered by `ordinal`. Pure (no
 * I/O, no clock: callers pass `now`). Every update returns a new array so React can compare by
 * reference, and never re-sorts: the common case (the last turn grows) is an append or a
 * replacement of the last element, older ordinals are found by binary search.
 */
import type { TranscriptMessage } from '../protocol/messages.js';
import { ELLIPSIS, sanitizeText, truncate } from '../protocol/sanitize.js';
import type { Turn } from './types.js';

/** Cap on one turn's text. Generous: a long agent monologue stays whole. */
export const MAX_TURN_TEXT_CHARS = 100_000;
/**
 * A turn this long that ends with the ellipsis has been cut at the cap (the cut lands on a
 * grapheme boundary, so up to a cluster short of it; the longest emoji sequences are under 64
 * UTF-16 units): later deltas cannot add to it.
 */
const CAPPED_AT_CHARS = MAX_TURN_TEXT_CHARS - 64;

/** How {@link applyTranscript} treats the array it is given. */
export interface ApplyOptions {
  /**
   * `turns` is a mutable copy the caller owns and has not published yet: change it in place
   * instead of copying it. A burst of messages then costs one copy of the turns, not one per
   * message: past about 16,000 turns every copy is a large-object allocation, and a flood of
   * 30,000 turns took 28 s of copying.
   */
  readonly inPlace?: boolean;
  /**
   * When a turn this message opens began, when known better than its first message's arrival
   * (the user's speech: a server sends its transcript once it has heard some or all of it).
   */
  readonly startedAt?: number;
}

/** What one {@link applyTranscript} call did. */
export interface TranscriptUpdate {
  /** The turns after the update (the same array when nothing changed). */
  readonly turns: readonly Turn[];
  /** The turn created or modified, if any. */
  readonly changed: Turn | undefined;
  /** The turn that became final with this message, if any. */
  readonly finalized: Turn | undefined;
  /** Why (part of) the message was ignored: one line for the events log. Never thrown. */
  readonly problem?: string;
}

/**
 * The subset of a parsed `transcript` message the reducer reads. `medium` and `final` may be
 * omitted here (defaults `voice` and false) so tests and the store can build messages by hand.
 */
export type TranscriptInput = Pick<TranscriptMessage, 'role' | 'ordinal'> &
  Partial<Pick<TranscriptMessage, 'medium' | 'text' | 'delta' | 'final'>>;

/**
 * Applies one transcript message: `text` replaces the turn's text, `delta` appends, `final`
 * closes the turn. Problems (update to a final turn, role change, no content) leave the turns
 * untouched and are reported in `problem`.
 */
export function applyTranscript(
  turns: readonly Turn[],
  msg: TranscriptInput,
  now: number,
  options: ApplyOptions = {},
): TranscriptUpdate {
  const own = options.inPlace === true;
  const { ordinal, role } = msg;
  if (!Number.isSafeInteger(ordinal) || ordinal < 0) {
    return unchanged(turns, `transcript with invalid ordinal ignored`);
  }
  const final = msg.final === true;
  const hasText = typeof msg.text === 'string';
  const hasDelta = typeof msg.delta === 'string';
  const index = findTurnIndex(turns, ordinal);

  if (index < 0) {
    if (!hasText && !hasDelta && !final) {
      return unchanged(turns, `transcript for turn ${ordinal} has no text or delta`);
    }
    const medium = msg.medium ?? 'voice';
    const raw = hasText ? msg.text! : (msg.delta ?? '');
    const turn: Turn = {
      ordinal,
      role,
      medium,
      text: clean(raw),
      final,
      interrupted: false,
      typed: role === 'user' && medium === 'text',
      startedAt: Math.min(now, options.startedAt ?? now),
      ...(final ? { endedAt: now } : {}),
    };
    const insertAt = -index - 1;
    return {
      turns: own
        ? insertInPlace(turns as Turn[], insertAt, turn)
        : insertAt === turns.length
          ? appended(turns, turn)
          : spliceIn(turns, insertAt, turn),
      changed: turn,
      finalized: final ? turn : undefined,
    };
  }

  const existing = turns[index]!;
  if (existing.role !== role) {
    return unchanged(
      turns,
      `transcript for turn ${ordinal} says ${role} but the turn is the ${existing.role}'s: ignored`,
    );
  }
  if (existing.final) {
    const what = hasDelta && !hasText ? 'delta' : final ? 'second "final"' : 'text';
    return unchanged(turns, `${what} for turn ${ordinal} after it was final: ignored`);
  }
  if (!hasText && !hasDelta && !final) {
    return unchanged(turns, `transcript for turn ${ordinal} has no text or delta`);
  }
  let text = existing.text;
  // `text` is the whole turn so far and wins over a `delta` sent alongside it.
  if (hasText) text = clean(msg.text!);
  else if (hasDelta) {
    // A turn already at its cap takes no more: dropped here, before any work on the text (cutting
    // 100,000 characters again for every delta of a flood froze the app for minutes).
    if (existing.text.length >= CAPPED_AT_CHARS && existing.text.endsWith(ELLIPSIS)) {
      if (!final) return { turns, changed: undefined, finalized: undefined };
    } else {
      // Both parts are already clean, and joining clean strings cannot form an escape sequence,
      // so only the cap needs applying: no re-scan of the whole turn per delta.
      text = truncate(existing.text + clean(msg.delta!), MAX_TURN_TEXT_CHARS);
    }
  }
  const turn: Turn = {
    ...existing,
    text,
    final,
    ...(final ? { endedAt: now } : {}),
  };
  if (own) (turns as Turn[])[index] = turn;
  return {
    turns: own ? turns : replaceAt(turns, index, turn),
    changed: turn,
    finalized: final ? turn : undefined,
  };
}

/** Options for {@link markInterrupted}. */
export interface InterruptOptions {
  /**
   * Also flag the agent's latest turn when it is already final, as long as no user turn came
   * after it. The agent's text usually turns final long before its audio has played, so a
   * barge-in during playback cuts off a turn the server already closed.
   */
  readonly evenIfFinal?: boolean;
  /** None of the turn's audio was heard yet: marked `unheard` too. */
  readonly unheard?: boolean;
}

/**
 * Flags the agent's live (non-final) turn as interrupted. The turn stays open so late deltas can
 * still land in it. Returns the same array when there was nothing to flag, so callers can skip
 * an update by comparing references.
 */
export function markInterrupted(
  turns: readonly Turn[],
  _now: number,
  options: InterruptOptions = {},
): readonly Turn[] {
  const index = findInterruptible(turns, options.evenIfFinal === true);
  if (index < 0) return turns;
  const existing = turns[index]!;
  if (existing.interrupted) return turns;
  return replaceAt(turns, index, {
    ...existing,
    interrupted: true,
    ...(options.unheard ? { unheard: true } : {}),
  });
}

/**
 * Binary search by ordinal. Returns the index when found, else `-(insertion point) - 1`.
 * Checks the last turn first because nearly every update targets it.
 */
export function findTurnIndex(turns: readonly Turn[], ordinal: number): number {
  const n = turns.length;
  if (n === 0) return -1;
  const last = turns[n - 1]!.ordinal;
  if (ordinal === last) return n - 1;
  if (ordinal > last) return -n - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = turns[mid]!.ordinal;
    if (value === ordinal) return mid;
    if (value < ordinal) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** The turn with `ordinal`, if any. O(log n). */
export function findTurn(turns: readonly Turn[], ordinal: number): Turn | undefined {
  const index = findTurnIndex(turns, ordinal);
  return index >= 0 ? turns[index] : undefined;
}

/** The latest non-final turn of `role`, if any (the one still streaming). */
export function liveTurn(turns: readonly Turn[], role: Turn['role']): Turn | undefined {
  const index = findLive(turns, role);
  return index >= 0 ? turns[index] : undefined;
}

function findLive(turns: readonly Turn[], role: Turn['role']): number {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role === role && !turn.final) return i;
  }
  return -1;
}

function findInterruptible(turns: readonly Turn[], evenIfFinal: boolean): number {
  const live = findLive(turns, 'agent');
  if (live >= 0 || !evenIfFinal) return live;
  const lastIndex = turns.length - 1;
  const last = turns[lastIndex];
  return last?.role === 'agent' ? lastIndex : -1;
}

function clean(text: string): string {
  return sanitizeText(text, MAX_TURN_TEXT_CHARS);
}

function unchanged(turns: readonly Turn[], problem: string): TranscriptUpdate {
  return { turns, changed: undefined, finalized: undefined, problem };
}

function replaceAt(turns: readonly Turn[], index: number, turn: Turn): Turn[] {
  const next = turns.slice();
  next[index] = turn;
  return next;
}

function appended(turns: readonly Turn[], turn: Turn): Turn[] {
  const next = turns.slice();
  next.push(turn);
  return next;
}

function insertInPlace(turns: Turn[], index: number, turn: Turn): Turn[] {
  if (index === turns.length) turns.push(turn);
  else turns.splice(index, 0, turn);
  return turns;
}

function spliceIn(turns: readonly Turn[], index: number, turn: Turn): Turn[] {
  const next = turns.slice(0, index);
  next.push(turn);
  for (let i = index; i < turns.length; i++) next.push(turns[i]!);
  return next;
}
