import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { writeErrorReason } from '../../text/file-errors.js';
import type { AudioSink } from '../types.js';
import { WAV_HEADER_BYTES, wavHeader } from '../wav.js';

/** How often the header's sizes are brought up to date while writing (ms of audio). */
export const WAV_HEADER_REFRESH_MS = 1_000;
/**
 * Audio is collected for this long before one write: a syscall per 10 ms block costs more CPU
 * than everything else on the playback path, and a crash loses at most this much more.
 */
export const WAV_WRITE_BATCH_MS = 100;

/**
 * A write to a WAV file that failed after it was opened (a full disk, an I/O error, the file
 * removed): `reason` in words (`the disk is full`), the message naming the file. The owner
 * stops writing and calls {@link WavWriter.abandon}: the file keeps what reached it.
 */
export class WavWriteError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot write ${path}: ${reason}`);
    this.name = 'WavWriteError';
  }
}

/** Added to a write error's message when the header could not be fixed after it either. */
export const HEADER_STALE = ' (and its header could not be brought up to date)';

/** Said when the file was removed while open (`nlink` 0): what is written goes nowhere. */
export const WAV_FILE_REMOVED = 'the file was removed';

/**
 * A growing s16le WAV file with `channels` channels, written with synchronous positional writes.
 * The header is written first with a data size of 0 (which readers treat as "to the end of the
 * file") and its sizes are refreshed every {@link WAV_HEADER_REFRESH_MS} of audio and on close,
 * so a process killed mid-write still leaves a file that parses.
 */
export class WavWriter {
  private fd: number | undefined;
  /** Bytes of sample data on disk, whole frames. */
  private dataBytes = 0;
  private bytesAtLastHeader = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly frameBytes: number;
  private readonly refreshBytes: number;
  private readonly batchBytes: number;

  constructor(
    readonly path: string,
    readonly sampleRate: number,
    readonly channels: number,
  ) {
    this.frameBytes = 2 * channels;
    this.refreshBytes = Math.round((WAV_HEADER_REFRESH_MS * sampleRate) / 1000) * this.frameBytes;
    this.batchBytes = Math.round((WAV_WRITE_BATCH_MS * sampleRate) / 1000) * this.frameBytes;
  }

  /** Bytes of sample data appended so far. */
  get byteLength(): number {
    return this.dataBytes + this.pendingBytes;
  }

  /** Milliseconds of audio on disk. */
  get writtenMs(): number {
    return (this.dataBytes / this.frameBytes / this.sampleRate) * 1000;
  }

  /**
   * Create or truncate the file and write the header. A second call does nothing. Throws one
   * line when the file cannot be made; a {@link WavWriteError} when the header cannot be
   * written in it (a disk full already), the file then closed.
   */
  open(): void {
    if (this.fd !== undefined) return;
    try {
      this.fd = openSync(this.path, 'w');
    } catch (err) {
      // A disk with no room (no inode left, a quota) or an I/O error refuses the file as it
      // would refuse a write: the owner stops that file, as after a write, not the call.
      if (isErrno(err) && REFUSED_AS_A_WRITE.has(err.code ?? '')) throw this.writeError(err);
      throw new Error(`cannot write ${this.path}: ${writeErrorReason(err)}`);
    }
    try {
      this.writeHeader(0);
    } catch (err) {
      this.abandon();
      throw err;
    }
  }

  /**
   * Append interleaved samples (copied, so callers may reuse the buffer). Throws a
   * {@link WavWriteError} when the disk refuses.
   */
  append(pcm: Buffer): void {
    if (this.fd === undefined) throw new Error(`${this.path} is not open`);
    this.pending.push(Buffer.from(pcm));
    this.pendingBytes += pcm.length;
    if (this.pendingBytes >= this.batchBytes) this.flush();
  }

  /**
   * Write what is batched, and bring the header up to date if a second has passed (checking
   * first that the file is still there). Throws a {@link WavWriteError} when the disk refuses:
   * what reached it counts, in whole frames, and the rest of the batch is dropped.
   */
  flush(): void {
    if (this.fd === undefined || this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    let written = 0;
    try {
      while (written < bytes) {
        const at = WAV_HEADER_BYTES + this.dataBytes + written;
        written += writeSync(this.fd, data, written, bytes - written, at);
      }
    } catch (err) {
      // A disk that fills takes part of a write: that part is in the file, and the header says so.
      this.dataBytes += written - (written % this.frameBytes);
      throw this.writeError(err);
    }
    this.dataBytes += bytes;
    if (this.dataBytes - this.bytesAtLastHeader >= this.refreshBytes) {
      this.checkPresent();
      this.writeHeader(this.dataBytes);
    }
  }

  /**
   * Throws a {@link WavWriteError} when the file is no longer in any folder (it, or its
   * folder, was removed while open): the writes still succeed, into a file no one can open.
   */
  checkPresent(): void {
    if (this.fd === undefined) return;
    let links: number;
    try {
      links = fstatSync(this.fd).nlink;
    } catch (err) {
      throw this.writeError(err);
    }
    if (links === 0) throw new WavWriteError(this.path, WAV_FILE_REMOVED);
  }

  /**
   * Write what is batched, the header, and close the file. Throws a {@link WavWriteError} when
   * the disk refuses; the file is then still open, for {@link abandon}.
   */
  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    this.writeHeader(this.dataBytes);
    const fd = this.fd;
    this.fd = undefined;
    try {
      // A network file system says a full disk or an I/O error at the close.
      closeSync(fd);
    } catch (err) {
      throw this.writeError(err);
    }
  }

  /**
   * Give the file up after a write failed: what is batched is dropped, the header is brought to
   * what the file holds (so players play what was written, not nothing), and the file is
   * closed. Returns false when the header could not be written either (the disk's own error).
   */
  abandon(): boolean {
    const fd = this.fd;
    if (fd === undefined) return true;
    this.fd = undefined;
    this.pending = [];
    this.pendingBytes = 0;
    let fixed = true;
    try {
      this.writeHeaderTo(fd, this.dataBytes);
    } catch (err) {
      if (!isErrno(err)) throw err;
      fixed = false;
    }
    try {
      closeSync(fd);
    } catch (err) {
      // The file is given up already, for a reason said: a close that fails as well (EIO on a
      // network file system) adds nothing to say.
      if (!isErrno(err)) throw err;
    }
    return fixed;
  }

  /**
   * {@link abandon} after `err`, and what to say of it: its message, and that the header is
   * stale when it could not be fixed either.
   */
  giveUp(err: WavWriteError): string {
    return `${err.message}${this.abandon() ? '' : HEADER_STALE}`;
  }

  private writeHeader(dataBytes: number): void {
    if (this.fd === undefined) return;
    try {
      this.writeHeaderTo(this.fd, dataBytes);
    } catch (err) {
      throw this.writeError(err);
    }
  }

  private writeHeaderTo(fd: number, dataBytes: number): void {
    const header = wavHeader({ sampleRate: this.sampleRate, channels: this.channels, dataBytes });
    writeSync(fd, header, 0, header.length, 0);
    this.bytesAtLastHeader = dataBytes;
  }

  /** A file system's error as a {@link WavWriteError}; anything else as it is. */
  private writeError(err: unknown): Error {
    if (!isErrno(err)) return err instanceof Error ? err : new Error(String(err));
    return new WavWriteError(this.path, writeErrorReason(err));
  }
}

/** An error from the file system (it has an errno code), not a bug of ours. */
function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}

/** Errors opening a file that are the disk refusing it, as a write would be refused. */
const REFUSED_AS_A_WRITE = new Set(['ENOSPC', 'EDQUOT', 'EFBIG', 'EIO']);

/** Options for {@link WavFileSink}. */
export interface WavFileSinkOptions {
  /** The device's clock in ms (monotonic). Default `performance.now()`. */
  readonly now?: () => number;
}

/**
 * Plays into a mono WAV file, modelled on a sound card so the file holds exactly what a user
 * would have heard, silence included (tests and `--output file.wav` rely on that):
 *
 * - Its clock starts when the call's audio starts (`startClock`; else at the first write); byte i of
 *   the device timeline plays i/rate s later.
 *   What was written but has not played yet is held in memory; audio whose time has come goes
 *   to the file (through {@link WavWriter}'s 100 ms batches). No timer of its own: it catches
 *   up on each write, drop and close.
 * - When the writer falls behind the clock the device runs dry and plays silence: the gap is
 *   written as zeros, and later audio plays from the current position.
 * - `drop(keepBytes)` discards what it holds beyond `keepBytes` (barge-in).
 * - `close()` plays out what it holds, and the silence up to the moment of closing: the file is
 *   the device's timeline for the whole call, so it lines up with `--input` and `--record`.
 */
export class WavFileSink implements AudioSink {
  readonly description: string;
  private readonly writer: WavWriter;
  private readonly now: () => number;
  private errorHandler: ((message: string, reason?: string) => void) | undefined;
  private broken = false;
  private startedAt: number | undefined;
  /** Device-timeline bytes played (gone to the file). */
  private playedBytes = 0;
  /** Written and not played yet, in order; it starts at `playedBytes`. */
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(
    readonly path: string,
    readonly sampleRate: number,
    options: WavFileSinkOptions = {},
  ) {
    this.description = `WAV file ${path}`;
    this.writer = new WavWriter(path, sampleRate, 1);
    this.now = options.now ?? (() => performance.now());
  }

  /** Device-timeline bytes written so far (played, or held to play). */
  get timelineBytes(): number {
    return this.playedBytes + this.heldBytes;
  }

  /** Bytes written and not yet played: what a barge-in can still drop. */
  get bufferedBytes(): number {
    return this.heldBytes;
  }

  async open(): Promise<void> {
    this.writer.open();
  }

  startClock(): void {
    this.startedAt ??= this.now();
  }

  write(pcm: Buffer, atBytes?: number): void {
    if (this.broken || pcm.length === 0) return;
    const now = this.now();
    this.startedAt ??= now;
    // After a dry spell the block starts where the player put it, not later: the player read
    // its clock a moment before ours, and a pause in between (GC on a loaded machine) put 15 ms
    // more silence in the file than in the recording, which follows the player's timeline.
    const clock = this.clockBytes(now);
    const after = atBytes !== undefined && atBytes >= this.playedBytes + this.heldBytes;
    this.guard(() => this.play(after ? Math.min(clock, atBytes) : clock, true));
    // A copy: the caller may reuse its buffer.
    this.held.push(Buffer.from(pcm));
    this.heldBytes += pcm.length;
  }

  drop(keepBytes: number): void {
    if (this.broken || this.startedAt === undefined) return;
    this.guard(() => this.play(this.clockBytes(this.now()), false));
    const keep = Math.max(0, keepBytes - this.playedBytes);
    if (keep >= this.heldBytes) return;
    this.held = keep > 0 ? [Buffer.concat(this.held, this.heldBytes).subarray(0, keep)] : [];
    this.heldBytes = keep;
  }

  async close(): Promise<void> {
    if (!this.broken && this.startedAt !== undefined) {
      // What it holds plays out; a device that ran dry played silence until now.
      const to = Math.max(this.timelineBytes, this.clockBytes(this.now()));
      this.guard(() => this.play(to, true));
    }
    // Broken, the file was given up already (its header fixed then).
    this.guard(() => this.writer.close());
  }

  onError(handler: (message: string, reason?: string) => void): void {
    this.errorHandler = handler;
  }

  /** Device-timeline bytes the clock has reached at `now` (whole samples). */
  private clockBytes(now: number): number {
    const elapsed = now - (this.startedAt ?? now);
    return Math.max(0, Math.round((elapsed * this.sampleRate) / 1000)) * 2;
  }

  /**
   * Send what is held up to timeline position `to` to the file. When `to` lies beyond what was
   * written and `fillGap` is set, the device ran dry: the gap is silence.
   */
  private play(to: number, fillGap: boolean): void {
    let due = to - this.playedBytes;
    while (due > 0 && this.held.length > 0) {
      const head = this.held[0]!;
      const take = Math.min(due, head.length);
      this.writer.append(take === head.length ? head : head.subarray(0, take));
      if (take === head.length) this.held.shift();
      else this.held[0] = head.subarray(take);
      this.heldBytes -= take;
      this.playedBytes += take;
      due -= take;
    }
    if (due > 0 && fillGap) {
      this.writer.append(Buffer.alloc(due));
      this.playedBytes += due;
    }
  }

  /**
   * Runs a step that writes the file. When the disk refuses, the device is lost: the file is
   * given up with its header fixed to what it holds, and the handler told once, with why.
   */
  private guard(action: () => void): void {
    try {
      action();
    } catch (err) {
      if (!(err instanceof WavWriteError)) throw err;
      this.broken = true;
      const message = this.writer.giveUp(err);
      if (this.errorHandler) this.errorHandler(message, err.reason);
      else throw err;
    }
  }
}
