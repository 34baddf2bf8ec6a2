/**
 * A bench-only Omnia-compatible server whose agent follows a fixed script, so a benchmark knows
 * exactly what was sent and when: REST call creation, then a WebSocket that carries agent audio
 * and JSON messages. Two scripts:
 *
 * - `burst-clear`: 3 s of tone in one burst, `playback_clear_buffer` 1 s after the first audio,
 *   then a normal close. For the end-to-end barge-in figure.
 * - `half-speaking`: cycles of `cycleMs`; in the first half the agent speaks (audio paced at
 *   real time in 20 ms frames, a transcript delta every 150 ms), in the second half it listens
 *   (one final user turn per cycle). For the whole-app CPU figure.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type WebSocket, WebSocketServer } from 'ws';

/** Which script the agent follows. */
export type AgentScript =
  | { kind: 'burst-clear'; burstMs: number; clearAfterMs: number }
  | { kind: 'half-speaking'; cycleMs: number }
  | { kind: 'replay'; agentTurns: number; audioPerTurnMs: number }
  | { kind: 'idle' };

/** What the server saw of one call, with times from `performance.timeOrigin`-based epoch ms. */
export interface ScriptedCall {
  /** Epoch ms (fractional) when the WebSocket was accepted. */
  joinedAt?: number;
  /** Epoch ms (fractional) when the first user audio arrived (the client's player has started). */
  firstClientAudioAt?: number;
  /** Epoch ms (fractional) when the first agent audio was sent. */
  firstAudioAt?: number;
  /** Epoch ms (fractional) when `playback_clear_buffer` was sent. */
  clearAt?: number;
  /** Client JSON messages, parsed. */
  readonly clientMessages: Array<Record<string, unknown>>;
  /** Every binary (mic) frame received, in order: for mic latency and audio-per-second. */
  readonly micFrames: MicFrame[];
  /** Epoch ms spans in which the agent spoke (`half-speaking`); `to` unset while it speaks. */
  readonly speaking: Array<{ from: number; to?: number }>;
  closed: boolean;
}

/** One binary frame of user audio as the server received it. */
export interface MicFrame {
  /** Epoch ms (fractional) of arrival. */
  readonly at: number;
  readonly bytes: number;
  /** Largest absolute sample in the frame (s16le). */
  readonly peak: number;
}

/** Where and how the bench server listens (default: plain HTTP on 127.0.0.1, any port). */
export interface ScriptedAgentOptions {
  /** Serve HTTPS and WSS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string; readonly cert: string };
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (default: any free one). */
  readonly port?: number;
  /** Host name put into `baseUrl` and the `websocketUrl` it hands out (default: the address). */
  readonly publicHost?: string;
}

export interface ScriptedAgent {
  readonly baseUrl: string;
  readonly calls: ScriptedCall[];
  close(): Promise<void>;
}

/** Epoch ms with sub-ms resolution, comparable across processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

const RATE = 48_000;
const FRAME_MS = 20;
const WORDS = 'sure here is a longer answer so that the transcript keeps streaming while I talk'
  .split(' ')
  .map((w) => `${w} `);

/** A tone with no zero samples (the barge-in bench looks for the last non-zero sample). */
export function toneFrame(ms: number, rate = RATE, freqHz = 440): Buffer {
  const n = Math.round((ms * rate) / 1000);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const v = Math.round(8_000 * Math.sin((2 * Math.PI * freqHz * i) / rate));
    b.writeInt16LE(v === 0 ? 1 : v, i * 2);
  }
  return b;
}

/** Largest absolute sample of s16le PCM (an odd trailing byte is ignored). */
export function peakOf(pcm: Buffer): number {
  // A typed view needs an even offset; a frame sliced from a larger buffer may not have one.
  const aligned = pcm.byteOffset % 2 === 0 ? pcm : Buffer.from(pcm);
  const samples = new Int16Array(aligned.buffer, aligned.byteOffset, aligned.length >> 1);
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (v > peak) peak = v;
    else if (-v > peak) peak = -v;
  }
  return peak;
}

export async function startScriptedAgent(
  script: AgentScript,
  options: ScriptedAgentOptions = {},
): Promise<ScriptedAgent> {
  const calls: ScriptedCall[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const scheme = options.tls ? 'https' : 'http';
  const host = options.host ?? '127.0.0.1';
  const urlHost = () => {
    const { port } = server.address() as AddressInfo;
    const name = options.publicHost ?? host;
    return port === (options.tls ? 443 : 80) ? name : `${name}:${port}`;
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/api/v1/calls/create')) {
      res.writeHead(404).end();
      return;
    }
    req.resume();
    req.on('end', () => {
      const id = `bench-${calls.length + 1}`;
      const ws = options.tls ? 'wss' : 'ws';
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, websocketUrl: `${ws}://${urlHost()}/calls/${id}` }));
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : createHttpServer(onRequest);
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const call: ScriptedCall = {
        joinedAt: epochMs(),
        clientMessages: [],
        micFrames: [],
        speaking: [],
        closed: false,
      };
      calls.push(call);
      runScript(ws, call, script);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  return {
    baseUrl: `${scheme}://${urlHost()}`,
    calls,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function runScript(ws: WebSocket, call: ScriptedCall, script: AgentScript): void {
  const timers: NodeJS.Timeout[] = [];
  const send = (msg: Record<string, unknown>) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      const at = epochMs();
      call.firstClientAudioAt ??= at;
      const pcm = data as Buffer;
      call.micFrames.push({ at, bytes: pcm.length, peak: peakOf(pcm) });
      return;
    }
    try {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      call.clientMessages.push(msg);
      if (msg.type === 'ping') send({ type: 'pong', timestamp: msg.timestamp });
      if (msg.type === 'hang_up') ws.close(1000, 'bye');
    } catch {
      // Junk from a client is not this bench's business.
    }
  });
  ws.on('close', () => {
    call.closed = true;
    for (const t of timers) clearTimeout(t);
  });
  send({ type: 'call_started', callId: 'bench' });
  send({ type: 'state', state: 'listening' });

  if (script.kind === 'burst-clear') {
    send({ type: 'state', state: 'speaking' });
    const frame = toneFrame(FRAME_MS);
    call.firstAudioAt = epochMs();
    for (let ms = 0; ms < script.burstMs; ms += FRAME_MS) ws.send(frame);
    timers.push(
      setTimeout(() => {
        call.clearAt = epochMs();
        send({ type: 'playback_clear_buffer' });
        send({ type: 'state', state: 'listening' });
        timers.push(setTimeout(() => ws.close(1000, 'script done'), 400));
      }, script.clearAfterMs),
    );
  } else if (script.kind === 'replay') {
    void replay(ws, send, script.agentTurns, script.audioPerTurnMs);
  } else if (script.kind === 'half-speaking') {
    halfSpeaking(ws, call, send, timers, script.cycleMs);
  }
}

/** Speak for half of every cycle at real-time pace with streaming transcript, listen for the rest. */
function halfSpeaking(
  ws: WebSocket,
  call: ScriptedCall,
  send: (msg: Record<string, unknown>) => void,
  timers: NodeJS.Timeout[],
  cycleMs: number,
): void {
  const frame = toneFrame(FRAME_MS);
  let ordinal = 0;
  const cycle = () => {
    if (ws.readyState !== ws.OPEN) return;
    const agentOrdinal = ordinal++;
    const started = performance.now();
    let words = 0;
    let framesSent = 0;
    const span: { from: number; to?: number } = { from: epochMs() };
    call.speaking.push(span);
    send({ type: 'state', state: 'speaking' });
    const audio = setInterval(() => {
      // Paced by elapsed time, not by the timer count, so a late timer does not stretch speech.
      const due = Math.min(
        Math.floor((performance.now() - started) / FRAME_MS) + 1,
        cycleMs / 2 / FRAME_MS,
      );
      for (; framesSent < due; framesSent++) if (ws.readyState === ws.OPEN) ws.send(frame);
    }, FRAME_MS);
    const text = setInterval(() => {
      send({
        type: 'transcript',
        role: 'agent',
        medium: 'voice',
        delta: WORDS[words++ % WORDS.length],
        final: false,
        ordinal: agentOrdinal,
      });
    }, 150);
    timers.push(audio, text);
    timers.push(
      setTimeout(() => {
        clearInterval(audio);
        clearInterval(text);
        span.to = epochMs();
        send({
          type: 'transcript',
          role: 'agent',
          medium: 'voice',
          delta: '',
          final: true,
          ordinal: agentOrdinal,
        });
        send({ type: 'state', state: 'listening' });
        send({
          type: 'transcript',
          role: 'user',
          medium: 'voice',
          text: `(user turn ${agentOrdinal})`,
          final: true,
          ordinal: ordinal++,
        });
      }, cycleMs / 2),
    );
    timers.push(setTimeout(cycle, cycleMs));
  };
  cycle();
}

/**
 * A long call compressed: per agent turn, its audio and ten transcript deltas as fast as the
 * socket takes them, then a user turn that barges in (clear). Yields between turns so the
 * client keeps up, as a real server's pacing would make it.
 */
async function replay(
  ws: WebSocket,
  send: (msg: Record<string, unknown>) => void,
  agentTurns: number,
  audioPerTurnMs: number,
): Promise<void> {
  const frame = toneFrame(FRAME_MS);
  let ordinal = 0;
  for (let turn = 0; turn < agentTurns && ws.readyState === ws.OPEN; turn++) {
    const agentOrdinal = ordinal++;
    send({ type: 'state', state: 'speaking' });
    for (let ms = 0; ms < audioPerTurnMs; ms += FRAME_MS) ws.send(frame);
    for (let w = 0; w < 10; w++) {
      send({
        type: 'transcript',
        role: 'agent',
        medium: 'voice',
        delta: WORDS[w],
        final: w === 9,
        ordinal: agentOrdinal,
      });
    }
    send({ type: 'debug', message: `turn ${turn} done` });
    send({ type: 'playback_clear_buffer' });
    send({ type: 'state', state: 'listening' });
    send({
      type: 'transcript',
      role: 'user',
      medium: 'voice',
      text: `(user turn ${turn})`,
      final: true,
      ordinal: ordinal++,
    });
    while (ws.bufferedAmount > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  ws.close(1000, 'replay done');
}
