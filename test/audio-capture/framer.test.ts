import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Framer } from '../../source/audio/framer.js';

describe('Framer', () => {
  it('cuts odd-sized chunks into exact frames and keeps the rest for later', () => {
    const framer = new Framer(4);
    expect(framer.push(Buffer.from([1, 2, 3]))).toEqual([]);
    const frames = framer.push(Buffer.from([4, 5, 6, 7, 8, 9]));
    expect(frames).toEqual([Buffer.from([1, 2, 3, 4]), Buffer.from([5, 6, 7, 8])]);
    expect(framer.pendingBytes).toBe(1);
    expect(framer.push(Buffer.from([10, 11, 12]))).toEqual([Buffer.from([9, 10, 11, 12])]);
    expect(framer.pendingBytes).toBe(0);
  });

  it('never loses, duplicates or reorders bytes, whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 30 }),
        (frameBytes, chunks) => {
          const framer = new Framer(frameBytes);
          const out: Buffer[] = [];
          for (const c of chunks) out.push(...framer.push(Buffer.from(c)));
          const input = Buffer.concat(chunks.map((c) => Buffer.from(c)));
          expect(out.every((f) => f.length === frameBytes)).toBe(true);
          expect(out.length).toBe(Math.floor(input.length / frameBytes));
          expect(Buffer.concat(out)).toEqual(input.subarray(0, out.length * frameBytes));
          expect(framer.pendingBytes).toBe(input.length % frameBytes);
        },
      ),
    );
  });

  it('hands out frames that do not change when the caller reuses its chunk buffer', () => {
    const framer = new Framer(2);
    const chunk = Buffer.from([1, 2, 3, 4]);
    const frames = framer.push(chunk);
    chunk.fill(0);
    expect(frames).toEqual([Buffer.from([1, 2]), Buffer.from([3, 4])]);
  });

  it('reset drops a partial frame so alignment starts fresh', () => {
    const framer = new Framer(2);
    framer.push(Buffer.from([1]));
    framer.reset();
    expect(framer.push(Buffer.from([5, 6]))).toEqual([Buffer.from([5, 6])]);
  });

  it('rejects a frame size that cannot work', () => {
    expect(() => new Framer(0)).toThrow(RangeError);
    expect(() => new Framer(1.5)).toThrow(RangeError);
  });
});
