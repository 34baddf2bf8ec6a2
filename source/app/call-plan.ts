/**
 * What a call is with, decided before the first request, and the one function that creates it:
 * for a saved agent (by id or by name) or for a prompt tried inline. Redial calls
 * {@link createCallFor} again with the same plan: the prompt file is read again each time, an
 * agent named by its name is looked up once.
 */
import { basename } from 'node:path';
import type { AgentInfo } from '../api/agents.js';
import { type CreatedCall, createCall } from '../api/create-call.js';
import { ApiError } from '../api/errors.js';
import { createInlineCall, type InlineCallConfig } from '../api/inline-call.js';
import type { ApiTarget } from '../api/request.js';
import type { CallLabel } from '../session/types.js';
import { agentsCommand } from './call-record.js';
import { loadPrompt, type PromptSource } from './prompt.js';

/** The inline call's settings besides the prompt (`--voice`, `--language`, …). */
export type PromptSettings = Omit<InlineCallConfig, 'systemPrompt'>;

/** What the user asked to call. */
export type CallTarget =
  | { readonly kind: 'agent'; readonly ref: string }
  | { readonly kind: 'prompt'; readonly prompt: PromptSource; readonly settings: PromptSettings };

/** Everything needed to create calls, again and again. */
export interface CallPlan {
  /** Where the API is (the local agent's base, no key, for local calls). */
  readonly api: ApiTarget;
  readonly target: CallTarget;
  readonly inputSampleRate: number;
  readonly outputSampleRate: number;
  /** Filled in by {@link createCallFor}: what the first call learnt, so redials skip it. */
  readonly memo: {
    /** The id an agent name resolved to. */
    agentId?: string;
    /** The agent, when it had to be looked up by name. */
    agent?: AgentInfo;
    /** The voice and language as the catalog spells them, once checked. */
    settings?: PromptSettings;
  };
}

/** What one new call needs: the socket to open (a credential: never shown), what it is with. */
export interface NewCall {
  /** Open within ~30 s. Never print, log or save it. */
  readonly websocketUrl: string;
  readonly callId?: string;
  /** The agent's id for agent calls. */
  readonly agentId?: string;
  /** `Front desk (agt_1)`, or `prompt.md · 3f2a9c1b` (the prompt as sent this time). */
  readonly label: CallLabel;
}

/** The parts of the resolved options a decision reads. */
export interface CallChoice {
  readonly api: ApiTarget;
  /** `--agent` (id or name), or the agent from the environment or config. */
  readonly agentRef?: string;
  /** `--prompt` with its settings. */
  readonly prompt?: { readonly source: PromptSource; readonly settings: PromptSettings };
  readonly inputSampleRate: number;
  readonly outputSampleRate: number;
  /** One line per event: no picker can be shown. */
  readonly plain: boolean;
}

/** What {@link decideCall} says. */
export type CallDecision =
  /** Call this. */
  | { readonly kind: 'ready'; readonly plan: CallPlan }
  /** Full-screen, with a key but no agent: show the picker, then {@link planForAgent}. */
  | { readonly kind: 'pick'; readonly choice: CallChoice }
  /** Nothing to call: one line for the user, exit code 2. */
  | { readonly kind: 'error'; readonly message: string };

/**
 * The message when plain mode has a key but no agent or prompt; the command that lists the
 * agents names the `--api-base` the run asked, as the no-match message does.
 */
export function noAgentMessage(api: ApiTarget): string {
  return `No agent chosen: pass --agent <id or name> (${agentsCommand(api)} lists them), set OMNIA_AGENT_ID, or try a prompt with --prompt.`;
}

/** Decides what to call, or that the picker must choose (full-screen only). Pure. */
export function decideCall(choice: CallChoice): CallDecision {
  const { agentRef, prompt } = choice;
  const base = {
    api: choice.api,
    inputSampleRate: choice.inputSampleRate,
    outputSampleRate: choice.outputSampleRate,
    memo: {},
  };
  if (prompt) {
    return {
      kind: 'ready',
      plan: {
        ...base,
        target: { kind: 'prompt', prompt: prompt.source, settings: prompt.settings },
      },
    };
  }
  if (agentRef)
    return { kind: 'ready', plan: { ...base, target: { kind: 'agent', ref: agentRef } } };
  if (choice.plain) return { kind: 'error', message: noAgentMessage(choice.api) };
  return { kind: 'pick', choice };
}

/** True when the full-screen picker must choose the agent before the call. */
export function needsPicker(choice: CallChoice): boolean {
  return decideCall(choice).kind === 'pick';
}

/** The plan for an agent the picker chose (the agent is known: no lookup by name). */
export function planForAgent(choice: CallChoice, agent: Pick<AgentInfo, 'id' | 'name'>): CallPlan {
  return {
    api: choice.api,
    inputSampleRate: choice.inputSampleRate,
    outputSampleRate: choice.outputSampleRate,
    target: { kind: 'agent', ref: agent.id },
    memo: { agentId: agent.id, agent: { ...agent, status: 'ACTIVE' } },
  };
}

/**
 * What the plan calls, before the call exists, for the header while it is being created: the
 * agent as asked for (its name once known), or the prompt file. The created call's label
 * replaces it (the agent's name from Omnia, the prompt's hash).
 */
export function plannedLabel(plan: CallPlan): CallLabel {
  const { target } = plan;
  if (target.kind === 'prompt') {
    const file = target.prompt.kind === 'file' ? basename(target.prompt.path) : undefined;
    const text = file ?? (target.prompt.kind === 'pipe' ? 'piped prompt' : 'inline prompt');
    return { kind: 'prompt', text, ...(file ? { promptFile: file } : {}) };
  }
  const agent = plan.memo.agent;
  const id = plan.memo.agentId ?? target.ref;
  if (agent === undefined || agent.name === id) return { kind: 'agent', text: target.ref };
  return { kind: 'agent', text: `${agent.name} (${id})`, agentId: id, agentName: agent.name };
}

/**
 * Creates a new call from the plan: an agent call, or an inline call with the prompt read
 * again now. Rejects with ApiError (network, HTTP) or a UsageError-named error (a prompt file
 * gone, a voice or agent name that matches nothing) whose message is one line. `note` is told
 * what the user may want to know meanwhile (a short rate limit waited out while an agent's name
 * is looked up); plain mode prints it on stderr.
 */
export async function createCallFor(
  plan: CallPlan,
  signal?: AbortSignal,
  note?: (line: string) => void,
): Promise<NewCall> {
  if (plan.target.kind === 'prompt') return createPromptCall(plan, plan.target, signal);
  return createAgentCall(plan, plan.target.ref, signal, note);
}

async function createPromptCall(
  plan: CallPlan,
  target: Extract<CallTarget, { kind: 'prompt' }>,
  signal: AbortSignal | undefined,
): Promise<NewCall> {
  const { text, label } = loadPrompt(target.prompt);
  if (!plan.memo.settings) {
    // Loaded only for prompt calls: the catalog check pulls in zod.
    const { checkVoiceAndLanguage } = await import('../api/catalog.js');
    const { voice, language } = await checkVoiceAndLanguage(plan.api, target.settings, signal);
    // Sent as the catalog spells them: `jenny` found Jenny, and Omnia may match exactly.
    plan.memo.settings = { ...target.settings, voice: voice.name, language: language.code };
  }
  const created = await createInlineCall({
    ...apiOptions(plan.api),
    config: { ...plan.memo.settings, systemPrompt: text },
    inputSampleRate: plan.inputSampleRate,
    outputSampleRate: plan.outputSampleRate,
    signal,
  });
  return newCall(created, label);
}

async function createAgentCall(
  plan: CallPlan,
  ref: string,
  signal: AbortSignal | undefined,
  note: ((line: string) => void) | undefined,
): Promise<NewCall> {
  const create = (agentId: string) =>
    createCall({
      ...apiOptions(plan.api),
      agentId,
      inputSampleRate: plan.inputSampleRate,
      outputSampleRate: plan.outputSampleRate,
      ...(signal ? { signal } : {}),
    });
  const known = plan.memo.agentId;
  if (known !== undefined) return agentCall(await create(known), known, plan.memo.agent);
  try {
    // Most refs are ids: try it as one first, so an id costs no extra request.
    return agentCall(await create(ref), ref, undefined);
  } catch (error) {
    if (!(error instanceof ApiError) || !couldBeAName(error)) throw error;
    // Loaded only here: the agents module pulls in zod, which an id call does not need.
    const { agentMatchMessage, findAgent } = await import('../api/agents.js');
    // Omnia's search for the name, not the whole list (which stops at its 100th page). A server
    // that cannot list agents either (a wrong --api-base): its first answer says more.
    const options = { ...(signal ? { signal } : {}), ...(note ? { onWait: note } : {}) };
    const match = await findAgent(plan.api, ref, options).catch((lookup: unknown) => {
      if (lookup instanceof ApiError && lookup.kind === 'cancelled') throw lookup;
      throw error;
    });
    if (match.kind !== 'found') {
      throw new AgentNameError(agentMatchMessage(ref, match, agentsCommand(plan.api)));
    }
    plan.memo.agentId = match.agent.id;
    plan.memo.agent = match.agent;
    return agentCall(await create(match.agent.id), match.agent.id, match.agent);
  }
}

/** A name sent as an id is "not found" (or "invalid" to a server that checks id syntax). */
function couldBeAName(error: ApiError): boolean {
  return error.kind === 'not-found' || error.status === 400 || error.status === 422;
}

/** An `--agent` that names no agent or several: one line, exit code 2. */
export class AgentNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function apiOptions(api: ApiTarget) {
  return {
    apiBase: api.apiBase,
    apiKey: api.apiKey,
    keyFrom: api.keyFrom,
    apiBaseFrom: api.apiBaseFrom,
    connectTimeoutMs: api.connectTimeoutMs,
    responseTimeoutMs: api.responseTimeoutMs,
    server: api.server,
  };
}

function agentCall(created: CreatedCall, agentId: string, known: AgentInfo | undefined): NewCall {
  const name = created.agent?.name ?? known?.name;
  const label: CallLabel = {
    kind: 'agent',
    text: name === undefined || name === agentId ? agentId : `${name} (${agentId})`,
    agentId,
    ...(name === undefined ? {} : { agentName: name }),
  };
  return { ...newCall(created, label), agentId };
}

function newCall(created: CreatedCall, label: CallLabel): NewCall {
  return {
    websocketUrl: created.websocketUrl,
    ...(created.callId === undefined ? {} : { callId: created.callId }),
    label,
  };
}
