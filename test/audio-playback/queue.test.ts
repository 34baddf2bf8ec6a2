import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PcmQueue } from '../../source/audio/queue.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('PcmQueue', () => {
  it('pulls across chunk boundaries and leaves the rest of a partly read chunk queued', () => {
    const q = new PcmQueue();
    q.push(bytes(1, 2, 3, 4));
    q.push(bytes(5, 6));
    q.push(bytes(7, 8, 9, 10));
    expect(q.byteLength).toBe(10);
    expect([...q.pull(3)]).toEqual([1, 2, 3]);
    expect([...q.pull(4)]).toEqual([4, 5, 6, 7]);
    expect(q.byteLength).toBe(3);
    expect([...q.pull(100)]).toEqual([8, 9, 10]);
    expect(q.byteLength).toBe(0);
    expect(q.pull(4).length).toBe(0);
  });

  it('fills a caller-supplied buffer and returns only the filled part when running dry', () => {
    const q = new PcmQueue();
    q.push(bytes(1, 2, 3));
    const into = Buffer.alloc(6, 0xee);
    const got = q.pull(6, into);
    expect([...got]).toEqual([1, 2, 3]);
    expect(got.buffer).toBe(into.buffer);
    // The unfilled tail is the caller's: untouched.
    expect([...into.subarray(3)]).toEqual([0xee, 0xee, 0xee]);
  });

  it('clear() drops everything and reports how much, and the queue works again afterwards', () => {
    const q = new PcmQueue();
    for (let i = 0; i < 1000; i++) q.push(Buffer.alloc(960));
    q.pull(100);
    expect(q.clear()).toBe(960 * 1000 - 100);
    expect(q.byteLength).toBe(0);
    q.push(bytes(9, 8));
    expect([...q.pull(2)]).toEqual([9, 8]);
  });

  it('drops the oldest audio beyond the cap and counts it, keeping the newest playable', () => {
    const q = new PcmQueue({ maxBytes: 8 });
    q.push(bytes(1, 1, 2, 2));
    q.push(bytes(3, 3, 4, 4));
    q.push(bytes(5, 5, 6, 6));
    expect(q.byteLength).toBe(8);
    expect(q.droppedBytes).toBe(4);
    expect([...q.pull(8)]).toEqual([3, 3, 4, 4, 5, 5, 6, 6]);
    // A single chunk bigger than the cap keeps only its end.
    q.push(bytes(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5));
    expect([...q.pull(100)]).toEqual([2, 2, 3, 3, 4, 4, 5, 5]);
    expect(q.droppedBytes).toBe(8);
  });

  it('behaves like one flat byte array under any mix of pushes, pulls and clears', () => {
    const op = fc.oneof(
      fc.record({ push: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({ pull: fc.nat(60) }),
      fc.record({ clear: fc.constant(true) }),
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 80 }),
        fc.option(fc.integer({ min: 1, max: 50 })),
        (ops, cap) => {
          const q = new PcmQueue(cap === null ? {} : { maxBytes: cap * 2 });
          let model: number[] = [];
          let dropped = 0;
          for (const o of ops) {
            if ('push' in o) {
              q.push(Buffer.from(o.push));
              model.push(...o.push);
              if (cap !== null && model.length > cap * 2) {
                dropped += model.length - cap * 2;
                model = model.slice(model.length - cap * 2);
              }
            } else if ('pull' in o) {
              expect([...q.pull(o.pull)]).toEqual(model.slice(0, o.pull));
              model = model.slice(o.pull);
            } else {
              expect(q.clear()).toBe(model.length);
              model = [];
            }
            expect(q.byteLength).toBe(model.length);
          }
          expect(q.droppedBytes).toBe(dropped);
        },
      ),
    );
  });

  it('keeps working after many thousands of small chunks (internal compaction)', () => {
    const q = new PcmQueue();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 200; i++) q.push(Buffer.from([next++ & 0xff, next++ & 0xff]));
      const got = q.pull(300);
      for (const b of got) expect(b).toBe(expected++ & 0xff);
    }
    expect(q.byteLength).toBe(50 * 400 - 50 * 300);
  });
});
