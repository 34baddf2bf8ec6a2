/**
 * `--record` when the file cannot be written on mid-call: a full disk, an I/O error, a
 * permission taken away (a network or FUSE file system checks it on each write), the file's
 * folder removed. The recording stops once, says why and where, fixes its header to what it
 * holds, and never throws into the call. Write errors are made by a `writeSync` that fails on
 * cue; the folder is removed for real.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CallRecorder, type RecordingStop } from '../../source/audio/recorder.js';
import { WavWriteError } from '../../source/audio/sinks/wav-sink.js';
import { parseWav } from '../../source/audio/wav.js';
import { RATE, tempDir, tone } from './helpers.js';

/** The next data write fails with `code` after writing `partial` bytes of it. */
let fault: { code: string; partial: number; header?: boolean } | undefined;

vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, buffer: Buffer, offset: number, length: number, at: number) => {
    // The header (at 0) is written unless the fault says it fails too.
    if (fault && (at !== 0 || fault.header)) {
      if (fault.partial > 0 && at !== 0) {
        const n = Math.min(fault.partial, length);
        fault = { ...fault, partial: 0 };
        return actual.writeSync(fd, buffer, offset, n, at);
      }
      const error = Object.assign(new Error(`${fault.code}: failed, write`), {
        code: fault.code,
        syscall: 'write',
      });
      throw error;
    }
    return actual.writeSync(fd, buffer, offset, length, at);
  }) as typeof actual.writeSync;
  // The close or the open fail with `code` (a network file system says a full disk at the
  // close; a disk with no inode left refuses the open).
  const closeSync = ((fd: number) => {
    actual.closeSync(fd);
    if (closeFault)
      throw Object.assign(new Error(`${closeFault}: failed, close`), {
        code: closeFault,
        syscall: 'close',
      });
  }) as typeof actual.closeSync;
  const openSync = ((...args: Parameters<typeof actual.openSync>) => {
    if (openFault)
      throw Object.assign(new Error(`${openFault}: no space left on device, open`), {
        code: openFault,
        syscall: 'open',
      });
    return actual.openSync(...args);
  }) as typeof actual.openSync;
  const fakes = { writeSync, closeSync, openSync };
  return { ...actual, ...fakes, default: { ...actual, ...fakes } };
});

let closeFault: string | undefined;
let openFault: string | undefined;

const tmp = tempDir();
afterAll(() => tmp.cleanup());
afterEach(() => {
  fault = undefined;
  closeFault = undefined;
  openFault = undefined;
});

/** Pushes 20 ms of both sides every 20 ms of the recorder's clock, from `from` to `to` ms. */
function feed(rec: CallRecorder, clock: { now: number }, from: number, to: number): void {
  for (let t = from + 20; t <= to; t += 20) {
    clock.now = t;
    rec.pushUser(tone(20, 440));
    rec.pushAgent(tone(20, 880));
  }
}

/** The header's data size and the file's size. */
function sizes(path: string): { declared: number; onDisk: number } {
  const file = fs.readFileSync(path);
  expect(file.readUInt32LE(4)).toBe(file.readUInt32LE(40) + 36);
  return { declared: file.readUInt32LE(40), onDisk: file.length - 44 };
}

describe('CallRecorder: the file refuses a write mid-call', () => {
  it.each([
    ['ENOSPC', 'the disk is full'],
    ['EIO', 'failed'],
    ['EACCES', 'permission denied'],
    ['EDQUOT', 'the disk quota is exceeded'],
  ])(
    '%s: stops once, says why and when, and the header counts every whole frame written',
    async (code, reason) => {
      const clock = { now: 0 };
      const path = join(tmp.dir, `${code}.wav`);
      const rec = new CallRecorder(path, RATE, { now: () => clock.now });
      const stops: RecordingStop[] = [];
      rec.onStop = (stop) => stops.push(stop);
      feed(rec, clock, 0, 1_500);
      // The next write gets 1,001 bytes (250 frames and a byte) on disk, then fails.
      fault = { code, partial: 1_001 };
      expect(() => feed(rec, clock, 1_500, 3_000)).not.toThrow();
      // Said once, however much more comes; nothing more is written.
      expect(stops).toHaveLength(1);
      const stop = stops[0]!;
      expect(stop.reason).toBe(reason);
      expect(stop.message).toBe(`cannot write ${path}: ${reason}`);
      const { declared, onDisk } = sizes(path);
      expect(onDisk - declared).toBe(1);
      expect(declared % 4).toBe(0);
      expect(stop.atMs).toBe((declared / 4 / RATE) * 1000);
      expect(stop.atMs).toBeGreaterThan(1_000);
      expect(stop.atMs).toBeLessThan(1_700);
      expect(rec.stopped).toEqual(stop);
      fault = undefined;
      feed(rec, clock, 3_000, 4_000);
      await rec.close();
      expect(stops).toHaveLength(1);
      // The file plays what was recorded, and no more.
      expect(parseWav(fs.readFileSync(path)).data.length).toBe(declared);
      expect(sizes(path).declared).toBe(declared);
    },
  );

  it('a write refused at the close (the last batch): stopped, reported, the header still fixed', async () => {
    const clock = { now: 0 };
    const path = join(tmp.dir, 'at-close.wav');
    const rec = new CallRecorder(path, RATE, { now: () => clock.now });
    const stops: RecordingStop[] = [];
    rec.onStop = (stop) => stops.push(stop);
    feed(rec, clock, 0, 1_050);
    fault = { code: 'ENOSPC', partial: 0 };
    await expect(rec.close()).resolves.toBeUndefined();
    expect(stops.map((s) => s.reason)).toEqual(['the disk is full']);
    const { declared, onDisk } = sizes(path);
    expect(declared).toBe(onDisk);
    expect(declared).toBeGreaterThan(0);
  });

  it('a close the file system refuses (EIO at close): stopped and reported, close() resolves', async () => {
    const clock = { now: 0 };
    const path = join(tmp.dir, 'close-eio.wav');
    const rec = new CallRecorder(path, RATE, { now: () => clock.now });
    const stops: RecordingStop[] = [];
    rec.onStop = (stop) => stops.push(stop);
    feed(rec, clock, 0, 500);
    closeFault = 'EIO';
    await expect(rec.close()).resolves.toBeUndefined();
    expect(stops.map((s) => s.message)).toEqual([`cannot write ${path}: failed`]);
  });

  it('an open the disk refuses (ENOSPC: no inode left) is a WavWriteError, as a write is', () => {
    openFault = 'ENOSPC';
    expect(() => new CallRecorder(join(tmp.dir, 'no-inode.wav'), RATE)).toThrow(WavWriteError);
  });

  it('a header that cannot be written either: stopped once, the message says the header is stale', async () => {
    const clock = { now: 0 };
    const path = join(tmp.dir, 'header.wav');
    const rec = new CallRecorder(path, RATE, { now: () => clock.now });
    const stops: RecordingStop[] = [];
    rec.onStop = (stop) => stops.push(stop);
    feed(rec, clock, 0, 500);
    fault = { code: 'EIO', partial: 0, header: true };
    feed(rec, clock, 500, 1_500);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.message).toBe(
      `cannot write ${path}: failed (and its header could not be brought up to date)`,
    );
    fault = undefined;
    await rec.close();
    expect(stops).toHaveLength(1);
  });

  it('a disk that takes not even the header: the constructor throws a WavWriteError, with why', () => {
    const path = join(tmp.dir, 'no-header.wav');
    fault = { code: 'ENOSPC', partial: 0, header: true };
    let thrown: unknown;
    try {
      new CallRecorder(path, RATE);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WavWriteError);
    expect(thrown).toMatchObject({
      reason: 'the disk is full',
      message: `cannot write ${path}: the disk is full`,
    });
  });

  it("the file's folder removed mid-call: stopped at the next header refresh, said as removed", async () => {
    const clock = { now: 0 };
    const dir = join(tmp.dir, 'gone');
    fs.mkdirSync(dir);
    const path = join(dir, 'rec.wav');
    const rec = new CallRecorder(path, RATE, { now: () => clock.now });
    const stops: RecordingStop[] = [];
    rec.onStop = (stop) => stops.push(stop);
    feed(rec, clock, 0, 500);
    fs.rmSync(dir, { recursive: true });
    feed(rec, clock, 500, 3_000);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.reason).toBe('the file was removed');
    expect(stops[0]!.message).toBe(`cannot write ${path}: the file was removed`);
    expect(stops[0]!.atMs).toBeLessThanOrEqual(1_600);
    await rec.close();
    expect(stops).toHaveLength(1);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a file removed while the recording is closed: reported at the close', async () => {
    const clock = { now: 0 };
    const path = join(tmp.dir, 'removed-late.wav');
    const rec = new CallRecorder(path, RATE, { now: () => clock.now });
    const stops: RecordingStop[] = [];
    rec.onStop = (stop) => stops.push(stop);
    feed(rec, clock, 0, 500);
    fs.rmSync(path);
    await rec.close();
    expect(stops.map((s) => s.reason)).toEqual(['the file was removed']);
  });
});
