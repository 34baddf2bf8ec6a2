import { once } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import type { ServerMessage } from '../../source/protocol/messages.js';
import {
  CallConnection,
  type CallConnectionOptions,
  RTT_BUSY_DISCARD_MS,
} from '../../source/session/connection.js';

/** Polls `check` until it stops throwing (generous timeout; the machine is shared). */
async function waitFor<T>(check: () => T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

interface TestServer {
  url: string;
  wss: WebSocketServer;
  /** The server side of the most recent connection. */
  socket(): WebSocket;
  /** Every text frame the server received, parsed. */
  received: Array<Record<string, unknown>>;
  /** Binary frames the server received. */
  audio: Buffer[];
  closes: Array<{ code: number; reason: string }>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function startServer(
  onText?: (msg: Record<string, unknown>, ws: WebSocket) => void,
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await once(wss, 'listening');
  const server: TestServer = {
    url: `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/call`,
    wss,
    socket: () => {
      const last = [...wss.clients].at(-1);
      if (!last) throw new Error('no client yet');
      return last;
    },
    received: [],
    audio: [],
    closes: [],
  };
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        server.audio.push(data as Buffer);
        return;
      }
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      server.received.push(msg);
      onText?.(msg, ws);
    });
    ws.on('close', (code, reason) => server.closes.push({ code, reason: String(reason) }));
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  return server;
}

interface Recorded {
  conn: CallConnection;
  messages: ServerMessage[];
  invalid: string[];
  unknown: string[];
  audio: Buffer[];
  rtt: number[];
  errors: string[];
  closes: Array<{ code: number; reason: string; byUs: boolean }>;
}

function record(url: string, options: CallConnectionOptions = {}): Recorded {
  // Pings are slow by default so they stay out of the way unless a test wants them.
  const conn = new CallConnection(url, { pingIntervalMs: 60_000, ...options });
  const r: Recorded = {
    conn,
    messages: [],
    invalid: [],
    unknown: [],
    audio: [],
    rtt: [],
    errors: [],
    closes: [],
  };
  conn.on('message', (m) => r.messages.push(m));
  conn.on('invalid', (reason) => r.invalid.push(reason));
  conn.on('unknown', (type) => r.unknown.push(type));
  conn.on('audio', (pcm) => r.audio.push(Buffer.from(pcm)));
  conn.on('rtt', (ms) => r.rtt.push(ms));
  conn.on('error', (m) => r.errors.push(m));
  conn.on('close', (code, reason, byUs) => r.closes.push({ code, reason, byUs }));
  cleanups.push(() => conn.close());
  return r;
}

function samples(count: number): Buffer {
  const buf = Buffer.alloc(count * 2);
  for (let i = 0; i < count; i++) buf.writeInt16LE(((i * 7919) % 65536) - 32768, i * 2);
  return buf;
}

describe('CallConnection', () => {
  it('delivers agent audio split at odd byte offsets as whole samples equal to what was sent', async () => {
    const server = await startServer();
    const r = record(server.url);
    await r.conn.connect();
    expect(r.conn.isOpen).toBe(true);
    const sent = samples(4801);
    const cuts = [0, 1, 4, 7, 8, 1001, 1002, 3333, 5000, 9601, sent.length];
    const ws = await waitFor(() => server.socket());
    for (let i = 1; i < cuts.length; i++) ws.send(sent.subarray(cuts[i - 1], cuts[i]));
    await waitFor(() => expect(Buffer.concat(r.audio).length).toBe(sent.length));
    for (const chunk of r.audio) expect(chunk.length % 2).toBe(0);
    expect(Buffer.concat(r.audio)).toEqual(sent);
  });

  it('sends mic audio as binary frames, and drops it silently when not open', async () => {
    const server = await startServer();
    const r = record(server.url);
    expect(() => r.conn.sendAudio(samples(10))).not.toThrow();
    expect(r.conn.droppedAudioBytes).toBe(20);
    await r.conn.connect();
    r.conn.sendAudio(samples(480));
    await waitFor(() => expect(Buffer.concat(server.audio)).toEqual(samples(480)));
    r.conn.close();
    await r.conn.whenClosed;
    expect(() => r.conn.sendAudio(samples(10))).not.toThrow();
    expect(r.conn.send({ type: 'set_output_medium', medium: 'text' })).toBe(false);
  });

  it('reports junk, unknown types and missing fields, and stays open', async () => {
    const server = await startServer();
    const r = record(server.url);
    await r.conn.connect();
    const ws = await waitFor(() => server.socket());
    ws.send('this is not json');
    ws.send('{"type":"call_event","x":1}');
    ws.send('{"type":"transcript","role":"agent","text":"no ordinal"}');
    ws.send('[1,2,3]');
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }); // invalid UTF-8
    ws.send(JSON.stringify({ type: 'debug', message: 'x'.repeat(2 * 1024 * 1024) }));
    ws.send('{"type":"state","state":"thinking"}');
    await waitFor(() => expect(r.messages).toEqual([{ type: 'state', state: 'thinking' }]));
    expect(r.unknown).toEqual(['call_event']);
    expect(r.invalid).toHaveLength(5);
    expect(r.invalid[0]).toMatch(/not valid JSON/);
    expect(r.invalid[1]).toBe('transcript: "ordinal" expected a number, it is missing');
    expect(r.invalid[2]).toMatch(/expected a JSON object/);
    expect(r.invalid[4]).toMatch(/^text frame of 2\.0 MiB exceeds the 1\.0 MiB limit$/);
    expect(r.conn.isOpen).toBe(true);
    expect(r.closes).toEqual([]);
  });

  it('keeps going when a listener throws', async () => {
    const server = await startServer();
    const r = record(server.url);
    let calls = 0;
    r.conn.on('message', () => {
      calls += 1;
      throw new Error('listener bug');
    });
    await r.conn.connect();
    const ws = await waitFor(() => server.socket());
    ws.send('{"type":"state","state":"idle"}');
    ws.send('{"type":"state","state":"speaking"}');
    await waitFor(() => expect(calls).toBe(2));
    expect(r.errors[0]).toMatch(/listener bug/);
    expect(r.conn.isOpen).toBe(true);
  });

  it('resets sample alignment on playback_clear_buffer', async () => {
    const server = await startServer();
    const r = record(server.url);
    await r.conn.connect();
    const ws = await waitFor(() => server.socket());
    ws.send(Buffer.from([1, 2, 3]));
    ws.send('{"type":"playback_clear_buffer"}');
    ws.send(samples(2));
    await waitFor(() => expect(r.audio).toHaveLength(2));
    expect(r.audio[0]).toEqual(Buffer.from([1, 2]));
    expect(r.audio[1]).toEqual(samples(2));
    expect(r.messages).toEqual([{ type: 'playback_clear_buffer' }]);
  });

  it('measures round-trip time from ping/pong and ignores pongs it never asked for', async () => {
    const server = await startServer((msg, ws) => {
      if (msg.type !== 'ping') return;
      ws.send(JSON.stringify({ type: 'pong', timestamp: 12345.678 }));
      ws.send(JSON.stringify({ type: 'pong', timestamp: msg.timestamp }));
    });
    const r = record(server.url, { pingIntervalMs: 50 });
    await r.conn.connect();
    await waitFor(() => expect(r.rtt.length).toBeGreaterThanOrEqual(2));
    const ping = server.received.find((m) => m.type === 'ping');
    expect(ping?.timestamp).toBeTypeOf('number');
    // Float seconds of the wall clock.
    expect(Math.abs((ping?.timestamp as number) - Date.now() / 1000)).toBeLessThan(60);
    // Only the echoed pongs count: one rtt per ping answered, each plausible.
    const pings = server.received.filter((m) => m.type === 'ping').length;
    expect(r.rtt.length).toBeLessThanOrEqual(pings);
    for (const ms of r.rtt) expect(ms).toBeGreaterThanOrEqual(0);
    for (const ms of r.rtt) expect(ms).toBeLessThan(10_000);
    expect(r.conn.lastRttMs).toBe(r.rtt.at(-1));
  });

  it('does not report a round trip the app itself held up, and measures again soon', async () => {
    // The server answers every ping at once; the app stalls right after its first ping (as
    // loading the full-screen UI does when the socket opens), so that pong waits for the app.
    const server = await startServer((msg, ws) => {
      if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong', timestamp: msg.timestamp }));
    });
    // Pings a minute apart: only the first ping, and the quick retry after a discarded one.
    const r = record(server.url, { pingIntervalMs: 60_000 });
    await r.conn.connect();
    const stallUntil = performance.now() + RTT_BUSY_DISCARD_MS * 4;
    while (performance.now() < stallUntil) {
      // busy: the pong is in the socket, unread
    }
    await waitFor(() => expect(r.rtt.length).toBe(1), 2_000);
    // The one figure reported is the retry's, on a loopback socket: nowhere near the stall.
    expect(r.rtt[0]).toBeLessThan(RTT_BUSY_DISCARD_MS);
    expect(server.received.filter((m) => m.type === 'ping')).toHaveLength(2);
  });

  it('still reports a slow network while the app was somewhat busy', async () => {
    // The server takes 300 ms to answer; the app is busy for 80 ms of that round trip.
    const server = await startServer((msg, ws) => {
      if (msg.type !== 'ping') return;
      setTimeout(() => ws.send(JSON.stringify({ type: 'pong', timestamp: msg.timestamp })), 300);
    });
    const r = record(server.url, { pingIntervalMs: 60_000 });
    await r.conn.connect();
    const stallUntil = performance.now() + 80;
    while (performance.now() < stallUntil) {
      // busy for less than half of the round trip
    }
    await waitFor(() => expect(r.rtt.length).toBe(1), 2_000);
    expect(r.rtt[0]).toBeGreaterThanOrEqual(290);
  });

  it('treats a server that stops answering as lost (1006, "no answer")', async () => {
    const server = await startServer();
    const r = record(server.url, { pingIntervalMs: 50, pongTimeoutMs: 400 });
    await r.conn.connect();
    // The server stops reading: no pongs, no messages, no WebSocket-level pongs either.
    const ws = await waitFor(() => server.socket());
    (ws as unknown as { _socket: net.Socket })._socket.pause();
    await waitFor(() => expect(r.closes).toHaveLength(1));
    expect(r.closes[0]).toEqual({
      code: 1006,
      reason: 'no answer from the server for 0.4 s',
      byUs: false,
    });
    expect(r.conn.isOpen).toBe(false);
  });

  it('says hang_up as it gives up, so a server that still reads ends the call', async () => {
    // The server reads everything but its answers never arrive (a one-way link): no pongs,
    // JSON or WebSocket ones.
    const server = await startServer(undefined, { autoPong: false });
    const r = record(server.url, { pingIntervalMs: 50, pongTimeoutMs: 400 });
    await r.conn.connect();
    await waitFor(() => expect(r.closes).toHaveLength(1));
    expect(r.closes[0]?.reason).toBe('no answer from the server for 0.4 s');
    // Instead of holding the call open (and billed) until its own timeout.
    await waitFor(() => expect(server.received.map((m) => m.type)).toContain('hang_up'));
  });

  it('does not blame the server for the time the app itself was stopped (Ctrl+Z, then fg)', async () => {
    const server = await startServer((msg, ws) => {
      if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong', timestamp: msg.timestamp }));
    });
    const r = record(server.url, { pingIntervalMs: 100, pongTimeoutMs: 500 });
    const quiet: number[] = [];
    r.conn.on('quiet', (idleMs) => quiet.push(idleMs));
    await r.conn.connect();
    await waitFor(() => expect(r.rtt.length).toBeGreaterThanOrEqual(2));
    // The app stops for three times the loss threshold: it sends no ping, and the server,
    // answering only pings, sends nothing.
    const stoppedUntil = performance.now() + 1_500;
    while (performance.now() < stoppedUntil) {
      // stopped
    }
    // Resumed: the pings go on and are answered; the call is neither quiet nor lost.
    const pings = server.received.filter((m) => m.type === 'ping').length;
    await waitFor(() =>
      expect(server.received.filter((m) => m.type === 'ping').length).toBeGreaterThan(pings + 8),
    );
    expect(r.closes).toEqual([]);
    expect(quiet).toEqual([]);
    expect(r.conn.isOpen).toBe(true);
  });

  it('keeps a quiet call alive while the server answers pings', async () => {
    const server = await startServer((msg, ws) => {
      if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong', timestamp: msg.timestamp }));
    });
    const r = record(server.url, { pingIntervalMs: 50, pongTimeoutMs: 1_000 });
    await r.conn.connect();
    // Three timeout periods with nothing but pongs coming back.
    await waitFor(() =>
      expect(server.received.filter((m) => m.type === 'ping').length).toBeGreaterThan(60),
    );
    expect(r.closes).toEqual([]);
    expect(r.conn.isOpen).toBe(true);
  });

  it('warns when the server stops answering pings, and says when it answers again', async () => {
    // Answers as Omnia documents it: a pong echoing each ping's timestamp (and WebSocket pongs).
    const server = await startServer((msg, ws) => {
      if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong', timestamp: msg.timestamp }));
    });
    const r = record(server.url, { pingIntervalMs: 200, pongTimeoutMs: 4_000 });
    const quiet: Array<{ idleMs: number; at: number }> = [];
    const answering: number[] = [];
    r.conn.on('quiet', (idleMs) => quiet.push({ idleMs, at: performance.now() }));
    r.conn.on('answering', (silentMs) => answering.push(silentMs));
    await r.conn.connect();
    expect(r.conn.quietAfterMs).toBe(1_200);
    await waitFor(() => expect(r.rtt.length).toBeGreaterThanOrEqual(3));
    // A healthy quiet call (nothing but pongs) is never called quiet.
    expect(quiet).toEqual([]);
    // The server freezes (as `kill -STOP` does): nothing read, nothing sent, the socket open.
    const raw = (server.socket() as unknown as { _socket: net.Socket })._socket;
    raw.pause();
    const frozenAt = performance.now();
    await waitFor(() => expect(quiet).toHaveLength(1), 5_000);
    // Within the threshold of the last pong (at most one ping interval before the freeze),
    // with a margin for a loaded machine.
    expect(quiet[0]!.idleMs).toBeGreaterThanOrEqual(1_200);
    expect(quiet[0]!.at - frozenAt).toBeLessThan(1_200 + 800);
    expect(answering).toEqual([]);
    raw.resume();
    await waitFor(() => expect(answering).toHaveLength(1), 5_000);
    expect(answering[0]).toBeGreaterThanOrEqual(quiet[0]!.idleMs);
    expect(answering[0]).toBeLessThan(4_000);
    // Pongs again, one warning and one recovery, and the call never counted as lost.
    const rtts = r.rtt.length;
    await waitFor(() => expect(r.rtt.length).toBeGreaterThan(rtts + 2));
    expect(quiet).toHaveLength(1);
    expect(answering).toHaveLength(1);
    expect(r.closes).toEqual([]);
  });

  it('does not call a server quiet while it streams audio, though it answers no ping', async () => {
    // Neither JSON pongs nor WebSocket pongs: only the audio says the server is there.
    const server = await startServer(undefined, { autoPong: false });
    const r = record(server.url, { pingIntervalMs: 200, pongTimeoutMs: 4_000 });
    const quiet: number[] = [];
    r.conn.on('quiet', (idleMs) => quiet.push(idleMs));
    await r.conn.connect();
    const ws = await waitFor(() => server.socket());
    // 2.5 s of audio in 20 ms frames: twice the quiet threshold.
    for (let i = 0; i < 125; i++) {
      ws.send(samples(320));
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(quiet).toEqual([]);
    const stoppedAt = performance.now();
    // Then silence: quiet once the threshold has passed since the last frame.
    await waitFor(() => expect(quiet).toHaveLength(1), 5_000);
    expect(quiet[0]).toBeGreaterThanOrEqual(1_200);
    expect(performance.now() - stoppedAt).toBeLessThan(1_200 + 800);
    expect(r.closes).toEqual([]);
  });

  it('reports close codes and reasons from the server', async () => {
    const server = await startServer();
    const r = record(server.url);
    await r.conn.connect();
    (await waitFor(() => server.socket())).close(4003, 'agent \u001b[31mnot found');
    await waitFor(() => expect(r.closes).toHaveLength(1));
    expect(r.closes[0]).toEqual({ code: 4003, reason: 'agent not found', byUs: false });

    const r2 = record(server.url);
    await r2.conn.connect();
    const second = await waitFor(() => {
      expect(server.wss.clients.size).toBe(1);
      return server.socket();
    });
    second.close(1000, 'call ended');
    await waitFor(() =>
      expect(r2.closes).toEqual([{ code: 1000, reason: 'call ended', byUs: false }]),
    );
  });

  it('hangUp sends hang_up, then closes with 1000', async () => {
    const server = await startServer();
    const r = record(server.url);
    await r.conn.connect();
    await r.conn.hangUp('Goodbye!');
    expect(server.received.filter((m) => m.type !== 'ping')).toEqual([
      { type: 'hang_up', message: 'Goodbye!' },
    ]);
    await waitFor(() => expect(server.closes).toHaveLength(1));
    expect(server.closes[0]?.code).toBe(1000);
    expect(r.closes).toEqual([{ code: 1000, reason: 'hang up', byUs: true }]);
    expect(r.conn.isOpen).toBe(false);
    // Safe to call again.
    await r.conn.hangUp();
  });

  it('hangUp gives up on a server that never completes the close, after the timeout', async () => {
    const server = await startServer();
    const r = record(server.url);
    await r.conn.connect();
    const ws = await waitFor(() => server.socket());
    (ws as unknown as { _socket: net.Socket })._socket.pause();
    await r.conn.hangUp(undefined, 200);
    expect(r.conn.isOpen).toBe(false);
    expect(r.closes).toHaveLength(1);
    expect(r.closes[0]?.byUs).toBe(true);
  });
});

describe('CallConnection.connect failures', () => {
  it('says the connection was refused, without the URL query (it may carry a token)', async () => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const conn = new CallConnection(`ws://127.0.0.1:${port}/call?token=SECRET123`);
    const err = await conn.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe(`connection refused by 127.0.0.1:${port}`);
    expect(err?.message).not.toContain('SECRET123');
  });

  it('times out when the server never answers the upgrade, and lets go of the socket', async () => {
    let serverSideClosed = false;
    // Accepts TCP, reads the upgrade request, never answers it.
    const silent = net.createServer((socket) => {
      socket.resume();
      socket.on('close', () => {
        serverSideClosed = true;
      });
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          silent.close(() => r());
        }),
    );
    const port = (silent.address() as net.AddressInfo).port;
    const conn = new CallConnection(`ws://127.0.0.1:${port}/`, { connectTimeoutMs: 300 });
    await expect(conn.connect()).rejects.toThrow(
      `timed out after 0.3 s connecting to 127.0.0.1:${port}`,
    );
    expect(conn.isOpen).toBe(false);
    await waitFor(() => expect(serverSideClosed).toBe(true));
  });

  it('names the HTTP status when the upgrade is refused', async () => {
    const server = await startServer(undefined, {
      verifyClient: (_info, cb) => cb(false, 403, 'Forbidden'),
    });
    const conn = new CallConnection(server.url);
    await expect(conn.connect()).rejects.toThrow(/refused the call socket: HTTP 403 Forbidden$/);
  });

  it('says it was a TLS problem when wss meets a server without TLS', async () => {
    const server = await startServer();
    const conn = new CallConnection(server.url.replace('ws://', 'wss://'));
    await expect(conn.connect()).rejects.toThrow(/^TLS error connecting to 127\.0\.0\.1:\d+: /);
  });

  it('close() while connecting cancels the attempt', async () => {
    const server = await startServer();
    const conn = new CallConnection(server.url);
    const opening = conn.connect();
    conn.close();
    await expect(opening).rejects.toThrow(/^connecting to 127\.0\.0\.1:\d+ was cancelled$/);
    await conn.whenClosed;
    expect(conn.isOpen).toBe(false);
  });

  it('rejects a malformed URL without echoing it', async () => {
    const conn = new CallConnection('http//nope?key=SECRET');
    const err = await conn.connect().catch((e: Error) => e);
    expect(String(err)).not.toContain('SECRET');
    expect(String(err)).toMatch(/not a valid ws:\/\/ or wss:\/\/ URL/);
  });
});
