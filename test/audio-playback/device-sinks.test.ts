import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlayer } from '../../source/audio/player.js';
import { SoxPlaySink } from '../../source/audio/sinks/sox-play-sink.js';
import { SpeakerSink } from '../../source/audio/sinks/speaker-sink.js';
import { soxInstallHint } from '../../source/audio/sox.js';
import type { AudioSink } from '../../source/audio/types.js';
import { alsaFileHome, firstNonZero, RATE, samples, tempDir, tone, waitFor } from './helpers.js';

// Real speaker and real sox, "playing" into a file through an ALSA file device under a
// temporary HOME (no sound card here). Children inherit HOME, so only this file sees it.
const tmp = tempDir();
const alsa = alsaFileHome(tmp.dir);
const prevHome = process.env.HOME;
beforeAll(() => {
  process.env.HOME = alsa.home;
});
afterAll(() => {
  process.env.HOME = prevHome;
  tmp.cleanup();
});

/** Play `pcm` through a player into `sink`; resolve with what reached the ALSA device file. */
async function playThrough(sink: AudioSink, pcm: Buffer): Promise<Int16Array> {
  const player = await openPlayer(sink);
  player.enqueue(pcm);
  await waitFor(() => player.playing, 10_000, 'playback start');
  await waitFor(() => !player.playing && player.queuedMs === 0, 10_000, 'playback end');
  await player.stop();
  return samples(readFileSync(alsa.out));
}

function expectToneInside(x: Int16Array, pcm: Buffer): void {
  const start = firstNonZero(x);
  expect(start).toBeGreaterThanOrEqual(0);
  const got = x.subarray(start, start + pcm.length / 2);
  expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(pcm)).toBe(true);
  expect(x.subarray(start + pcm.length / 2).every((v) => v === 0)).toBe(true);
}

describe('SpeakerSink (the real speaker package, in its child process)', () => {
  it('plays a tone into the default ALSA device sample for sample', async () => {
    const pcm = tone(500, 1000, 10_000, RATE, Math.PI / 4);
    const x = await playThrough(new SpeakerSink(RATE), pcm);
    expectToneInside(x, pcm);
  });

  for (const nativeFlush of [true, false]) {
    it(`drop: the device receives no more of the old audio, and new audio plays whole (native flush ${nativeFlush ? 'on' : 'off'})`, async () => {
      const sink = new SpeakerSink(RATE, { nativeFlush });
      await sink.open();
      // 10 s of old audio in one write (the pipe takes it in many reads, the child writes it
      // natively a 40 ms frame at a time), dropped at once: nearly all of it is still in the
      // parent's pipe buffer or the child's queue.
      const old = tone(10_000, 1000, 10_000, RATE, Math.PI / 4);
      const fresh = tone(300, 500, 8_000, RATE, Math.PI / 3);
      sink.write(old);
      sink.drop(0);
      await waitFor(() => sink.dropsDone === 1, 10_000, 'drop done');
      expect(sink.lastDropFlushed).toBe(nativeFlush);
      sink.write(fresh);
      await sink.close();

      const x = samples(readFileSync(alsa.out));
      // The device file: the child's opening silence, whatever of the old audio had been
      // written natively before the drop, then the new audio, bit-exact, and nothing after.
      const start = firstNonZero(x);
      const freshAt = x.length - fresh.length / 2;
      const got = x.subarray(freshAt);
      expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(fresh)).toBe(true);
      const oldPart = x.subarray(start, freshAt);
      expect(oldPart.length).toBeLessThan(old.length / 2 / 2);
      const want = old.subarray(0, oldPart.length * 2);
      expect(Buffer.from(oldPart.buffer, oldPart.byteOffset, oldPart.byteLength).equals(want)).toBe(
        true,
      );
    });
  }

  it('rejects open with one line when the named device does not exist', async () => {
    const sink = new SpeakerSink(RATE, { device: 'no-such-device' });
    const err = await sink.open().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/open/i);
    expect(err?.message).not.toContain('\n');
  });

  it('reports a lost device once, in one line, and the player stops writing', async () => {
    const sink = new SpeakerSink(RATE);
    const errors: string[] = [];
    const player = await openPlayer(sink, { onError: (m) => errors.push(m) });
    player.enqueue(tone(3000, 1000));
    await waitFor(() => player.playing, 10_000, 'playing');
    process.kill(sink.pid!, 'SIGKILL');
    await waitFor(() => errors.length > 0, 10_000, 'error');
    expect(errors).toEqual([expect.stringMatching(/^speaker output stopped: /)]);
    expect(player.playing).toBe(false);
    await player.stop();
  });
});

describe('SoxPlaySink (real sox)', () => {
  it('plays a tone on the default device (-d)', async () => {
    const pcm = tone(500, 700, 9_000, RATE, Math.PI / 3);
    expectToneInside(await playThrough(new SoxPlaySink(RATE), pcm), pcm);
  });

  it('plays a tone on a named ALSA device', async () => {
    const pcm = tone(300, 1200, 9_000, RATE, Math.PI / 3);
    expectToneInside(await playThrough(new SoxPlaySink(RATE, { device: 'default' }), pcm), pcm);
  });

  it('says how to install sox when it is missing', async () => {
    const sink = new SoxPlaySink(RATE, { soxPath: '/nonexistent/sox' });
    await expect(sink.open()).rejects.toThrow(`sox is not installed (${soxInstallHint()})`);
  });

  it('says why sox could not play in its own words, without its "sox FAIL sox:" prefix', async () => {
    // No default device: an ALSA without a card, and no PulseAudio server.
    const saved = { HOME: process.env.HOME, PULSE_SERVER: process.env.PULSE_SERVER };
    const home = join(tmp.dir, 'no-device-home');
    mkdirSync(home, { recursive: true });
    process.env.HOME = home;
    process.env.PULSE_SERVER = `unix:${join(home, 'no-server')}`;
    try {
      const message = await new SoxPlaySink(RATE).open().then(
        () => 'opened',
        (error: Error) => error.message,
      );
      expect(message).toMatch(/^sox play stopped: Sorry, there is no default audio device/);
      expect(message).not.toMatch(/FAIL|sox:/);
    } finally {
      process.env.HOME = saved.HOME;
      if (saved.PULSE_SERVER === undefined) delete process.env.PULSE_SERVER;
      else process.env.PULSE_SERVER = saved.PULSE_SERVER;
    }
  });

  it('passes on sox’s own reason when the device cannot be opened', async () => {
    const sink = new SoxPlaySink(RATE, { device: 'no-such-device' });
    await expect(sink.open()).rejects.toThrow(/^sox play stopped: .*no-such-device/);
  });
});
