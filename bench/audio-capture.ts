/**
 * Capture benchmarks: what the server receives from the mic path (frame sizes, no header,
 * one second per second) and how quickly sox hands audio over. Uses the real sox reading an
 * ALSA file device in a temporary HOME, so it runs without a sound card. Run alone with
 * `npx tsx bench/audio-capture.ts`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { msForBytes } from '../source/audio/constants.js';
import { CapturePacer } from '../source/audio/sources/capture-pacer.js';
import { MicSource } from '../source/audio/sources/mic-source.js';
import { type BenchResult, printWhenMain, round } from './result.js';

export type { BenchResult } from './result.js';

const RATE = 48_000;
const RUN_MS = 3_000;

/** Stereo s16le tone: sox opens the ALSA file device as 2 channels at 48 kHz. */
function stereoTone(ms: number, freqHz: number): Buffer {
  const n = Math.round((ms * RATE) / 1000);
  const b = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    const v = Math.round(10_000 * Math.sin((2 * Math.PI * freqHz * i) / RATE));
    b.writeInt16LE(v, i * 4);
    b.writeInt16LE(v, i * 4 + 2);
  }
  return b;
}

function fileDeviceHome(dir: string): string {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const inRaw = join(dir, 'in.raw');
  writeFileSync(inRaw, stereoTone(RUN_MS + 5_000, 440));
  writeFileSync(
    join(home, '.asoundrc'),
    `pcm.!default { type asym playback.pcm "outfile" capture.pcm "infile" }
pcm.outfile { type file slave.pcm "null" file "${join(dir, 'out.raw')}" format "raw" }
pcm.infile { type file slave.pcm "null" file "/dev/null" infile "${inRaw}" format "raw" }
`,
  );
  return home;
}

function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error('bench timed out'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

interface CaptureRun {
  frames: Buffer[];
  wallMs: number;
  firstChunkAfterMs: number;
  /** Smallest piece seen: pipe reads can merge writes but never split one, so this is sox's write size or a multiple of it. */
  pieceMs: number;
}

async function capture(
  env: NodeJS.ProcessEnv,
  lowLatency: boolean,
  runMs: number,
): Promise<CaptureRun> {
  const mic = new MicSource(RATE, { env, lowLatency });
  const frames: Buffer[] = [];
  let error: string | undefined;
  await mic.start(
    (f) => frames.push(f),
    (m) => {
      error = m;
    },
  );
  await until(() => frames.length > 0 || error !== undefined);
  if (error) throw new Error(error);
  const firstAt = performance.now();
  const before = frames.length;
  await until(() => performance.now() - firstAt >= runMs, runMs + 10_000);
  const wallMs = performance.now() - firstAt;
  await mic.stop();
  const stats = mic.stats;
  return {
    frames: frames.slice(before),
    wallMs,
    firstChunkAfterMs: stats.firstChunkAfterMs ?? Number.NaN,
    pieceMs: msForBytes(Math.min(...stats.captureChunkBytes), RATE),
  };
}

/**
 * The piece size sox writes. The file device runs ahead of real time, so pipe reads often merge
 * several writes; they never split one, so the smallest piece over a few fresh starts is sox's
 * write size (or a small multiple of it).
 */
async function smallestPieceMs(env: NodeJS.ProcessEnv, lowLatency: boolean): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    const run = await capture(env, lowLatency, 150);
    best = Math.min(best, run.pieceMs);
  }
  return best;
}

/**
 * How long a complete frame waits in the pacer before it is sent, for a live device that
 * delivers 10 ms pieces in real time (virtual clock, so the figure is exact).
 */
function pacerHoldMs(): number {
  const pacer = new CapturePacer({ frameMs: 20, sampleRate: RATE });
  const piece = 960;
  let queued = 0;
  let received = 0;
  let sentBytes = 0;
  const completedAt: number[] = [];
  let totalHold = 0;
  let sent = 0;
  for (let now = 0; now < 10_000; now += 1) {
    if (now % 10 === 0) {
      pacer.arrived(piece, now);
      queued += piece;
      received += piece;
      while (completedAt.length * pacer.frameBytes + pacer.frameBytes <= received) {
        completedAt.push(now);
      }
    }
    const plan = pacer.plan(queued, now);
    queued -= plan.dropBytes + plan.sendFrames * pacer.frameBytes;
    for (let i = 0; i < plan.sendFrames; i++) {
      const index = sentBytes / pacer.frameBytes;
      totalHold += now - (completedAt[index] ?? now);
      sentBytes += pacer.frameBytes;
      sent++;
    }
  }
  return sent > 0 ? totalHold / sent : Number.NaN;
}

export async function benchCapture(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'omnia-bench-capture-'));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: fileDeviceHome(dir) };
    delete env.AUDIODEV;
    const run = await capture(env, true, RUN_MS);
    const results: BenchResult[] = [];

    const sizesMs = run.frames.map((f) => msForBytes(f.length, RATE));
    const smallest = Math.min(...sizesMs);
    const largest = Math.max(...sizesMs);
    results.push({
      figure: 'smallest frame sent to the server',
      target: '10–20 ms',
      measured: round(smallest),
      unit: 'ms',
      pass: smallest >= 10 && smallest <= 20,
    });
    results.push({
      figure: 'largest frame sent to the server',
      target: '10–20 ms',
      measured: round(largest),
      unit: 'ms',
      pass: largest >= 10 && largest <= 20,
    });
    const headers = run.frames.filter((f) => f.includes('RIFF')).length;
    results.push({
      figure: 'frames containing a WAV header',
      target: '0',
      measured: headers,
      unit: 'frames',
      pass: headers === 0,
    });
    const audioMs = sizesMs.reduce((a, b) => a + b, 0);
    const ratio = audioMs / run.wallMs;
    results.push({
      figure: `audio sent per second of wall time (${RUN_MS / 1000} s, device faster than real time)`,
      target: '0.95–1.05',
      measured: round(ratio, 3),
      unit: 's/s',
      pass: ratio >= 0.95 && ratio <= 1.05,
    });
    results.push({
      figure: 'sox start to first captured audio',
      target: '< 200 ms',
      measured: round(run.firstChunkAfterMs),
      unit: 'ms',
      pass: run.firstChunkAfterMs < 200,
    });
    const piece = await smallestPieceMs(env, true);
    results.push({
      figure: 'piece of audio sox writes at a time (low-latency buffers)',
      target: '≤ 20 ms',
      measured: round(piece),
      unit: 'ms',
      pass: piece > 0 && piece <= 20,
    });
    const plainPiece = await smallestPieceMs(env, false);
    results.push({
      figure: 'piece of audio sox writes at a time (sox defaults, for comparison)',
      target: 'info',
      measured: round(plainPiece),
      unit: 'ms',
      pass: true,
    });
    const hold = pacerHoldMs();
    results.push({
      figure: 'time a complete frame waits in the pacer (live 10 ms device, simulated)',
      target: '< 1 ms',
      measured: round(hold, 2),
      unit: 'ms',
      pass: hold < 1,
    });
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await printWhenMain(import.meta.url, benchCapture);
