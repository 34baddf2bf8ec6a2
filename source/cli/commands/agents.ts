/** `omnia-voice agents [--search TEXT] [--all] [--json]`: the workspace's agents. */
import { type AgentInfo, type AgentList, readAgents } from '../../api/agents.js';
import { terminalJson } from '../../api/sanitize.js';
import { type ApiFlags, commandApi } from './api-target.js';
import { droppedLine, layoutTable, type TableLayout } from './table.js';

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
