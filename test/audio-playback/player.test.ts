import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesForMs, DEFAULT_LEAD_MS, MIN_LEAD_MS } from '../../source/audio/constants.js';
import { IDLE_AFTER_MS, openPlayer, Player } from '../../source/audio/player.js';
import { SoxPlaySink } from '../../source/audio/sinks/sox-play-sink.js';
import { WavFileSink } from '../../source/audio/sinks/wav-sink.js';
import type { AudioSink } from '../../source/audio/types.js';
import { withoutDrop } from '../helpers/sinks.js';
import {
  alsaFileHome,
  firstNonZero,
  lastNonZero,
  RATE,
  readWavSamples,
  tempDir,
  tone,
  toneShare,
  waitFor,
  zeroCrossingHz,
} from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;
const wavPath = () => `${tmp.dir}/out-${n++}.wav`;
/**
 * Tests that compare played audio sample for sample keep this much in the device: a write
 * later than the lead is an audible gap (the WAV device records it as silence), and a loaded
 * test machine can hold a timer back by tens of ms. Dropping sinks cut it all on a clear.
 */
const ROOMY_LEAD_MS = 200;

/** Enqueue in frames of varied (even) sizes, as the network would deliver them. */
function enqueueChopped(player: Player, pcm: Buffer): void {
  const sizes = [2, 998, 1920, 334, 4096, 10, 7680, 482];
  let at = 0;
  for (let i = 0; at < pcm.length; i++) {
    const size = sizes[i % sizes.length]!;
    player.enqueue(pcm.subarray(at, at + size));
    at += size;
  }
}

/**
 * 3 s of tone queued, clear() after 1 s, then 500 ms of silence and a second tone. Checks what
 * must hold for any sink (the ramp, silence, the second tone bit-exact) and returns how much of
 * the first tone the WAV (the device timeline) holds beyond the clear.
 */
async function bargeIn(
  makeSink: (path: string) => AudioSink,
  exactResume = true,
): Promise<{ heardAfterClearMs: { least: number; most: number }; player: Player }> {
  const path = wavPath();
  const sink = makeSink(path);
  await sink.open();
  const player = new Player(sink, { fadeMs: 5, leadMs: ROOMY_LEAD_MS });
  player.enqueue(tone(3000, 1000));
  // Sample i of the file is i/RATE s of the player's timeline, which starts when start() reads
  // its clock, and the cut is where clear() reads it: each known to lie between two readings
  // of ours. A loaded machine can hold this test back between any two lines, so what was heard
  // after the clear is a range, never a guess.
  const startBefore = performance.now();
  player.start();
  const startAfter = performance.now();
  await waitFor(() => performance.now() - startBefore >= 1000, 5_000, '1 s of playback');
  const tClear = performance.now();
  const droppedMs = player.clear();
  const tCleared = performance.now();
  expect(player.playing).toBe(false);
  expect(droppedMs).toBeGreaterThan(1500);
  expect(player.queuedMs).toBeLessThanOrEqual(5);
  await waitFor(() => performance.now() - tClear >= 500, 5_000, 'silence after clear');
  // Playback resumes cleanly with new audio.
  const after = tone(200, 500, 8_000, RATE, Math.PI / 4);
  player.enqueue(after);
  await waitFor(() => player.queuedMs === 0 && !player.playing, 5_000, 'second tone');
  await player.stop();

  const { x } = readWavSamples(path);
  // The earliest the cut can lie on the file's timeline.
  const clearAt = Math.floor(((tClear - startAfter) * RATE) / 1000);
  // Where the tone ends: the silence of 300 ms or more that follows the clear (the test waits
  // 500 ms before the second tone). On a loaded machine a sink with a small lead can run dry
  // for a moment before it: a short gap, not the end.
  const searchFrom = Math.max(1, clearAt - Math.round((ROOMY_LEAD_MS * RATE) / 1000) - 4_800);
  let toneEnd = x.indexOf(0, searchFrom);
  // The tone's own zero crossings can hit 0 exactly; the tone ends where a long run of 0 starts.
  while (toneEnd >= 0 && x.subarray(toneEnd, toneEnd + (RATE * 3) / 10).some((v) => v !== 0))
    toneEnd = x.indexOf(0, toneEnd + 1);
  expect(toneEnd).toBeGreaterThan(0);
  // The fade: the last 2 ms before the silence are much quieter than the tone.
  const tail = x.subarray(toneEnd - 96, toneEnd);
  expect(Math.max(...tail.map(Math.abs))).toBeLessThan(4_500);
  // Silence for the rest of the 500 ms, then the new tone.
  const resume = firstNonZero(x.subarray(toneEnd + 1)) + toneEnd + 1;
  expect(((resume - toneEnd) / RATE) * 1000).toBeGreaterThan(400);
  const second = x.subarray(resume, resume + after.length / 2);
  if (exactResume) {
    expect(Buffer.from(second.buffer, second.byteOffset, second.byteLength).equals(after)).toBe(
      true,
    );
    expect(lastNonZero(x)).toBe(resume + after.length / 2 - 1);
  } else {
    // With the small lead of a sink that cannot drop (5 ms of margin), a loaded test machine
    // can make the device run dry for a moment, heard (and written) as a short gap. Gaps are
    // silence put in between, never a loss: every sample of the new audio plays, in order.
    const nonZero = (v: Int16Array) => v.filter((s) => s !== 0);
    const heardAfter = nonZero(x.subarray(resume));
    const sent = nonZero(new Int16Array(after.buffer, after.byteOffset, after.length / 2));
    expect(heardAfter.length).toBe(sent.length);
    expect(Buffer.from(heardAfter.buffer).equals(Buffer.from(sent.buffer))).toBe(true);
  }
  const toneEndMs = (toneEnd / RATE) * 1000;
  return {
    heardAfterClearMs: {
      least: toneEndMs - (tCleared - startBefore),
      most: toneEndMs - (tClear - startAfter),
    },
    player,
  };
}

describe('Player into a WAV file sink, against real time', () => {
  it('plays 1 s of a 1 kHz tone as exactly those samples, with silence around it', async () => {
    const path = wavPath();
    const player = await openPlayer(new WavFileSink(path, RATE), { leadMs: ROOMY_LEAD_MS });
    const openedAt = performance.now();
    const starts: number[] = [];
    player.onPlaybackStart = (heardInMs) => starts.push(performance.now() + heardInMs);
    const stops: number[] = [];
    player.onPlaybackStop = (heardInMs) => stops.push(performance.now() + heardInMs);
    await waitFor(() => !player.playing && player.queuedMs === 0, 5_000, 'initial silence');
    const pcm = tone(1000, 1000, 10_000, RATE, Math.PI / 4);
    enqueueChopped(player, pcm);
    expect(player.queuedMs).toBeGreaterThan(900);
    await waitFor(() => player.playing, 5_000, 'playback start');
    // The meter shows the tone when it plays, up to the lead after it went into the device.
    await waitFor(() => player.level().rmsDb > -20, 5_000, 'the meter to show the tone');
    await waitFor(() => player.queuedMs === 0 && !player.playing, 10_000, 'playback end');
    await player.stop();

    const { x } = readWavSamples(path);
    const start = firstNonZero(x);
    expect(start).toBeGreaterThan(0);
    const played = x.subarray(start, start + pcm.length / 2);
    expect(Buffer.from(played.buffer, played.byteOffset, played.byteLength).equals(pcm)).toBe(true);
    expect(lastNonZero(x)).toBe(start + pcm.length / 2 - 1);
    expect(zeroCrossingHz(played)).toBeCloseTo(1000, -1);
    expect(toneShare(played, 1000)).toBeGreaterThan(0.99);
    let maxStep = 0;
    for (let i = 1; i < played.length; i++)
      maxStep = Math.max(maxStep, Math.abs(played[i]! - played[i - 1]!));
    // A 1 kHz sine at amplitude 10 000 moves at most 2π·1000/48000·10 000 ≈ 1309 per sample.
    expect(maxStep).toBeLessThan(1320);
    // Reported once, for when the tone is heard (the file is the device's timeline), not when
    // it went into the device up to the lead ahead: response latency counts from there.
    expect(starts).toHaveLength(1);
    const heardAt = openedAt + (start / RATE) * 1000;
    // Written 200 ms (the lead) before it is heard: an error well under that tells the two
    // apart on a loaded machine, where the callback itself can run tens of ms late.
    expect(Math.abs(starts[0]! - heardAt)).toBeLessThan(100);
    // The end likewise: when the tone's last sample is heard (a reply typed over it is
    // answered from then).
    expect(stops).toHaveLength(1);
    const endHeardAt = openedAt + ((lastNonZero(x) + 1) / RATE) * 1000;
    expect(Math.abs(stops[0]! - endHeardAt)).toBeLessThan(100);
  });

  it('barge-in with a sink that can drop: the file holds no agent audio beyond the clear but the fade', async () => {
    const { heardAfterClearMs, player } = await bargeIn((path) => new WavFileSink(path, RATE));
    expect(player.leadMs).toBe(ROOMY_LEAD_MS);
    expect(player.writePeriodMs).toBe(40);
    // The device is cut at the play position: only the 5 ms fade follows, not the 200 ms it
    // held (1 ms for rounding to the sample and the player's tick; `bench/audio-playback.ts`
    // has the figure).
    expect(heardAfterClearMs.most).toBeGreaterThan(0);
    expect(heardAfterClearMs.least).toBeLessThanOrEqual(5 + 1);
  });

  it('keeps the default lead on a sink that can drop, written every second tick, and the smallest on one that cannot', async () => {
    const roomy = new Player(new WavFileSink(wavPath(), RATE));
    expect(roomy.leadMs).toBe(DEFAULT_LEAD_MS);
    expect(roomy.writePeriodMs).toBe(40);
    const tight = new Player(withoutDrop(new WavFileSink(wavPath(), RATE)), { leadMs: 200 });
    expect(tight.leadMs).toBe(MIN_LEAD_MS);
    expect(tight.writePeriodMs).toBe(20);
  });

  it('the recording gets what the device played: after a barge-in, none of what it dropped', async () => {
    const path = wavPath();
    const player = await openPlayer(new WavFileSink(path, RATE), { leadMs: ROOMY_LEAD_MS });
    const heard: Buffer[] = [];
    player.onBlock = (pcm) => heard.push(Buffer.from(pcm));
    const startedAt = performance.now();
    player.enqueue(tone(3000, 1000));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const clearedAt = performance.now();
    player.clear();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await player.stop();
    const inFile = readWavSamples(path).x;
    const got = Buffer.concat(heard);
    const recorded = new Int16Array(got.buffer, got.byteOffset, got.length / 2);
    const span = (x: Int16Array) => x.subarray(firstNonZero(x), lastNonZero(x) + 1);
    // The same tone, cut where the device was cut (give or take the few ms by which the
    // player's clock and the device's may differ) and faded: not the 200 ms the device held
    // when the clear came.
    const ms = (x: Int16Array) => (span(x).length / RATE) * 1000;
    expect(Math.abs(ms(recorded) - ms(inFile))).toBeLessThan(10);
    // The timer behind the clear may run late on a loaded machine; the file ends with the clear
    // whenever it came, not 200 ms (the lead) after it.
    expect(ms(inFile)).toBeLessThan(clearedAt - startedAt + 50);
  });

  it('barge-in with a sink that cannot drop: it keeps a small lead, which plays out after the clear', async () => {
    const { heardAfterClearMs, player } = await bargeIn(
      (path) => withoutDrop(new WavFileSink(path, RATE)),
      false,
    );
    expect(player.leadMs).toBe(MIN_LEAD_MS);
    expect(player.writePeriodMs).toBe(20);
    // What the device held plays out: at most the lead and the fade.
    expect(heardAfterClearMs.least).toBeLessThanOrEqual(MIN_LEAD_MS + 5 + 1);
    // ...and the player did not cut audio that should have played before the clear (slack
    // for a loaded machine, where the device can have run dry just before it).
    expect(heardAfterClearMs.most).toBeGreaterThan(-300);
  });

  it('an underrun plays digital silence, and playback restarts with the next audio', async () => {
    const path = wavPath();
    const player = await openPlayer(new WavFileSink(path, RATE), { leadMs: ROOMY_LEAD_MS });
    let startCount = 0;
    player.onPlaybackStart = () => startCount++;
    const a = tone(200, 1000, 10_000, RATE, Math.PI / 4);
    player.enqueue(a);
    await waitFor(() => player.playing, 5_000, 'first tone');
    await waitFor(() => !player.playing, 5_000, 'underrun');
    expect(player.queuedMs).toBe(0);
    const gapFrom = performance.now();
    await waitFor(() => performance.now() - gapFrom > 400, 5_000, 'gap');
    expect(player.level().rmsDb).toBe(-96);
    player.enqueue(a);
    await waitFor(() => player.playing, 5_000, 'second tone');
    await waitFor(() => !player.playing, 5_000, 'end');
    await player.stop();
    expect(startCount).toBe(2);

    const { x } = readWavSamples(path);
    const s1 = firstNonZero(x);
    const e1 = s1 + a.length / 2;
    const s2 = firstNonZero(x.subarray(e1)) + e1;
    expect(x.subarray(e1, s2).every((v) => v === 0)).toBe(true);
    // Less than the 400 ms waited only if the pump had to skip ahead after a stall.
    expect(((s2 - e1) / RATE) * 1000).toBeGreaterThan(100);
    const both = Buffer.concat([
      Buffer.from(x.subarray(s1, e1).buffer, s1 * 2, a.length),
      Buffer.from(x.subarray(s2, s2 + a.length / 2).buffer, s2 * 2, a.length),
    ]);
    expect(both.equals(Buffer.concat([a, a]))).toBe(true);
  });

  it('with keepRunning (the echo canceller) it plays silence between replies: the device never runs dry', async () => {
    const path = wavPath();
    const writes: Array<{ at: number; bytes: number }> = [];
    const sink = new (class extends WavFileSink {
      override write(pcm: Buffer, at?: number): void {
        writes.push({ at: at ?? -1, bytes: pcm.length });
        super.write(pcm, at);
      }
    })(path, RATE);
    const player = await openPlayer(sink, { leadMs: ROOMY_LEAD_MS, keepRunning: true });
    const a = tone(300, 200, 10_000, RATE, Math.PI / 4);
    player.enqueue(a);
    await waitFor(() => player.playing, 5_000, 'first reply');
    await waitFor(() => !player.playing, 5_000, 'end of the first reply');
    const endedAt = performance.now();
    const writesAtEnd = writes.length;
    await new Promise((resolve) => setTimeout(resolve, IDLE_AFTER_MS + 900));
    // Still written to, 40 ms at a time, well past IDLE_AFTER_MS...
    const idleWrites = writes.length - writesAtEnd;
    expect(idleWrites).toBeGreaterThan((IDLE_AFTER_MS + 900) / 40 / 2);
    const waitedMs = performance.now() - endedAt;
    player.enqueue(a);
    await waitFor(() => player.playing, 5_000, 'second reply');
    await waitFor(() => !player.playing, 5_000, 'end');
    await player.stop();
    // ...and every write starts where the one before it ended: one unbroken stream, so a sound
    // server keeps the latency it had (no restart after running dry).
    for (let i = 1; i < writes.length; i++)
      expect(writes[i]!.at).toBe(writes[i - 1]!.at + writes[i - 1]!.bytes);
    const { x } = readWavSamples(path);
    const s1 = firstNonZero(x);
    const e1 = s1 + a.length / 2;
    const s2 = firstNonZero(x.subarray(e1)) + e1;
    // The gap between the replies is written silence as long as the wait.
    expect(x.subarray(e1, s2).every((v) => v === 0)).toBe(true);
    expect(((s2 - e1) / RATE) * 1000).toBeGreaterThan(waitedMs - ROOMY_LEAD_MS);
  });

  it('between replies it stops feeding the device, which plays the gap as silence, and resumes at once', async () => {
    const path = wavPath();
    let writes = 0;
    const sink = new (class extends WavFileSink {
      override write(pcm: Buffer): void {
        writes++;
        super.write(pcm);
      }
    })(path, RATE);
    const player = await openPlayer(sink, { leadMs: ROOMY_LEAD_MS });
    const a = tone(300, 200, 10_000, RATE, Math.PI / 4);
    player.enqueue(a);
    await waitFor(() => player.playing, 5_000, 'first reply');
    await waitFor(() => !player.playing, 5_000, 'end of the first reply');
    const endedAt = performance.now();
    // Silence is written for a while after a reply (IDLE_AFTER_MS), then nothing at all.
    await new Promise((resolve) => setTimeout(resolve, IDLE_AFTER_MS + 300));
    const idleWrites = writes;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(writes).toBe(idleWrites);
    expect(player.level().rmsDb).toBe(-96);
    let heardIn = -1;
    player.onPlaybackStart = (ms) => {
      heardIn = ms;
    };
    const enqueuedAt = performance.now();
    player.enqueue(a);
    await waitFor(() => player.playing, 5_000, 'second reply');
    // It resumes on the next tick (40 ms; far more only on a loaded machine); the device had
    // run dry, so the reply starts playing at once.
    expect(performance.now() - enqueuedAt).toBeLessThan(1_000);
    expect(heardIn).toBeGreaterThanOrEqual(0);
    expect(heardIn).toBeLessThan(player.leadMs);
    await waitFor(() => !player.playing, 5_000, 'end');
    await player.stop();

    // The file is what a user heard: both replies whole, the gap between them silence as long
    // as it lasted on the clock.
    const { x } = readWavSamples(path);
    const s1 = firstNonZero(x);
    const e1 = s1 + a.length / 2;
    const s2 = firstNonZero(x.subarray(e1)) + e1;
    expect(x.subarray(e1, s2).every((v) => v === 0)).toBe(true);
    // The first reply was all written (up to the lead ahead) before the 900 ms waited above.
    const gapMs = ((s2 - e1) / RATE) * 1000;
    expect(gapMs).toBeGreaterThan(enqueuedAt - endedAt - ROOMY_LEAD_MS);
    const both = Buffer.concat([
      Buffer.from(x.subarray(s1, e1).buffer, s1 * 2, a.length),
      Buffer.from(x.subarray(s2, s2 + a.length / 2).buffer, s2 * 2, a.length),
    ]);
    expect(both.equals(Buffer.concat([a, a]))).toBe(true);
  });

  it('a reply streamed a frame at a time plays without a hole after its first frame', async () => {
    const path = wavPath();
    const player = await openPlayer(new WavFileSink(path, RATE), { leadMs: ROOMY_LEAD_MS });
    const frame = tone(20, 440, 10_000, RATE, Math.PI / 4);
    const replies = 8;
    for (let reply = 0; reply < replies; reply++) {
      // Silence between replies, then 200 ms streamed at real time, as a server sends a reply
      // it is still generating: every 20 ms frame when it is due, never ahead.
      await new Promise((resolve) => setTimeout(resolve, 350 + reply * 7));
      const started = performance.now();
      for (let sent = 0; sent < 10; ) {
        const due = Math.min(10, Math.floor((performance.now() - started) / 20) + 1);
        for (; sent < due; sent++) player.enqueue(frame);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 600));
    await player.stop();
    // Stretches of tone in the file, split at holes of 10 ms or more, with where each starts.
    const { x } = readWavSamples(path);
    const holeSamples = RATE / 100;
    const stretches: Array<{ at: number; length: number }> = [];
    let start = -1;
    let zeros = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] !== 0) {
        if (start < 0) start = i;
        zeros = 0;
      } else if (start >= 0 && ++zeros >= holeSamples) {
        stretches.push({ at: start, length: i - zeros + 1 - start });
        start = -1;
      }
    }
    // The first stretch of each reply (after the pause) is more than its first frame: a write
    // that needed two frames when one had arrived used to pad it with silence, a 20 ms hole
    // after the first word in about every other reply. (A late frame on a loaded machine can
    // leave a hole later in a reply; that is not what this checks.)
    const replyStarts = stretches.filter(
      (s, i) => i === 0 || s.at - (stretches[i - 1]!.at + stretches[i - 1]!.length) > RATE / 5,
    );
    expect(replyStarts).toHaveLength(replies);
    for (const s of replyStarts) expect((s.length / RATE) * 1000).toBeGreaterThan(40);
  });

  it('says when the device ran dry because it was fed late, and not when it was let run dry', async () => {
    let fakeNow = 0;
    const path = wavPath();
    const sink = new WavFileSink(path, RATE);
    await sink.open();
    const player = new Player(sink, { now: () => fakeNow, leadMs: 40, blockMs: 10 });
    const gaps: number[] = [];
    let writes = 0;
    player.onRanDry = (ms) => gaps.push(ms);
    player.onWrite = () => writes++;
    player.enqueue(tone(10_000, 1000));
    player.start();
    const lead = writes;
    fakeNow = 10;
    await waitFor(() => writes > lead, 5_000, 'a tick on time');
    expect(gaps).toEqual([]);
    // The pump comes 360 ms late: the device played the 210 ms it held (the cushion) and then
    // nothing for 160 ms.
    fakeNow = 370;
    await waitFor(() => gaps.length > 0, 5_000, 'the late tick');
    expect(gaps).toEqual([160]);
    await player.stop();

    // Let run dry between replies (IDLE_AFTER_MS of silence), then a new reply: not a gap.
    const real = await openPlayer(new WavFileSink(wavPath(), RATE), { leadMs: ROOMY_LEAD_MS });
    const realGaps: number[] = [];
    real.onRanDry = (ms) => realGaps.push(ms);
    real.enqueue(tone(300, 100, 10_000, RATE));
    await waitFor(() => real.playing, 5_000, 'first reply');
    await new Promise((resolve) => setTimeout(resolve, IDLE_AFTER_MS + 500));
    real.enqueue(tone(300, 100, 10_000, RATE));
    await waitFor(() => real.playing, 5_000, 'second reply');
    await real.stop();
    expect(realGaps).toEqual([]);
  });

  it('a sink that can drop gets the cushion all call long: a pump 200 ms late does not run dry', async () => {
    let fakeNow = 0;
    const written: number[] = [];
    const sink = new (class extends WavFileSink {
      override write(pcm: Buffer): void {
        written.push(pcm.length / 2 / (RATE / 1000));
        super.write(pcm);
      }
    })(wavPath(), RATE);
    await sink.open();
    const player = new Player(sink, { now: () => fakeNow, leadMs: 40, blockMs: 10 });
    const gaps: number[] = [];
    player.onRanDry = (ms) => gaps.push(ms);
    // Nothing queued: the lead of silence, no more (the cushion is queued audio only).
    player.start();
    expect(written).toEqual([40]);
    // A reply queued ahead goes to the device up to 200 ms past the play position, no hold
    // needed, and is topped up to that on every write. (With the lead alone, a pump 200 ms
    // late would leave the device dry for 160 ms.)
    player.enqueue(tone(10_000, 1000));
    fakeNow = 10;
    await waitFor(() => written.length > 1, 5_000, 'the reply');
    expect(written).toEqual([40, 170]);
    fakeNow = 20;
    await waitFor(() => written.length > 2, 5_000, 'a tick on time');
    expect(written).toEqual([40, 170, 10]);
    // The pump comes 200 ms late: the device still held queued audio.
    fakeNow = 220;
    await waitFor(() => written.length > 3, 5_000, 'a tick 200 ms late');
    expect(written.at(-1)).toBe(200);
    expect(gaps).toEqual([]);
    // Later than the cushion, it runs dry all the same, and says so.
    fakeNow = 580;
    await waitFor(() => gaps.length > 0, 5_000, 'a tick 360 ms late');
    expect(gaps).toEqual([160]);
    await player.stop();
  });

  it('says the agent is audible until the device has played what it was written, after it stops writing audio', async () => {
    let fakeNow = 0;
    const sink = new WavFileSink(wavPath(), RATE);
    await sink.open();
    const player = new Player(sink, { now: () => fakeNow, leadMs: 40, blockMs: 10 });
    // 100 ms of reply sent ahead: 60 ms of it goes to the device at once (the cushion, less
    // the reply margin, which stays queued until the lead needs it).
    player.enqueue(tone(100, 1000));
    player.start();
    expect(player.playing).toBe(true);
    expect(player.audible).toBe(true);
    // The clock moves 10 ms for each turn of the pump's own timer (10 ms): the lead takes the
    // rest of the reply, then silence after it.
    for (fakeNow = 10; player.playing && fakeNow < 100; fakeNow += 10) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(player.playing).toBe(false);
    expect(player.queuedMs).toBe(0);
    // Written out, not yet heard: the room still hears the agent until 100 ms.
    expect(player.audible).toBe(true);
    fakeNow = 99;
    expect(player.audible).toBe(true);
    fakeNow = 100;
    expect(player.audible).toBe(false);
    // A barge-in drops what the device held: nothing more is heard.
    player.enqueue(tone(100, 1000));
    fakeNow = 110;
    await waitFor(() => player.playing, 5_000, 'the next reply');
    player.clear();
    expect(player.audible).toBe(false);
    await player.stop();
  });

  it('after an event-loop stall it resumes at the play position instead of bursting the missed time into the device', async () => {
    let fakeNow = 0;
    const path = wavPath();
    const written: number[] = [];
    const sink = new (class extends WavFileSink {
      override write(pcm: Buffer): void {
        written.push(pcm.length / 2 / (RATE / 1000));
        super.write(pcm);
      }
    })(path, RATE);
    await sink.open();
    const player = new Player(sink, { now: () => fakeNow, leadMs: 40, blockMs: 10 });
    let heardMs = 0;
    player.onBlock = (pcm) => {
      heardMs += pcm.length / 2 / (RATE / 1000);
    };
    player.enqueue(tone(10_000, 1000));
    player.start();
    expect(written).toEqual([200]); // the cushion of the queued reply, written at once
    expect(heardMs).toBe(0); // none of it has played yet
    fakeNow = 5_000; // five seconds "pass" in one go
    await waitFor(() => written.length > 1, 5_000, 'pump after stall');
    // The device ran dry and played silence meanwhile: the pump writes the cushion again from
    // the play position, not the five seconds it missed.
    expect(written).toEqual([200, 200]);
    // What was written before the stall has played; the new write has not.
    expect(heardMs).toBe(200);
    fakeNow += 10;
    await waitFor(() => written.length > 2, 5_000, 'next tick');
    expect(written).toEqual([200, 200, 10]);
    expect(heardMs).toBe(210);
    await player.stop();
    // Nothing was lost from the queue: the stall cost device time, not agent audio.
    expect(player.queuedMs).toBeCloseTo(10_000 - 410, 5);
    // Closing plays out what the device held.
    expect(heardMs).toBe(410);
  });

  it('counts agent audio written beyond the play position as unplayed, up to 200 ms of it after a hold', async () => {
    let fakeNow = 0;
    const sink = new WavFileSink(wavPath(), RATE);
    await sink.open();
    const player = new Player(sink, { now: () => fakeNow, leadMs: 40, blockMs: 10 });
    const release = player.hold();
    player.enqueue(tone(1_000, 1000));
    player.start();
    // Held: the device gets the lead of silence, and the whole reply waits.
    expect(player.playing).toBe(false);
    expect(player.unplayedMs).toBe(1_000);
    release();
    fakeNow = 10;
    await waitFor(() => player.playing, 5_000, 'the released reply');
    // The cushion: the reply goes ahead to 200 ms past the play position (10 ms), after the
    // 30 ms of silence still ahead; none of it has played, and none of it is queued any more.
    expect(player.queuedMs).toBe(1_000 - 170);
    expect(player.unplayedMs).toBe(1_000);
    fakeNow = 110;
    await waitFor(() => player.queuedMs < 830, 5_000, 'the next write');
    expect(player.unplayedMs).toBe(1_000 - 70);
    player.clear();
    expect(player.unplayedMs).toBe(0);
    await player.stop();
  });

  it('reports a reply queued right behind another where it is heard, though the audio never stops', async () => {
    let fakeNow = 0;
    const sink = new WavFileSink(wavPath(), RATE);
    await sink.open();
    const player = new Player(sink, { now: () => fakeNow, leadMs: 40, blockMs: 10 });
    const starts: Array<{ at: number; reply: number | undefined }> = [];
    const stops: number[] = [];
    player.onPlaybackStart = (ms, reply) => starts.push({ at: fakeNow + ms, reply });
    player.onPlaybackStop = (ms) => stops.push(fakeNow + ms);
    let writes = 0;
    player.onWrite = () => writes++;
    // The greeting, still playing when the answer comes (a client behind the server's clock):
    // the answer's audio follows it with no silence between, mid-block.
    player.enqueue(tone(95, 1000), 0);
    player.enqueue(tone(100, 500), 2);
    // Both go to the device ahead (the cushion), and each is reported where it is heard. The
    // pump's own timer runs every 10 ms; the clock moves 10 ms for each of its turns.
    player.start();
    for (fakeNow = 10; fakeNow <= 300; fakeNow += 10) {
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await waitFor(() => stops.length >= 2, 5_000, 'the answer to end');
    await player.stop();
    // Each start where it is heard, with the reply it starts; the greeting stops there too.
    expect(starts).toEqual([
      { at: 0, reply: 0 },
      { at: 95, reply: 2 },
    ]);
    expect(stops).toEqual([95, 195]);
  });

  it('caps the queue: a flood keeps the newest audio and counts what was dropped', async () => {
    const sink = new WavFileSink(wavPath(), RATE);
    await sink.open();
    const player = new Player(sink, { maxQueueMs: 1_000 });
    for (let i = 0; i < 30; i++) player.enqueue(tone(100, 1000));
    expect(player.queuedMs).toBe(1000);
    expect(player.overflowBytes).toBe(bytesForMs(2000, RATE));
    await player.stop();
  });
});

describe('Player when the device goes away', () => {
  it('stops writing and reports one line once when sox dies mid-call', async () => {
    const dir = tempDir();
    const prevHome = process.env.HOME;
    process.env.HOME = alsaFileHome(dir.dir).home;
    try {
      const sink = new SoxPlaySink(RATE);
      const errors: string[] = [];
      const player = await openPlayer(sink, { onError: (m) => errors.push(m) });
      player.enqueue(tone(2000, 1000));
      await waitFor(() => player.playing, 5_000, 'playing');
      process.kill(sink.pid!, 'SIGKILL');
      await waitFor(() => errors.length > 0, 10_000, 'error report');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^sox play stopped: /);
      expect(errors[0]).not.toContain('\n');
      expect(player.playing).toBe(false);
      // Nothing waits to be played on a device that is gone, now or later: a queue that never
      // drains would read as a reply still playing (and held plain mode's lines).
      expect(player.queuedMs).toBe(0);
      expect(player.unplayedMs).toBe(0);
      player.enqueue(tone(500, 1000));
      expect(player.queuedMs).toBe(0);
      await player.stop();
    } finally {
      process.env.HOME = prevHome;
      dir.cleanup();
    }
  });
});
