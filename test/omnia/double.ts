/**
 * A test double of Omnia's REST API and call socket, answering as Omnia's published docs say
 * (../shared/omnia-protocol.md §5): `X-API-Key`, `X-Request-Id` and `X-RateLimit-*` on every
 * answer; call endpoints fail with `{error: {message, code}}`, the others with
 * `{error, details}`; agents served a few to a page (page/limit), call logs by cursor; a call's
 * record stays incomplete (no `endTime`) for a while after the call. Faults (402, 429, …) are
 * injected per route. Everything it received is recorded for the tests to check.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { type HostileCall, wrapCall } from '../hostile/server.js';

/** An agent of the double's workspace. */
export interface DoubleAgent {
  id: string;
  name: string;
  status?: 'ACTIVE' | 'INACTIVE' | 'SUSPENDED';
  languageId?: string;
  voiceId?: string;
  firstSpeaker?: 'agent' | 'user';
  greeting?: string;
}

/** A request as the double saw it. */
export interface DoubleRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** An injected answer for requests matching `method`, `path` and `query`, `times` times. */
export interface Fault {
  method: string;
  path: RegExp;
  /** Only requests with these query parameters (`{page: '2'}`: the second page of a list). */
  query?: Record<string, string>;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  times?: number;
  /** Instead of answering, reset the connection (a proxy or a server restarting). */
  reset?: boolean;
  /** Instead of answering, never answer (a stalled server): the connection stays open. */
  stall?: boolean;
}

/** A call the double created, and what became of it. */
export interface DoubleCall {
  readonly id: string;
  readonly kind: 'agent' | 'inline';
  readonly agentId?: string;
  readonly body: Record<string, unknown>;
  readonly createdAt: number;
  /** The URL handed out (a credential: the client must never show or save it). */
  websocketUrl?: string;
  startedAt?: number;
  endedAt?: number;
  endReason?: string;
  socket?: HostileCall;
}

export interface OmniaDoubleOptions {
  apiKey: string;
  agents?: DoubleAgent[];
  /** Agents per page, whatever the client asks (default 2). */
  agentsPerPage?: number;
  /** How long each page of agents takes to answer (a slow server; default none). */
  agentsPageDelayMs?: number;
  /** Call logs per page (default 2). */
  callsPerPage?: number;
  /** How long a record stays incomplete after its call ended (default 3 s). */
  recordDelayMs?: number;
  /** Call logs from before the test, newest first. */
  pastCalls?: Record<string, unknown>[];
  voices?: Array<{ id: string; name: string; languageCode: string; gender: string }>;
  languages?: Array<{ id: string; code: string; name: string }>;
  /** The call socket's script; default: greet, then wait for `hang_up`. */
  script?: (call: HostileCall, created: DoubleCall) => void | Promise<void>;
}

export interface OmniaDouble {
  readonly baseUrl: string;
  readonly requests: DoubleRequest[];
  readonly calls: DoubleCall[];
  readonly scriptErrors: unknown[];
  /** The secret part of every websocketUrl: it must never be shown or saved. */
  readonly socketToken: string;
  inject(fault: Fault): void;
  close(): Promise<void>;
}

export const DEFAULT_VOICES = [
  { id: 'v-jenny', name: 'Jenny', languageCode: 'en-US', gender: 'female' },
  { id: 'v-jenna', name: 'Jenna', languageCode: 'en-US', gender: 'female' },
  { id: 'v-guy', name: 'Guy', languageCode: 'en-US', gender: 'male' },
  { id: 'v-denise', name: 'Denise', languageCode: 'fr-FR', gender: 'female' },
];
export const DEFAULT_LANGUAGES = [
  { id: 'l-en', code: 'en-US', name: 'English (US)' },
  { id: 'l-fr', code: 'fr-FR', name: 'French' },
];
/** The greeting of the default script. */
export const DOUBLE_GREETING = 'Hello from the Omnia double.';
const RATE_LIMIT = 1_000;

/** Starts the double on 127.0.0.1, port 0. */
export async function startOmniaDouble(options: OmniaDoubleOptions): Promise<OmniaDouble> {
  const requests: DoubleRequest[] = [];
  const calls: DoubleCall[] = [];
  const faults: Fault[] = [];
  const scriptErrors: unknown[] = [];
  const sockets = new Set<Socket>();
  const agents = options.agents ?? [];
  const agentsPerPage = options.agentsPerPage ?? 2;
  const callsPerPage = options.callsPerPage ?? 2;
  const recordDelayMs = options.recordDelayMs ?? 3_000;
  const voices = options.voices ?? DEFAULT_VOICES;
  const languages = options.languages ?? DEFAULT_LANGUAGES;
  const socketToken = `wsToken-${Math.random().toString(36).slice(2)}-SECRET`;
  let requestCount = 0;
  let port = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://double');
      const seen: DoubleRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(seen);
      requestCount++;
      const headers = {
        'content-type': 'application/json',
        'x-request-id': `req_double_${requestCount}`,
        'x-ratelimit-limit': String(RATE_LIMIT),
        'x-ratelimit-remaining': String(Math.max(0, RATE_LIMIT - requestCount)),
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3_600),
      };
      const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
        res.writeHead(status, { ...headers, ...extra });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      const fault = faults.find(
        (f) =>
          f.method === seen.method &&
          f.path.test(seen.path) &&
          Object.entries(f.query ?? {}).every(([name, value]) => seen.query.get(name) === value),
      );
      if (fault) {
        if (fault.times !== undefined && --fault.times <= 0)
          faults.splice(faults.indexOf(fault), 1);
        if (fault.reset) req.socket.resetAndDestroy();
        else if (!fault.stall) send(fault.status, fault.body, fault.headers);
        return;
      }
      const answer = route(seen);
      const slow = seen.method === 'GET' && /\/agents$/.test(seen.path);
      if (slow && options.agentsPageDelayMs) {
        setTimeout(() => send(answer.status, answer.body), options.agentsPageDelayMs);
      } else send(answer.status, answer.body);
    });
  });

  /** Call endpoints' error shape. */
  const callError = (status: number, message: string, code = 'API_ERROR') => ({
    status,
    body: { error: { message, code } },
  });
  /** Every other endpoint's error shape. */
  const otherError = (status: number, error: string, fieldErrors?: Record<string, string[]>) => ({
    status,
    body: fieldErrors ? { error, details: { formErrors: [], fieldErrors } } : { error },
  });

  function route(req: DoubleRequest): { status: number; body: unknown } {
    if (!req.path.startsWith('/api/v1/')) return otherError(404, 'Not found');
    if (req.headers['x-api-key'] !== options.apiKey) {
      return otherError(401, req.headers['x-api-key'] ? 'Invalid API key' : 'Missing API key');
    }
    const path = req.path.slice('/api/v1'.length);
    if (req.method === 'POST' && path === '/calls/create') return createCall(req, 'agent');
    if (req.method === 'POST' && path === '/calls/inline') return createCall(req, 'inline');
    if (req.method !== 'GET') return otherError(405, 'Method not allowed');
    if (path === '/agents') return listAgents(req.query);
    const agentId = /^\/agents\/([^/]+)$/.exec(path)?.[1];
    if (agentId) {
      const agent = agents.find((a) => a.id === decodeURIComponent(agentId));
      return agent ? { status: 200, body: agentJson(agent) } : otherError(404, 'Agent not found');
    }
    if (path === '/voices') {
      const code = req.query.get('languageCode');
      return {
        status: 200,
        body: {
          data: voices
            .filter((v) => !code || v.languageCode === code)
            .map((v) => ({ ...v, isActive: true })),
        },
      };
    }
    if (path === '/languages') {
      return { status: 200, body: { data: languages.map((l) => ({ ...l, isActive: true })) } };
    }
    if (path === '/calls') return listCalls(req.query);
    const callId = /^\/calls\/([^/]+)$/.exec(path)?.[1];
    if (callId) {
      const id = decodeURIComponent(callId);
      const log = allLogs().find((l) => l.id === id);
      return log ? { status: 200, body: log } : otherError(404, 'Call not found');
    }
    return otherError(404, 'Not found');
  }

  function agentJson(agent: DoubleAgent): Record<string, unknown> {
    return {
      id: agent.id,
      name: agent.name,
      description: `${agent.name} (double)`,
      status: agent.status ?? 'ACTIVE',
      type: 'STANDARD',
      standardConfig: {
        languageId: agent.languageId ?? 'en-US',
        voiceId: agent.voiceId ?? 'v-jenny',
        greeting: agent.greeting ?? DOUBLE_GREETING,
        firstSpeaker: agent.firstSpeaker ?? 'agent',
        model: 'llama',
        maxDuration: 600,
      },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
  }

  function listAgents(query: URLSearchParams) {
    const page = Number(query.get('page') ?? '1');
    const limit = Number(query.get('limit') ?? '20');
    if (
      !Number.isInteger(page) ||
      page < 1 ||
      !Number.isInteger(limit) ||
      limit < 1 ||
      limit > 100
    ) {
      return otherError(400, 'Invalid query parameters', {
        limit: ['Number must be between 1 and 100'],
      });
    }
    const status = query.get('status');
    const search = (query.get('search') ?? '').toLowerCase();
    const matching = agents.filter(
      (a) =>
        (!status || (a.status ?? 'ACTIVE') === status) &&
        (!search || a.name.toLowerCase().includes(search)),
    );
    const size = Math.min(limit, agentsPerPage);
    return {
      status: 200,
      body: {
        data: matching.slice((page - 1) * size, page * size).map(agentJson),
        pagination: {
          page,
          limit: size,
          total: matching.length,
          totalPages: Math.max(1, Math.ceil(matching.length / size)),
        },
      },
    };
  }

  function logOf(call: DoubleCall): Record<string, unknown> {
    const agent = agents.find((a) => a.id === call.agentId);
    const base = {
      id: call.id,
      agentId: call.agentId ?? null,
      agent: agent ? { id: agent.id, name: agent.name } : null,
      startTime: new Date(call.startedAt ?? call.createdAt).toISOString(),
      transcript: [
        {
          role: 'agent',
          text: DOUBLE_GREETING,
          timestamp: new Date(call.startedAt ?? call.createdAt).toISOString(),
        },
      ],
    };
    const complete = call.endedAt !== undefined && Date.now() >= call.endedAt + recordDelayMs;
    if (!complete) {
      return {
        ...base,
        endTime: null,
        durationMs: null,
        durationSeconds: null,
        status: 'in_progress',
        summary: null,
        shortSummary: null,
        billing: null,
      };
    }
    const durationMs = call.endedAt! - (call.startedAt ?? call.createdAt);
    const minutes = Math.max(1, Math.ceil(durationMs / 60_000));
    return {
      ...base,
      endTime: new Date(call.endedAt!).toISOString(),
      durationMs,
      durationSeconds: Math.round(durationMs / 1000),
      status: call.endReason ?? 'completed',
      summary: `The double greeted the caller; call ${call.id} ended (${call.endReason ?? 'completed'}).`,
      shortSummary: 'Greeting only',
      billing: {
        durationMinutes: minutes,
        costCents: minutes * 7,
        costDollars: minutes * 0.07,
        pricePerMinuteCents: 7,
        currency: 'USD',
        billedAt: new Date().toISOString(),
      },
    };
  }

  function allLogs(): Record<string, unknown>[] {
    return [...[...calls].reverse().map(logOf), ...(options.pastCalls ?? [])];
  }

  function listCalls(query: URLSearchParams) {
    const pageSize = Number(query.get('pageSize') ?? '20');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      return otherError(400, 'Invalid query parameters', {
        pageSize: ['Number must be between 1 and 100'],
      });
    }
    const cursor = query.get('cursor');
    const offset = cursor ? Number(/^cur_(\d+)$/.exec(cursor)?.[1] ?? Number.NaN) : 0;
    if (Number.isNaN(offset)) return otherError(400, 'Invalid cursor');
    const status = query.get('status');
    const since = query.get('startDate');
    const until = query.get('endDate');
    const logs = allLogs().filter(
      (l) =>
        (!status || l.status === status) &&
        (!since || Date.parse(String(l.startTime)) >= Date.parse(since)) &&
        (!until || Date.parse(String(l.startTime)) <= Date.parse(until)),
    );
    const size = Math.min(pageSize, callsPerPage);
    const end = offset + size;
    return {
      status: 200,
      body: {
        data: logs.slice(offset, end),
        pagination: {
          pageSize: size,
          total: logs.length,
          next: end < logs.length ? `cur_${end}` : null,
          previous: offset > 0 ? `cur_${Math.max(0, offset - size)}` : null,
        },
      },
    };
  }

  function createCall(req: DoubleRequest, kind: 'agent' | 'inline') {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body);
    } catch {
      return callError(400, 'Invalid JSON body', 'VALIDATION_ERROR');
    }
    const ws = (body.websocket ?? {}) as Record<string, unknown>;
    if (body.connectionType !== 'websocket')
      return callError(400, 'connectionType must be websocket', 'VALIDATION_ERROR');
    let agent: DoubleAgent | undefined;
    if (kind === 'agent') {
      agent = agents.find((a) => a.id === body.agentId && (a.status ?? 'ACTIVE') === 'ACTIVE');
      if (!agent) return callError(404, 'Agent not found or inactive');
    } else {
      const missing = ['systemPrompt', 'voice', 'language'].filter(
        (f) => typeof body[f] !== 'string' || body[f] === '',
      );
      if (missing.length > 0)
        return callError(400, `Missing required fields: ${missing.join(', ')}`, 'VALIDATION_ERROR');
      const voice = voices.find((v) => v.name === body.voice || v.id === body.voice);
      if (!voice)
        return callError(422, `Unknown voice ${String(body.voice)}`, 'UPSTREAM_VALIDATION');
    }
    const id = `call_${calls.length + 1}_${Date.now().toString(36)}`;
    const call: DoubleCall = {
      id,
      kind,
      ...(agent ? { agentId: agent.id } : {}),
      body,
      createdAt: Date.now(),
    };
    calls.push(call);
    const createdAt = new Date(call.createdAt).toISOString();
    call.websocketUrl = `ws://127.0.0.1:${port}/ws/${id}?token=${socketToken}&codec=${String(ws.codec)}`;
    return {
      status: 201,
      body: {
        id,
        websocketUrl: call.websocketUrl,
        status: 'created',
        connectionType: 'websocket',
        ...(agent
          ? { agent: { id: agent.id, name: agent.name, description: `${agent.name} (double)` } }
          : {}),
        createdAt,
      },
    };
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://double');
    const id = /^\/ws\/([^/]+)$/.exec(url.pathname)?.[1];
    const call = calls.find((c) => c.id === id);
    if (!call || url.searchParams.get('token') !== socketToken || call.socket) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const wrapped = wrapCall(ws, socket as Socket);
      call.socket = wrapped;
      call.startedAt = Date.now();
      void wrapped.closed.then(() => {
        call.endedAt = Date.now();
        call.endReason ??= wrapped.got('hang_up') ? 'user_hangup' : 'completed';
      });
      Promise.resolve()
        .then(() => (options.script ?? greetAndWait)(wrapped, call))
        .catch((error: unknown) => scriptErrors.push(error));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    calls,
    scriptErrors,
    socketToken,
    inject: (fault) => {
      faults.push(fault);
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The default call: started, a greeting, then whatever the client does; `hang_up` ends it. */
export async function greetAndWait(call: HostileCall, created: DoubleCall): Promise<void> {
  call.json({ type: 'call_started', callId: created.id });
  call.json({ type: 'state', state: 'speaking' });
  call.json({
    type: 'transcript',
    role: 'agent',
    medium: 'voice',
    ordinal: 0,
    text: DOUBLE_GREETING,
    final: true,
  });
  call.json({ type: 'state', state: 'listening' });
  if (await call.waitFor('hang_up', 60_000)) call.ws.close(1000, 'bye');
}
