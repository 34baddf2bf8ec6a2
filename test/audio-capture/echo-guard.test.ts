import { describe, expect, it } from 'vitest';
import { EchoGuard } from '../../source/audio/echo-guard.js';
import { measurePcm } from '../../source/audio/levels.js';
import { tone } from './helpers.js';

const RATE = 48_000;
const FRAME_MS = 20;
/** A 20 ms frame of 300 Hz at the given dBFS RMS. */
function frameAt(db: number): Buffer {
  // RMS of a sine is amplitude / sqrt(2).
  const amplitude = 10 ** (db / 20) * Math.SQRT2;
  return tone(300, FRAME_MS, RATE, amplitude);
}
const PLAYING = { playing: true, levelDb: -20 };
const IDLE = { playing: false, levelDb: -96 };
const isSilent = (b: Buffer) => b.every((x) => x === 0);

describe('EchoGuard', () => {
  it('passes the mic untouched when the agent is not playing', () => {
    const guard = new EchoGuard();
    const mic = frameAt(-40);
    const r = guard.process(mic, IDLE, 0);
    expect(r.active).toBe(false);
    expect(r.frame).toBe(mic);
  });

  it('blocks echo-level mic audio while the agent plays', () => {
    const guard = new EchoGuard();
    expect(Math.round(measurePcm(frameAt(-35)).rmsDb)).toBe(-35);
    for (let i = 0; i < 50; i++) {
      const r = guard.process(frameAt(-35), PLAYING, i * FRAME_MS);
      expect(r.active).toBe(true);
      expect(isSilent(r.frame)).toBe(true);
      expect(r.frame.length).toBe(frameAt(-35).length);
    }
  });

  it('lets a loud barge-in through from the second loud frame and keeps it open over short pauses', () => {
    const guard = new EchoGuard();
    let t = 0;
    const step = (db: number, playback = PLAYING) => {
      const r = guard.process(frameAt(db), playback, t);
      t += FRAME_MS;
      return r;
    };
    for (let i = 0; i < 5; i++) step(-35);
    expect(step(-12).active).toBe(true);
    const second = step(-12);
    expect(second.active).toBe(false);
    expect(isSilent(second.frame)).toBe(false);
    expect(guard.bargedIn).toBe(true);
    // A 200 ms gap between words: still open (hangover).
    for (let i = 0; i < 10; i++) expect(step(-50).active).toBe(false);
    // Silence for longer than the hangover while the agent still plays: guarded again.
    let last = step(-50);
    for (let i = 0; i < 20; i++) last = step(-50);
    expect(last.active).toBe(true);
  });

  it('does not open on a single click', () => {
    const guard = new EchoGuard();
    let t = 0;
    const results = [-35, -5, -35, -35, -6, -35].map((db) => {
      const r = guard.process(frameAt(db), PLAYING, t);
      t += FRAME_MS;
      return r;
    });
    expect(results.every((r) => r.active)).toBe(true);
  });

  it('keeps guarding for the room tail after playback stops, then opens', () => {
    const guard = new EchoGuard({ tailMs: 150 });
    guard.process(frameAt(-35), PLAYING, 0);
    expect(guard.process(frameAt(-35), IDLE, 100).active).toBe(true);
    const after = guard.process(frameAt(-35), IDLE, 200);
    expect(after.active).toBe(false);
    expect(isSilent(after.frame)).toBe(false);
  });

  it('guards while the device still holds agent audio written ahead, and for the tail after it is heard', () => {
    // The player writes a reply sent ahead up to 200 ms past the play position: `playing`
    // (written) turns false while the room still hears it. The tail counted from then let the
    // reply's last 50 ms and more into the mic.
    const guard = new EchoGuard({ tailMs: 150 });
    guard.process(frameAt(-35), PLAYING, 0);
    const stillHeard = { playing: false, audible: true, levelDb: -20 };
    expect(guard.process(frameAt(-35), stillHeard, 180).active).toBe(true);
    expect(guard.process(frameAt(-35), stillHeard, 200).active).toBe(true);
    // Heard to its end at 200 ms: the tail runs from there.
    const heardOut = { playing: false, audible: false, levelDb: -96 };
    expect(guard.process(frameAt(-35), heardOut, 340).active).toBe(true);
    expect(guard.process(frameAt(-35), heardOut, 360).active).toBe(false);
  });

  it('follows the playback level: a louder agent needs a louder barge-in', () => {
    const loud = { playing: true, levelDb: -6 };
    const guard = new EchoGuard();
    let t = 0;
    // -14 dBFS would open against a -20 dBFS agent but not against a -6 dBFS one.
    for (let i = 0; i < 5; i++) {
      expect(guard.process(frameAt(-20), loud, t).active).toBe(true);
      t += FRAME_MS;
    }
    const quietAgent = new EchoGuard();
    quietAgent.process(frameAt(-14), PLAYING, 0);
    expect(quietAgent.process(frameAt(-14), PLAYING, 20).active).toBe(false);
  });

  it('never opens on room noise below the absolute floor, even when the agent is quiet', () => {
    const guard = new EchoGuard({ floorDb: -40 });
    const quietAgent = { playing: true, levelDb: -60 };
    for (let i = 0; i < 10; i++) {
      expect(guard.process(frameAt(-45), quietAgent, i * FRAME_MS).active).toBe(true);
    }
  });

  it('a short pause inside the agent speech does not lower the bar (reference decays slowly)', () => {
    const guard = new EchoGuard();
    guard.process(frameAt(-35), { playing: true, levelDb: -10 }, 0);
    // The agent's level dips for a syllable gap; the room still echoes at -25.
    const r1 = guard.process(frameAt(-25), { playing: true, levelDb: -60 }, 20);
    const r2 = guard.process(frameAt(-25), { playing: true, levelDb: -60 }, 40);
    expect(r1.active && r2.active).toBe(true);
  });

  it('reset forgets a barge-in', () => {
    const guard = new EchoGuard();
    guard.process(frameAt(-10), PLAYING, 0);
    guard.process(frameAt(-10), PLAYING, 20);
    expect(guard.bargedIn).toBe(true);
    guard.reset();
    expect(guard.bargedIn).toBe(false);
    expect(guard.process(frameAt(-35), PLAYING, 40).active).toBe(true);
  });
});
