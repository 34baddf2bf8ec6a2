import type { Level } from '../session/types.js';
import { LEVEL_FLOOR_DB } from './constants.js';

/** How long a peak stays on the meter before it falls back. */
export const PEAK_HOLD_MS = 1_000;

export const SILENT_LEVEL: Level = {
  rmsDb: LEVEL_FLOOR_DB,
  peakDb: LEVEL_FLOOR_DB,
  peakHoldDb: LEVEL_FLOOR_DB,
};

const FULL_SCALE = 32_768;

function toDb(linear: number): number {
  if (linear <= 0) return LEVEL_FLOOR_DB;
  return Math.max(LEVEL_FLOOR_DB, 20 * Math.log10(linear));
}

/** Typed-array reads are native-endian: usable for s16le only on little-endian machines. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * RMS and peak of a block of s16le samples, in dBFS. Pure. It runs on every mic frame and
 * every played block, so it reads through an Int16Array view where the buffer allows one
 * (several times faster than `readInt16LE` per sample).
 */
export function measurePcm(pcm: Buffer): { rmsDb: number; peakDb: number } {
  const samples = pcm.length >> 1;
  if (samples === 0) return { rmsDb: LEVEL_FLOOR_DB, peakDb: LEVEL_FLOOR_DB };
  let sumSquares = 0;
  let peak = 0;
  if (LITTLE_ENDIAN && pcm.byteOffset % 2 === 0) {
    const view = new Int16Array(pcm.buffer, pcm.byteOffset, samples);
    for (let i = 0; i < samples; i++) {
      const s = view[i]!;
      sumSquares += s * s;
      const a = s < 0 ? -s : s;
      if (a > peak) peak = a;
    }
  } else {
    for (let i = 0; i < samples; i++) {
      const s = pcm.readInt16LE(i * 2);
      sumSquares += s * s;
      const a = s < 0 ? -s : s;
      if (a > peak) peak = a;
    }
  }
  return {
    rmsDb: toDb(Math.sqrt(sumSquares / samples) / FULL_SCALE),
    peakDb: toDb(peak / FULL_SCALE),
  };
}

/**
 * Keeps a running level with peak hold. Audio paths call `push` per block (cheap, no
 * allocation); the UI reads `level(now)` at its own frame rate.
 */
export class LevelMeter {
  private rmsDb = LEVEL_FLOOR_DB;
  private peakDb = LEVEL_FLOOR_DB;
  private holdDb = LEVEL_FLOOR_DB;
  private holdAt = 0;

  push(pcm: Buffer, now: number = Date.now()): void {
    const m = measurePcm(pcm);
    this.rmsDb = m.rmsDb;
    this.peakDb = m.peakDb;
    if (m.peakDb >= this.holdDb || now - this.holdAt > PEAK_HOLD_MS) {
      this.holdDb = m.peakDb;
      this.holdAt = now;
    }
  }

  level(now: number = Date.now()): Level {
    const holdDb = now - this.holdAt > PEAK_HOLD_MS ? this.peakDb : this.holdDb;
    return { rmsDb: this.rmsDb, peakDb: this.peakDb, peakHoldDb: holdDb };
  }

  reset(): void {
    this.rmsDb = LEVEL_FLOOR_DB;
    this.peakDb = LEVEL_FLOOR_DB;
    this.holdDb = LEVEL_FLOOR_DB;
    this.holdAt = 0;
  }
}
