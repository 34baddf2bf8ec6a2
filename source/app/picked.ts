/**
 * Words for an agent chosen in the picker that could not be called: it was the picker's choice
 * (not `--agent` or `OMNIA_AGENT_ID`, whose advice would send the user looking in the wrong
 * place), and the picker is where the user goes next.
 */
import { ApiError } from '../api/errors.js';
import { errorLine } from './call-parts.js';

/** `Front Desk (agt_front)`, or the id alone when the agent has no name of its own. */
function label(agent: { readonly id: string; readonly name: string }): string {
  return agent.name === agent.id ? agent.id : `${agent.name} (${agent.id})`;
}

/**
 * One line for the picker and, if the user then leaves, for stderr: `Front Desk (agt_front),
 * the agent you picked, could not be called: Omnia does not know it, or it is not active (HTTP
 * 404 API_ERROR: Agent not found or inactive). It is not kept as your agent.` Other failures
 * (credits, a rate limit, the network) are said as they are.
 */
export function pickedAgentError(
  agent: { readonly id: string; readonly name: string },
  error: unknown,
  server = 'Omnia',
): string {
  const head = `${label(agent)}, the agent you picked, could not be called`;
  if (error instanceof ApiError && error.kind === 'not-found') {
    const http = [`HTTP ${error.status ?? 404}`, error.code].filter(Boolean).join(' ');
    const said = error.serverMessage ? `: ${error.serverMessage}` : '';
    const id = error.requestId ? ` Request id: ${error.requestId}.` : '';
    return (
      `${head}: ${server} does not know it, or it is not active (${http}${said}). ` +
      `It is not kept as your agent.${id}`
    );
  }
  return `${head}: ${errorLine(error)}`;
}
