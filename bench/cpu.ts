/**
 * Quick CPU probe of the whole app, the way `whole-app.ts` takes its CPU figure, for trying one
 * change at a time: `tsx bench/cpu.ts [seconds] [extra CLI args...]`, e.g.
 * `tsx bench/cpu.ts 20 --output none` or `tsx bench/cpu.ts 20 --plain`. Prints the tree's CPU
 * and each process's share. Defaults: 20 s, `--input none --output speaker`, full-screen UI.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CLI_PATH, round, sleep, until } from './result.js';
import { startScriptedAgent } from './scripted-agent.js';
import { TmuxSession, treeCpuMs } from './tmux.js';
import { alsaHome, shellQuote } from './whole-app.js';

/** [user, sys] ms of one process. */
function userSys(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]) * 10, Number(fields[12]) * 10];
}

const seconds = Number(process.argv[2] ?? 20);
const extra = process.argv.slice(3);
const dir = mkdtempSync(join(tmpdir(), 'omnia-bench-cpu-'));
const agent = await startScriptedAgent({ kind: 'half-speaking', cycleMs: 10_000 });
const args = ['--input', 'none', '--output', 'speaker', ...extra];
const statsPath = join(dir, 'stats.json');
const env = [
  `HOME=${shellQuote(alsaHome(dir))}`,
  `OMNIA_VOICE_STATS=${shellQuote(statsPath)}`,
  'OMNIA_API_KEY=bench-key-1f0e',
  'TERM=xterm-256color',
];
// PROF_DIR=<dir>: a --cpu-prof of the app written there at exit.
const prof = process.env.PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF_DIR}`] : [];
// APP_NODE_FLAGS="--flag …": extra node flags for the app, to try one at a time.
prof.push(...(process.env.APP_NODE_FLAGS ?? '').split(' ').filter(Boolean));
const cli = [
  process.execPath,
  ...prof,
  CLI_PATH,
  '--api-base',
  agent.baseUrl,
  '--agent',
  'demo',
  ...args,
]
  .map(shellQuote)
  .join(' ');
const tmux = new TmuxSession(`exec env ${env.join(' ')} ${cli}`);
try {
  const pid = tmux.pid();
  await until(() => /\blive\b|connected/i.test(tmux.screen()), 40_000, 20);
  await sleep(1_000);
  const before = treeCpuMs(pid);
  const split0 = userSys(pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const after = treeCpuMs(pid);
  const wallMs = performance.now() - t0;
  let total = 0;
  const parts: string[] = [];
  for (const [child, now] of after) {
    const used = now.ms - (before.get(child)?.ms ?? 0);
    total += used;
    parts.push(`${now.comm}(${child}) ${round((used / wallMs) * 100, 2)} %`);
  }
  const split1 = userSys(pid);
  const pct = (ms: number) => round((ms / wallMs) * 100, 2);
  console.log(`app user ${pct(split1[0] - split0[0])} %, sys ${pct(split1[1] - split0[1])} %`);
  console.log(
    `${args.join(' ')}: tree ${round((total / wallMs) * 100, 2)} % [${parts.join(', ')}]`,
  );
  tmux.keys('q');
  await until(() => tmux.dead(), 10_000, 20).catch(() => undefined);
  try {
    console.log(`app stats: ${readFileSync(statsPath, 'utf8').trim()}`);
  } catch {
    console.log('app stats: none written');
  }
} finally {
  tmux.kill();
  await agent.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
