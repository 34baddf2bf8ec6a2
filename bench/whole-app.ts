/**
 * The whole app against the vendor's Python example client, same run, same scenario, both on
 * paced file devices (no sound server: `pulse.ts` has the real-device figures):
 *
 * - the bench's TLS server as `dashboard.omnia-voice.com` (`peer/omnia-host.ts`): both clients
 *   create the call over HTTPS and open a `wss://` socket;
 * - the agent speaks half of every 10 s (audio at real-time pace, a transcript delta every
 *   150 ms) and listens the other half; the user's side is a voice (`peer/voice.ts`) from a WAV;
 * - the app: the built CLI with its full-screen UI in a tmux pane 80×24, `--input voice.wav
 *   --output out.wav` (its own paced file devices: the WAV source on the audio clock, the WAV
 *   sink modelling a sound card);
 * - the example: the guide's code unchanged, its `sounddevice` replaced by paced file devices
 *   (`peer/file-device/sounddevice.py`: a thread per stream, a callback every 10 ms on a
 *   real-time clock, reading the same WAV, writing raw PCM), in a tmux pane of its own.
 *
 * Figures: CPU of each client's whole process tree over the same length of call and the ratio
 * (from 2 s after the socket opened, and for information again from 60 s: V8 compiles the UI's
 * code on its worker threads as it gets hot during the first window);
 * start to connected (spawn → the server accepts the socket) for each, interleaved, and the
 * ratio; and for the app its event-loop lag (OMNIA_VOICE_STATS) and key to screen (`?` until
 * tmux shows the help, against tmux's own round trip).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AppStats } from '../source/app/stats.js';
import { appClient, type ClientCommand, exampleClient, shellQuote } from './peer/clients.js';
import { prepareExample } from './peer/example-client.js';
import { OMNIA_HOST, omniaHostUnavailable, prepareOmniaHost } from './peer/omnia-host.js';
import {
  type ClientSession,
  measureWindow,
  startClient,
  stopClient,
  type WindowUse,
} from './peer/session.js';
import { roomVoice, writeWav } from './peer/voice.js';
import { sampleThreads } from './proc.js';
import { type BenchResult, median, printWhenMain, round, sleep, until } from './result.js';
import { epochMs, startScriptedAgent } from './scripted-agent.js';
import { TmuxSession } from './tmux.js';

const RATE = 48_000;
/** The measured part of each client's call; both get the same. */
const CALL_MS = 30_000;
/** From the socket opening to the start of the window: start-up work is not the call's cost. */
const WARM_UP_MS = 2_000;
/**
 * From the socket opening to a second window of the same length, for information: V8 is still
 * compiling the UI's code in the first (on its worker threads), and is done by then.
 */
const LATER_MS = 60_000;
const START_RUNS = 5;
const KEY_RUNS = 10;
const HELP_MARKER = '? or Esc to close';
const CPU_RATIO_TARGET = 0.7;
const START_RATIO_TARGET = 0.8;

/** Median ms from send-keys to a capture-pane that shows `shown` (then `hidden` on the way back). */
async function keyToScreenMs(
  tmux: TmuxSession,
  shown: (screen: string) => boolean,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < KEY_RUNS; i++) {
    for (const want of [true, false]) {
      const t = performance.now();
      tmux.keys('?');
      await until(() => shown(tmux.screen()) === want, 5_000, 1);
      if (want) times.push(performance.now() - t);
      await sleep(100);
    }
  }
  return times;
}

/** The same key round trip through a raw-mode program that redraws on every key. */
async function tmuxBaselineMs(): Promise<number[]> {
  const script =
    "process.stdin.setRawMode(true);let on=false;process.stdin.on('data',()=>{on=!on;" +
    "process.stdout.write('\\x1b[2J\\x1b[H'+(on?'HELP':'main'))});";
  const tmux = new TmuxSession(`exec ${shellQuote(process.execPath)} -e ${shellQuote(script)}`);
  try {
    await sleep(300);
    return await keyToScreenMs(tmux, (s) => s.includes('HELP'));
  } finally {
    tmux.kill();
  }
}

/** A call's two windows (see {@link LATER_MS}) and what V8's worker threads took of each. */
interface CallUse {
  readonly first: WindowUse;
  readonly later: WindowUse;
  /** % of a core used by the client's threads named V8Worker (none for Python), per window. */
  readonly v8Workers: readonly [number, number];
}

async function measureCall(session: ClientSession): Promise<CallUse> {
  const others = { tmux: session.tmux.serverPid() };
  const window = async (): Promise<[WindowUse, number]> => {
    const before = sampleThreads(session.pid);
    const use = await measureWindow(session, CALL_MS, others);
    let ms = 0;
    for (const [tid, t] of sampleThreads(session.pid)) {
      if (t.name === 'V8Worker') ms += t.cpuMs - (before.get(tid)?.cpuMs ?? 0);
    }
    return [use, (ms / use.wallMs) * 100];
  };
  const joinedAt = session.call.joinedAt ?? epochMs();
  await sleep(WARM_UP_MS);
  const [first, firstV8] = await window();
  await sleep(Math.max(0, joinedAt + LATER_MS - epochMs()));
  const [later, laterV8] = await window();
  return { first, later, v8Workers: [firstV8, laterV8] };
}

function describeUse(use: WindowUse): string {
  const parts = use.processes.map((p) => `${p.comm} ${round(p.cpuPct, 2)} %`);
  const tmux = use.others.tmux;
  return `${parts.join(', ')}${tmux ? `; its tmux server ${round(tmux.cpuPct, 2)} %` : ''}`;
}

export async function benchWholeApp(): Promise<BenchResult[]> {
  const unavailable = omniaHostUnavailable();
  if (unavailable)
    throw new Error(`the example client cannot be run as a peer here: ${unavailable}`);
  const dir = mkdtempSync(join(tmpdir(), 'omnia-bench-app-'));
  const host = prepareOmniaHost(dir);
  const example = prepareExample(dir);
  const agent = await startScriptedAgent(
    { kind: 'half-speaking', cycleMs: 10_000 },
    { tls: host.tls, host: host.address, port: 443, publicHost: OMNIA_HOST },
  );
  const home = join(dir, 'home');
  mkdirSync(home);
  const voice = join(dir, 'voice.wav');
  writeWav(
    voice,
    roomVoice(LATER_MS + CALL_MS + 60_000, RATE, {
      everyMs: 2_000,
      utteranceMs: 1_000,
      leadInMs: 500,
    }),
    RATE,
  );
  const statsPath = join(dir, 'stats.json');
  const common = { HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  const app: ClientCommand = appClient(host, {
    label: 'app',
    input: voice,
    output: join(dir, 'app-heard.wav'),
    env: { ...common, OMNIA_VOICE_STATS: statsPath },
  });
  const peer: ClientCommand = exampleClient(host, example, {
    label: 'example client',
    device: 'file-device',
    env: {
      ...common,
      OMNIA_BENCH_INPUT: voice,
      OMNIA_BENCH_OUTPUT: join(dir, 'example-heard.raw'),
    },
  });
  try {
    // Start to connected, interleaved so both see the same machine.
    const starts = { app: [] as number[], peer: [] as number[] };
    for (let i = 0; i < START_RUNS; i++) {
      for (const [client, into] of [
        [app, starts.app],
        [peer, starts.peer],
      ] as const) {
        const session = await startClient(client, agent);
        into.push(session.startToConnectedMs);
        await stopClient(session, client === app ? 'q' : 'SIGTERM');
      }
    }

    // CPU over the same length of call, one client after the other.
    const appSession = await startClient(app, agent);
    const appCall = await measureCall(appSession);
    const appUse = appCall.first;
    const keys = await keyToScreenMs(appSession.tmux, (s) => s.includes(HELP_MARKER));
    await stopClient(appSession, 'q');
    const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as AppStats;

    const peerSession = await startClient(peer, agent);
    const peerCall = await measureCall(peerSession);
    const peerUse = peerCall.first;
    await stopClient(peerSession, 'SIGTERM');
    const baseline = await tmuxBaselineMs();

    const cpuRatio = appUse.cpuPct / peerUse.cpuPct;
    const laterRatio = appCall.later.cpuPct / peerCall.later.cpuPct;
    const [v8First, v8Later] = appCall.v8Workers;
    const appStart = median(starts.app);
    const peerStart = median(starts.peer);
    const startRatio = appStart / peerStart;
    const keyMs = median(keys);
    const seconds = CALL_MS / 1000;
    return [
      {
        figure: `CPU, whole app vs the example client (file devices, ${seconds} s of the same call each; app with its full-screen UI in tmux)`,
        target: `≤ ${CPU_RATIO_TARGET}x`,
        measured: round(cpuRatio, 2),
        unit: 'x',
        pass: cpuRatio <= CPU_RATIO_TARGET,
        note: `from ${WARM_UP_MS / 1000} s after the socket opened; app ${round(appUse.cpuPct, 2)} % of a core (${describeUse(appUse)}; V8's worker threads, compiling the app's code as it gets hot, ${round(v8First, 2)} %); example client ${round(peerUse.cpuPct, 2)} % (${describeUse(peerUse)}); example code sha256 ${example.sha}…`,
      },
      {
        figure: 'CPU of the app in that call (its process tree)',
        target: 'info',
        measured: round(appUse.cpuPct, 2),
        unit: '%',
        pass: true,
        note: `${round(appUse.wakeupsPerS)} wake-ups/s`,
      },
      {
        figure: 'CPU of the example client in that call',
        target: 'info',
        measured: round(peerUse.cpuPct, 2),
        unit: '%',
        pass: true,
        note: `${round(peerUse.wakeupsPerS)} wake-ups/s`,
      },
      {
        figure: `CPU later in the same calls, app vs the example client (${seconds} s from ${LATER_MS / 1000} s after the socket opened)`,
        target: 'info',
        measured: round(laterRatio, 2),
        unit: 'x',
        pass: true,
        note: `app ${round(appCall.later.cpuPct, 2)} % (${describeUse(appCall.later)}; V8's worker threads ${round(v8Later, 2)} %); example client ${round(peerCall.later.cpuPct, 2)} % (${describeUse(peerCall.later)})`,
      },
      {
        figure: `start to connected, app vs the example client (spawn → socket open, same TLS call creation, median of ${START_RUNS} each)`,
        target: `≤ ${START_RATIO_TARGET}x`,
        measured: round(startRatio, 2),
        unit: 'x',
        pass: startRatio <= START_RATIO_TARGET,
        note: `app ${round(appStart)} ms (runs ${starts.app.map((t) => Math.round(t)).join(', ')}); example client ${round(peerStart)} ms (runs ${starts.peer.map((t) => Math.round(t)).join(', ')})`,
      },
      {
        figure: 'event-loop delay p99 in the app during that call',
        target: '≤ 10 ms',
        measured: stats.loopDelayP99Ms,
        unit: 'ms',
        pass: stats.loopDelaySamples > 0 && stats.loopDelayP99Ms <= 10,
        note: `p50 ${stats.loopDelayP50Ms} ms, max ${stats.loopDelayMaxMs} ms, over ${stats.loopDelaySamples} ticks of the audio clock (the call, from connecting to hanging up)`,
      },
      {
        figure: `key to screen (? → help drawn, tmux send-keys/capture-pane, median of ${KEY_RUNS})`,
        target: '≤ 50 ms',
        measured: round(keyMs),
        unit: 'ms',
        pass: keyMs <= 50,
        note: `tmux's own round trip (a program that redraws at once): ${round(median(baseline))} ms, included above; worst ${round(Math.max(...keys))} ms`,
      },
    ];
  } finally {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await printWhenMain(import.meta.url, benchWholeApp);
