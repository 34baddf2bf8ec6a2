/**
 * One client on a call with the bench server, in a tmux pane of its own (80×24: the app draws its
 * full-screen UI, the example prints its lines): start, wait until the server sees its socket
 * open, measure its process tree over a window, stop it.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  type ProcSample,
  type ProcUse,
  sampleProcess,
  sampleTree,
  totalUse,
  treeUse,
} from '../proc.js';
import { sleep, until } from '../result.js';
import { epochMs, type ScriptedAgent, type ScriptedCall } from '../scripted-agent.js';
import { TmuxSession } from '../tmux.js';
import { type ClientCommand, shellCommand } from './clients.js';

/** Longest wait for a client to open its socket (a cold Python with numpy on a busy machine). */
const JOIN_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ClientSession {
  readonly client: ClientCommand;
  readonly tmux: TmuxSession;
  /** The client's process (the pane's; every wrapper exec's into it). */
  readonly pid: number;
  /** What the server saw of this client's call. */
  readonly call: ScriptedCall;
  /** Spawn (epoch ms) to the server accepting the socket, ms. */
  readonly startToConnectedMs: number;
}

/** What a client and its surroundings used over a window. */
export interface WindowUse {
  readonly wallMs: number;
  /** Every process of the client's tree. */
  readonly processes: readonly ProcUse[];
  readonly cpuPct: number;
  readonly wakeupsPerS: number;
  /** Other processes measured over the same window (the sound server, tmux), by label. */
  readonly others: Readonly<Record<string, ProcUse | undefined>>;
}

/** How often a starting client is asked whether it exited (its socket is looked for every ms). */
const EXIT_CHECK_MS = 100;

/** Start `client` in tmux and wait until `agent` has accepted its socket. */
export async function startClient(
  client: ClientCommand,
  agent: ScriptedAgent,
): Promise<ClientSession> {
  const index = agent.calls.length;
  const t0 = epochMs();
  const tmux = new TmuxSession(shellCommand(client));
  // Whether the client gave up is asked every 100 ms and without blocking: the bench's server
  // shares this event loop, and a synchronous tmux command every millisecond (15 ms each) kept
  // it from answering, which made every start slower and the app's bimodal (docs/performance.md).
  let exited = false;
  let asking = false;
  const watch = setInterval(() => {
    if (asking) return;
    asking = true;
    void tmux.exited().then((dead) => {
      exited ||= dead;
      asking = false;
    });
  }, EXIT_CHECK_MS);
  try {
    await until(() => agent.calls[index]?.joinedAt !== undefined || exited, JOIN_TIMEOUT_MS, 1);
    const call = agent.calls[index];
    if (!call?.joinedAt) throw new Error('it exited before connecting');
    return { client, tmux, pid: tmux.pid(), call, startToConnectedMs: call.joinedAt - t0 };
  } catch (error) {
    const screen = safeScreen(tmux);
    tmux.kill();
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${client.label} did not connect (${why}); its screen: ${screen}`);
  } finally {
    clearInterval(watch);
  }
}

function safeScreen(tmux: TmuxSession): string {
  try {
    return tmux.screen().replace(/\s+/g, ' ').trim().slice(-600);
  } catch {
    return '(gone)';
  }
}

/** The client's tree and `others` (by pid) over `ms` of wall time. */
export async function measureWindow(
  session: ClientSession,
  ms: number,
  others: Readonly<Record<string, number>> = {},
): Promise<WindowUse> {
  const tree0 = sampleTree(session.pid);
  const others0 = sampleOthers(others);
  const t0 = performance.now();
  await sleep(ms);
  const tree1 = sampleTree(session.pid);
  const others1 = sampleOthers(others);
  const wallMs = performance.now() - t0;
  if (!tree1.has(session.pid)) throw new Error(`${session.client.label} exited during the window`);
  const processes = treeUse(tree0, tree1, wallMs);
  const other: Record<string, ProcUse | undefined> = {};
  for (const [label, pid] of Object.entries(others)) {
    const a = others0.get(pid);
    const b = others1.get(pid);
    other[label] =
      a && b ? treeUse(new Map([[pid, a]]), new Map([[pid, b]]), wallMs)[0] : undefined;
  }
  return { wallMs, processes, ...totalUse(processes), others: other };
}

function sampleOthers(others: Readonly<Record<string, number>>): Map<number, ProcSample> {
  const out = new Map<number, ProcSample>();
  for (const pid of Object.values(others)) {
    const s = sampleProcess(pid);
    if (s) out.set(pid, s);
  }
  return out;
}

/**
 * End the call the client's own way (`q` in the app's UI, SIGTERM for the example, which ends its
 * session on it) and wait until every process of its tree has exited.
 */
export async function stopClient(session: ClientSession, how: 'q' | 'SIGTERM'): Promise<void> {
  const pids = [...sampleTree(session.pid).keys()];
  try {
    if (how === 'q') session.tmux.keys('q');
    else process.kill(session.pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  const gone = () => pids.every(exited);
  await until(() => session.tmux.dead() && gone(), STOP_TIMEOUT_MS, 20).catch(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  });
  session.tmux.kill();
}

/** Gone, or a zombie its parent has not reaped yet. */
function exited(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
