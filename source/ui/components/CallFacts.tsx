import { Box } from 'ink';
import type { Snapshot } from '../../session/types.js';
import { formatClock, formatLatency, formatRate } from '../format.js';
import { factRow } from '../rows.js';
import { sanitizeLine } from '../sanitize.js';
import { LiveRow } from './LiveRow.js';

/** The facts a user asks about during a call, as [label, value] pairs. Pure. */
export function callFacts(snapshot: Snapshot, now: number): Array<readonly [string, string]> {
  const agent = snapshot.local
    ? `local agent${snapshot.agentId ? ` (${sanitizeLine(snapshot.agentId)})` : ''}`
    : sanitizeLine(snapshot.agentId ?? '—');
  const elapsed =
    snapshot.startedAt === undefined
      ? '—'
      : formatClock((snapshot.endedAt ?? now) - snapshot.startedAt);
  const device = (d: Snapshot['input']) =>
    `${sanitizeLine(d.description || d.kind)} · ${formatRate(d.sampleRate)}`;
  return [
    ['agent', agent],
    ['call', sanitizeLine(snapshot.callId ?? '—')],
    ['time', elapsed],
    ['rtt', formatLatency(snapshot.rttMs)],
    ['reply', formatLatency(snapshot.responseLatencyMs)],
    ['in', device(snapshot.input)],
    ['out', device(snapshot.output)],
    ['queued', `${Math.round(snapshot.queuedMs)} ms`],
    ['answers', snapshot.outputMedium === 'voice' ? 'voice' : 'text only'],
  ];
}

/** The rows the facts take: one fact a row, or six rows with two facts on some (`compact`). */
export function factRows(
  snapshot: Snapshot,
  now: number,
  compact: boolean,
): Array<readonly [string, string]> {
  const facts = callFacts(snapshot, now);
  if (!compact) return facts;
  const get = (name: string) => facts.find(([label]) => label === name)?.[1] ?? '—';
  return [
    ['agent', get('agent')],
    ['call', get('call')],
    ['time', `${get('time')}  rtt ${get('rtt')}`],
    ['reply', `${get('reply')}  queued ${get('queued')}`],
    ['in', get('in')],
    ['out', `${get('out')} · ${get('answers')}`],
  ];
}

export interface CallFactsProps {
  readonly snapshot: Snapshot;
  readonly now: number;
  readonly width: number;
  /** Narrow terminals: six rows, two facts on some. */
  readonly compact?: boolean;
}

/** Agent, call id, elapsed time, latencies, devices, queued audio: live rows (time, queue). */
export function CallFacts({ snapshot, now, width, compact = false }: CallFactsProps) {
  const rows = factRows(snapshot, now, compact);
  return (
    <Box flexDirection="column" width={width}>
      {rows.map(([label], i) => (
        <LiveRow
          key={label}
          width={width}
          snapshot={snapshot}
          now={now}
          text={(s, t) => {
            const [name, value] = factRows(s, t, compact)[i] ?? [label, '—'];
            return factRow(name, value, width);
          }}
        />
      ))}
    </Box>
  );
}
