import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { TONE_BEEP_MS, TONE_GAP_MS } from '../../source/local-agent/audio.js';
import {
  type LocalAgent,
  type LocalAgentOptions,
  startLocalAgent,
} from '../../source/local-agent/index.js';

/** Something the test client received, in arrival order. */
export type Received =
  | { readonly kind: 'json'; readonly msg: Record<string, unknown> }
  | { readonly kind: 'audio'; readonly data: Buffer };

/** Polls `check` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface CreateResult {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function createCall(
  agent: LocalAgent,
  body: unknown = { agentId: 'demo', connectionType: 'websocket' },
  headers: Record<string, string> = {},
): Promise<CreateResult> {
  const res = await fetch(`${agent.baseUrl}/api/v1/calls/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A plain `ws` client that records everything the server sends. */
export class TestClient {
  readonly received: Received[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (isBinary) this.received.push({ kind: 'audio', data: Buffer.from(buf) });
      else this.received.push({ kind: 'json', msg: JSON.parse(buf.toString('utf8')) });
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  static async connect(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** Creates a call on `agent` and joins it. */
  static async join(
    agent: LocalAgent,
    rates: { inputSampleRate?: number; outputSampleRate?: number } = {},
  ): Promise<TestClient> {
    const { status, body } = await createCall(agent, {
      agentId: 'demo',
      connectionType: 'websocket',
      websocket: { inputSampleRate: 16_000, outputSampleRate: 24_000, codec: 'pcm', ...rates },
    });
    if (status !== 201) throw new Error(`call creation failed: ${status}`);
    return TestClient.connect(String(body.websocketUrl));
  }

  get messages(): Record<string, unknown>[] {
    return this.received.flatMap((r) => (r.kind === 'json' ? [r.msg] : []));
  }

  /** Index in `received` of the first JSON message after `from` matching `match`. */
  indexOf(match: Partial<Record<string, unknown>>, from = 0): number {
    for (let i = from; i < this.received.length; i++) {
      const r = this.received[i]!;
      if (r.kind !== 'json') continue;
      if (Object.entries(match).every(([k, v]) => r.msg[k] === v)) return i;
    }
    return -1;
  }

  /** Waits for a JSON message matching `match` after index `from`; returns its index. */
  async waitForMessage(
    match: Partial<Record<string, unknown>>,
    from = 0,
    timeoutMs = 10_000,
  ): Promise<number> {
    return waitFor(
      () => {
        const i = this.indexOf(match, from);
        return i >= 0 ? i : undefined;
      },
      `message ${JSON.stringify(match)}`,
      timeoutMs,
    );
  }

  /** Audio frames received between two indices of `received`. */
  audioBetween(from: number, to = this.received.length): Buffer[] {
    return this.received.slice(from, to).flatMap((r) => (r.kind === 'audio' ? [r.data] : []));
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendAudio(pcm: Buffer): void {
    this.ws.send(pcm, { binary: true });
  }

  /** Sends PCM in 20 ms frames, yielding to the event loop now and then. */
  async sendFrames(pcm: Buffer, sampleRate: number): Promise<void> {
    const frameBytes = (sampleRate / 50) * 2;
    for (let i = 0; i < pcm.length; i += frameBytes) {
      this.sendAudio(pcm.subarray(i, i + frameBytes));
      if ((i / frameBytes) % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const done = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close(1000);
    await done;
  }
}

/** A sine at `dbfs` peak, like a voice for an energy detector. */
export function tone(ms: number, sampleRate: number, dbfs = -12, hz = 440): Buffer {
  const n = Math.round((sampleRate * ms) / 1000);
  const amp = 10 ** (dbfs / 20) * 32_767;
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    out.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / sampleRate) * amp), i * 2);
  }
  return out;
}

export function silence(ms: number, sampleRate: number): Buffer {
  return Buffer.alloc(Math.round((sampleRate * ms) / 1000) * 2);
}

/** Peak absolute sample of reassembled s16le audio. */
export function peakOf(pcm: Buffer): number {
  let peak = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
  return peak;
}

/** Concatenated agent transcript text for an ordinal, as a client would build it. */
export function agentText(messages: Record<string, unknown>[], ordinal: number): string {
  let text = '';
  for (const m of messages) {
    if (m.type !== 'transcript' || m.ordinal !== ordinal) continue;
    if (typeof m.text === 'string') text = m.text;
    else if (typeof m.delta === 'string') text += m.delta;
  }
  return text;
}

/** Rates the voice-turn tests call with (different, so rate handling is exercised). */
export const IN_RATE = 16_000;
export const OUT_RATE = 24_000;

/**
 * A `join(options)` for one test file: starts a tone-voice agent and a client on it, and closes
 * both after each test.
 */
export function agentFixture(): (options?: LocalAgentOptions) => Promise<TestClient> {
  const agents: LocalAgent[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(agents.splice(0).map((a) => a.close()));
  });
  return async (options = {}) => {
    const agent = await startLocalAgent({ voice: 'tone', ...options });
    agents.push(agent);
    const client = await TestClient.join(agent, {
      inputSampleRate: IN_RATE,
      outputSampleRate: OUT_RATE,
    });
    clients.push(client);
    return client;
  };
}

/** Bytes of tone-voice audio for a reply of `words` words at OUT_RATE. */
export function toneBytes(words: number): number {
  return words * Math.round((OUT_RATE * (TONE_BEEP_MS + TONE_GAP_MS)) / 1000) * 2;
}
export const wordCount = (text: string): number => text.split(/\s+/).length;

/** Waits until the greeting has finished playing (the agent is listening again). */
export async function afterGreeting(client: TestClient): Promise<number> {
  const speaking = await client.waitForMessage({ type: 'state', state: 'speaking' });
  return client.waitForMessage({ type: 'state', state: 'listening' }, speaking);
}
