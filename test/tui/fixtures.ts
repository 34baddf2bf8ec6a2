/**
 * What the terminal tests run against: the local agent in the test process (so its records show
 * what the app sent), a temporary HOME, a loud WAV for the mic, and a TCP proxy that can hold
 * the agent's replies back (to keep a hang-up pending).
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  type LocalAgent,
  type LocalAgentOptions,
  startLocalAgent,
} from '../../source/local-agent/index.js';
import { CLI_PATH, cliEnv, tempDir, writeTemp } from '../helpers/cli.js';
import { monoWav, tone } from '../helpers/signal.js';
import { shQuote, startTui, type Tui } from './tmux.js';

/** A call set up for one test. */
export interface CallFixture {
  readonly agent: LocalAgent;
  readonly home: string;
  /** Arguments pointing the app at the agent. */
  readonly args: string[];
  /** The app's environment: temporary HOME, a random test key, no colour unless asked. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
}

/** Starts an agent (tone voice: deterministic and cheap) and returns what the app needs. */
export async function startCall(options: LocalAgentOptions = {}): Promise<CallFixture> {
  const agent = await startLocalAgent({ voice: 'tone', ...options });
  const home = tempDir('omnia-tui-');
  const key = `test-key-${randomBytes(6).toString('hex')}`;
  return {
    agent,
    home,
    args: ['--api-base', agent.baseUrl, '--agent', 'demo'],
    env: (extra = {}) => cliEnv(home, { OMNIA_API_KEY: key, TERM: 'screen', ...extra }),
  };
}

/** Bytes per second of the call's audio at the default 48 kHz s16 mono. */
export const CALL_BYTES_PER_S = 48_000 * 2;

/** A mono 16 kHz WAV holding a loud 440 Hz tone (about −9 dBFS RMS), long enough for a test. */
export function loudToneWav(dir: string, seconds = 60): string {
  const rate = 16_000;
  const pcm = tone(440, seconds * 1000, rate, 0.5);
  return writeTemp(dir, 'loud-tone.wav', monoWav(pcm, rate));
}

/** Largest absolute sample in an s16le block. */
export function peak(pcm: Buffer): number {
  let max = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) max = Math.max(max, Math.abs(pcm.readInt16LE(i)));
  return max;
}

/**
 * A TCP proxy on 127.0.0.1 in front of the agent. `holdReplies()` stops forwarding the agent's
 * bytes to the app (the app's bytes still reach the agent), as a slow server would;
 * `releaseReplies()` delivers what was held and forwards again.
 */
export interface HoldingProxy {
  readonly baseUrl: string;
  holdReplies(): void;
  releaseReplies(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(targetPort: number): Promise<HoldingProxy> {
  let holding = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (holding) held.push(() => client.write(chunk));
      else client.write(chunk);
    });
    const end = () => {
      if (!holding) {
        client.destroy();
        upstream.destroy();
        return;
      }
      // Released later: after the held bytes, so end (flush) rather than destroy.
      held.push(() => {
        client.end();
        upstream.destroy();
      });
    };
    client.on('close', () => upstream.destroy());
    upstream.on('close', end);
    client.on('error', () => upstream.destroy());
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    holdReplies: () => {
      holding = true;
    },
    releaseReplies: () => {
      holding = false;
      for (const deliver of held.splice(0)) deliver();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A TCP proxy on 127.0.0.1 in front of the agent's REST API that can hold the requests that
 * create calls (`POST`), as a slow server would: the call stays `creating` until
 * `releaseCreates()`. Everything else (the call record, a keep-alive connection's other
 * requests) goes through.
 */
export interface CreateHoldingProxy {
  readonly baseUrl: string;
  holdCreates(): void;
  releaseCreates(): void;
  /** How many requests that create a call are held now. */
  readonly held: number;
  close(): Promise<void>;
}

export async function startCreateHoldingProxy(targetPort: number): Promise<CreateHoldingProxy> {
  let holding = false;
  const waiting = new Set<() => void>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    // Once a POST is held, what follows on its connection waits behind it, in order.
    let queue: Buffer[] | undefined;
    client.on('data', (chunk: Buffer) => {
      if (queue) {
        queue.push(chunk);
        return;
      }
      if (holding && chunk.subarray(0, 5).toString('latin1') === 'POST ') {
        const held: Buffer[] = [chunk];
        queue = held;
        const release = () => {
          waiting.delete(release);
          queue = undefined;
          for (const part of held) upstream.write(part);
        };
        waiting.add(release);
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    holdCreates: () => {
      holding = true;
    },
    releaseCreates: () => {
      holding = false;
      for (const release of [...waiting]) release();
    },
    get held() {
      return waiting.size;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An interactive bash in a tmux pane (job control: Ctrl+Z, `&`, `bg`, `fg` as a user has them),
 * and the app's command line for the call, with `extra` options, to type into it.
 */
export async function shellForApp(
  fixture: CallFixture,
  extra: string[],
  size: { width?: number; height?: number } = {},
): Promise<{ tui: Tui; command: string }> {
  const tui = await startTui({
    args: [],
    env: fixture.env(),
    cwd: fixture.home,
    ...size,
    shell: () => 'bash --norc -i',
  });
  const command = ['node', CLI_PATH, ...fixture.args, ...extra].map(shQuote).join(' ');
  return { tui, command };
}
