/**
 * The local agent's read-only REST endpoints, answered as Omnia documents them: `GET /agents`
 * and `/agents/{id}` (page/limit paging), `GET /calls` (cursor paging) and `/calls/{id}`,
 * `GET /voices`, `GET /languages`; and the checks of `POST /calls/inline`. Pages hold at most
 * {@link LOCAL_PAGE_LIMIT} items so clients exercise paging against it too. Pure apart from
 * the catalog, which is read from espeak-ng once.
 */
import { callLogOf } from './call-log.js';
import {
  DEMO_AGENTS,
  type DemoAgent,
  demoAgent,
  findLanguage,
  findVoice,
  type LocalLanguage,
  type LocalVoiceInfo,
} from './catalog.js';
import type { CallRecord } from './record.js';
import { isRecord, parseBody, type Refusal, validateSocketOptions } from './rest.js';

/** Items per page at most, whatever a client asks (Omnia allows 100). */
export const LOCAL_PAGE_LIMIT = 3;
const DEFAULT_PAGE_SIZE = 20;

/** An answer: status and JSON body. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Errors of endpoints other than the call endpoints: `{error, details?}`. */
function otherError(status: number, error: string, fieldErrors?: Record<string, string[]>) {
  return {
    status,
    body: fieldErrors ? { error, details: { formErrors: [], fieldErrors } } : { error },
  };
}

/** Errors of the call endpoints: `{error: {message, code}}`. */
export function callError(status: number, message: string, code = 'API_ERROR'): ApiAnswer {
  return { status, body: { error: { message, code } } };
}

/** A positive integer query parameter, its default, or a field error. */
function intParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  max: number,
): number | string {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) return 'Expected a positive integer';
  if (n > max) return `Number must be less than or equal to ${max}`;
  return n;
}

/** The JSON of one demo agent, as `GET /agents` has it. */
export function agentJson(agent: DemoAgent, startedAt: number): Record<string, unknown> {
  const at = new Date(startedAt).toISOString();
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    status: agent.status,
    type: 'STANDARD',
    standardConfig: {
      languageId: agent.language,
      voiceId: agent.voice,
      greeting: agent.greeting,
      firstSpeaker: agent.firstSpeaker,
      model: 'llama',
      maxDuration: 3_600,
    },
    createdAt: at,
    updatedAt: at,
  };
}

/** `GET /agents?page&limit&status&search`. */
export function listAgentsAnswer(query: URLSearchParams, startedAt: number): ApiAnswer {
  const page = intParam(query, 'page', 1, Number.MAX_SAFE_INTEGER);
  const limit = intParam(query, 'limit', DEFAULT_PAGE_SIZE, 100);
  const fieldErrors: Record<string, string[]> = {};
  if (typeof page === 'string') fieldErrors.page = [page];
  if (typeof limit === 'string') fieldErrors.limit = [limit];
  const status = query.get('status')?.toUpperCase();
  if (status && !['ACTIVE', 'INACTIVE', 'SUSPENDED'].includes(status)) {
    fieldErrors.status = ['Expected ACTIVE, INACTIVE or SUSPENDED'];
  }
  if (typeof page === 'string' || typeof limit === 'string' || fieldErrors.status) {
    return otherError(400, 'Invalid query parameters', fieldErrors);
  }
  const search = (query.get('search') ?? '').trim().toLowerCase();
  const matching = DEMO_AGENTS.filter(
    (agent) =>
      (!status || agent.status === status) &&
      (!search || `${agent.name} ${agent.description}`.toLowerCase().includes(search)),
  );
  const size = Math.min(limit, LOCAL_PAGE_LIMIT);
  const totalPages = Math.max(1, Math.ceil(matching.length / size));
  return {
    status: 200,
    body: {
      data: matching.slice((page - 1) * size, page * size).map((a) => agentJson(a, startedAt)),
      pagination: { page, limit: size, total: matching.length, totalPages },
    },
  };
}

/** `GET /agents/{id}`. */
export function getAgentAnswer(id: string, startedAt: number): ApiAnswer {
  const agent = DEMO_AGENTS.find((a) => a.id === id);
  return agent
    ? { status: 200, body: agentJson(agent, startedAt) }
    : otherError(404, 'Agent not found');
}

/** `GET /voices?languageCode&search`: espeak-ng's variants speak every language. */
export function voicesAnswer(query: URLSearchParams, voices: readonly LocalVoiceInfo[]): ApiAnswer {
  const search = (query.get('search') ?? '').trim().toLowerCase();
  return {
    status: 200,
    body: {
      data: voices
        .filter((v) => !search || v.name.toLowerCase().includes(search))
        .map((v) => ({
          id: v.id,
          name: v.name,
          languageCode: null,
          gender: v.gender,
          isActive: true,
          provider: 'espeak-ng',
        })),
    },
  };
}

/** `GET /languages`. */
export function languagesAnswer(languages: readonly LocalLanguage[]): ApiAnswer {
  return {
    status: 200,
    body: {
      data: languages.map((l) => ({ id: l.code, code: l.code, name: l.name, isActive: true })),
    },
  };
}

/** The cursor of `GET /calls`: where the next page starts, opaque to clients. */
function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number | undefined {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/** `GET /calls?pageSize&cursor&status&startDate&endDate`: newest first. */
export function listCallsAnswer(
  query: URLSearchParams,
  calls: readonly CallRecord[],
  nowMs: number,
  recordDelayMs: number,
): ApiAnswer {
  const pageSize = intParam(query, 'pageSize', DEFAULT_PAGE_SIZE, 100);
  if (typeof pageSize === 'string') {
    return otherError(400, 'Invalid query parameters', { pageSize: [pageSize] });
  }
  const cursor = query.get('cursor');
  const offset = cursor ? decodeCursor(cursor) : 0;
  if (offset === undefined) return otherError(400, 'Invalid cursor');
  const dates: Record<string, number | undefined> = {};
  for (const name of ['startDate', 'endDate']) {
    const raw = query.get(name);
    if (!raw) continue;
    const ms = Date.parse(raw);
    if (Number.isNaN(ms))
      return otherError(400, 'Invalid query parameters', { [name]: ['Invalid date'] });
    dates[name] = ms;
  }
  const status = query.get('status');
  const logs = [...calls]
    .reverse()
    .map((record) => callLogOf(record, nowMs, recordDelayMs))
    .filter((log) => {
      const started = Date.parse(String(log.startTime));
      return (
        (!status || log.status === status) &&
        (dates.startDate === undefined || started >= dates.startDate) &&
        (dates.endDate === undefined || started <= dates.endDate)
      );
    });
  const size = Math.min(pageSize, LOCAL_PAGE_LIMIT);
  const end = offset + size;
  return {
    status: 200,
    body: {
      data: logs.slice(offset, end),
      pagination: {
        pageSize: size,
        total: logs.length,
        next: end < logs.length ? encodeCursor(end) : null,
        previous: offset > 0 ? encodeCursor(Math.max(0, offset - size)) : null,
      },
    },
  };
}

/** `GET /calls/{id}`. */
export function getCallAnswer(
  id: string,
  calls: readonly CallRecord[],
  nowMs: number,
  recordDelayMs: number,
): ApiAnswer {
  const record = calls.find((c) => c.id === id);
  return record
    ? { status: 200, body: callLogOf(record, nowMs, recordDelayMs) }
    : otherError(404, 'Call not found');
}

/** How the demo agent behaves on a call: its greeting, voice and limits. */
export interface Persona {
  readonly kind: 'agent' | 'inline';
  readonly agentId: string;
  readonly agentName?: string;
  /** `null`: the caller speaks first. */
  readonly greeting: string | null;
  readonly language: string;
  /** A voice of the catalog (its espeak-ng id), when found. */
  readonly voiceId?: string;
  readonly maxDurationMs?: number;
  /** Inline calls: the prompt, for the greeting. */
  readonly prompt?: string;
  /** What the prompt asks the agent to do after its first turn (a client tool, a hang-up). */
  readonly afterFirstTurn?: { readonly toolName?: string; readonly hangUp?: boolean };
}

/** The persona of a saved demo agent, or the 404 an unknown or inactive agent gets. */
export function agentPersona(
  agentId: string,
  voices: readonly LocalVoiceInfo[],
): Persona | ApiAnswer {
  const agent = demoAgent(agentId);
  if (agent?.status !== 'ACTIVE') {
    return callError(404, 'Agent not found or not active');
  }
  const voiceId = findVoice(voices, agent.voice)?.id;
  return {
    kind: 'agent',
    agentId: agent.id,
    agentName: agent.name,
    greeting: agent.firstSpeaker === 'agent' ? agent.greeting : null,
    language: agent.language,
    ...(voiceId ? { voiceId } : {}),
  };
}

const MODELS = ['llama', 'gemma', 'glm'];

/**
 * What a prompt asks of the demo agent after its first turn, as an LLM would read it: "call the
 * lookup tool" invokes the client tool `lookup`; "hang up" makes it say goodbye and hang up.
 */
export function promptActions(prompt: string): Pick<Persona, 'afterFirstTurn'> {
  const toolName = /\bcall the ([A-Za-z0-9_.:-]{1,64}) tool\b/i.exec(prompt)?.[1];
  const hangUp = /\bhang(?:s|ing)?[ -]?up\b/i.test(prompt);
  if (toolName === undefined && !hangUp) return {};
  return { afterFirstTurn: { ...(toolName ? { toolName } : {}), ...(hangUp ? { hangUp } : {}) } };
}

/** An inline call request, checked: its rates and persona, or the refusal. */
export function validateInlineCall(
  bodyText: string,
  catalog: { languages: readonly LocalLanguage[]; voices: readonly LocalVoiceInfo[] },
  greetingFor: (prompt: string) => string,
): { ok: true; inputSampleRate: number; outputSampleRate: number; persona: Persona } | Refusal {
  const parsed = parseBody(bodyText);
  if (!parsed.ok) return parsed;
  const body = parsed.body;
  const bad = (message: string): Refusal => ({ ok: false, status: 400, message });
  if (typeof body.systemPrompt !== 'string' || body.systemPrompt.trim() === '') {
    return bad('systemPrompt is required');
  }
  if (typeof body.voice !== 'string') return bad('voice is required');
  if (typeof body.language !== 'string') return bad('language is required');
  const language = findLanguage(catalog.languages, body.language);
  if (!language) return bad(`unknown language "${body.language.slice(0, 40)}"`);
  const voice = findVoice(catalog.voices, body.voice);
  if (!voice) return bad(`unknown voice "${body.voice.slice(0, 40)}"`);
  if (body.model !== undefined && !MODELS.includes(String(body.model))) {
    return bad(`model must be one of ${MODELS.join(', ')}`);
  }
  const t = body.temperature;
  if (t !== undefined && (typeof t !== 'number' || t < 0 || t > 1)) {
    return bad('temperature must be a number from 0 to 1');
  }
  const max = body.maxDuration;
  if (max !== undefined && (typeof max !== 'number' || max < 60 || max > 7_200)) {
    return bad('maxDuration must be from 60 to 7200 seconds');
  }
  if (
    body.firstSpeaker !== undefined &&
    body.firstSpeaker !== 'agent' &&
    body.firstSpeaker !== 'user'
  ) {
    return bad('firstSpeaker must be "agent" or "user"');
  }
  if (body.greeting !== undefined && typeof body.greeting !== 'string') {
    return bad('greeting must be a string');
  }
  if (body.websocket !== undefined && !isRecord(body.websocket)) {
    return bad('websocket must be an object');
  }
  const socket = validateSocketOptions(body);
  if (!socket.ok) return socket;
  const prompt = body.systemPrompt;
  const greeting =
    body.firstSpeaker === 'user'
      ? null
      : typeof body.greeting === 'string' && body.greeting.trim() !== ''
        ? body.greeting
        : greetingFor(prompt);
  return {
    ok: true,
    inputSampleRate: socket.inputSampleRate,
    outputSampleRate: socket.outputSampleRate,
    persona: {
      kind: 'inline',
      agentId: 'inline',
      greeting,
      language: language.code,
      voiceId: voice.id,
      prompt,
      ...promptActions(prompt),
      ...(typeof max === 'number' ? { maxDurationMs: max * 1000 } : {}),
    },
  };
}
