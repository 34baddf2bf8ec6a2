/**
 * The app and the vendor's example client on a real-time sound server, same run, same scenario
 * (issue 15). A private PulseAudio (`test/helpers/sound-server.ts`: a null sink `speaker`, a mic
 * on a clock whose room is the sink `room`, ALSA's default device its pulse plugin) plays the
 * part of a desktop's sound server:
 *
 * - the bench's TLS server as `dashboard.omnia-voice.com` (`peer/omnia-host.ts`); its agent speaks
 *   half of every 10 s (audio at real-time pace, transcript deltas) and listens the other half;
 * - a voice in the room: a 1 s utterance every 2 s (`peer/room-voice.ts`), which every client
 *   hears through the default source;
 * - what the `speaker` sink plays is read back from `speaker.monitor`;
 * - the app: the built CLI with `--input mic --output speaker` (sox capturing through
 *   node-record-lpcm16's command, the speaker child playing), with its full-screen UI in a tmux
 *   pane 80×24, then again with `--plain` (the UI's share apart);
 * - the example: the guide's code unchanged, its `sounddevice` replaced by a ctypes binding of the
 *   system's PortAudio (`peer/portaudio/sounddevice.py`), on ALSA's default device like the app.
 *
 * Figures, each client over two windows of its own calls: CPU of its process tree (and wake-ups
 * per process), the sound server's CPU meanwhile, the ratios; then, with short readers beside it,
 * mic latency (an utterance's first loud frame at the server beyond a reader of the same mic),
 * mic frame sizes and audio per second at the server, the agent's audio as heard on the sink
 * (turns, gaps inside them); and barge-in (a burst of agent audio, `playback_clear_buffer`, when
 * the sound stops on `speaker.monitor`, read back in 5 ms chunks). `docs/performance.md` says how
 * each is taken and why.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { heardTurns, lastLoudPlayedAt, onsetsHeard } from '../test/helpers/heard.js';
import {
  READER_SETTLE_MS,
  type Recording,
  type SoundServer,
  soundServerAvailable,
  startSoundServer,
} from '../test/helpers/sound-server.js';
import { type MicFigures, micFigures, type OnsetRules, onsetLatencies } from './peer/analysis.js';
import { appClient, type ClientCommand, exampleClient } from './peer/clients.js';
import { type ExampleClient, prepareExample } from './peer/example-client.js';
import {
  OMNIA_HOST,
  type OmniaHost,
  omniaHostUnavailable,
  prepareOmniaHost,
} from './peer/omnia-host.js';
import { RoomVoice } from './peer/room-voice.js';
import {
  type ClientSession,
  measureWindow,
  startClient,
  stopClient,
  type WindowUse,
} from './peer/session.js';
import { type ProcUse, sampleProcess } from './proc.js';
import { type BenchResult, median, printWhenMain, round, sleep, until } from './result.js';
import { epochMs, type ScriptedAgent, startScriptedAgent } from './scripted-agent.js';

const RATE = 48_000;
/** The measured part of each client's call. */
const CALL_MS = 20_000;
/** From the socket opening to the start of the window: start-up work is not the call's cost. */
const WARM_UP_MS = 3_000;
const CYCLE_MS = 10_000;
/**
 * The CPU-phase read-back of the speaker asks for a long latency so that the clients' own
 * requests set how often the speaker sink renders, as on a sound card.
 */
const QUIET_STREAM_LATENCY_MS = 200;
/**
 * The barge-in read-back and the mic-latency reference reader: 5 ms chunks, so the moment a sound
 * stops or starts is known to 5 ms.
 */
const TIMING_READBACK_LATENCY_MS = 5;
/**
 * After the CPU window, how long short readers of the mic and the speaker run beside the client,
 * for mic latency and the agent as heard (two and a half turns of the agent).
 */
const LATENCY_WINDOW_MS = 25_000;
const ONSET_RULES: OnsetRules = {
  loudPeak: 1_500,
  quietMs: 500,
  quietBeforeMs: 400,
  quietAfterMs: 300,
};
const BARGE_IN_RUNS = 3;
/** A frame or a 1 ms window louder than this carries the voice or the agent's tone. */
const LOUD_PEAK = 1_500;
const CPU_RATIO_TARGET = 0.7;
const BARGE_IN_TARGET_MS = 30;

/** Names a process of a client's tree by what it is. */
function roleOf(use: ProcUse, root: number): string {
  if (use.pid === root) return use.comm === 'python3' ? 'python3' : 'app';
  if (use.comm === 'sox') return 'sox';
  const cmdline = readCmdline(use.pid);
  return cmdline.includes('-e') ? 'speaker child' : use.comm;
}

function readCmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** One CPU window of a client: its processes by role, the server and tmux meanwhile. */
interface CpuWindow {
  readonly use: WindowUse;
  readonly roles: Record<string, ProcUse>;
}

interface ClientRun {
  readonly label: string;
  /** One per round; figures are their mean. */
  readonly windows: CpuWindow[];
  readonly mic: MicFigures;
  readonly latenciesMs: number[];
  readonly turnsMs: number[];
  readonly gapsMs: number[];
}

/** A client's CPU over CALL_MS (after its warm-up), the speaker read back meanwhile. */
async function cpuWindow(session: ClientSession, server: SoundServer): Promise<CpuWindow> {
  // A null sink nobody reads runs slow: a long read-back keeps the speaker on time without
  // setting how often it renders.
  const readBack = server.recordSpeaker({ latencyMs: QUIET_STREAM_LATENCY_MS });
  try {
    const use = await measureWindow(session, CALL_MS, {
      server: server.pid,
      tmux: session.tmux.serverPid(),
    });
    const roles: Record<string, ProcUse> = {};
    for (const p of use.processes) roles[roleOf(p, session.pid)] = p;
    return { use, roles };
  } finally {
    await readBack.stop();
  }
}

/** A second CPU window of a client, on a call of its own (round two). */
async function cpuAgain(
  run: ClientRun,
  client: ClientCommand,
  stopHow: 'q' | 'SIGTERM',
  agent: ScriptedAgent,
  server: SoundServer,
): Promise<void> {
  const session = await startClient(client, agent);
  try {
    await sleep(WARM_UP_MS);
    run.windows.push(await cpuWindow(session, server));
  } finally {
    await stopClient(session, stopHow);
  }
}

async function runClient(
  client: ClientCommand,
  stopHow: 'q' | 'SIGTERM',
  agent: ScriptedAgent,
  server: SoundServer,
): Promise<ClientRun> {
  const session = await startClient(client, agent);
  try {
    await sleep(WARM_UP_MS);
    const from = epochMs();
    const window = await cpuWindow(session, server);
    const to = epochMs();
    // Then timing, with short readers (they make the mic and the speaker sink work in 5 ms
    // blocks, so they stay out of the CPU window). Mic latency against a reader of the same mic
    // in the same run: when the room's voice is heard varies by hundreds of ms between runs, the
    // client's delay beyond the reader does not. The agent as heard with a short read-back too:
    // with a long one the sink renders ahead, and the start of a reply after a pause is missing
    // from the monitor's view when the server rewinds (not from what a sound card plays).
    const reference = server.record('mic', { latencyMs: TIMING_READBACK_LATENCY_MS });
    const timedBack = server.recordSpeaker({ latencyMs: TIMING_READBACK_LATENCY_MS });
    await sleep(LATENCY_WINDOW_MS);
    await reference.stop();
    const heard = await timedBack.stop();
    const onsets = onsetsHeard(reference.pcm(), reference.arrivals(), RATE, ONSET_RULES).map(
      (at) => at + performance.timeOrigin,
    );
    const call = session.call;
    const latenciesMs = onsetLatencies(call.micFrames, onsets, call.speaking, ONSET_RULES);
    const turns = heardTurns(heard, RATE, {
      loudPeak: LOUD_PEAK,
      turnBreakMs: 500,
      minTurnMs: 200,
    });
    return {
      label: client.label,
      windows: [window],
      mic: micFigures(call.micFrames, from, to, RATE),
      latenciesMs,
      // The first and last turns may be cut by the window's edges (and the first follows a
      // reader just joining).
      turnsMs: turns.turnsMs.slice(1, -1),
      gapsMs: turns.gapsByTurn.slice(1, -1).flat(),
    };
  } finally {
    await stopClient(session, stopHow);
  }
}

/** Barge-in as heard: a 3 s burst, the clear 1 s later; ms from the clear to the last sound. */
async function bargeIn(
  client: ClientCommand,
  agent: ScriptedAgent,
  readBack: Recording,
): Promise<number> {
  const index = agent.calls.length;
  const child = spawn(client.argv[0]!, client.argv.slice(1), {
    env: { ...process.env, ...client.env },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await until(() => agent.calls[index]?.closed === true, 20_000, 5);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  const clearAt = agent.calls[index]?.clearAt;
  if (clearAt === undefined) throw new Error(`${client.label}: no clear was sent`);
  const clearPerf = clearAt - performance.timeOrigin;
  const stoppedAt = lastLoudPlayedAt(readBack.pcm(), readBack.arrivals(), RATE, {
    fromPerf: clearPerf - 200,
    toPerf: clearPerf + 1_000,
    loudPeak: LOUD_PEAK,
  });
  if (stoppedAt === undefined)
    throw new Error(`${client.label}: no agent audio heard around the clear`);
  return stoppedAt - clearPerf;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean CPU (% of a core) of the client's tree over its windows. */
function cpuOf(run: ClientRun): number {
  return mean(run.windows.map((w) => w.use.cpuPct));
}

/** Mean CPU of another process (`server`, `tmux`) over the client's windows. */
function otherOf(run: ClientRun, label: string): number {
  return mean(run.windows.map((w) => w.use.others[label]?.cpuPct ?? Number.NaN));
}

function describe(run: ClientRun): string {
  const roles = Object.keys(run.windows[0]?.roles ?? {});
  const parts = roles.map((role) => {
    const per = run.windows.map((w) => w.roles[role]).filter((p): p is ProcUse => p !== undefined);
    const cpu = round(mean(per.map((p) => p.cpuPct)), 2);
    const wakeups = Math.round(mean(per.map((p) => p.wakeupsPerS)));
    return `${role} ${cpu} % (${wakeups} wake-ups/s, ${per[0]?.threads} threads)`;
  });
  const windows = run.windows.map((w) => round(w.use.cpuPct, 2)).join(' and ');
  return `${round(cpuOf(run), 2)} % (windows ${windows}): ${parts.join(', ')}; sound server ${round(otherOf(run, 'server'), 2)} %; tmux ${round(otherOf(run, 'tmux'), 2)} %`;
}

interface Peers {
  readonly host: OmniaHost;
  readonly example: ExampleClient;
  readonly server: SoundServer;
  readonly dir: string;
}

/**
 * OMNIA_BENCH_APP_ENV="NAME=value …": extra environment for the app only, to try one change at a
 * time (e.g. AUDIODRIVER=alsa, sox through ALSA's pulse plugin as before issue 15).
 */
function appEnvFromBench(): Record<string, string> {
  const pairs = (process.env.OMNIA_BENCH_APP_ENV ?? '').split(' ').filter(Boolean);
  return Object.fromEntries(
    pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
}

function clients(p: Peers, args: readonly string[] = []) {
  const env = { ...p.server.env, XDG_CONFIG_HOME: join(p.dir, 'config') };
  const appEnv = { ...env, ...appEnvFromBench() };
  return {
    app: (label: string, extra: readonly string[] = []) =>
      appClient(p.host, {
        label,
        input: 'mic',
        output: 'speaker',
        // The room's mic hears the voice, never the speaker (headphones), and the example client
        // has no echo handling: `--echo off`, the headphones' mode, so both audio paths compare.
        // (With `cancel` the mic stays closed until the canceller learns an echo, here never:
        // docs/audio-capture.md.) A later `--echo` in `args` wins.
        args: ['--echo', 'off', ...args, ...extra],
        env: appEnv,
      }),
    example: exampleClient(p.host, p.example, {
      label: 'example client',
      device: 'portaudio',
      env,
    }),
  };
}

export async function benchPulse(): Promise<BenchResult[]> {
  const unavailable =
    omniaHostUnavailable() ??
    (soundServerAvailable() ? undefined : 'pulseaudio and pulseaudio-utils are not installed');
  if (unavailable) throw new Error(`the sound-server peer bench cannot run here: ${unavailable}`);
  const dir = mkdtempSync(join(tmpdir(), 'omnia-bench-pulse-'));
  mkdirSync(join(dir, 'config'));
  const server = await startSoundServer({ rate: RATE });
  const peers: Peers = { host: prepareOmniaHost(dir), example: prepareExample(dir), server, dir };
  const tls = { tls: peers.host.tls, host: peers.host.address, port: 443, publicHost: OMNIA_HOST };
  const room = new RoomVoice(server);
  try {
    room.start();
    // The sound server with the room and a read-back but no client: its own floor.
    const idle0 = sampleProcess(server.pid);
    const idleBack = server.recordSpeaker({ latencyMs: QUIET_STREAM_LATENCY_MS });
    const idleFrom = performance.now();
    await sleep(5_000);
    await idleBack.stop();
    const idle1 = sampleProcess(server.pid);
    const idlePct =
      idle0 && idle1
        ? ((idle1.cpuMs - idle0.cpuMs) / (performance.now() - idleFrom)) * 100
        : Number.NaN;

    const agent = await startScriptedAgent({ kind: 'half-speaking', cycleMs: CYCLE_MS }, tls);
    const c = clients(peers);
    let app: ClientRun;
    let plain: ClientRun;
    let peer: ClientRun;
    try {
      const ui = c.app('app');
      const text = c.app('app --plain', ['--plain']);
      app = await runClient(ui, 'q', agent, server);
      peer = await runClient(c.example, 'SIGTERM', agent, server);
      plain = await runClient(text, 'SIGTERM', agent, server);
      // A second round in the same order: one window each is at the mercy of a busy moment.
      await cpuAgain(app, ui, 'q', agent, server);
      await cpuAgain(peer, c.example, 'SIGTERM', agent, server);
      await cpuAgain(plain, text, 'SIGTERM', agent, server);
    } finally {
      await agent.close();
    }

    const burst = await startScriptedAgent(
      { kind: 'burst-clear', burstMs: 3_000, clearAfterMs: 1_000 },
      tls,
    );
    const readBack = server.recordSpeaker({ latencyMs: TIMING_READBACK_LATENCY_MS });
    await sleep(READER_SETTLE_MS);
    const barge = { app: [] as number[], peer: [] as number[] };
    try {
      const b = clients(peers, ['--plain']);
      for (let i = 0; i < BARGE_IN_RUNS; i++) {
        barge.app.push(await bargeIn(b.app('app'), burst, readBack));
        barge.peer.push(await bargeIn(b.example, burst, readBack));
      }
    } finally {
      await readBack.stop();
      await burst.close();
    }
    return report({ app, plain, peer, barge, idlePct, sha: peers.example.sha });
  } finally {
    await room.stop();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r: {
  app: ClientRun;
  plain: ClientRun;
  peer: ClientRun;
  barge: { app: number[]; peer: number[] };
  idlePct: number;
  sha: string;
}): BenchResult[] {
  const { app, plain, peer } = r;
  const seconds = CALL_MS / 1000;
  const ratio = (a: number, b: number) => round(a / b, 2);
  const latency = (run: ClientRun) => median(run.latenciesMs);
  const gapMs = (run: ClientRun) => run.gapsMs.reduce((a, b) => a + b, 0);
  const turns = (run: ClientRun) =>
    `${run.turnsMs.length} whole turns heard (${run.turnsMs.map((t) => Math.round(t)).join(', ')} ms of 5000 each), ${run.gapsMs.length} gaps (${round(gapMs(run))} ms)`;
  const mic = (run: ClientRun) =>
    `${round(run.mic.audioMsPerS)} ms/s in ${round(run.mic.smallestFrameMs)}–${round(run.mic.largestFrameMs)} ms frames (${round(run.mic.framesPerS)}/s)`;
  const appServer = otherOf(app, 'server');
  const peerServer = otherOf(peer, 'server');
  const worstBarge = Math.max(...r.barge.app);
  return [
    {
      figure: `sound server: CPU, whole app (full-screen UI in tmux) vs the example client (two ${seconds} s windows each, --input mic --output speaker)`,
      target: `≤ ${CPU_RATIO_TARGET}x`,
      measured: ratio(cpuOf(app), cpuOf(peer)),
      unit: 'x',
      pass: cpuOf(app) / cpuOf(peer) <= CPU_RATIO_TARGET,
      note: `app ${describe(app)} | example client ${describe(peer)} | example code sha256 ${r.sha}…`,
    },
    {
      figure: 'sound server: CPU, app --plain vs the example client (the app without its UI)',
      target: `≤ ${CPU_RATIO_TARGET}x`,
      measured: ratio(cpuOf(plain), cpuOf(peer)),
      unit: 'x',
      pass: cpuOf(plain) / cpuOf(peer) <= CPU_RATIO_TARGET,
      note: `app --plain ${describe(plain)}`,
    },
    {
      figure: "sound server: the server's own CPU while serving the app vs the example client",
      target: '≤ 1.0x',
      measured: ratio(appServer, peerServer),
      unit: 'x',
      pass: appServer <= peerServer,
      note: `app ${round(appServer, 2)} %, app --plain ${round(otherOf(plain, 'server'), 2)} %, example client ${round(peerServer, 2)} %; with no client (the room and a read-back only) ${round(r.idlePct, 2)} %`,
    },
    {
      figure:
        'sound server: mic latency, utterance into the room → first loud frame at the server (median), app vs example client',
      target: '≤ 1.0x',
      measured: ratio(latency(app), latency(peer)),
      unit: 'x',
      pass: latency(app) <= latency(peer),
      note: `app ${round(latency(app))} ms (${app.latenciesMs.map((t) => Math.round(t)).join(', ')}), app --plain ${round(latency(plain))} ms, example client ${round(latency(peer))} ms (${peer.latenciesMs.map((t) => Math.round(t)).join(', ')}); beyond a 5 ms reader of the same mic in the same run (while it reads, the mic delivers 5 ms blocks to every reader)`,
    },
    {
      figure: 'sound server: mic frames the server receives from the app',
      target: '10–20 ms, 1000 ms/s',
      measured: round(app.mic.largestFrameMs),
      unit: 'ms',
      pass:
        app.mic.smallestFrameMs >= 10 &&
        app.mic.largestFrameMs <= 20 &&
        Math.abs(app.mic.audioMsPerS - 1000) <= 20,
      note: `app ${mic(app)}; app --plain ${mic(plain)}; example client ${mic(peer)}`,
    },
    {
      figure: "sound server: the agent's audio as heard on the sink, gaps inside its turns (app)",
      target: '0 ms',
      measured: round(gapMs(app)),
      unit: 'ms',
      pass: gapMs(app) === 0 && app.turnsMs.length > 0,
      note: `app: ${turns(app)}; app --plain: ${turns(plain)}; example client: ${turns(peer)}`,
    },
    {
      figure: `sound server: barge-in, clear → agent audio stops on speaker.monitor (app, worst of ${BARGE_IN_RUNS})`,
      target: `≤ ${BARGE_IN_TARGET_MS} ms`,
      measured: round(worstBarge),
      unit: 'ms',
      pass: worstBarge <= BARGE_IN_TARGET_MS,
      note: `app ${r.barge.app.map((t) => round(t)).join(', ')} ms; example client ${r.barge.peer.map((t) => round(t)).join(', ')} ms (read back in ${TIMING_READBACK_LATENCY_MS} ms chunks: up to that much late)`,
    },
  ];
}

await printWhenMain(import.meta.url, benchPulse);
