/**
 * Memory after a long call: a 60-minute call compressed (1,000 agent turns of 3.6 s of audio
 * each, ten transcript deltas, a debug event and a barge-in per turn, 1,000 user turns: 2,000
 * turns and 60 minutes of agent audio) through a real SessionStore with a real Player and
 * socket, in a child process whose RSS is sampled throughout. The child also runs the server,
 * so the figure is an upper bound for the app alone.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type BenchResult, median, round } from './result.js';

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));

export async function benchMemory(): Promise<BenchResult[]> {
  const child = fork(CHILD, [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { samples, retained } = await new Promise<{ samples: number[]; retained: number[] }>(
    (resolve, reject) => {
      child.once('message', (m) => resolve(m as { samples: number[]; retained: number[] }));
      child.once('exit', (code) => reject(new Error(`memory child exited ${code}`)));
    },
  );
  /** Medians of the samples around the middle and of the last tenth. */
  const secondHalf = (xs: number[]) => {
    const n = xs.length;
    const end = median(xs.slice(Math.floor(n * 0.9)));
    const mid = median(xs.slice(Math.floor(n * 0.45), Math.floor(n * 0.55)));
    return { mid, end, growth: end - mid };
  };
  const n = samples.length;
  const rssGrowth = secondHalf(samples).growth;
  // A leak is memory still held after a collection. RSS also moves when V8 resizes its heap:
  // on Node 24 the young generation grows once under this replay's allocation rate (heap total
  // +16 MB, in use unchanged), a step that RSS shows as growth (docs/performance.md).
  const held = secondHalf(retained);
  const growth = held.growth;
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
      figure:
        'memory: growth over the second half of that call, held after a full collection (JS heap in use and buffers)',
      target: '≈ 0 (≤ 10 MB)',
      measured: round(growth, 1),
      unit: 'MB',
      pass: growth <= 10,
      note: `${round(held.mid, 1)} MB mid-call, ${round(held.end, 1)} MB at the end (medians), over ${retained.length} collections, one every 200 ms`,
    },
    {
      figure: 'memory: RSS growth over the second half of that call',
      target: 'information',
      measured: round(rssGrowth),
      unit: 'MB',
      pass: true,
      note: 'includes V8 resizing its heap (not memory in use)',
    },
  ];
}
