import { describe, expect, it } from 'vitest';
import { CapturePacer } from '../../source/audio/sources/capture-pacer.js';

const RATE = 48_000;
const FRAME = 1920; // 20 ms at 48 kHz

/** Drives a pacer like MicSource does, with a queue of bytes standing for the pipe. */
function sim() {
  const pacer = new CapturePacer({ frameMs: 20, sampleRate: RATE });
  let queued = 0;
  let sent = 0;
  let dropped = 0;
  return {
    pacer,
    arrive(bytes: number, now: number) {
      pacer.arrived(bytes, now);
      queued += bytes;
    },
    tick(now: number) {
      const plan = pacer.plan(queued, now);
      queued -= plan.dropBytes + plan.sendFrames * FRAME;
      sent += plan.sendFrames;
      dropped += plan.dropBytes;
      return plan;
    },
    get queued() {
      return queued;
    },
    get sent() {
      return sent;
    },
    get dropped() {
      return dropped;
    },
  };
}

describe('CapturePacer', () => {
  it('sends nothing before the first audio arrives', () => {
    const s = sim();
    expect(s.tick(1000)).toEqual({ dropBytes: 0, sendFrames: 0 });
  });

  it('holds a faster-than-real-time device to one second per second without dropping any of it', () => {
    const s = sim();
    // The device hands over 10 s of audio in the first few ms.
    s.arrive(RATE * 2 * 10, 0);
    for (let now = 0; now <= 2000; now += 20) s.tick(now);
    expect(s.sent).toBe(101); // one frame of lead at t=0, then one per 20 ms
    expect(s.dropped).toBe(0);
  });

  it('passes a live device through frame by frame with no backlog', () => {
    const s = sim();
    for (let now = 0; now < 3000; now += 10) {
      s.arrive(960, now); // 10 ms pieces, in real time
      s.tick(now);
    }
    expect(s.dropped).toBe(0);
    expect(s.queued).toBeLessThan(FRAME);
    expect(s.sent).toBeGreaterThanOrEqual(149);
  });

  it('after a capture stall, catches up at most 200 ms and drops the stale rest', () => {
    const s = sim();
    let now = 0;
    for (; now < 1000; now += 10) {
      s.arrive(960, now);
      s.tick(now);
    }
    const before = s.sent;
    // sox delivers nothing for a second, then the whole second at once.
    now += 1000;
    s.arrive(RATE * 2, now);
    const plan = s.tick(now);
    expect(plan.sendFrames).toBeLessThanOrEqual(10);
    expect(s.sent - before).toBeLessThanOrEqual(10);
    // What is left waiting is at most the backlog limit: latency stays bounded.
    expect(s.queued).toBeLessThanOrEqual(RATE * 2 * 0.2 + FRAME);
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.pacer.forgivenFrames).toBeGreaterThan(0);
  });

  it('says when the next frame is due so a timer can sleep until then', () => {
    const s = sim();
    s.arrive(FRAME * 3, 100);
    s.tick(100);
    expect(s.pacer.nextDueAt(100)).toBe(120);
    s.tick(125);
    expect(s.pacer.nextDueAt(125)).toBe(140);
  });
});
