/**
 * `npm run bench`: every benchmark with its target, one table on stdout and
 * bench/results.json. Exits 0 even when a figure misses its target: the table says so.
 * Runs after `npm run build` (the whole-app figures use dist/cli.js).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchCapture } from './audio-capture.js';
import { benchPlayback } from './audio-playback.js';
import { benchBargeIn } from './barge-in.js';
import { benchEcho } from './echo.js';
import { benchMemory } from './memory.js';
import { benchPulse } from './pulse.js';
import { benchRender } from './render.js';
import type { BenchResult } from './result.js';
import { benchStart } from './start.js';
import { benchWholeApp } from './whole-app.js';

const suites: Array<[string, () => Promise<BenchResult[]>]> = [
  ['start', benchStart],
  ['barge-in', benchBargeIn],
  ['playback', benchPlayback],
  ['capture', benchCapture],
  ['echo', benchEcho],
  ['render', benchRender],
  ['memory', benchMemory],
  ['whole app', benchWholeApp],
  ['sound server', benchPulse],
];

const results: BenchResult[] = [];
for (const [name, run] of suites) {
  process.stderr.write(`bench: ${name}…\n`);
  try {
    results.push(...(await run()));
  } catch (error) {
    results.push({
      figure: `${name} (did not run: ${error instanceof Error ? error.message : String(error)})`,
      target: '-',
      measured: Number.NaN,
      unit: '',
      pass: false,
    });
  }
}

const rows = results.map((r) => [
  r.figure,
  r.target,
  `${r.measured} ${r.unit}`.trim(),
  r.pass ? 'pass' : 'FAIL',
]);
const header = ['figure', 'target', 'measured', 'result'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));
for (const r of results) if (r.note) console.log(`  · ${r.figure}: ${r.note}`);

const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  at: new Date().toISOString(),
};
console.log(`\n${machine.nproc} cores, ${machine.cpu}, node ${machine.node}`);
writeFileSync(
  new URL('./results.json', import.meta.url),
  `${JSON.stringify({ machine, results }, null, 2)}\n`,
);
process.exit(0);
