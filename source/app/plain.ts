import { LEVEL_TICK_MS } from '../audio/constants.js';
import { eventText } from '../session/events.js';
import type { CallEvent, Snapshot, StoreReader, Turn } from '../session/types.js';
import { noAnswerText } from '../text/durations.js';
import {
  cleanText,
  conversationItems,
  formatTxtUnconfirmed,
  turnSuffix,
} from '../transcript/format.js';

export interface PlainOutputOptions {
  verbose: boolean;
  write: (line: string) => void;
}

/** Plain output attached to a store. */
export interface PlainOutput {
  /** Ordinals of the turns printed so far. */
  readonly printed: ReadonlySet<number>;
  /** The id of the last event looked at (printed when it mattered). */
  readonly lastEventId: number;
  /** Stop following the store. */
  detach(): void;
}

/**
 * Plain mode: one line per event that matters (state changes, final transcript lines, errors),
 * for pipes, logs and CI. With `verbose`, protocol events too. An agent's reply is printed as
 * it was heard: once its audio has played, or marked `[interrupted]` when it was cut off.
 */
export function attachPlainOutput(reader: StoreReader, options: PlainOutputOptions): PlainOutput {
  const printed = new Set<number>();
  let lastEventId = 0;
  /** When a final turn first had to wait for an earlier one still open. */
  let waitingSince: number | undefined;
  let lastState = '';
  /** Whether the mic was closed when last said (unset: a live mic need not be announced). */
  let lastMic = 'live';
  let lastPhase = '';

  // How many leading turns are all printed, and the ordinal of the last of them: each render
  // starts there, so a call of many turns costs each render its unprinted tail, not the whole
  // list (a flood of 40,000 turns took the app past the server's close timeout). Ordinals are
  // unique and sorted: a late turn slotted in before the mark moves the mark's turn, and the
  // next render then starts from the top again.
  let done = 0;
  let doneOrdinal = -1;
  /** Agent turns cut off and not final yet: since when they wait for their final text. */
  const cutSince = new Map<number, number>();
  /** One timer renders again when a wait ends (a cut turn's text, a reply's audio). */
  let wakeTimer: NodeJS.Timeout | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;
  const wakeIn = (ms: number) => {
    const at = Date.now() + ms;
    if (wakeTimer && wakeAt <= at) return;
    clearTimeout(wakeTimer);
    wakeAt = at;
    wakeTimer = setTimeout(() => {
      wakeTimer = undefined;
      wakeAt = Number.POSITIVE_INFINITY;
      render(reader.getSnapshot());
    }, ms);
    wakeTimer.unref();
  };

  /**
   * An agent turn cut off by a barge-in is printed once the server's final text, the words
   * that were heard, has come (the deltas streamed ahead of the audio hold more), once the call
   * is over, or after CUT_TEXT_WAIT_MS as it stands. One cut off by hanging up (or still open
   * while the call ends) waits for the end of the call: the server may close it with the words
   * heard until the socket closes (the hang-up's grace bounds that), and the transcript file
   * keeps the turn as the call ended with it.
   */
  const cutTurnClosed = (turn: Turn, s: Snapshot): boolean => {
    if (s.phase === 'ended' || s.phase === 'error') return true;
    if (s.phase === 'ending') return false;
    const now = Date.now();
    const since = cutSince.get(turn.ordinal) ?? now;
    cutSince.set(turn.ordinal, since);
    const left = since + CUT_TEXT_WAIT_MS - now;
    if (left <= 0) return true;
    wakeIn(left);
    return false;
  };

  /**
   * An agent's final turn while its audio may still be playing: Omnia sends a reply's final
   * text long before its audio has played, and a barge-in or a hang-up may yet cut it off. It
   * waits while agent audio is queued, and for AUDIO_WAIT_MS after its text became final (the
   * audio may follow the text, and the queue is read at the level tick). Only while it is the
   * last turn: the store marks a final reply cut only then, so a turn after it ends the wait.
   */
  const stillPlaying = (turn: Turn, s: Snapshot): boolean => {
    if (turn.role !== 'agent' || !turn.final || turn.interrupted) return false;
    if (s.phase !== 'live' && s.phase !== 'ending') return false;
    if (turn !== s.turns.at(-1)) return false;
    if (s.queuedMs > 0) return true;
    const left = (turn.endedAt ?? 0) + AUDIO_WAIT_MS - Date.now();
    if (left <= 0) return false;
    wakeIn(left);
    return true;
  };

  const render = (s: Snapshot) => {
    if (s.phase !== lastPhase) {
      lastPhase = s.phase;
      if (s.phase === 'live')
        options.write(`[call] connected${s.callId ? ` (call ${s.callId})` : ''}`);
    }
    const turns = s.turns;
    if (done > turns.length || (done > 0 && turns[done - 1]?.ordinal !== doneOrdinal)) done = 0;
    // Turns in conversation order (ordinal): a final turn waits for the earlier ones still
    // open (streaming), unless they stay open for HOLD_MAX_MS; then they are printed as they
    // are, marked unfinished, so a server that never closes a turn cannot stall the output.
    let open = -1;
    for (let i = done; i < turns.length; i++) {
      const t = turns[i]!;
      if (!t.final && !t.interrupted && !printed.has(t.ordinal)) {
        open = i;
        break;
      }
    }
    let blocked = false;
    for (let i = open + 1; open >= 0 && i < turns.length && !blocked; i++) {
      blocked = turns[i]!.final;
    }
    if (blocked) waitingSince ??= Date.now();
    else waitingSince = undefined;
    const release = waitingSince !== undefined && Date.now() - waitingSince >= HOLD_MAX_MS;
    for (let i = done; i < turns.length; i++) {
      const turn = turns[i]!;
      if (!printed.has(turn.ordinal)) {
        const playing = stillPlaying(turn, s);
        const closed =
          (turn.final && !playing) ||
          (turn.interrupted && turn.role === 'agent' && cutTurnClosed(turn, s));
        // A reply still playing waits even on release: its audio ends the wait.
        if (playing || (!closed && !release)) break;
        printed.add(turn.ordinal);
        cutSince.delete(turn.ordinal);
        // Released while open with nothing said in it: nothing to print.
        if (closed || turn.text) options.write(turnLine(turn));
      }
      if (i === done) {
        done = i + 1;
        doneOrdinal = turn.ordinal;
      }
    }
    if (s.phase === 'live' && s.agentState !== lastState) {
      lastState = s.agentState;
      options.write(`[state] ${s.agentState}`);
    }
    // Mute and push-to-talk (keys, a serial button) answer on a line of their own: the user
    // must know whether the agent hears them. A call that starts with the mic closed says so.
    if (s.phase === 'live' && micLine(s) !== lastMic) {
      lastMic = micLine(s);
      options.write(`[mic] ${lastMic}`);
    }
    for (const event of s.events) {
      if (event.id <= lastEventId) continue;
      lastEventId = event.id;
      if (printedPlain(event) || options.verbose) options.write(eventLine(event));
    }
  };

  render(reader.getSnapshot());
  const unsubscribe = reader.subscribe(() => render(reader.getSnapshot()));
  // A turn held back behind an open one is released by time, not only by the next message.
  const holdCheck = setInterval(() => {
    if (waitingSince !== undefined) render(reader.getSnapshot());
  }, HOLD_MAX_MS / 4);
  holdCheck.unref();
  // With --verbose, levels once a second: what was actually sent and actually played.
  const levels = options.verbose
    ? setInterval(() => {
        const s = reader.getSnapshot();
        if (s.phase === 'live') options.write(formatLevels(s));
      }, LEVEL_LINE_MS)
    : undefined;
  levels?.unref();
  return {
    printed,
    get lastEventId() {
      return lastEventId;
    },
    detach: () => {
      unsubscribe();
      clearInterval(holdCheck);
      clearTimeout(wakeTimer);
      if (levels) clearInterval(levels);
    },
  };
}

/** Longest a final turn waits for an earlier turn that is still streaming. */
export const HOLD_MAX_MS = 10_000;

/** Longest an agent turn cut off by a barge-in waits for its final text (the words heard). */
export const CUT_TEXT_WAIT_MS = 2_000;

/**
 * How long a reply's final text waits for its audio to be seen queued: three level ticks, the
 * rate at which the store reads the queue.
 */
export const AUDIO_WAIT_MS = 3 * LEVEL_TICK_MS;

/** `Agent: text`, `User (typed): text`, with how the turn ended when it did not finish. */
function turnLine(turn: Turn): string {
  const who = turn.role === 'user' ? (turn.typed ? 'User (typed)' : 'User') : 'Agent';
  // A turn printed without its final text is one the call left so: unfinished, as `.txt` says.
  const mark = turnSuffix(turn, true);
  // One line per turn, as in a `.txt` transcript: a reply's line breaks (a list, a lone CR)
  // would start lines without their `Agent:`.
  return `${who}: ${cleanText(turn.text)}${mark}`;
}

/** How often `--verbose` prints a level line. */
export const LEVEL_LINE_MS = 1_000;

/**
 * `[level] mic -23.4 dBFS (peak -12.0) · agent -30.0 dBFS (peak -18.0) · queued 0 ms ·
 * echo cancel, ERLE 27 dB · rtt 3 ms`. The mic is measured after the canceller. While the
 * server is quiet the rtt is stale: `rtt no answer 7 s` instead.
 */
export function formatLevels(s: Snapshot, now = Date.now()): string {
  const db = (v: number) => v.toFixed(1);
  // The canceller's hold is not the guard (`--echo guard`): said as the full screen says it.
  const held = s.echoGuard.enabled ? 'echo guard' : 'mic held: learning echo';
  const flags = [s.muted ? 'muted' : '', s.echoGuard.active ? held : ''].filter(Boolean).join(', ');
  return (
    `[level] mic ${db(s.micLevel.rmsDb)} dBFS (peak ${db(s.micLevel.peakHoldDb)})` +
    `${flags ? ` [${flags}]` : ''} · agent ${db(s.agentLevel.rmsDb)} dBFS` +
    ` (peak ${db(s.agentLevel.peakHoldDb)}) · queued ${s.queuedMs} ms` +
    ` · echo ${s.echo.mode}${s.echo.erleDb !== undefined ? `, ERLE ${s.echo.erleDb} dB` : ''}` +
    (s.serverQuiet
      ? ` · rtt ${noAnswerText(s.serverQuiet.since, now)}`
      : s.rttMs !== undefined
        ? ` · rtt ${Math.round(s.rttMs)} ms`
        : '')
  );
}

/**
 * At the end of a call: the turns not printed yet, in conversation order, an unfinished one
 * where it belongs, and the messages typed that the server never put in its transcript, marked
 * so (`User (typed): … [sent, not confirmed]`, as the `.txt` transcript has them), among them
 * where they were sent. `printed` is what {@link attachPlainOutput} printed (its detach returns
 * it).
 */
export function flushPlainOutput(
  s: Snapshot,
  seen: Pick<PlainOutput, 'printed' | 'lastEventId'>,
  write: (line: string) => void,
): void {
  // Unconfirmed messages are placed by the turns they were sent after, printed or not.
  for (const item of conversationItems(s.turns, [], s.pendingTexts)) {
    if (item.kind === 'unconfirmed') write(formatTxtUnconfirmed(item.text));
    else if (item.kind === 'turn' && !seen.printed.has(item.turn.ordinal) && item.turn.text) {
      write(turnLine(item.turn));
    }
  }
  // What the end itself said: a tool the hang-up stopped (`… failed: the call ended before
  // the tool finished`) has its `running` line above, and must not stay at that.
  for (const event of s.events) {
    if (event.id > seen.lastEventId && printedPlain(event)) {
      write(eventLine(event));
    }
  }
}

/** An event's line: `[error] …`, `[tool] lookup(…) running` (the label says `tool` once). */
function eventLine(event: CallEvent): string {
  return `[${event.kind}] ${eventText(event)}`;
}

/** The kinds of event plain mode prints without `--verbose`, as they come or at the end. */
const IMPORTANT_EVENTS: ReadonlySet<string> = new Set(['error', 'warning', 'tool']);

/**
 * Printed without `--verbose`: the important kinds, and a line that ends a warning printed
 * (`[info] the server answers again after 8 s` after `[warning] no answer from the server …`).
 */
function printedPlain(event: CallEvent): boolean {
  return IMPORTANT_EVENTS.has(event.kind) || event.clears !== undefined;
}

/**
 * Whether the agent hears the user, and why not. In --ptt mode the mic is closed while the talk
 * control is up either way, so the mute (and the talk control pressed through it) says so in
 * words of its own: a button press must show it worked.
 */
export function micLine(s: Pick<Snapshot, 'muted' | 'userMuted' | 'ptt' | 'pttDown'>): string {
  if (!s.muted) return 'live';
  if (!s.ptt) return 'muted';
  if (!s.userMuted) return 'muted (push-to-talk)';
  return s.pttDown
    ? 'muted (talk button held, but the mute is on: unmute to talk)'
    : 'muted (the mute is on: push-to-talk will not open the mic)';
}
