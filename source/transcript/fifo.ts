/**
 * Writing to a FIFO by its name without ever blocking the event loop. A plain `open` of a FIFO
 * for writing waits in the kernel until something opens it for reading, and a write into a full
 * pipe waits until it is read: done synchronously, either one froze the app for ever, deaf to
 * Ctrl+C and SIGTERM (`--transcript ff` with nothing reading ff). Here the open does not wait
 * (O_NONBLOCK: no reader is ENXIO at once) and is tried again on a timer for a bounded time, so
 * a reader that comes late still gets the text; a full pipe is waited on the same way.
 */

import * as fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { secondsText } from '../text/durations.js';
import { fileError } from '../text/file-errors.js';

/** How long the end of a call waits for something to read a FIFO nobody reads yet. */
export const FIFO_READER_WAIT_MS = 10_000;
/** A reader that takes nothing from a full pipe for this long has stopped reading. */
export const FIFO_STALL_MS = 10_000;
/** How often the open is tried again while waiting for a reader. */
const OPEN_RETRY_MS = 100;
/** How often a full pipe is tried again. */
const WRITE_RETRY_MS = 10;

/**
 * Opens the FIFO at `path` for writing, now: its descriptor (non-blocking), or undefined when
 * nothing has it open for reading. A socket by its name cannot be opened at all: said so.
 * Throws any other failure (permission denied).
 */
export function openFifoNow(path: string): number | undefined {
  try {
    return fs.openSync(
      path,
      fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
    if (fs.statSync(path, { throwIfNoEntry: false })?.isSocket()) {
      throw fileError('ENXIO', 'it is a socket, which cannot be written to by its name', path);
    }
    return undefined;
  }
}

export interface FifoWriteOptions {
  /** A descriptor from {@link openFifoNow} (a reader was there then); closed when done. */
  readonly fd?: number;
  /** How long to wait for a reader when there is none (0: only now). */
  readonly waitMs?: number;
  /** Stops every wait: for a reader, and for a full pipe to be read. */
  readonly signal?: AbortSignal;
}

/**
 * Writes `text` to the FIFO at `path` and closes it (the reader sees its end), without blocking:
 * waits up to `waitMs` for a reader, and for a full pipe as long as the reader keeps reading.
 * Rejects with an error whose `reason` says why in words: nothing reads from it (with how long
 * it waited, or that the wait was stopped), its reader stopped reading, it left.
 */
export async function writeToFifo(
  path: string,
  text: string,
  options: FifoWriteOptions = {},
): Promise<void> {
  const waitMs = options.waitMs ?? 0;
  const { signal } = options;
  let fd = options.fd;
  const bytes = Buffer.from(text, 'utf8');
  for (let attempt = 0; ; attempt++) {
    if (fd === undefined) fd = await openWhenRead(path, waitMs, signal);
    try {
      await writeAll(fd, bytes, path, signal);
      return;
    } catch (error) {
      // The reader there at the start left before a byte was written (`head` done, a `cat`
      // stopped): another may come, as for a FIFO nobody read.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EPIPE' || attempt > 0 || (error as { written?: number }).written) throw error;
    } finally {
      fs.closeSync(fd);
    }
    fd = undefined;
  }
}

/** The FIFO opened once a reader has it, within `waitMs`; else nothing reads from it. */
async function openWhenRead(path: string, waitMs: number, signal?: AbortSignal): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const fd = openFifoNow(path);
    if (fd !== undefined) return fd;
    if (signal?.aborted) {
      throw fileError('ENXIO', 'nothing reads from it (the wait for a reader was stopped)', path);
    }
    if (Date.now() >= deadline) {
      const waited = waitMs > 0 ? ` (waited ${secondsText(waitMs)} for a reader)` : '';
      throw fileError('ENXIO', `nothing reads from it${waited}`, path);
    }
    await pause(Math.min(OPEN_RETRY_MS, Math.max(1, deadline - Date.now())), signal);
  }
}

/** All of `bytes` into the non-blocking `fd`, waiting on a full pipe while it is being read. */
async function writeAll(
  fd: number,
  bytes: Buffer,
  path: string,
  signal?: AbortSignal,
): Promise<void> {
  let at = 0;
  let progressAt = Date.now();
  while (at < bytes.length) {
    try {
      at += fs.writeSync(fd, bytes, at);
      progressAt = Date.now();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN') throw Object.assign(error as Error, { written: at });
      if (signal?.aborted) {
        throw fileError('EAGAIN', 'its reader did not take all of it (the wait was stopped)', path);
      }
      if (Date.now() - progressAt >= FIFO_STALL_MS) {
        const stalled = `its reader stopped reading (nothing read for ${secondsText(FIFO_STALL_MS)})`;
        throw fileError('EAGAIN', stalled, path);
      }
      await pause(WRITE_RETRY_MS, signal);
    }
  }
}

/** A pause the signal cuts short (the loops then see it aborted). */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch {
    // Aborted: the caller looks at the signal.
  }
}

/**
 * Writes `text` to the FIFO at `path` now, for code that cannot wait (a synchronous write):
 * nothing reading it, or a pipe too full to take it all at once, is an error, never a wait.
 */
export function writeFifoNow(path: string, text: string): void {
  const fd = openFifoNow(path);
  if (fd === undefined) throw fileError('ENXIO', 'nothing reads from it', path);
  try {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length; ) {
      try {
        at += fs.writeSync(fd, bytes, at);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        throw fileError('EAGAIN', 'its reader did not take all of it at once', path);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
