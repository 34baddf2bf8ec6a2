import { describe, expect, it } from 'vitest';
import { LEVEL_FLOOR_DB } from '../../source/audio/constants.js';
import { measurePcm } from '../../source/audio/levels.js';
import { tone } from '../helpers/signal.js';

describe('measurePcm', () => {
  it('reads a tone at its level, whatever the alignment of the buffer it arrives in', () => {
    // A full-scale sine is -3 dBFS RMS, 0 dBFS peak; -20 dB below that is -23 / -20.
    const pcm = tone(440, 100, 48_000, 0.1);
    const aligned = measurePcm(pcm);
    expect(Math.round(aligned.rmsDb)).toBe(-23);
    expect(Math.round(aligned.peakDb)).toBe(-20);
    // Frames cut out of a network message can start at an odd byte.
    const odd = Buffer.alloc(pcm.length + 1).subarray(1);
    pcm.copy(odd);
    expect(odd.byteOffset % 2).toBe(1);
    expect(measurePcm(odd)).toEqual(aligned);
  });

  it('puts digital silence and empty blocks at the floor', () => {
    expect(measurePcm(Buffer.alloc(1920))).toEqual({
      rmsDb: LEVEL_FLOOR_DB,
      peakDb: LEVEL_FLOOR_DB,
    });
    expect(measurePcm(Buffer.alloc(0)).rmsDb).toBe(LEVEL_FLOOR_DB);
  });
});
