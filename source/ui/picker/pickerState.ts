/**
 * The agent picker's state as a pure reducer: the agents once loaded (or why they could not
 * be), the filter typed so far, and the highlighted row among the agents the filter keeps.
 */
import { type AgentInfo, type AgentsProgress, filterAgents } from '../../api/agents.js';

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
}

export type PickerAction =
  | { readonly type: 'loaded'; readonly agents: readonly AgentInfo[]; readonly attempt?: number }
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
  | { readonly type: 'moveTo'; readonly index: number };

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

export function pickerReducer(state: PickerState, action: PickerAction): PickerState {
  switch (action.type) {
    case 'loaded': {
      // An answer to a listing a retry has replaced changes nothing.
      if (action.attempt !== undefined && action.attempt !== state.attempt) return state;
      const shown = filterAgents(action.agents, state.filter);
      return { ...state, load: 'loaded', agents: action.agents, shown, selected: 0 };
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
      // The best match comes first: the highlight goes back to it as the filter narrows.
      return {
        ...state,
        filter: action.filter,
        shown: filterAgents(state.agents, action.filter),
        selected: 0,
      };
    }
    case 'move':
      return { ...state, selected: clamp(state.selected + action.by, state.shown.length) };
    case 'moveTo':
      return { ...state, selected: clamp(action.index, state.shown.length) };
  }
}

/** The highlighted agent, if any. */
export function selectedAgent(state: PickerState): AgentInfo | undefined {
  return state.shown[state.selected];
}
