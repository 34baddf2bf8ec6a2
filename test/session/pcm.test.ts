import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SampleAligner } from '../../source/session/pcm.js';

function pcm(samples: number[]): Buffer {
  const buf = Buffer.alloc(samples.length * 2);
  for (const [i, s] of samples.entries()) buf.writeInt16LE(s, i * 2);
  return buf;
}

function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    parts.push(buf.subarray(start, p));
    start = p;
  }
  parts.push(buf.subarray(start));
  return parts;
}

describe('SampleAligner', () => {
  it('passes even frames through without copying', () => {
    const a = new SampleAligner();
    const frame = pcm([1, -2, 3]);
    expect(a.push(frame)).toBe(frame);
  });

  it('reassembles a sample split across frames', () => {
    const a = new SampleAligner();
    const whole = pcm([0x1234, -300, 32767]);
    const out1 = a.push(whole.subarray(0, 3));
    expect(out1).toEqual(whole.subarray(0, 2));
    expect(a.hasCarry).toBe(true);
    const out2 = a.push(whole.subarray(3, 4));
    expect(out2.readInt16LE(0)).toBe(-300);
    expect(a.push(Buffer.alloc(0))).toHaveLength(0);
    expect(a.push(whole.subarray(4))).toEqual(whole.subarray(4));
    expect(a.hasCarry).toBe(false);
  });

  it('odd split frames reassemble to the exact original samples (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (samples, cuts) => {
          const original = pcm(samples);
          const a = new SampleAligner();
          const outs = split(original, cuts).map((part) => a.push(Buffer.from(part)));
          for (const out of outs) expect(out.length % 2).toBe(0);
          expect(Buffer.concat(outs)).toEqual(original);
          expect(a.hasCarry).toBe(false);
        },
      ),
    );
  });

  it('reset drops a carried byte so the next stream starts on a sample boundary', () => {
    const a = new SampleAligner();
    a.push(Buffer.from([1, 2, 3]));
    a.reset();
    const fresh = pcm([42, 43]);
    expect(a.push(fresh)).toEqual(fresh);
  });

  it('does not let a later push change audio already returned', () => {
    const a = new SampleAligner();
    a.push(Buffer.from([9]));
    const first = a.push(Buffer.from([8, 7, 6]));
    const copy = Buffer.from(first);
    a.push(Buffer.from([5, 4, 3]));
    expect(first).toEqual(copy);
  });
});
