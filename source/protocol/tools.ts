/**
 * Client-side tool answers. The conversation stalls until every `client_tool_invocation` gets a
 * `client_tool_result`, so a client that has no such tool must still say so.
 */
import type { ClientToolResultMessage } from './messages.js';

/** A successful answer: `result` is what the agent gets. */
export function toolSuccess(invocationId: string, result: string): ClientToolResultMessage {
  return { type: 'client_tool_result', invocationId, result };
}

/**
 * A failed answer. Omnia reads `error`, Ultravox reads `errorType` + `errorMessage`: both are
 * sent so either server tells its agent why.
 */
export function toolFailure(
  invocationId: string,
  reason: string,
  errorType: 'undefined' | 'implementation-error' = 'implementation-error',
): ClientToolResultMessage {
  return {
    type: 'client_tool_result',
    invocationId,
    error: reason,
    errorType,
    errorMessage: reason,
  };
}
