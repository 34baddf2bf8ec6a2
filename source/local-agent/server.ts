import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { LOCAL_AGENT_HEADER } from '../api/local-serve.js';
import { nodeHttp } from '../api/node-http.js';
import {
  type ApiAnswer,
  agentPersona,
  callError,
  getAgentAnswer,
  getCallAnswer,
  languagesAnswer,
  listAgentsAnswer,
  listCallsAnswer,
  type Persona,
  validateInlineCall,
  voicesAnswer,
} from './api.js';
import { espeakVoice, localCatalog } from './catalog.js';
import { type CallTransport, DemoConversation } from './conversation.js';
import { encodeServerMessage, oneLine, parseClientFrame } from './messages.js';
import { CallRecord } from './record.js';
import { type CreateCallRequest, validateCreateCall } from './rest.js';
import { promptGreeting } from './script.js';
import type { LocalAgent, LocalAgentOptions } from './types.js';

/** As the real service: a created call not joined within this long is dropped. */
export const JOIN_TIMEOUT_MS = 30_000;
/** Call creation bodies are tiny; anything bigger is a mistake or abuse. */
/**
 * The largest request body taken: room for the client's largest prompt (256 KiB, `MAX_PROMPT_BYTES`)
 * however JSON escapes it. It was 64 KiB, and a 100 KiB prompt the client let through failed.
 */
const MAX_BODY_BYTES = 1024 * 1024;
/** Largest single WebSocket message accepted (ws closes with 1009 above it). */
const MAX_WS_MESSAGE_BYTES = 1024 * 1024;
/** How long close() lets calls finish their closing handshake before cutting them. */
const CLOSE_GRACE_MS = 1_000;
const API_PREFIX = '/api/v1';
const HOST_HEADER = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;
const CALL_SOCKET_PATH = /^\/calls\/([A-Za-z0-9-]{1,64})\/ws$/;

interface LiveCall {
  readonly ws: WebSocket;
  readonly conversation: DemoConversation;
  readonly record: CallRecord;
}

function sendJsonResponse(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, headers = {}): void {
  sendJsonResponse(res, status, { error: { message } }, headers);
}

function sendAnswer(res: ServerResponse, answer: ApiAnswer): void {
  sendJsonResponse(res, answer.status, answer.body, { 'x-request-id': `local-${randomUUID()}` });
}

/** Compares keys without leaking their length or contents through timing. */
function sameKey(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function rejectUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: { message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the built-in Omnia-compatible agent server: REST call creation plus the call WebSocket,
 * with the demo conversation on each call. Resolves once it is listening.
 */
export async function startLocalAgent(options: LocalAgentOptions = {}): Promise<LocalAgent> {
  const host = options.host ?? '127.0.0.1';
  const voice = options.voice ?? 'espeak';
  const sendSpeed = options.sendSpeed ?? 4;
  const joinTimeoutMs = options.joinTimeoutMs ?? JOIN_TIMEOUT_MS;
  const requiredKey = options.requireApiKey;
  const log = (line: string): void => {
    try {
      options.log?.(line);
    } catch {
      // A broken log sink must not take calls down.
    }
  };
  if (!(sendSpeed > 0)) throw new Error('sendSpeed must be a positive number');

  const calls: CallRecord[] = [];
  const pending = new Map<
    string,
    { record: CallRecord; persona: Persona; timer: NodeJS.Timeout }
  >();
  const recordDelayMs = options.recordDelayMs ?? 0;
  const startedAt = Date.now();
  const live = new Map<string, LiveCall>();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  let baseUrl = '';
  let closing = false;

  /**
   * Where clients should open the call socket. Bound to a wildcard address, the server is reached
   * by whatever name the client used, so that (if it looks like a host) beats 127.0.0.1.
   */
  function socketBase(req: IncomingMessage): string {
    const asked = req.headers.host;
    if ((host === '0.0.0.0' || host === '::') && asked && HOST_HEADER.test(asked)) {
      return `ws://${asked}`;
    }
    return baseUrl.replace(/^http/, 'ws');
  }

  /** A missing or wrong key gets 401, when the server was started with one. */
  function authorised(req: IncomingMessage, res: ServerResponse): boolean {
    if (requiredKey === undefined) return true;
    const given = req.headers['x-api-key'];
    if (typeof given !== 'string' || given === '') {
      sendError(res, 401, 'missing X-API-Key header');
      return false;
    }
    if (!sameKey(given, requiredKey)) {
      sendError(res, 401, 'invalid API key');
      return false;
    }
    return true;
  }

  /** The body of a POST, or undefined after answering 405 or 413. */
  async function postBody(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    if (req.method !== 'POST') {
      sendError(res, 405, 'use POST to create a call', { allow: 'POST' });
      return undefined;
    }
    const body = await readBody(req);
    if (body === undefined) {
      sendError(res, 413, `request body too large (over ${MAX_BODY_BYTES / 1024} KiB)`);
    }
    return body;
  }

  /** Registers a created call, waiting to be joined, and answers 201. */
  function createPending(
    req: IncomingMessage,
    res: ServerResponse,
    request: CreateCallRequest,
    persona: Persona,
  ): void {
    const id = randomUUID();
    const record = new CallRecord(id, request);
    record.kind = persona.kind;
    record.agentName = persona.agentName;
    calls.push(record);
    const timer = setTimeout(() => {
      if (!pending.delete(id)) return;
      record.endedAt = Date.now();
      record.endReason = 'unjoined';
      log(`call ${id} expired: not joined within ${joinTimeoutMs} ms`);
    }, joinTimeoutMs);
    timer.unref();
    pending.set(id, { record, persona, timer });
    log(
      `call ${id} created for ${persona.kind === 'inline' ? 'an inline prompt' : `agent ${oneLine(record.agentId, 80)}`} ` +
        `(in ${record.inputSampleRate} Hz, out ${record.outputSampleRate} Hz)`,
    );
    const createdAt = new Date(record.createdAt).toISOString();
    sendAnswer(res, {
      status: 201,
      body: {
        id,
        created: createdAt,
        createdAt,
        status: 'created',
        connectionType: 'websocket',
        websocketUrl: `${socketBase(req)}/calls/${id}/ws`,
        ...(persona.kind === 'agent'
          ? { agent: { id: persona.agentId, name: persona.agentName ?? null, description: null } }
          : {}),
      },
    });
  }

  async function handleCreate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await postBody(req, res);
    if (body === undefined) return;
    const validation = validateCreateCall(body);
    if (!validation.ok) {
      log(`call creation rejected (${validation.status}): ${validation.message}`);
      sendError(res, validation.status, validation.message);
      return;
    }
    const persona = agentPersona(validation.request.agentId, (await localCatalog()).voices);
    if ('status' in persona) {
      log(`call creation rejected: no active agent ${oneLine(validation.request.agentId, 80)}`);
      sendAnswer(res, persona);
      return;
    }
    createPending(req, res, { ...validation.request, agentId: persona.agentId }, persona);
  }

  async function handleInline(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await postBody(req, res);
    if (body === undefined) return;
    const validation = validateInlineCall(body, await localCatalog(), promptGreeting);
    if (!validation.ok) {
      log(`inline call rejected (${validation.status}): ${validation.message}`);
      sendAnswer(res, callError(validation.status, validation.message, 'VALIDATION_ERROR'));
      return;
    }
    const { persona } = validation;
    createPending(
      req,
      res,
      {
        agentId: persona.agentId,
        inputSampleRate: validation.inputSampleRate,
        outputSampleRate: validation.outputSampleRate,
      },
      persona,
    );
  }

  /** Everything under /api/v1: call creation, and the read-only endpoints. */
  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!authorised(req, res)) return;
    const route = url.pathname.slice(API_PREFIX.length).replace(/\/+$/, '');
    if (route === '/calls/create') return handleCreate(req, res);
    if (route === '/calls/inline') return handleInline(req, res);
    const agentId = /^\/agents\/([^/]+)$/.exec(route)?.[1];
    const callId = /^\/calls\/([^/]+)$/.exec(route)?.[1];
    const known =
      route === '/agents' ||
      route === '/voices' ||
      route === '/languages' ||
      route === '/calls' ||
      agentId !== undefined ||
      callId !== undefined;
    if (!known) {
      sendError(res, 404, `no such endpoint: ${oneLine(url.pathname, 100)}`);
      return;
    }
    if (req.method !== 'GET') {
      sendError(res, 405, 'use GET', { allow: 'GET' });
      return;
    }
    const now = Date.now();
    const query = url.searchParams;
    if (route === '/agents') sendAnswer(res, listAgentsAnswer(query, startedAt));
    else if (agentId !== undefined)
      sendAnswer(res, getAgentAnswer(decodeURIComponent(agentId), startedAt));
    else if (route === '/voices')
      sendAnswer(res, voicesAnswer(query, (await localCatalog()).voices));
    else if (route === '/languages')
      sendAnswer(res, languagesAnswer((await localCatalog()).languages));
    else if (route === '/calls') sendAnswer(res, listCallsAnswer(query, calls, now, recordDelayMs));
    else if (callId !== undefined) {
      sendAnswer(res, getCallAnswer(decodeURIComponent(callId), calls, now, recordDelayMs));
    }
  }

  // Not an ES import of node:http: see api/node-http.ts.
  const server = nodeHttp().createServer((req, res) => {
    // Says who answers: a client pointed here by `--api-base` speaks of the local agent, not
    // Omnia, and knows its calls last only as long as it runs.
    res.setHeader(LOCAL_AGENT_HEADER, '1');
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/health') {
      sendJsonResponse(res, 200, { status: 'ok', calls: live.size });
      return;
    }
    if (url.pathname.startsWith(`${API_PREFIX}/`)) {
      handleApi(req, res, url).catch((error: unknown) => {
        log(`request failed: ${oneLine(String(error), 200)}`);
        if (!res.headersSent) sendError(res, 500, 'local agent failed to answer');
      });
      return;
    }
    sendError(res, 404, `no such endpoint: ${oneLine(url.pathname, 100)}`);
  });

  function attach(ws: WebSocket, record: CallRecord, persona: Persona): void {
    const id = record.id;
    record.joinedAt = Date.now();
    // When each turn's first transcript message went out: the record dates a turn from its
    // start, as the live transcript does, not from when it was closed.
    const firstSent = new Map<number, number>();
    const transport: CallTransport = {
      sendJson(message) {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(encodeServerMessage(message));
        record.serverMessages.push({ ...message });
        if (message.type !== 'transcript') return;
        const now = Date.now();
        if (!firstSent.has(message.ordinal)) firstSent.set(message.ordinal, now);
        if (message.final && message.text !== undefined) {
          record.turns.push({
            ordinal: message.ordinal,
            role: message.role,
            text: message.text,
            at: firstSent.get(message.ordinal) ?? now,
          });
        }
      },
      sendAudio(frame) {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(frame, { binary: true });
        record.bytesSent += frame.length;
      },
      close(code, reason) {
        ws.close(code, reason);
      },
    };
    const conversation = new DemoConversation(transport, {
      callId: id,
      voice,
      sendSpeed,
      inputSampleRate: record.inputSampleRate,
      outputSampleRate: record.outputSampleRate,
      log,
      greeting: persona.greeting,
      ...(persona.voiceId ? { espeakVoice: espeakVoice(persona.language, persona.voiceId) } : {}),
      ...(persona.maxDurationMs ? { maxDurationMs: persona.maxDurationMs } : {}),
      ...(persona.afterFirstTurn ? { afterFirstTurn: persona.afterFirstTurn } : {}),
      onAgentHangup: (reason) => {
        record.endReason = reason;
      },
    });
    live.set(id, { ws, conversation, record });
    log(`call ${id} joined`);

    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) {
          const chunk = toBuffer(data);
          record.addAudio(chunk);
          conversation.onAudio(chunk);
          return;
        }
        const parsed = parseClientFrame(toBuffer(data).toString('utf8'));
        if (parsed.kind === 'invalid') {
          record.invalidMessages++;
          log(`call ${id}: ignored junk text frame (${parsed.reason})`);
          return;
        }
        record.clientMessages.push(parsed.raw);
        if (parsed.kind === 'ignored') {
          log(`call ${id}: ignored message: ${parsed.reason}`);
          return;
        }
        if (parsed.message.type === 'hang_up') record.hungUp = true;
        conversation.onMessage(parsed.message);
      } catch (error) {
        log(`call ${id}: failed to handle a message: ${oneLine(String(error), 200)}`);
        transport.sendJson({ type: 'error', message: 'local agent failed to handle a message' });
      }
    });
    ws.on('error', (error) => log(`call ${id}: socket error: ${oneLine(error.message, 200)}`));
    ws.once('close', (code) => {
      record.closeCode = code;
      record.endedAt = Date.now();
      record.endReason ??= record.hungUp
        ? 'user_hangup'
        : closing
          ? 'server_shutdown'
          : 'disconnected';
      conversation.end();
      live.delete(id);
      log(`call ${id} ended (close ${code})`);
    });
    conversation.start();
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {
      // A client vanishing mid-handshake is its own problem, not the server's.
    });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const id = CALL_SOCKET_PATH.exec(path)?.[1];
    if (closing) {
      rejectUpgrade(socket, 503, 'Service Unavailable', 'local agent is shutting down');
      return;
    }
    if (id !== undefined && live.has(id)) {
      rejectUpgrade(socket, 409, 'Conflict', 'call already joined');
      return;
    }
    const entry = id === undefined ? undefined : pending.get(id);
    if (id === undefined || entry === undefined) {
      rejectUpgrade(socket, 404, 'Not Found', 'unknown or expired call');
      return;
    }
    pending.delete(id);
    clearTimeout(entry.timer);
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, entry.record, entry.persona));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${urlHost(host)}:${port}`;
  // Whoever started it has `baseUrl` (`serve` prints it in its banner): not said twice.
  log(`local agent started: voice ${voice}, send speed ${sendSpeed}x`);

  async function close(): Promise<void> {
    if (closing) return;
    closing = true;
    for (const { timer, record } of pending.values()) {
      clearTimeout(timer);
      record.endedAt = Date.now();
      record.endReason = 'unjoined';
    }
    pending.clear();
    const ending = [...live.values()].map(
      ({ ws, conversation }) =>
        new Promise<void>((resolve) => {
          conversation.end();
          if (ws.readyState === WebSocket.CLOSED) {
            resolve();
            return;
          }
          const cut = setTimeout(() => {
            ws.terminate();
            resolve();
          }, CLOSE_GRACE_MS);
          ws.once('close', () => {
            clearTimeout(cut);
            resolve();
          });
          ws.close(1001, 'server shutting down');
        }),
    );
    await Promise.all(ending);
    wss.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    log('local agent stopped');
  }

  return {
    baseUrl,
    port,
    get calls() {
      return calls;
    },
    close,
  };
}
