/**
 * The local agent's call logs: each call it served, in the shape of Omnia's `CallLog`
 * (`GET /calls`, `GET /calls/{id}`), with a summary it writes itself. Pure.
 */
import type { CallRecord } from './record.js';

/** What a call costs on the local agent: nothing, in dollars. */
const LOCAL_CURRENCY = 'USD';

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Words for an end reason, for the summary. */
const ENDINGS: Record<string, string> = {
  agent_hangup: 'The agent hung up.',
  user_hangup: 'The caller hung up.',
  max_duration: 'The maximum duration was reached.',
  disconnected: 'The connection closed without a goodbye.',
  unjoined: 'Nobody joined the call.',
  server_shutdown: 'The local agent was stopped.',
};

/**
 * The end reasons the local agent gives its calls (a call log's `status`, what `--status`
 * filters on), as it spells them. `docs/local-agent.md` lists them.
 */
export const LOCAL_END_REASONS: readonly string[] = Object.keys(ENDINGS);

/** The status of a call log not complete yet (its call still running, or just ended). */
export const LOCAL_LIVE_STATUS = 'in_progress';

/** The record's summary (a few sentences) and its short form (one line). */
export function summarizeRecord(record: CallRecord): { summary: string; shortSummary: string } {
  const spoken = record.turns.filter(
    (t) => t.role === 'user' && t.text.startsWith('(spoke'),
  ).length;
  const typed = record.turns.filter((t) => t.role === 'user').length - spoken;
  const answers = record.turns.filter((t) => t.role === 'agent').length;
  const tools = record.serverMessages.filter((m) => m.type === 'client_tool_invocation').length;
  const who =
    record.kind === 'inline' ? 'a prompt tried inline' : (record.agentName ?? record.agentId);
  const parts = [
    `A call with ${who}.`,
    `The caller spoke ${plural(spoken, 'time')} and typed ${plural(typed, 'message')}; the agent said ${plural(answers, 'thing')}${tools > 0 ? ` and called a client tool ${plural(tools, 'time')}` : ''}.`,
  ];
  const ending = record.endReason ? ENDINGS[record.endReason] : undefined;
  if (ending) parts.push(ending);
  const shortSummary = `${plural(spoken + typed, 'caller turn')}, ${plural(answers, 'agent turn')}${record.endReason ? `; ${record.endReason.replace(/_/g, ' ')}` : ''}`;
  return { summary: parts.join(' '), shortSummary };
}

/**
 * The call log of a record. Until `recordDelayMs` after the call ended it is incomplete, as
 * Omnia's are for a few seconds: no `endTime`, status `in_progress`, no billing or summary.
 */
export function callLogOf(
  record: CallRecord,
  nowMs: number,
  recordDelayMs: number,
): Record<string, unknown> {
  const startedAt = record.joinedAt ?? record.createdAt;
  const done = record.endedAt !== undefined && nowMs >= record.endedAt + recordDelayMs;
  const durationMs = Math.max(0, (record.endedAt ?? nowMs) - startedAt);
  const base = {
    id: record.id,
    agentId: record.kind === 'agent' ? record.agentId : null,
    agent: record.kind === 'agent' ? { id: record.agentId, name: record.agentName ?? null } : null,
    startTime: iso(startedAt),
    transcript: record.turns.map((t) => ({
      role: t.role,
      text: t.text,
      timestamp: new Date(t.at).toISOString(),
    })),
  };
  if (!done) {
    return {
      ...base,
      endTime: null,
      durationMs: null,
      durationSeconds: null,
      status: LOCAL_LIVE_STATUS,
      summary: null,
      shortSummary: null,
      billing: null,
    };
  }
  const { summary, shortSummary } = summarizeRecord(record);
  return {
    ...base,
    endTime: iso(record.endedAt),
    durationMs,
    durationSeconds: Math.round(durationMs / 1000),
    status: record.endReason ?? 'completed',
    summary,
    shortSummary,
    billing: {
      durationMinutes: Math.ceil(durationMs / 60_000),
      costCents: 0,
      costDollars: 0,
      pricePerMinuteCents: 0,
      currency: LOCAL_CURRENCY,
      billedAt: iso(record.endedAt! + recordDelayMs),
    },
  };
}
