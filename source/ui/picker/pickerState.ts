/**
 * The agent picker's state as a pure reducer: the agents once loaded (or why they could not
 * be), the filter typed so far, and the highlighted row among the agents the filter keeps. A
 * list Omnia had more agents for than were read (`more`) is searched on the server as the
 * filter is typed (`search`), so every agent can be reached.
 */
import {
  type AgentInfo,
  type AgentList,
  type AgentsProgress,
  filterAgents,
} from '../../api/agents.js';

/** A search of the server for the filter, while the list read is cut. */
export interface PickerSearch {
  /** The filter it is for: an answer for an older filter is not shown. */
  readonly filter: string;
  /** `waiting` for the typing to pause, `searching` the server. */
  readonly status: 'waiting' | 'searching' | 'done' | 'failed';
  readonly found: readonly AgentInfo[];
  readonly error?: string;
  /** The search's own answer had more pages than were read. */
  readonly more?: AgentList['more'];
}

export interface PickerState {
  readonly load: 'loading' | 'loaded' | 'failed';
  readonly agents: readonly AgentInfo[];
  /** One line saying why the agents could not be listed. */
  readonly error?: string;
  readonly filter: string;
  /** The agents the filter keeps, best matches first. */
  readonly shown: readonly AgentInfo[];
  /** Index into `shown`. */
  readonly selected: number;
  /** Which listing this is: a retry starts another. */
  readonly attempt: number;
  /** While loading: how many agents have arrived so far, of how many. */
  readonly progress?: AgentsProgress;
  /** Set when the listing stopped with pages left: the list is cut. */
  readonly more?: AgentList['more'];
  /** The server's search for the filter, while the list is cut. */
  readonly search?: PickerSearch;
}

export type PickerAction =
  | {
      readonly type: 'loaded';
      readonly agents: readonly AgentInfo[];
      readonly more?: AgentList['more'];
      readonly attempt?: number;
    }
  | { readonly type: 'failed'; readonly error: string; readonly attempt?: number }
  /** A page of the listing arrived. */
  | {
      readonly type: 'progress';
      readonly progress: AgentsProgress;
      readonly attempt?: number;
    }
  /** List again after a failure (`r`). */
  | { readonly type: 'retry' }
  | { readonly type: 'filter'; readonly filter: string }
  | { readonly type: 'move'; readonly by: number }
  | { readonly type: 'moveTo'; readonly index: number }
  /** The server is being asked for `filter`. */
  | { readonly type: 'searching'; readonly filter: string }
  /** The server's answer for `filter`. */
  | {
      readonly type: 'found';
      readonly filter: string;
      readonly agents: readonly AgentInfo[];
      readonly more?: AgentList['more'];
    }
  | { readonly type: 'searchFailed'; readonly filter: string; readonly error: string };

export const INITIAL_PICKER_STATE: PickerState = {
  load: 'loading',
  agents: [],
  filter: '',
  shown: [],
  selected: 0,
  attempt: 0,
};

function clamp(index: number, length: number): number {
  return Math.max(0, Math.min(index, length - 1));
}

/** True while the list read is cut and the filter asks for something: the server is searched. */
export function searchesServer(state: Pick<PickerState, 'more' | 'filter'>): boolean {
  return state.more !== undefined && state.filter.trim() !== '';
}

/**
 * The agents `filter` keeps: among those listed, and those the server found for it (ranked the
 * same way; one the server matched by what this app does not look at comes last). Pure.
 */
function shownFor(
  agents: readonly AgentInfo[],
  filter: string,
  search: PickerSearch | undefined,
): AgentInfo[] {
  if (search?.status !== 'done' || search.filter !== filter || search.found.length === 0)
    return filterAgents(agents, filter);
  const listed = new Set(agents.map((agent) => agent.id));
  const all = [...agents, ...search.found.filter((agent) => !listed.has(agent.id))];
  const ranked = filterAgents(all, filter);
  const kept = new Set(ranked.map((agent) => agent.id));
  return [...ranked, ...search.found.filter((agent) => !kept.has(agent.id))];
}

export function pickerReducer(state: PickerState, action: PickerAction): PickerState {
  switch (action.type) {
    case 'loaded': {
      // An answer to a listing a retry has replaced changes nothing.
      if (action.attempt !== undefined && action.attempt !== state.attempt) return state;
      const more = action.more;
      const search = more && state.filter.trim() !== '' ? waiting(state.filter) : undefined;
      const shown = filterAgents(action.agents, state.filter);
      return {
        ...state,
        load: 'loaded',
        agents: action.agents,
        shown,
        selected: 0,
        more,
        search,
      };
    }
    case 'failed':
      if (action.attempt !== undefined && action.attempt !== state.attempt) return state;
      return { ...state, load: 'failed', error: action.error };
    case 'progress':
      if (action.attempt !== undefined && action.attempt !== state.attempt) return state;
      if (state.load !== 'loading') return state;
      return { ...state, progress: action.progress };
    case 'retry':
      if (state.load !== 'failed') return state;
      return {
        ...state,
        load: 'loading',
        error: undefined,
        progress: undefined,
        attempt: state.attempt + 1,
      };
    case 'filter': {
      if (action.filter === state.filter) return state;
      const search = searchesServer({ more: state.more, filter: action.filter })
        ? waiting(action.filter)
        : undefined;
      // The best match comes first: the highlight goes back to it as the filter narrows.
      return {
        ...state,
        filter: action.filter,
        shown: filterAgents(state.agents, action.filter),
        selected: 0,
        search,
      };
    }
    case 'move':
      return { ...state, selected: clamp(state.selected + action.by, state.shown.length) };
    case 'moveTo':
      return { ...state, selected: clamp(action.index, state.shown.length) };
    case 'searching':
      if (state.search?.filter !== action.filter) return state;
      return { ...state, search: { ...state.search, status: 'searching' } };
    case 'found': {
      if (state.search?.filter !== action.filter) return state;
      const search: PickerSearch = {
        filter: action.filter,
        status: 'done',
        found: action.agents,
        ...(action.more ? { more: action.more } : {}),
      };
      const shown = shownFor(state.agents, state.filter, search);
      // The highlighted agent stays highlighted (it may have moved); else the best match.
      const current = state.shown[state.selected]?.id;
      const at = current === undefined ? -1 : shown.findIndex((agent) => agent.id === current);
      return { ...state, search, shown, selected: Math.max(0, at) };
    }
    case 'searchFailed':
      if (state.search?.filter !== action.filter) return state;
      return {
        ...state,
        search: { ...state.search, status: 'failed', error: action.error },
      };
  }
}

function waiting(filter: string): PickerSearch {
  return { filter, status: 'waiting', found: [] };
}

/** The highlighted agent, if any. */
export function selectedAgent(state: PickerState): AgentInfo | undefined {
  return state.shown[state.selected];
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The header's count, longest first, for the header to take the first that fits: `3 of 12
 * agents`; for a cut list `first 10,000 of 10,234 agents`, and while filtering it `2 of the
 * first 10,000 · searching all 10,234…`, then `3 of 10,234 agents` once the server has
 * answered. None while loading. Pure.
 */
export function pickerCount(state: PickerState): string[] {
  if (state.load !== 'loaded') return [];
  const shown = count(state.shown.length);
  const listed = count(state.agents.length);
  const { more } = state;
  if (!more) return [`${shown} of ${listed} agents`, `${shown}/${listed}`];
  const total =
    more.total !== undefined && more.total > state.agents.length ? more.total : undefined;
  if (state.filter.trim() === '')
    return total === undefined
      ? [`first ${listed} agents (Omnia has more)`, `first ${listed}+`]
      : [`first ${listed} of ${count(total)} agents`, `${listed} of ${count(total)}`];
  const search = state.search;
  if (search?.status === 'done') {
    if (search.more) return [`${shown} shown · more match: type more`, `${shown}+`];
    return total === undefined
      ? [`${shown} agents`]
      : [`${shown} of ${count(total)} agents`, `${shown}/${count(total)}`];
  }
  if (search?.status === 'failed')
    return [`${shown} of the first ${listed} · search failed`, `${shown} of first ${listed}`];
  const all = total === undefined ? 'all' : `all ${count(total)}`;
  return [
    `${shown} of the first ${listed} · searching ${all}…`,
    `${shown} of first ${listed} · searching…`,
    `${shown} of first ${listed}`,
  ];
}

/** What the list says when the filter keeps no agent (the list is cut: the server's part). */
export function noMatchText(state: PickerState): string {
  const search = state.search;
  if (!state.more || !search) return 'No agent matches the filter.';
  const listed = count(state.agents.length);
  if (search.status === 'done') return 'No agent matches the filter (Omnia searched them all).';
  if (search.status === 'failed')
    return `None of the first ${listed} agents matches, and Omnia could not be searched: ${search.error ?? 'unknown error'}`;
  return `None of the first ${listed} agents matches; searching the rest on Omnia…`;
}
