/**
 * A hostile Omnia double for tests: its own small HTTP server (call creation) and WebSocket
 * server (the call socket), separate from the friendly local agent. Each test gives it a
 * scenario: how to answer call creation, and a script for the call socket. It records what the
 * client sent (headers, data messages, mic audio) so tests can check `hang_up` arrived and what
 * the server heard. A script that throws fails the test (see `close()`).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

/** One request to `POST /api/v1/calls/create`. */
export interface CreateRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** The client side of one call socket, as the script sees it. */
export interface HostileCall {
  readonly ws: WebSocket;
  /** The raw TCP socket under the WebSocket (for cuts and black holes). */
  readonly socket: Socket;
  /** Data messages the client sent, parsed (or the raw text when not JSON). */
  readonly messages: unknown[];
  /** Bytes of mic audio the client sent. */
  readonly audioBytes: () => number;
  /** The mic audio the client sent so far, in order (s16le at the call's input rate). */
  received(): Buffer;
  /** Send one JSON message. */
  json(message: unknown): void;
  /** Send a raw text frame (junk allowed). */
  text(raw: string | Buffer): void;
  /** Send a binary frame (agent audio). */
  audio(pcm: Buffer): void;
  /** True once the client sent a message of this type. */
  got(type: string): boolean;
  /** Resolves when the client sent a message of this type (or after `timeoutMs`, false). */
  waitFor(type: string, timeoutMs?: number): Promise<boolean>;
  /** Resolves when the socket is closed, whoever closed it. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** True once the socket closed. */
  isClosed(): boolean;
}

/** How the double answers call creation. */
export type CreateBehaviour =
  | {
      kind: 'ok';
      websocketUrl?: (base: string) => string;
      /** The call's `id` in the answer (default `hostile-call-1`; null: none, as Omnia may). */
      id?: string | null;
      /** The answer's `agent.name` (default `Hostile double`). */
      agentName?: string;
    }
  | { kind: 'status'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'hang' };

export interface HostileServerOptions {
  create?: CreateBehaviour;
  /**
   * The call socket's script. Runs once per call. A script that throws (a failed check, a
   * broken step) fails the test: `close()` rejects with its error.
   */
  call?: (call: HostileCall) => void | Promise<void>;
  /** Answer the WebSocket's ping frames (default true; false models a dead peer). */
  answerPings?: boolean;
  /**
   * `hang`: `GET /calls/{id}` (the call's record) is never answered. Default: 410, a refusal
   * the app does not try again (this server keeps no records).
   */
  record?: 'hang';
  /** Told once a call creation was answered (`ok`), as the answer leaves. */
  afterCreate?: () => void;
}

export interface HostileServer {
  readonly baseUrl: string;
  readonly port: number;
  readonly createRequests: CreateRequest[];
  readonly calls: HostileCall[];
  /** What the scripts threw so far; `close()` rejects with them. */
  readonly scriptErrors: unknown[];
  /** Stops the server; rejects when a script threw while it ran, so the test fails. */
  close(): Promise<void>;
}

/** Start a hostile double on 127.0.0.1, port 0. */
export async function startHostileServer(
  options: HostileServerOptions = {},
): Promise<HostileServer> {
  const createRequests: CreateRequest[] = [];
  const calls: HostileCall[] = [];
  const scriptErrors: unknown[] = [];
  const sockets = new Set<Socket>();
  const create = options.create ?? { kind: 'ok' };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (options.record === 'hang' && req.method === 'GET' && req.url?.includes('/calls/')) {
        sockets.add(req.socket);
        return; // never answered: the client gives up or is stopped
      }
      if (req.method === 'GET' && /\/api\/v1\/calls\/[^/]+$/.test(req.url ?? '')) {
        // A refusal for good: a 404 (a record not made yet) is tried again for 20 s.
        res.writeHead(410, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'This test server keeps no call records' }));
        return;
      }
      if (req.method !== 'POST' || !req.url?.endsWith('/api/v1/calls/create')) {
        res.writeHead(404).end('no such route');
        return;
      }
      createRequests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (create.kind === 'hang') return; // never answer: the client must time out
      if (create.kind === 'status') {
        res.writeHead(create.status, { 'content-type': 'text/plain', ...create.headers });
        res.end(create.body);
        return;
      }
      const wsBase = `ws://127.0.0.1:${port}`;
      const url = create.websocketUrl ? create.websocketUrl(wsBase) : `${wsBase}/call/1?t=tok`;
      // As Omnia documents it: 201 and the call record, not just the socket's address.
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ...(create.id === null ? {} : { id: create.id ?? 'hostile-call-1' }),
          websocketUrl: url,
          status: 'created',
          connectionType: 'websocket',
          agent: {
            id: 'x',
            name: create.agentName ?? 'Hostile double',
            description: 'a scripted test server',
          },
          createdAt: new Date().toISOString(),
        }),
      );
      options.afterCreate?.();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({ noServer: true, autoPong: options.answerPings !== false });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const call = wrapCall(ws, socket as Socket);
      calls.push(call);
      Promise.resolve()
        .then(() => options.call?.(call))
        .catch((error: unknown) => scriptErrors.push(error));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    createRequests,
    calls,
    scriptErrors,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Checks inside a script run outside the test's own flow: without this, a failed one
      // would only be collected, and the test would pass.
      const [first, ...more] = scriptErrors.splice(0);
      if (first !== undefined) {
        const message = first instanceof Error ? first.message : String(first);
        const extra = more.length > 0 ? ` (and ${more.length} more)` : '';
        throw new Error(`the scripted server's call script failed${extra}: ${message}`, {
          cause: first,
        });
      }
    },
  };
}

/** The script's view of one accepted call socket (shared with the Omnia double). */
export function wrapCall(ws: WebSocket, socket: Socket): HostileCall {
  const messages: unknown[] = [];
  const audio: Buffer[] = [];
  let audioBytes = 0;
  let closed = false;
  const waiters: Array<() => void> = [];
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const buf = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    if (isBinary) {
      audioBytes += buf.length;
      audio.push(Buffer.from(buf));
      return;
    }
    const text = buf.toString('utf8');
    try {
      messages.push(JSON.parse(text));
    } catch {
      messages.push(text);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  ws.on('error', () => {});
  const closedPromise = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      closed = true;
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, reason: reason.toString() });
    });
  });
  const got = (type: string) =>
    messages.some(
      (m) => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type,
    );
  const sendSafe = (data: string | Buffer, binary: boolean) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(data, { binary });
  };
  return {
    ws,
    socket,
    messages,
    audioBytes: () => audioBytes,
    received: () => {
      // Joined once, so polling scripts do not copy the whole call again on every look.
      if (audio.length > 1) audio.splice(0, audio.length, Buffer.concat(audio));
      return audio[0] ?? Buffer.alloc(0);
    },
    json: (message) => sendSafe(JSON.stringify(message), false),
    text: (raw) => sendSafe(raw, false),
    audio: (pcm) => sendSafe(pcm, true),
    got,
    waitFor: (type, timeoutMs = 10_000) =>
      new Promise<boolean>((resolve) => {
        const deadline = setTimeout(() => resolve(got(type)), timeoutMs);
        const check = () => {
          if (got(type) || closed) {
            clearTimeout(deadline);
            resolve(got(type));
          } else waiters.push(check);
        };
        check();
      }),
    closed: closedPromise,
    isClosed: () => closed,
  };
}

/** Wait `ms` (scripts pace themselves; tests poll instead). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A final agent transcript turn. */
export function agentSays(ordinal: number, text: string): Record<string, unknown> {
  return { type: 'transcript', role: 'agent', medium: 'voice', ordinal, text, final: true };
}

/**
 * A call that answers as Omnia documents it (a pong echoing each ping's timestamp, and WebSocket
 * pongs), says a turn, freezes until `thaw` resolves (as `kill -STOP` does: nothing read or sent,
 * the socket open), then answers again and says another turn; `thenClose` ends the call after.
 */
export function freezingCall(
  thaw: () => Promise<void>,
  thenClose = false,
): { call: (call: HostileCall) => Promise<void>; frozeAt: () => number } {
  let frozeAt = 0;
  return {
    frozeAt: () => frozeAt,
    call: async (call) => {
      answerJsonPings(call);
      call.json({ type: 'state', state: 'listening' });
      call.json(agentSays(1, 'before the freeze'));
      await pause(2_500);
      call.socket.pause();
      frozeAt = Date.now();
      await thaw();
      call.socket.resume();
      await pause(1_500);
      call.json(agentSays(2, 'after the freeze'));
      if (!thenClose) return;
      await pause(300);
      call.ws.close(1000);
    },
  };
}

/** As Omnia documents it: each JSON `ping` the client sends answered by a `pong` echoing its timestamp. */
export function answerJsonPings(call: HostileCall): void {
  call.ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const msg = JSON.parse(String(data)) as { type?: string; timestamp?: number };
    if (msg.type === 'ping') call.json({ type: 'pong', timestamp: msg.timestamp });
  });
}

/** A server that says one turn ("a turn before the stop") and never answers for the record. */
export function recordlessServer(): Promise<HostileServer> {
  return startHostileServer({
    record: 'hang',
    call: (call) => call.json(agentSays(1, 'a turn before the stop')),
  });
}
