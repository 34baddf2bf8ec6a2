/**
 * The VU meter as pure data: a bar of cells for -60..0 dBFS with a peak-hold marker. The view
 * only maps segments to coloured `<Text>`.
 */
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

/** Segments for a meter `width` cells wide showing `level` (rms bar, peak-hold marker). */
export function meterSegments(level: Level, width: number): MeterSegment[] {
  const cells = Math.max(0, Math.floor(width));
  if (cells === 0) return [];
  const lit = cellsFor(level.rmsDb, cells);
  const holdCells = cellsFor(level.peakHoldDb, cells);
  const holdIndex = holdCells > 0 ? holdCells - 1 : -1;
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
