import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Resampler, resampleS16 } from '../../source/audio/resample.js';
import { samples, tone, toneShare, zeroCrossingHz } from './helpers.js';

describe('resampleS16', () => {
  it('returns the input unchanged when the rates match', () => {
    const pcm = tone(10, 440);
    expect(resampleS16(pcm, 48_000, 48_000)).toBe(pcm);
  });

  it('keeps pitch and duration when converting 44.1 kHz to 48 kHz and 48 kHz to 16 kHz', () => {
    for (const [from, to] of [
      [44_100, 48_000],
      [48_000, 16_000],
      [16_000, 48_000],
    ] as const) {
      const out = samples(resampleS16(tone(500, 440, 10_000, from), from, to));
      expect(out.length).toBe(to / 2);
      expect(zeroCrossingHz(out, to)).toBeCloseTo(440, -1);
      expect(toneShare(out, 440, to)).toBeGreaterThan(0.95);
    }
  });
});

describe('Resampler (streaming)', () => {
  it('gives the same samples as the one-shot version however the input is chunked', () => {
    const input = tone(100, 700, 12_000, 44_100);
    const whole = resampleS16(input, 44_100, 48_000);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 40 }),
        (sizes) => {
          const r = new Resampler(44_100, 48_000);
          const parts: Buffer[] = [];
          let at = 0;
          for (let i = 0; at < input.length; i++) {
            const n = sizes[i % sizes.length]!;
            parts.push(r.push(input.subarray(at, at + n)));
            at += n;
          }
          const streamed = Buffer.concat(parts);
          // Streaming holds back at most the last output sample (it needs the next input).
          expect(whole.length - streamed.length).toBeLessThanOrEqual(4);
          expect(streamed.equals(whole.subarray(0, streamed.length))).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('passes audio straight through at equal rates, even when a chunk splits a sample', () => {
    const r = new Resampler(48_000, 48_000);
    const pcm = tone(5, 440);
    const out = Buffer.concat([r.push(pcm.subarray(0, 3)), r.push(pcm.subarray(3))]);
    expect(out.equals(pcm)).toBe(true);
  });
});
