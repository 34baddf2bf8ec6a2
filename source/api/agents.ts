/**
 * The workspace's agents (`GET /agents`, `GET /agents/{id}`): every page of them, reduced to what
 * a terminal shows, and the lookup of `--agent` by id or name.
 */
import * as z from 'zod';
import { ApiError } from './errors.js';
import { optionalId, optionalText } from './fields.js';
import { patientRequests } from './rate-wait.js';
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
  /** The most pages read (default and at most {@link MAX_AGENT_PAGES}). */
  readonly maxPages?: number;
  /**
   * Told, in one line, before a short rate limit (a 429 asking for a few seconds) is waited out;
   * a command prints it on stderr. See `rate-wait.ts`.
   */
  readonly onWait?: (line: string) => void;
  /**
   * Told after each page: how many agents have arrived so far, and how many Omnia says there
   * are (`pagination.total`, when it says). For a list that takes a while (the picker says so).
   */
  readonly onPage?: (progress: AgentsProgress) => void;
}

/** How far a listing has come: agents read so far, of how many in all (when Omnia says). */
export interface AgentsProgress {
  readonly loaded: number;
  readonly total?: number;
}

/** The agents {@link readAgents} listed, and whether Omnia had more than it read. */
export interface AgentList {
  readonly agents: AgentInfo[];
  /**
   * Set when the pages stopped at {@link MAX_AGENT_PAGES} (or `maxPages`) with more left: how
   * many pages were read, and how many agents Omnia says match in all (when it says).
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
 * {@link MAX_AGENT_PAGES} (`maxPages`); `more` says when pages were left unread.
 */
export async function readAgents(
  target: ApiTarget,
  options: ListAgentsOptions = {},
): Promise<AgentList> {
  const limit = Math.min(AGENTS_PAGE_LIMIT, options.pageLimit ?? AGENTS_PAGE_LIMIT);
  const maxPages = Math.min(MAX_AGENT_PAGES, options.maxPages ?? MAX_AGENT_PAGES);
  const agents: AgentInfo[] = [];
  const seen = new Set<string>();
  let more: AgentList['more'];
  // One short 429 between two pages must not throw the pages read away.
  const request = patientRequests({
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });
  for (let page = 1; ; page++) {
    const { data } = await request(
      target,
      {
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
      },
      `page ${page} of the agents`,
    );
    for (const agent of data.data) {
      // A page boundary that moved while we read (an agent added) must not list one twice.
      if (seen.has(agent.id)) continue;
      seen.add(agent.id);
      agents.push(toAgentInfo(agent));
    }
    if (options.onPage) {
      const total = data.pagination?.total;
      options.onPage({ loaded: agents.length, ...(typeof total === 'number' ? { total } : {}) });
    }
    const totalPages = data.pagination?.totalPages;
    const served = data.pagination?.limit ?? limit;
    const left = typeof totalPages === 'number' ? page < totalPages : data.data.length >= served;
    if (!left || data.data.length === 0) break;
    if (page >= maxPages) {
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
  /**
   * No agent has that id or name; `close` are the nearest ones. `among` is set when they were
   * looked for in a list cut at its pages: how many agents it had, of how many (when said);
   * `searched` when that list was Omnia's search for the name itself.
   */
  | {
      readonly kind: 'none';
      readonly close: readonly AgentInfo[];
      readonly among?: {
        readonly listed: number;
        readonly total?: number;
        readonly searched?: boolean;
      };
    }
  /** Several agents have that name. */
  | { readonly kind: 'many'; readonly matches: readonly AgentInfo[] }
  /** The id or name is only that of agents that are not active (they take no calls). */
  | { readonly kind: 'inactive'; readonly agents: readonly AgentInfo[] };

/**
 * The agent `ref` names: its id, else its exact name (any case and spacing), else its id in
 * another case when only one agent's id is that (`Concierge` for `concierge`). Pure.
 */
export function matchAgent(agents: readonly AgentInfo[], ref: string): AgentMatch {
  const byId = agents.find((agent) => agent.id === ref.trim());
  if (byId) return { kind: 'found', agent: byId };
  const wanted = normaliseName(ref);
  const named = agents.filter((agent) => normaliseName(agent.name) === wanted);
  if (named.length === 1) return { kind: 'found', agent: named[0]! };
  if (named.length > 1) return { kind: 'many', matches: named };
  const idAnyCase = agents.filter((agent) => sameIdAnyCase(agent, ref));
  if (idAnyCase.length === 1) return { kind: 'found', agent: idAnyCase[0]! };
  return { kind: 'none', close: closeMatches(ref, agents, (a) => [a.name, a.id]) };
}

/** True for an agent whose id is `ref` in any case. */
function sameIdAnyCase(agent: AgentInfo, ref: string): boolean {
  return agent.id.toLowerCase() === ref.trim().toLowerCase();
}

/**
 * Pages of active agents (every agent for `agents show`) read for close matches to a name
 * Omnia's search did not find (a typo its search cannot see): the first 1,000 agents, not the
 * whole list's 100 pages of the hourly 1,000 requests. A list cut there says so ({@link
 * AgentMatch} `among`).
 */
export const MAX_SUGGESTION_PAGES = 10;

export interface FindAgentOptions {
  readonly signal?: AbortSignal;
  /** Agents per request (≤ 100). */
  readonly pageLimit?: number;
  /** As {@link ListAgentsOptions.onWait}. */
  readonly onWait?: (line: string) => void;
  /**
   * Agents of every status match and are close matches (`agents show`), not only active ones
   * (`--agent`, for a call); the match is then never `inactive`, and an id is not asked for
   * itself (the caller has).
   */
  readonly anyStatus?: boolean;
}

/**
 * The agent `ref` names, an id Omnia would not call or a name, asked of Omnia rather than read
 * from the whole list (which stops at {@link MAX_AGENT_PAGES}): Omnia's search for it (every
 * status), where an exact id or name (any case, spacing; an id in another case when only one
 * agent has it) among the active agents is the one; the same among agents that are not active
 * says they are inactive; an id no search finds is asked for itself (`GET /agents/{id}`:
 * inactive?). Failing those, the close matches: the search's own active agents, else the first
 * {@link MAX_SUGGESTION_PAGES} pages of active agents (an exact match there too, a name spelt
 * with other spacing, an id in another case). With `anyStatus`, agents of every status stand
 * where active ones do. Rejects with ApiError.
 */
export async function findAgent(
  target: ApiTarget,
  ref: string,
  options: FindAgentOptions = {},
): Promise<AgentMatch> {
  const shared: ListAgentsOptions = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.pageLimit === undefined ? {} : { pageLimit: options.pageLimit }),
    ...(options.onWait ? { onWait: options.onWait } : {}),
  };
  const wanted = ref.trim();
  const anyStatus = Boolean(options.anyStatus);
  const searched = await readAgents(target, { search: wanted, all: true, ...shared });
  const match = matchAgent(anyStatus ? searched.agents : searched.agents.filter(isActive), ref);
  if (match.kind !== 'none') return match;
  if (!anyStatus) {
    const resting = searched.agents.filter(
      (agent) => !isActive(agent) && (agent.id === wanted || sameName(agent, ref)),
    );
    if (resting.length === 0) {
      const byId = await getAgent(target, wanted, options.signal);
      if (byId && byId.id === wanted && !isActive(byId)) resting.push(byId);
    }
    if (resting.length === 0) {
      // An id in another case, of one agent only (`RETIRED`): inactive as well.
      const anyCase = searched.agents.filter((agent) => sameIdAnyCase(agent, ref));
      if (anyCase.length === 1 && !isActive(anyCase[0]!)) resting.push(anyCase[0]!);
    }
    if (resting.length > 0) return { kind: 'inactive', agents: resting };
  }
  if (searched.more) {
    // Omnia's search itself has more than is read: no verdict from its first pages alone.
    return {
      kind: 'none',
      close: match.close,
      among: { listed: searched.agents.length, searched: true, ...totalOf(searched.more) },
    };
  }
  if (match.close.length > 0) return match;
  const listed = await readAgents(target, {
    maxPages: MAX_SUGGESTION_PAGES,
    all: anyStatus,
    ...shared,
  });
  const near = matchAgent(listed.agents, ref);
  if (near.kind !== 'none' || !listed.more) return near;
  return {
    ...near,
    among: { listed: listed.agents.length, ...totalOf(listed.more) },
  };
}

function totalOf(more: NonNullable<AgentList['more']>): { total?: number } {
  return more.total === undefined ? {} : { total: more.total };
}

function sameName(agent: AgentInfo, ref: string): boolean {
  return normaliseName(agent.name) === normaliseName(ref);
}

/** One agent by id (`GET /agents/{id}`); undefined when there is none or it cannot be read. */
export async function getAgent(
  target: ApiTarget,
  id: string,
  signal?: AbortSignal,
): Promise<AgentInfo | undefined> {
  try {
    const { data } = await apiRequest(target, {
      path: `/agents/${encodeURIComponent(id)}`,
      schema: agentSchema,
      action: 'fetch an agent',
      ...(signal ? { signal } : {}),
    });
    return toAgentInfo(data);
  } catch (error) {
    if (error instanceof ApiError && error.kind === 'cancelled') throw error;
    return undefined;
  }
}

/** `Front desk (agt_1)`: how an agent is named in one-line messages. */
export function agentLabel(agent: Pick<AgentInfo, 'id' | 'name'>): string {
  return agent.name === agent.id ? agent.id : `${agent.name} (${agent.id})`;
}

/**
 * The one-line message for an `--agent` that matched none or several agents, or only inactive
 * ones; a list cut at its pages is said to be (`among the first 1000 of 10234 active agents`).
 */
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
  if (match.kind === 'inactive') {
    const all = `only active agents take calls. See every agent and its status with: ${listCommand} --all`;
    const [only] = match.agents;
    if (only && match.agents.length === 1) {
      return `${agentLabel(only)} exists but is not active (status ${only.status}): ${all}`;
    }
    const list = match.agents.map((a) => `${agentLabel(a)}: ${a.status}`).join(', ');
    return `Several agents are named ${shown}, none of them active (${list}): ${all}`;
  }
  const list = match.close.map(agentLabel).join(', ');
  const { among } = match;
  if (among?.searched) {
    const of = among.total === undefined ? '' : ` of ${among.total}`;
    const close = list === '' ? '' : ` Close matches: ${list}.`;
    return `None of the first ${among.listed}${of} agents Omnia's search finds for ${shown} has that id or name.${close} Pass the agent's id with --agent.`;
  }
  if (among) {
    const first = `the first ${among.listed}${among.total === undefined ? '' : ` of ${among.total}`} active agents`;
    return match.close.length === 0
      ? `No active agent has the id or name ${shown}, and none of ${first} is close. Search them with: ${listCommand} --search TEXT`
      : `No active agent has the id or name ${shown}. Close matches among ${first}: ${list}.`;
  }
  if (match.close.length === 0) {
    return `No active agent has the id or name ${shown}. See them with: ${listCommand}`;
  }
  return `No active agent has the id or name ${shown}. Close matches: ${list}.`;
}
