import type { Snapshot, StoreReader } from '../session/types.js';

export interface PlainOutputOptions {
  verbose: boolean;
  write: (line: string) => void;
}

/**
 * Plain mode: one line per event that matters (state changes, final transcript lines, errors),
 * for pipes, logs and CI. With `verbose`, protocol events too. Returns an unsubscribe function.
 */
export function attachPlainOutput(reader: StoreReader, options: PlainOutputOptions): () => void {
  const printed = new Set<number>();
  let lastEventId = 0;
  let lastState = '';
  let lastPhase = '';

  const render = (s: Snapshot) => {
    if (s.phase !== lastPhase) {
      lastPhase = s.phase;
      if (s.phase === 'live')
        options.write(`[call] connected${s.callId ? ` (call ${s.callId})` : ''}`);
    }
    for (const turn of s.turns) {
      if (!turn.final || printed.has(turn.ordinal)) continue;
      printed.add(turn.ordinal);
      const who = turn.role === 'user' ? (turn.typed ? 'User (typed)' : 'User') : 'Agent';
      options.write(`${who}: ${turn.text}${turn.interrupted ? ' [interrupted]' : ''}`);
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
  // With --verbose, levels once a second: what was actually sent and actually played.
  const levels = options.verbose
    ? setInterval(() => {
        const s = reader.getSnapshot();
        if (s.phase === 'live') options.write(formatLevels(s));
      }, LEVEL_LINE_MS)
    : undefined;
  levels?.unref();
  return () => {
    unsubscribe();
    if (levels) clearInterval(levels);
  };
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

/** Print the agent's turns that ended unfinished (for the end of a call). */
export function flushPlainOutput(s: Snapshot, write: (line: string) => void): void {
  for (const turn of s.turns) {
    if (turn.final || !turn.text) continue;
    const who = turn.role === 'user' ? 'User' : 'Agent';
    write(`${who}: ${turn.text} [${turn.interrupted ? 'interrupted' : 'unfinished'}]`);
  }
}
