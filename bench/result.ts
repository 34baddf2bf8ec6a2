import { fileURLToPath, pathToFileURL } from 'node:url';
/** One benchmark figure with its target, as printed in the table and saved in results.json. */
export interface BenchResult {
  figure: string;
  target: string;
  measured: number;
  unit: string;
  pass: boolean;
  /** What else the run showed (spread, baseline, what was measured). */
  note?: string;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
}

/** Poll `cond` every `everyMs` until it holds; reject after `timeoutMs`. */
export function until(cond: () => boolean, timeoutMs = 20_000, everyMs = 2): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error('bench timed out'));
      else setTimeout(poll, everyMs);
    };
    poll();
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The built CLI (`npm run bench` builds first). OMNIA_BENCH_CLI measures another build instead,
 * e.g. an earlier commit's for a before/after table.
 */
export const CLI_PATH =
  process.env.OMNIA_BENCH_CLI ?? fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** When a bench file is run on its own (`npx tsx bench/<file>.ts`), print its figures. */
export async function printWhenMain(
  moduleUrl: string,
  bench: () => Promise<readonly BenchResult[]>,
): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  for (const r of await bench()) {
    console.log(
      `${r.pass ? 'PASS' : 'FAIL'}  ${r.figure}: ${r.measured} ${r.unit} (target ${r.target})`,
    );
    if (r.note) console.log(`      ${r.note}`);
  }
}
