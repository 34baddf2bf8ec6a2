import { bytesForMs } from '../constants.js';

/** Most audio sent faster than real time after the capture process stalled. */
export const MAX_CATCH_UP_MS = 200;
/** Most captured audio allowed to wait unsent before the oldest is dropped. */
export const MAX_BACKLOG_MS = 200;

/** Tuning for {@link CapturePacer}. */
export interface CapturePacerOptions {
  frameMs: number;
  sampleRate: number;
  maxCatchUpMs?: number;
  maxBacklogMs?: number;
}

/** What to do with the bytes waiting in the capture stream right now. */
export interface PacerPlan {
  /** Discard this many of the oldest queued bytes first (whole frames). */
  dropBytes: number;
  /** Then hand out this many frames. */
  sendFrames: number;
}

/**
 * Decides when captured audio may go out, so the server gets one second of audio per second
 * whatever the capture process does. Pure: the caller reports arrivals and asks for a plan
 * with its own clock.
 *
 * - A clock started at the first arrival makes `floor(elapsed / frameMs) + 1` frames due (one
 *   frame of lead so a frame leaves as soon as it is complete); never more are sent.
 * - If capture stalls, the missed time is owed, but only up to `maxCatchUpMs`: the rest is
 *   forgiven, so no long burst is invented later.
 * - A live device cannot deliver audio from the future, so more audio received than the clock
 *   allows means a faster-than-real-time device (an ALSA file device, a pipe): it is simply
 *   read at the clock's pace. Otherwise audio waiting beyond the larger of what is owed and
 *   `maxBacklogMs` is stale (we fell behind) and the oldest part is dropped to cut latency.
 */
export class CapturePacer {
  readonly frameBytes: number;
  private readonly frameMs: number;
  private readonly sampleRate: number;
  private readonly maxCatchUpFrames: number;
  private readonly maxBacklogBytes: number;
  private startAt: number | undefined;
  private receivedBytes = 0;
  /** Clock slots used up, by frames sent or forgiven. */
  private slots = 0;

  /** Frames handed out. */
  sentFrames = 0;
  /** Stale bytes dropped to cut latency. */
  droppedBytes = 0;
  /** Frames of clock time that passed with no audio and were not made up for. */
  forgivenFrames = 0;

  constructor(options: CapturePacerOptions) {
    this.frameMs = options.frameMs;
    this.sampleRate = options.sampleRate;
    this.frameBytes = bytesForMs(options.frameMs, options.sampleRate);
    this.maxCatchUpFrames = Math.max(
      1,
      Math.round((options.maxCatchUpMs ?? MAX_CATCH_UP_MS) / options.frameMs),
    );
    this.maxBacklogBytes = bytesForMs(options.maxBacklogMs ?? MAX_BACKLOG_MS, options.sampleRate);
  }

  /** True once any audio has arrived (the clock runs from then). */
  get started(): boolean {
    return this.startAt !== undefined;
  }

  /** Reports `bytes` newly arrived from the capture process at `now` (ms). */
  arrived(bytes: number, now: number): void {
    if (bytes <= 0) return;
    if (this.startAt === undefined) this.startAt = now;
    this.receivedBytes += bytes;
  }

  /** Frames due by `now` and not yet handed out (after capping the catch-up). */
  owedFrames(now: number): number {
    if (this.startAt === undefined) return 0;
    const due = Math.floor((now - this.startAt) / this.frameMs) + 1;
    let owed = due - this.slots;
    if (owed > this.maxCatchUpFrames) {
      this.forgivenFrames += owed - this.maxCatchUpFrames;
      this.slots = due - this.maxCatchUpFrames;
      owed = this.maxCatchUpFrames;
    }
    return Math.max(0, owed);
  }

  /**
   * The plan for `queuedBytes` waiting at `now`; the caller must carry it out (drop, then send)
   * because the pacer counts it as done.
   */
  plan(queuedBytes: number, now: number): PacerPlan {
    if (this.startAt === undefined) return { dropBytes: 0, sendFrames: 0 };
    const owed = this.owedFrames(now);
    const owedBytes = owed * this.frameBytes;
    let dropBytes = 0;
    if (!this.aheadOfClock(now)) {
      // One frame of slack beyond the backlog keeps this consistent with aheadOfClock: a
      // faster-than-real-time device is recognised before anything of it would be dropped.
      const excess = queuedBytes - Math.max(owedBytes, this.maxBacklogBytes + this.frameBytes);
      if (excess > 0) dropBytes = Math.ceil(excess / this.frameBytes) * this.frameBytes;
      dropBytes = Math.min(dropBytes, queuedBytes - (queuedBytes % this.frameBytes));
    }
    const sendFrames = Math.min(owed, Math.floor((queuedBytes - dropBytes) / this.frameBytes));
    this.slots += sendFrames;
    this.sentFrames += sendFrames;
    this.droppedBytes += dropBytes;
    return { dropBytes, sendFrames };
  }

  /** When the next frame falls due (ms, same clock as `now`), or undefined before any audio. */
  nextDueAt(now: number): number | undefined {
    if (this.startAt === undefined) return undefined;
    const elapsed = now - this.startAt;
    if (this.slots > Math.floor(elapsed / this.frameMs)) {
      return this.startAt + this.slots * this.frameMs;
    }
    // Already owed: due now.
    return now;
  }

  private aheadOfClock(now: number): boolean {
    const elapsedMs = now - (this.startAt ?? now);
    const receivedMs = (this.receivedBytes / 2 / this.sampleRate) * 1000;
    return receivedMs > elapsedMs + this.maxBacklogMs();
  }

  private maxBacklogMs(): number {
    return (this.maxBacklogBytes / 2 / this.sampleRate) * 1000;
  }
}
