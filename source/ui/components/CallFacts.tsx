import { Box, Text } from 'ink';
import type { Snapshot } from '../../session/types.js';
import { formatClock, formatLatency, formatRate } from '../format.js';
import { sanitizeLine } from '../sanitize.js';

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

const FACT_LABEL_COLUMNS = 8;

export interface CallFactsProps {
  readonly snapshot: Snapshot;
  readonly now: number;
  readonly width: number;
  /** Narrow terminals: six rows, two facts on some. */
  readonly compact?: boolean;
}

/** Agent, call id, elapsed time, latencies, devices, queued audio. */
export function CallFacts({ snapshot, now, width, compact = false }: CallFactsProps) {
  const facts = callFacts(snapshot, now);
  const get = (name: string) => facts.find(([label]) => label === name)?.[1] ?? '—';
  const rows: Array<readonly [string, string]> = compact
    ? [
        ['agent', get('agent')],
        ['call', get('call')],
        ['time', `${get('time')}  rtt ${get('rtt')}`],
        ['reply', `${get('reply')}  queued ${get('queued')}`],
        ['in', get('in')],
        ['out', `${get('out')} · ${get('answers')}`],
      ]
    : facts;
  return (
    <Box flexDirection="column" width={width}>
      {rows.map(([label, value]) => (
        <Text key={label} wrap="truncate-end">
          <Text dimColor>{label.padEnd(FACT_LABEL_COLUMNS)}</Text>
          <Text>{value}</Text>
        </Text>
      ))}
    </Box>
  );
}
