/**
 * Client-side tool answers. The conversation stalls until every `client_tool_invocation` gets a
 * `client_tool_result`, so a client that has no such tool must still say so.
 */
import type { ClientToolInvocationMessage, ClientToolResultMessage } from './messages.js';
import { sanitizeLine } from './sanitize.js';

/** Longest tool name repeated back in an error answer. */
const MAX_TOOL_NAME_CHARS = 100;

/**
 * The `errorType: "undefined"` answer for an invocation of a tool this client does not have.
 * With `knownTools`, returns `undefined` for a tool in the set (the caller runs it and answers
 * itself); without it, every tool is unknown and an answer always comes back.
 */
export function toolResultFor(
  invocation: Pick<ClientToolInvocationMessage, 'toolName' | 'invocationId'>,
): ClientToolResultMessage;
export function toolResultFor(
  invocation: Pick<ClientToolInvocationMessage, 'toolName' | 'invocationId'>,
  knownTools: ReadonlySet<string>,
): ClientToolResultMessage | undefined;
export function toolResultFor(
  invocation: Pick<ClientToolInvocationMessage, 'toolName' | 'invocationId'>,
  knownTools: ReadonlySet<string> = new Set(),
): ClientToolResultMessage | undefined {
  if (knownTools.has(invocation.toolName)) return undefined;
  const name = sanitizeLine(invocation.toolName, MAX_TOOL_NAME_CHARS);
  return toolFailure(
    invocation.invocationId,
    `omnia-voice has no client tool named "${name}"`,
    'undefined',
  );
}

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
