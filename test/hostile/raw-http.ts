/**
 * A server on 127.0.0.1, port 0, that answers HTTP requests with raw bytes: malformed
 * HTTP a real HTTP server library would never send (two Content-Lengths, a bad chunk, a cut
 * body), to test what a user reads when a server or a proxy breaks the protocol.
 */
import { type AddressInfo, createServer, type Socket } from 'node:net';

/** What the server does with one request, whose head and body it was given. */
export type RawAnswer = (request: { head: string; body: string }, socket: Socket) => void;

export interface RawServer {
  readonly baseUrl: string;
  readonly host: string;
  /** The heads of the requests received, in order (`POST /api/v1/calls/create HTTP/1.1…`). */
  readonly heads: string[];
  close(): Promise<void>;
}

/** Starts a raw server; `answer` is called once per request, once its body is in. */
export async function startRawServer(answer: RawAnswer): Promise<RawServer> {
  const heads: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString('latin1');
      const length = Number(/^content-length:\s*(\d+)/im.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
      buffered = buffered.subarray(end + 4 + length);
      heads.push(head);
      answer({ head, body }, socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    heads,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `HTTP/1.1 <status>` with `headers` and `body`, the Content-Length its true length unless given. */
export function rawResponse(
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const lines = Object.entries({
    'content-type': 'application/json',
    'content-length': String(bytes.length),
    connection: 'close',
    ...headers,
  })
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status} Status\r\n${lines.join('')}\r\n`), bytes]);
}
