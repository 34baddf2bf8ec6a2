/**
 * Memory after a long call: a 60-minute call compressed (1,000 agent turns of 3.6 s of audio
 * each, ten transcript deltas, a debug event and a barge-in per turn, 1,000 user turns: 2,000
 * turns and 60 minutes of agent audio) through a real SessionStore with a real Player and
 * socket, in a child process whose RSS is sampled throughout. The child also runs the server,
 * so the figure is an upper bound for the app alone.
 */
import { fork } from 'node:child_process';
import { type BenchResult, median, round } from './result.js';

const CHILD = new URL('./memory-child.ts', import.meta.url).pathname;

export async function benchMemory(): Promise<BenchResult[]> {
  const child = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const samples = await new Promise<number[]>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number[]));
    child.once('exit', (code) => reject(new Error(`memory child exited ${code}`)));
  });
  const n = samples.length;
  const end = median(samples.slice(Math.floor(n * 0.9)));
  const mid = median(samples.slice(Math.floor(n * 0.45), Math.floor(n * 0.55)));
  const growth = end - mid;
  const final = samples[n - 1] ?? Number.NaN;
  return [
    {
      figure: 'memory: RSS after a simulated 60-minute call (2,000 turns, 60 min of agent audio)',
      target: '≤ 150 MB',
      measured: round(final),
      unit: 'MB',
      pass: final <= 150,
      note: `peak ${round(Math.max(...samples))} MB over ${n} samples (includes tsx and the bench server)`,
    },
    {
      figure: 'memory: RSS growth over the second half of that call',
      target: '≈ 0 (≤ 10 MB)',
      measured: round(growth),
      unit: 'MB',
      pass: growth <= 10,
    },
  ];
}
