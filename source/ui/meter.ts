/**
 * The VU meter as pure data: a bar of cells for -60..0 dBFS with a peak-hold marker. The view
 * only maps segments to coloured `<Text>`.
 */
import { LEVEL_FLOOR_DB } from '../audio/constants.js';
import type { Level } from '../session/types.js';

/** The meter's left edge; quieter than this shows an empty bar. */
export const METER_FLOOR_DB = -60;
/** Above this the bar turns yellow, above {@link METER_HIGH_DB} red. */
export const METER_MID_DB = -18;
export const METER_HIGH_DB = -6;

export const METER_FULL_CHAR = '█';
export const METER_EMPTY_CHAR = '·';
export const METER_HOLD_CHAR = '│';

/** A run of cells drawn the same way. */
export interface MeterSegment {
  readonly text: string;
  readonly tone: 'low' | 'mid' | 'high' | 'hold' | 'empty';
}

/** Cells (0..width) lit for a dBFS value. */
export function cellsFor(db: number, width: number): number {
  if (!Number.isFinite(db) || db <= METER_FLOOR_DB) return 0;
  const fraction = Math.min(1, (db - METER_FLOOR_DB) / -METER_FLOOR_DB);
  return Math.round(fraction * width);
}

function toneOfCell(index: number, width: number): MeterSegment['tone'] {
  // The dB value at the cell's right edge decides its colour.
  const db = METER_FLOOR_DB + ((index + 1) / width) * -METER_FLOOR_DB;
  if (db > METER_HIGH_DB) return 'high';
  if (db > METER_MID_DB) return 'mid';
  return 'low';
}

/**
 * What a meter `width` cells wide shows of a level, quantised to what the eye can see: lit
 * cells, the peak-hold cell and the readout in whole dB. Two levels with the same reading draw
 * the same meter, so the meter only renders again when its reading changes.
 */
export interface MeterReading {
  readonly lit: number;
  /** Index of the peak-hold cell, -1 for none. */
  readonly hold: number;
  /**
   * The readout in whole dB; below the meter's floor it is {@link BELOW_METER_DB} (a quiet room:
   * its noise moving by a dB is no reason to redraw), and -Infinity for digital silence.
   */
  readonly db: number;
}

/** The readout of a level under the meter's floor but not digital silence. */
export const BELOW_METER_DB = METER_FLOOR_DB - 1;

/** The reading of `level` on a meter `width` cells wide. Pure. */
export function meterReading(level: Level, width: number): MeterReading {
  const cells = Math.max(0, Math.floor(width));
  const holdCells = cellsFor(level.peakHoldDb, cells);
  const rms = level.rmsDb;
  let db: number;
  if (!Number.isFinite(rms) || rms <= LEVEL_FLOOR_DB) db = -Infinity;
  else if (rms < METER_FLOOR_DB) db = BELOW_METER_DB;
  else db = Math.round(rms);
  return { lit: cellsFor(rms, cells), hold: holdCells > 0 ? holdCells - 1 : -1, db };
}

/** The readout: "-23 dB", "<-60 dB" under the meter's floor, "-∞ dB" for digital silence. */
export function formatReading(db: number): string {
  if (!Number.isFinite(db)) return '-∞ dB';
  if (db < METER_FLOOR_DB) return `<${METER_FLOOR_DB} dB`;
  return `${db} dB`;
}

/** Segments for a meter `width` cells wide showing a reading (rms bar, peak-hold marker). */
export function meterSegments(reading: MeterReading, width: number): MeterSegment[] {
  const cells = Math.max(0, Math.floor(width));
  if (cells === 0) return [];
  const { lit, hold: holdIndex } = reading;
  const segments: MeterSegment[] = [];
  const push = (tone: MeterSegment['tone'], ch: string) => {
    const last = segments[segments.length - 1];
    if (last && last.tone === tone) {
      segments[segments.length - 1] = { tone, text: last.text + ch };
    } else {
      segments.push({ tone, text: ch });
    }
  };
  for (let i = 0; i < cells; i++) {
    if (i === holdIndex && i >= lit) push('hold', METER_HOLD_CHAR);
    else if (i < lit) push(toneOfCell(i, cells), METER_FULL_CHAR);
    else push('empty', METER_EMPTY_CHAR);
  }
  return segments;
}
