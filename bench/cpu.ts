/**
 * Where a client's CPU goes on the private sound server, per process and per thread, for trying
 * one change at a time (not part of `npm run bench`; `pulse.ts` has the figures):
 *
 *   npx tsx bench/cpu.ts [seconds] [CLI args…]     the app (default `--input mic --output speaker`,
 *                                                  full-screen UI in tmux; add `--plain`)
 *   npx tsx bench/cpu.ts [seconds] --example       the vendor's example client (PortAudio)
 *
 * Same scenario as `pulse.ts` (TLS server, agent speaking half the time, a voice in the room).
 * `OMNIA_BENCH_APP_ENV="NAME=value …"` adds environment for the app; `APP_NODE_FLAGS` node flags;
 * `PROF_DIR` writes a `--cpu-prof` of the app there; `OMNIA_BENCH_FROM_S` starts the window that
 * many seconds after the socket opened (default 3, as `pulse.ts`; later, V8 has compiled the
 * app's hot code). Prints each process's CPU and wake-ups per second, and the same per thread.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AppStats } from '../source/app/stats.js';
import { startSoundServer } from '../test/helpers/sound-server.js';
import { appClient, type ClientCommand, exampleClient } from './peer/clients.js';
import { prepareExample } from './peer/example-client.js';
import { OMNIA_HOST, prepareOmniaHost } from './peer/omnia-host.js';
import { RoomVoice } from './peer/room-voice.js';
import { startClient, stopClient } from './peer/session.js';
import { sampleProcess, sampleThreads, sampleTree, type ThreadSample } from './proc.js';
import { round, sleep } from './result.js';
import { startScriptedAgent } from './scripted-agent.js';

const seconds = Number(process.argv[2] ?? 20);
const fromS = Number(process.env.OMNIA_BENCH_FROM_S ?? 3);
if (!Number.isFinite(fromS) || fromS < 0) {
  console.error(
    `OMNIA_BENCH_FROM_S must be a number of seconds (0 or more), not ${process.env.OMNIA_BENCH_FROM_S}`,
  );
  process.exit(2);
}
const rest = process.argv.slice(3);
const isExample = rest.includes('--example');
const dir = mkdtempSync(join(tmpdir(), 'omnia-bench-cpu-'));
mkdirSync(join(dir, 'config'));
const server = await startSoundServer();
const host = prepareOmniaHost(dir);
const agent = await startScriptedAgent(
  { kind: 'half-speaking', cycleMs: 10_000 },
  { tls: host.tls, host: host.address, port: 443, publicHost: OMNIA_HOST },
);
const room = new RoomVoice(server);
room.start();
const statsPath = join(dir, 'stats.json');
const env = { ...server.env, XDG_CONFIG_HOME: join(dir, 'config') };
const extraEnv = Object.fromEntries(
  (process.env.OMNIA_BENCH_APP_ENV ?? '')
    .split(' ')
    .filter(Boolean)
    .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
);
const nodeFlags = [
  ...(process.env.PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR}`] : []),
  ...(process.env.APP_NODE_FLAGS ?? '').split(' ').filter(Boolean),
];
let client: ClientCommand;
if (isExample) {
  client = exampleClient(host, prepareExample(dir), { label: 'example', device: 'portaudio', env });
} else {
  const app = appClient(host, {
    label: 'app',
    input: 'mic',
    output: 'speaker',
    // As in pulse.ts: the room's mic never hears the speaker (a later --echo in rest wins).
    args: ['--echo', 'off', ...rest],
    env: { ...env, ...extraEnv, OMNIA_VOICE_STATS: statsPath },
  });
  // Node flags go right after the node binary, inside the isolation wrapper.
  const at = app.argv.indexOf(process.execPath);
  client = {
    ...app,
    argv: [...app.argv.slice(0, at + 1), ...nodeFlags, ...app.argv.slice(at + 1)],
  };
}

const perS = (n: number, ms: number) => round((n * 1000) / ms);
try {
  const session = await startClient(client, agent);
  await sleep(fromS * 1000);
  const pids = [...sampleTree(session.pid).keys()];
  const before = new Map(pids.map((pid) => [pid, sampleThreads(pid)]));
  const server0 = sampleProcess(server.pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const wallMs = performance.now() - t0;
  const server1 = sampleProcess(server.pid);
  for (const pid of pids) {
    const was = before.get(pid) ?? new Map<number, ThreadSample>();
    const now = sampleThreads(pid);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3).join(' ');
    let cpu = 0;
    let wakeups = 0;
    const lines: string[] = [];
    for (const [tid, t] of now) {
      const cpuMs = t.cpuMs - (was.get(tid)?.cpuMs ?? 0);
      const w = t.wakeups - (was.get(tid)?.wakeups ?? 0);
      cpu += cpuMs;
      wakeups += w;
      if (w > 0 || cpuMs > 0)
        lines.push(
          `    ${t.name.padEnd(16)} ${round((cpuMs / wallMs) * 100, 2)} %  ${perS(w, wallMs)} wake-ups/s`,
        );
    }
    console.log(
      `${pid} ${cmd.slice(0, 70)}: ${round((cpu / wallMs) * 100, 2)} %, ${perS(wakeups, wallMs)} wake-ups/s`,
    );
    for (const line of lines) console.log(line);
  }
  if (server0 && server1) {
    console.log(
      `sound server: ${round(((server1.cpuMs - server0.cpuMs) / wallMs) * 100, 2)} %, ${perS(server1.wakeups - server0.wakeups, wallMs)} wake-ups/s`,
    );
  }
  await stopClient(session, isExample || rest.includes('--plain') ? 'SIGTERM' : 'q');
  if (!isExample) {
    try {
      const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as AppStats;
      console.log(`app stats: ${JSON.stringify(stats)}`);
    } catch {
      console.log('app stats: none written');
    }
  }
} finally {
  await room.stop();
  await agent.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
