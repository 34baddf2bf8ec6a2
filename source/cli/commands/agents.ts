/**
 * `omnia-voice agents [--search TEXT] [--all] [--json]`: the workspace's agents;
 * `omnia-voice agents show <id|name> [--json]`: one agent's fields.
 */
import {
  type AgentInfo,
  type AgentList,
  type AgentMatch,
  agentLabel,
  findAgent,
  getAgent,
  isActive,
  readAgents,
} from '../../api/agents.js';
import { commandFor, flagTarget } from '../../api/command-hint.js';
import type { ApiTarget } from '../../api/request.js';
import { sanitizeServerText, terminalJson } from '../../api/sanitize.js';
import { wrapText } from '../../ui/textWidth.js';
import { type ApiFlags, commandApi } from './api-target.js';
import { droppedLine, layoutTable, type TableLayout, terminalWidth } from './table.js';

export interface AgentsFlags extends ApiFlags {
  search?: string;
  all?: boolean;
  json?: boolean;
}

/**
 * Lists every page of agents (active ones unless `--all`). Resolves to the exit code. `width`:
 * the terminal's, to fit the table to (none for a pipe or a file: the table whole).
 */
export async function runAgentsCommand(
  flags: AgentsFlags,
  out: (line: string) => void,
  err: (line: string) => void,
  width?: number,
): Promise<number> {
  const { api } = await commandApi(flags, err);
  const { agents, more } = await readAgents(api, {
    ...(flags.search ? { search: flags.search } : {}),
    all: Boolean(flags.all),
    // A short rate limit between two pages is waited out: said where a person reads.
    onWait: err,
  });
  if (flags.json) {
    // The server's values whole (see AgentInfo), escaped where a terminal would act on them.
    out(terminalJson(agents));
    // stdout stays the JSON alone; a list cut short says so where a person reads.
    if (more) err(moreAgentsLine(agents.length, more, flags));
    return 0;
  }
  const table = layoutAgents(agents, width);
  for (const line of table.lines) out(line);
  const which = flags.all ? '' : 'active ';
  const found = flags.search ? ` matching ${JSON.stringify(flags.search)}` : '';
  err(
    `${agents.length} ${which}agent${agents.length === 1 ? '' : 's'}${found}.` +
      (flags.all ? '' : ' --all lists inactive ones too.'),
  );
  if (more) err(moreAgentsLine(agents.length, more, flags));
  const dropped = droppedLine(table.dropped, width);
  if (dropped) err(dropped);
  return 0;
}

/**
 * The line for a list that stopped with pages left: how many agents it has, that Omnia has more,
 * and how to ask for fewer (the command has no paging of its own). Pure.
 */
export function moreAgentsLine(
  listed: number,
  more: NonNullable<AgentList['more']>,
  flags: Pick<AgentsFlags, 'search' | 'all'>,
): string {
  const which = flags.all ? '' : 'active ';
  const found = flags.search ? ` matching ${JSON.stringify(flags.search)}` : '';
  const plural = (n: number) => (n === 1 ? '' : 's');
  const count =
    more.total !== undefined && more.total > listed
      ? `${listed} of ${more.total} ${which}agent${plural(more.total)}${found}`
      : `${listed} ${which}agent${plural(listed)}${found}`;
  const narrow = flags.search ? 'a more specific --search' : '--search TEXT';
  return (
    `Listed the first ${count}: Omnia has more than the ${more.pages} pages omnia-voice reads. ` +
    `Narrow the list with ${narrow}${flags.all ? ', or without --all' : ''}.`
  );
}

/** The agents as a table: name, id, status, language, voice, who speaks first. Pure. */
export function formatAgents(agents: readonly AgentInfo[]): string[] {
  return layoutAgents(agents).lines;
}

/**
 * {@link formatAgents} in `width` cells when given: the name and the voice are cut first, then
 * who speaks first, the status and the language are left out; the id is always whole. Pure.
 */
export function layoutAgents(agents: readonly AgentInfo[], width?: number): TableLayout {
  if (agents.length === 0) return { lines: [], dropped: [] };
  return layoutTable(
    agents,
    [
      { heading: 'NAME', value: (a) => a.name, maxWidth: 40, minWidth: 12 },
      { heading: 'ID', value: (a) => a.id },
      { heading: 'STATUS', value: (a) => a.status, dropOrder: 2 },
      { heading: 'LANGUAGE', value: (a) => a.language ?? '-', dropOrder: 3 },
      { heading: 'VOICE', value: (a) => a.voice ?? '-', maxWidth: 30, minWidth: 8 },
      { heading: 'FIRST SPEAKER', value: (a) => a.firstSpeaker ?? '-', dropOrder: 1 },
    ],
    width,
  );
}

/** A name or id that names no agent to show, or several: one line, exit 2. */
export class AgentShowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The most characters of one field `agents show` prints (a greeting, a description). */
const MAX_SHOWN_CHARS = 4_000;

/** The fields `agents show` prints, in order, with their labels. */
const SHOWN_FIELDS: ReadonlyArray<readonly [keyof AgentInfo, string]> = [
  ['name', 'Name'],
  ['id', 'ID'],
  ['status', 'Status'],
  ['description', 'Description'],
  ['language', 'Language'],
  ['voice', 'Voice'],
  ['firstSpeaker', 'First speaker'],
  ['greeting', 'Greeting'],
  ['model', 'Model'],
];

/**
 * One agent's fields, one a line (`Greeting:       Good evening, …`), each whole (to 4,000
 * characters) but made safe for a terminal; a field the server did not send is left out. Pure.
 */
export function formatAgentDetails(agent: AgentInfo, columns?: number): string[] {
  // The server's values whole (see AgentInfo), not the 200 characters a table row takes.
  const whole = JSON.parse(JSON.stringify(agent)) as Record<string, unknown>;
  const width = Math.max(...SHOWN_FIELDS.map(([, label]) => label.length)) + 2;
  // In a terminal a long value wraps under itself, not under the labels (a greeting ran on at
  // column 0); a pipe gets each field on one line, for scripts.
  const room = columns === undefined ? undefined : columns - width;
  const lines: string[] = [];
  for (const [key, label] of SHOWN_FIELDS) {
    const value = whole[key];
    if (typeof value !== 'string' || value === '') continue;
    const text = sanitizeServerText(value, MAX_SHOWN_CHARS);
    const rows = room !== undefined && room >= 20 ? wrapText(text, room) : [text];
    rows.forEach((row, i) => {
      lines.push(`${i === 0 ? `${label}:`.padEnd(width) : ' '.repeat(width)}${row}`);
    });
  }
  return lines;
}

/**
 * `omnia-voice agents show <id|name>`: one agent's fields, any status. An id is asked for itself
 * (`GET /agents/{id}`); a name is looked up as `--agent` looks one up (Omnia's search). Resolves
 * to the exit code; a name that matches none or several is an {@link AgentShowError}.
 */
export async function runAgentShowCommand(
  ref: string,
  flags: ApiFlags & { json?: boolean },
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  if (ref.trim() === '') {
    throw new AgentShowError(
      `agents show needs an agent id or name, and it is empty: omnia-voice agents show <id|name> (${commandFor(flagTarget(flags), 'agents')} lists them).`,
    );
  }
  const { api } = await commandApi(flags, err);
  const agent = await getAgent(api, ref.trim()).then((byId) => byId ?? agentByName(api, ref, err));
  if (flags.json) {
    out(terminalJson(agent));
    return 0;
  }
  for (const line of formatAgentDetails(agent, terminalWidth())) out(line);
  err(
    isActive(agent)
      ? `Call it with: ${commandFor(api, `--agent ${agent.id}`)}`
      : `It takes no calls: only active agents do (status ${agent.status}).`,
  );
  return 0;
}

/** The agent `ref` names (any status), or an {@link AgentShowError} naming the close ones. */
async function agentByName(
  api: ApiTarget,
  ref: string,
  err: (line: string) => void,
): Promise<AgentInfo> {
  const match = await findAgent(api, ref, { onWait: err, anyStatus: true });
  if (match.kind === 'found') return match.agent;
  if (match.kind === 'inactive' && match.agents.length === 1) return match.agents[0]!;
  throw new AgentShowError(agentShowMatchMessage(ref, match, api));
}

/**
 * The one-line message for an `agents show` name that matched no agent of any status, or
 * several; the commands it names ask the server the run asked. Pure.
 */
export function agentShowMatchMessage(
  ref: string,
  match: Exclude<AgentMatch, { kind: 'found' }>,
  target: Parameters<typeof commandFor>[0],
): string {
  const shown = JSON.stringify(ref);
  const byId = `Give its id: ${commandFor(target, 'agents show <id>')}`;
  if (match.kind !== 'none') {
    const agents = match.kind === 'many' ? match.matches : match.agents;
    return `Several agents are named ${shown}: ${agents.map(agentLabel).join(', ')}. ${byId}`;
  }
  const list = match.close.map(agentLabel).join(', ');
  const { among } = match;
  if (among?.searched) {
    const of = among.total === undefined ? '' : ` of ${among.total}`;
    const close = list === '' ? '' : ` Close matches: ${list}.`;
    return `None of the first ${among.listed}${of} agents Omnia's search finds for ${shown} has that id or name.${close} ${byId}`;
  }
  const none = `No agent has the id or name ${shown}`;
  if (among) {
    const first = `the first ${among.listed}${among.total === undefined ? '' : ` of ${among.total}`} agents`;
    return match.close.length === 0
      ? `${none}, and none of ${first} is close. Search them with: ${commandFor(target, 'agents --all --search TEXT')}`
      : `${none}. Close matches among ${first}: ${list}.`;
  }
  if (match.close.length === 0) {
    return `${none}. See them all with: ${commandFor(target, 'agents --all')}`;
  }
  return `${none}. Close matches: ${list}.`;
}
