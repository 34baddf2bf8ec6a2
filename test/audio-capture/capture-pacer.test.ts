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
  let parked = 0;
  return {
    pacer,
    arrive(bytes: number, now: number) {
      pacer.arrived(bytes, now);
      queued += bytes;
    },
    tick(now: number) {
      let plan = pacer.plan(queued, now);
      // As MicSource does with a probe: parked out of the pipe, then put back or dropped.
      if (plan.park) {
        parked = queued;
        queued = 0;
      } else if (plan.parked === 'keep') {
        queued += parked;
        parked = 0;
        plan = pacer.plan(queued, now);
      } else if (plan.parked === 'drop') {
        dropped += parked;
        parked = 0;
      }
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

/** A live device opened at 0, delivering a frame every 20 ms for a second; returns the time. */
function liveForASecond(s: ReturnType<typeof sim>): number {
  s.pacer.opened(0);
  let now = 20;
  for (; now < 1000; now += 20) {
    s.arrive(FRAME, now);
    s.tick(now);
  }
  return now;
}

describe('CapturePacer', () => {
  it('sends nothing before the first audio arrives', () => {
    const s = sim();
    expect(s.tick(1000)).toEqual({ dropBytes: 0, sendFrames: 0 });
  });

  it('holds a faster-than-real-time device to one second per second', () => {
    const s = sim();
    s.pacer.opened(0);
    // A file device: whatever is read is replaced at once, up to what the pipe holds (1.3 s).
    const pipeBytes = RATE * 2 * 1.3;
    for (let now = 0; now <= 4000; now += 20) {
      if (s.queued < pipeBytes) s.arrive(pipeBytes - s.queued, now);
      s.tick(now);
    }
    // One frame of lead at t=0, then one per 20 ms: never more than real time.
    expect(s.sent).toBeGreaterThanOrEqual(195);
    expect(s.sent).toBeLessThanOrEqual(202);
    // And all of it in order: held back by the pipe it looks like a live device after a burst,
    // but what waits is never dropped as a burst's (the user's words in the file were lost).
    expect(s.dropped).toBe(0);
  });

  it('a burst of more than real time from a live device delays it for at most a second', () => {
    const s = sim();
    let now = liveForASecond(s);
    // PulseAudio hands over 600 ms at once (a source reconfigured), then real time again.
    s.arrive(FRAME * 30, now);
    s.tick(now);
    const burstAt = now;
    for (now += 20; now < burstAt + 2000; now += 20) {
      s.arrive(FRAME, now);
      s.tick(now);
      if (now > burstAt + 1100) expect(s.queued).toBeLessThan(FRAME);
    }
    expect(s.dropped).toBeGreaterThan(0);
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

  it('says when the next frame of a faster-than-real-time device is due so a timer can sleep until then', () => {
    const s = sim();
    s.arrive(RATE * 2 * 10, 100);
    s.tick(100);
    expect(s.pacer.nextDueAt(100)).toBe(120);
    s.tick(125);
    expect(s.pacer.nextDueAt(125)).toBe(140);
  });

  it('sends what a live device delivered at start-up at once, so it never becomes a lasting delay', () => {
    const s = sim();
    s.pacer.opened(0);
    // sox's first read held 120 ms (the event loop was busy while the device started).
    s.arrive(FRAME * 6, 130);
    expect(s.tick(130).sendFrames).toBe(6);
    // From then on each 20 ms piece leaves as it arrives: nothing waits behind the clock.
    for (let now = 150; now < 2150; now += 20) {
      s.arrive(FRAME, now);
      expect(s.tick(now).sendFrames).toBe(1);
    }
    expect(s.queued).toBe(0);
    expect(s.dropped).toBe(0);
  });

  it('a late read of a live device: what waited goes out at once, beyond 200 ms the oldest is dropped', () => {
    const s = sim();
    const now = liveForASecond(s);
    // Three pieces read together (the loop was late): all three leave now.
    s.arrive(FRAME * 3, now + 40);
    expect(s.tick(now + 40).sendFrames).toBe(3);
    // A start-up-sized burst of 600 ms: a 200 ms catch-up, the stale rest dropped.
    s.arrive(FRAME * 30, now + 640);
    const plan = s.tick(now + 640);
    expect(plan.sendFrames).toBe(10);
    expect(s.queued).toBeLessThanOrEqual(FRAME);
    expect(s.dropped).toBeGreaterThanOrEqual(FRAME * 19);
  });
});
