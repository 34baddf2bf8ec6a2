import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../../source/audio/wav.js';

export const RATE = 48_000;

/** s16le mono sine tone. `phase` in radians keeps the first sample off zero when wanted. */
export function tone(
  ms: number,
  freqHz: number,
  amplitude = 10_000,
  rate = RATE,
  phase = 0,
): Buffer {
  const n = Math.round((ms * rate) / 1000);
  const b = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    b.writeInt16LE(
      Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / rate + phase)),
      i * 2,
    );
  }
  return b;
}

export function samples(pcm: Buffer): Int16Array {
  const out = new Int16Array(pcm.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(i * 2);
  return out;
}

/** Relative power at `freqHz` (Goertzel), normalised by the block's total energy: ~1 for a pure tone. */
export function toneShare(x: ArrayLike<number>, freqHz: number, rate = RATE): number {
  const n = x.length;
  if (n === 0) return 0;
  const k = Math.round((n * freqHz) / rate);
  const w = (2 * Math.PI * k) / n;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const s0 = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += v * v;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return energy === 0 ? 0 : (2 * power) / (n * energy);
}

/** Frequency estimated from zero crossings. */
export function zeroCrossingHz(x: ArrayLike<number>, rate = RATE): number {
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 !== x[i]! < 0) crossings++;
  return (crossings / 2) * (rate / x.length);
}

export function firstNonZero(x: ArrayLike<number>): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) return i;
  return -1;
}

export function lastNonZero(x: ArrayLike<number>): number {
  for (let i = x.length - 1; i >= 0; i--) if (x[i] !== 0) return i;
  return -1;
}

export function readWavSamples(path: string): { rate: number; channels: number; x: Int16Array } {
  const wav = parseWav(readFileSync(path));
  return { rate: wav.sampleRate, channels: wav.channels, x: samples(wav.data) };
}

/** Poll until `cond` holds; generous timeout because two cores are shared. */
export async function waitFor(
  cond: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'omnia-playback-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A temporary HOME whose ~/.asoundrc sends ALSA "default" playback into `out` (raw samples),
 * so the real speaker and sox can "play" on a machine without a sound card.
 */
export function alsaFileHome(dir: string): { home: string; out: string } {
  const out = join(dir, 'OUT.raw');
  const asoundrc = [
    'pcm.!default {',
    '  type asym',
    '  playback.pcm "outfile"',
    '  capture.pcm "infile"',
    '}',
    'pcm.outfile {',
    '  type file',
    '  slave.pcm "null"',
    `  file "${out}"`,
    '  format "raw"',
    '}',
    'pcm.infile {',
    '  type file',
    '  slave.pcm "null"',
    '  file "/dev/null"',
    '  infile "/dev/null"',
    '  format "raw"',
    '}',
    '',
  ].join('\n');
  writeFileSync(join(dir, '.asoundrc'), asoundrc);
  return { home: dir, out };
}
