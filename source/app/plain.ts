import type { Snapshot, StoreReader, Turn } from '../session/types.js';

export interface PlainOutputOptions {
  verbose: boolean;
  write: (line: string) => void;
}

/** Plain output attached to a store. */
export interface PlainOutput {
  /** Ordinals of the turns printed so far. */
  readonly printed: ReadonlySet<number>;
  /** Stop following the store. */
  detach(): void;
}

/**
 * Plain mode: one line per event that matters (state changes, final transcript lines, errors),
 * for pipes, logs and CI. With `verbose`, protocol events too.
 */
export function attachPlainOutput(reader: StoreReader, options: PlainOutputOptions): PlainOutput {
  const printed = new Set<number>();
  let lastEventId = 0;
  /** When a final turn first had to wait for an earlier one still open. */
  let waitingSince: number | undefined;
  let lastState = '';
  let lastPhase = '';

  const render = (s: Snapshot) => {
    if (s.phase !== lastPhase) {
      lastPhase = s.phase;
      if (s.phase === 'live')
        options.write(`[call] connected${s.callId ? ` (call ${s.callId})` : ''}`);
    }
    // Turns in conversation order (ordinal): a final turn waits for the earlier ones still
    // open (streaming), unless they stay open for HOLD_MAX_MS; then they are printed as they
    // are, marked unfinished, so a server that never closes a turn cannot stall the output.
    const open = s.turns.findIndex((t) => !t.final && !t.interrupted && !printed.has(t.ordinal));
    const blocked = open >= 0 && s.turns.slice(open + 1).some((t) => t.final);
    if (blocked) waitingSince ??= Date.now();
    else waitingSince = undefined;
    const release = waitingSince !== undefined && Date.now() - waitingSince >= HOLD_MAX_MS;
    for (const turn of s.turns) {
      if (printed.has(turn.ordinal)) continue;
      const done = turn.final || (turn.interrupted && turn.role === 'agent');
      if (!done && !release) break;
      if (!done && !turn.text) {
        // Released, but nothing was said in it: nothing to print.
        printed.add(turn.ordinal);
        continue;
      }
      printed.add(turn.ordinal);
      options.write(turnLine(turn));
    }
    if (s.phase === 'live' && s.agentState !== lastState) {
      lastState = s.agentState;
      options.write(`[state] ${s.agentState}`);
    }
    for (const event of s.events) {
      if (event.id <= lastEventId) continue;
      lastEventId = event.id;
      const important = event.kind === 'error' || event.kind === 'warning' || event.kind === 'tool';
      if (important || options.verbose) options.write(`[${event.kind}] ${event.message}`);
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
    detach: () => {
      unsubscribe();
      clearInterval(holdCheck);
      if (levels) clearInterval(levels);
    },
  };
}

/** Longest a final turn waits for an earlier turn that is still streaming. */
export const HOLD_MAX_MS = 10_000;

/** `Agent: text`, `User (typed): text`, with how the turn ended when it did not finish. */
function turnLine(turn: Turn): string {
  const who = turn.role === 'user' ? (turn.typed ? 'User (typed)' : 'User') : 'Agent';
  const mark = turn.interrupted ? ' [interrupted]' : turn.final ? '' : ' [unfinished]';
  return `${who}: ${turn.text}${mark}`;
}

/** How often `--verbose` prints a level line. */
export const LEVEL_LINE_MS = 1_000;

/**
 * `[level] mic -23.4 dBFS (peak -12.0) · agent -30.0 dBFS (peak -18.0) · queued 0 ms ·
 * echo cancel, ERLE 27 dB · rtt 3 ms`. The mic is measured after the canceller.
 */
export function formatLevels(s: Snapshot): string {
  const db = (v: number) => v.toFixed(1);
  const flags = [s.muted ? 'muted' : '', s.echoGuard.active ? 'echo guard' : '']
    .filter(Boolean)
    .join(', ');
  return (
    `[level] mic ${db(s.micLevel.rmsDb)} dBFS (peak ${db(s.micLevel.peakHoldDb)})` +
    `${flags ? ` [${flags}]` : ''} · agent ${db(s.agentLevel.rmsDb)} dBFS` +
    ` (peak ${db(s.agentLevel.peakHoldDb)}) · queued ${s.queuedMs} ms` +
    ` · echo ${s.echo.mode}${s.echo.erleDb !== undefined ? `, ERLE ${s.echo.erleDb} dB` : ''}` +
    `${s.rttMs !== undefined ? ` · rtt ${Math.round(s.rttMs)} ms` : ''}`
  );
}

/**
 * At the end of a call: the turns not printed yet, in conversation order, an unfinished one
 * where it belongs. `printed` is what {@link attachPlainOutput} printed (its detach returns it).
 */
export function flushPlainOutput(
  s: Snapshot,
  printed: ReadonlySet<number>,
  write: (line: string) => void,
): void {
  for (const turn of s.turns) {
    if (printed.has(turn.ordinal) || !turn.text) continue;
    write(turnLine(turn));
  }
}
