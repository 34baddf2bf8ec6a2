/**
 * The workspace's agents (`GET /agents`, `GET /agents/{id}`): every page of them, reduced to what
 * a terminal shows, and the lookup of `--agent` by id or name.
 */
import * as z from 'zod';
import { optionalId, optionalText } from './fields.js';
import { type ApiTarget, apiRequest } from './request.js';
import { sanitizeServerText, withWholeJson } from './sanitize.js';
import { closeMatches, normaliseName } from './suggest.js';

/** Omnia pages agents at most this many at a time. */
export const AGENTS_PAGE_LIMIT = 100;
/**
 * A workspace with more agents than this many pages is not one a list helps with: the list
 * stops there, and says so ({@link AgentList.more}).
 */
export const MAX_AGENT_PAGES = 100;

const text = optionalText;
const idLike = optionalId;

/** One agent as Omnia describes it; only the fields shown are checked. */
export const agentSchema = z.looseObject({
  id: z.string().min(1),
  name: text,
  description: text,
  status: text,
  type: text,
  standardConfig: z
    .looseObject({
      languageId: idLike,
      voiceId: idLike,
      greeting: text,
      firstSpeaker: text,
      model: text,
      maxDuration: z.number().nullish(),
    })
    .nullish(),
});

const agentsPageSchema = z.looseObject({
  data: z.array(agentSchema),
  pagination: z
    .looseObject({
      page: z.number().nullish(),
      limit: z.number().nullish(),
      total: z.number().nullish(),
      totalPages: z.number().nullish(),
    })
    .nullish(),
});

/**
 * An agent, as the CLI and the picker show it: every text made safe for one line of a terminal
 * and cut to 200 characters. Its JSON (`JSON.stringify`, `agents --json`) is the server's values
 * whole instead: nothing cut, nothing removed (JSON escapes control characters).
 */
export interface AgentInfo {
  readonly id: string;
  /** The agent's name (its id when it has none). */
  readonly name: string;
  readonly description?: string;
  /** `ACTIVE`, `INACTIVE` or `SUSPENDED`; only active agents take calls. */
  readonly status: string;
  /** The language id or code the agent speaks. */
  readonly language?: string;
  /** The voice id or name the agent speaks with. */
  readonly voice?: string;
  /** `agent` (greets first) or `user` (waits for the caller). */
  readonly firstSpeaker?: string;
  readonly greeting?: string;
  readonly model?: string;
}

/** Longest agent text shown; names and descriptions are shown on one line. */
const MAX_AGENT_TEXT_CHARS = 200;

/** The fields of an AgentInfo from the API's agent, each text passed through `clean`. */
function agentFields(
  agent: z.infer<typeof agentSchema>,
  clean: (value: string) => string,
): Record<string, string> {
  const config: Partial<NonNullable<typeof agent.standardConfig>> = agent.standardConfig ?? {};
  const id = clean(agent.id);
  const fields: Record<string, string> = {
    id,
    name: clean(agent.name ?? '') || id,
    status: clean(agent.status ?? 'ACTIVE').toUpperCase(),
  };
  const optional: Array<[keyof AgentInfo, string | undefined]> = [
    ['description', agent.description],
    ['language', config.languageId],
    ['voice', config.voiceId],
    ['firstSpeaker', config.firstSpeaker],
    ['greeting', config.greeting],
    ['model', config.model],
  ];
  for (const [key, value] of optional) if (value) fields[key] = clean(value);
  return fields;
}

/**
 * What the app keeps of one agent of the API: made safe for a terminal to show, and as JSON the
 * server's values whole (the same fields, not cleaned or cut).
 */
export function toAgentInfo(agent: z.infer<typeof agentSchema>): AgentInfo {
  const info = agentFields(agent, (value) => sanitizeServerText(value, MAX_AGENT_TEXT_CHARS));
  const data = agentFields(agent, (value) => value);
  return withWholeJson(info, data) as unknown as AgentInfo;
}

/** True for an agent that takes calls. */
export function isActive(agent: AgentInfo): boolean {
  return agent.status === 'ACTIVE';
}

export interface ListAgentsOptions {
  /** Omnia's own search (name, description). */
  readonly search?: string;
  /** Inactive and suspended agents too. */
  readonly all?: boolean;
  readonly signal?: AbortSignal;
  /** Agents per request (≤ 100). */
  readonly pageLimit?: number;
}

/** The agents {@link readAgents} listed, and whether Omnia had more than it read. */
export interface AgentList {
  readonly agents: AgentInfo[];
  /**
   * Set when the pages stopped at {@link MAX_AGENT_PAGES} with more left: how many pages were
   * read, and how many agents Omnia says match in all (when it says).
   */
  readonly more?: { readonly pages: number; readonly total?: number };
}

/** Every agent of the workspace (active ones unless `all`), following the pages to the end. */
export async function listAgents(
  target: ApiTarget,
  options: ListAgentsOptions = {},
): Promise<AgentInfo[]> {
  return (await readAgents(target, options)).agents;
}

/**
 * The agents of the workspace (active ones unless `all`), following the pages to the end or to
 * {@link MAX_AGENT_PAGES}; `more` says when pages were left unread.
 */
export async function readAgents(
  target: ApiTarget,
  options: ListAgentsOptions = {},
): Promise<AgentList> {
  const limit = Math.min(AGENTS_PAGE_LIMIT, options.pageLimit ?? AGENTS_PAGE_LIMIT);
  const agents: AgentInfo[] = [];
  const seen = new Set<string>();
  let more: AgentList['more'];
  for (let page = 1; ; page++) {
    const { data } = await apiRequest(target, {
      path: '/agents',
      query: {
        page,
        limit,
        status: options.all ? undefined : 'ACTIVE',
        search: options.search,
      },
      schema: agentsPageSchema,
      action: 'list agents',
      signal: options.signal,
    });
    for (const agent of data.data) {
      // A page boundary that moved while we read (an agent added) must not list one twice.
      if (seen.has(agent.id)) continue;
      seen.add(agent.id);
      agents.push(toAgentInfo(agent));
    }
    const totalPages = data.pagination?.totalPages;
    const served = data.pagination?.limit ?? limit;
    const left = typeof totalPages === 'number' ? page < totalPages : data.data.length >= served;
    if (!left || data.data.length === 0) break;
    if (page >= MAX_AGENT_PAGES) {
      const total = data.pagination?.total;
      more = { pages: page, ...(typeof total === 'number' ? { total } : {}) };
      break;
    }
  }
  // A server that ignores `status` must not offer agents that cannot take a call.
  const listed = options.all ? agents : agents.filter(isActive);
  return more ? { agents: listed, more } : { agents: listed };
}

/**
 * The agents whose name, id or description contains `text` (any case), names that start with
 * it first; all of them for an empty filter. For the picker's type-to-filter. Pure.
 */
export function filterAgents(agents: readonly AgentInfo[], text: string): AgentInfo[] {
  const q = normaliseName(text);
  if (q === '') return [...agents];
  const rank = (agent: AgentInfo): number => {
    const name = normaliseName(agent.name);
    if (name.startsWith(q)) return 0;
    if (name.includes(q)) return 1;
    if (normaliseName(agent.id).includes(q)) return 2;
    if (normaliseName(agent.description ?? '').includes(q)) return 3;
    return -1;
  };
  return agents
    .map((agent, index) => ({ agent, index, rank: rank(agent) }))
    .filter((entry) => entry.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.agent);
}

/** What `--agent` named. */
export type AgentMatch =
  | { readonly kind: 'found'; readonly agent: AgentInfo }
  /** No agent has that id or name; `close` are the nearest ones. */
  | { readonly kind: 'none'; readonly close: readonly AgentInfo[] }
  /** Several agents have that name. */
  | { readonly kind: 'many'; readonly matches: readonly AgentInfo[] };

/** The agent `ref` names: its id, else its exact name (any case). Pure. */
export function matchAgent(agents: readonly AgentInfo[], ref: string): AgentMatch {
  const byId = agents.find((agent) => agent.id === ref.trim());
  if (byId) return { kind: 'found', agent: byId };
  const wanted = normaliseName(ref);
  const named = agents.filter((agent) => normaliseName(agent.name) === wanted);
  if (named.length === 1) return { kind: 'found', agent: named[0]! };
  if (named.length > 1) return { kind: 'many', matches: named };
  return { kind: 'none', close: closeMatches(ref, agents, (a) => [a.name, a.id]) };
}

/** `Front desk (agt_1)`: how an agent is named in one-line messages. */
export function agentLabel(agent: Pick<AgentInfo, 'id' | 'name'>): string {
  return agent.name === agent.id ? agent.id : `${agent.name} (${agent.id})`;
}

/** The one-line message for an `--agent` that matched none or several agents. */
export function agentMatchMessage(
  ref: string,
  match: Exclude<AgentMatch, { kind: 'found' }>,
  listCommand = 'omnia-voice agents',
) {
  const shown = JSON.stringify(ref);
  if (match.kind === 'many') {
    const list = match.matches.map(agentLabel).join(', ');
    return `Several agents are named ${shown}: ${list}. Pass the id with --agent.`;
  }
  if (match.close.length === 0) {
    return `No active agent has the id or name ${shown}. See them with: ${listCommand}`;
  }
  const list = match.close.map(agentLabel).join(', ');
  return `No active agent has the id or name ${shown}. Close matches: ${list}.`;
}
