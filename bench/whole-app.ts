/**
 * The whole app in a real terminal: the built CLI in a tmux pane (80×24, full-screen UI) on a
 * 60 s call with a scripted agent that speaks half the time (audio at real-time pace, a
 * transcript delta every 150 ms) and listens the other half. Audio goes to the `speaker` sink,
 * which plays from a child node process into an ALSA file device (no sound card here); the mic
 * is `none` (the app sends paced digital silence). Figures:
 *
 * - CPU of the process tree (the app and its children) from /proc utime+stime over 60 s;
 * - event-loop delay p99 inside the app (OMNIA_VOICE_STATS: how late the 20 ms audio tick ran);
 * - key to screen: `?` pressed with tmux send-keys until capture-pane shows the help, against
 *   the same round trip through a program that redraws at once (tmux's own share).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AppStats } from '../source/app/stats.js';
import { type BenchResult, CLI_PATH, median, round, sleep, until } from './result.js';
import { startScriptedAgent } from './scripted-agent.js';
import { TmuxSession, treeCpuMs } from './tmux.js';

const CALL_MS = 60_000;
const KEY_RUNS = 10;
const HELP_MARKER = '? or Esc to close';

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A HOME whose ALSA default device writes into a file, so `speaker` plays without hardware. */
export function alsaHome(dir: string): string {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, '.asoundrc'),
    `pcm.!default { type asym playback.pcm "outfile" capture.pcm "infile" }
pcm.outfile { type file slave.pcm "null" file "/dev/null" format "raw" }
pcm.infile { type file slave.pcm "null" file "/dev/null" infile "/dev/zero" format "raw" }
`,
  );
  return home;
}

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

export async function benchWholeApp(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'omnia-bench-app-'));
  const agent = await startScriptedAgent({ kind: 'half-speaking', cycleMs: 10_000 });
  const statsPath = join(dir, 'stats.json');
  const env = [
    `HOME=${shellQuote(alsaHome(dir))}`,
    'OMNIA_API_KEY=bench-key-1f0e',
    `OMNIA_VOICE_STATS=${shellQuote(statsPath)}`,
    'TERM=xterm-256color',
  ].join(' ');
  const cli = [process.execPath, CLI_PATH, '--api-base', agent.baseUrl, '--agent', 'demo']
    .concat(['--input', 'none', '--output', 'speaker'])
    .map(shellQuote)
    .join(' ');
  const tmux = new TmuxSession(`exec env ${env} ${cli}`);
  try {
    const pid = tmux.pid();
    await until(() => / live /.test(tmux.screen()), 40_000, 20);
    await sleep(1_000);
    const before = treeCpuMs(pid);
    const t0 = performance.now();
    await sleep(CALL_MS);
    const after = treeCpuMs(pid);
    const wallMs = performance.now() - t0;
    let cpuMs = 0;
    const parts: string[] = [];
    for (const [child, now] of after) {
      const used = now.ms - (before.get(child)?.ms ?? 0);
      cpuMs += used;
      parts.push(`${now.comm} ${round((used / wallMs) * 100)} %`);
    }
    const cpuPct = (cpuMs / wallMs) * 100;

    const keys = await keyToScreenMs(tmux, (s) => s.includes(HELP_MARKER));
    const baseline = await tmuxBaselineMs();

    tmux.keys('q');
    await until(() => tmux.dead(), 10_000, 20);
    const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as AppStats;
    const keyMs = median(keys);
    const baseMs = median(baseline);
    return [
      {
        figure:
          'CPU, whole app (60 s call, full-screen UI in tmux 80×24, agent speaking half the time)',
        target: '≤ 5 % of one core',
        measured: round(cpuPct, 2),
        unit: '%',
        pass: cpuPct <= 5,
        note: `process tree: ${parts.join(', ')}`,
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
        note: `tmux's own round trip (a program that redraws at once): ${round(baseMs)} ms, included above; worst ${round(Math.max(...keys))} ms`,
      },
    ];
  } finally {
    tmux.kill();
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
