/**
 * A call log from Omnia (`GET /calls/{id}`) as transcript data, so `omnia-voice calls show`
 * writes it in the same formats as a call the app held. Pure.
 */
import { type CallLog, callLogTurns, recordFacts } from '../api/call-logs.js';
import type { Turn } from '../session/types.js';
import type { TranscriptData } from './format.js';
import type { CallSummary } from './summary.js';

/** The record's transcript, facts and summary as transcript data. */
export function transcriptFromCallLog(log: CallLog): TranscriptData {
  const facts = recordFacts(log);
  const startedAt = facts.startedAt;
  const endedAt =
    startedAt !== undefined && facts.durationMs !== undefined
      ? startedAt + facts.durationMs
      : undefined;
  // Omnia documents a record's transcript as who said what: not how (voice or typed), nor
  // whether a turn was cut off. The turns carry neutral values for those (no mark in md and
  // txt), and `fromRecord` keeps them out of json and jsonl and out of the summary's counts.
  const turns: Turn[] = callLogTurns(log).map((said, ordinal) => ({
    ordinal,
    role: said.role === 'user' ? 'user' : 'agent',
    medium: 'voice',
    // Tool and system lines keep their role in words; the formats know only user and agent.
    text: said.role === 'user' || said.role === 'agent' ? said.text : `(${said.role}) ${said.text}`,
    final: true,
    interrupted: false,
    typed: false,
    startedAt: said.at ?? startedAt ?? 0,
  }));
  const userTurns = turns.filter((t) => t.role === 'user').length;
  const summary: CallSummary = {
    ...(facts.durationMs === undefined ? {} : { durationMs: facts.durationMs }),
    turns: turns.length,
    userTurns,
    agentTurns: turns.length - userTurns,
    // No `interruptions`: the record cannot say (the summary says so).
    latencyCount: 0,
    record: facts,
    ...(facts.complete
      ? {}
      : { recordNote: 'not complete yet: the server is still filling it in' }),
  };
  const agentName = facts.agentName;
  const agentId = facts.agentId;
  return {
    ...(agentId === undefined ? {} : { agentId }),
    callId: facts.callId,
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(endedAt === undefined ? {} : { endedAt }),
    local: false,
    ...(agentId !== undefined || agentName !== undefined
      ? {
          label: {
            kind: 'agent' as const,
            text:
              agentName && agentId && agentName !== agentId
                ? `${agentName} (${agentId})`
                : (agentName ?? agentId ?? ''),
            ...(agentId === undefined ? {} : { agentId }),
            ...(agentName === undefined ? {} : { agentName }),
          },
        }
      : {}),
    turns,
    fromRecord: true,
    summary,
  };
}
