import { bytesForMs } from '../constants.js';

/** Most audio sent faster than real time after the capture process stalled. */
export const MAX_CATCH_UP_MS = 200;
/** Most captured audio allowed to wait unsent before the oldest is dropped. */
export const MAX_BACKLOG_MS = 200;
/**
 * A device counts as faster than real time while what it delivered beyond the clock grew by more
 * than the backlog allowance over this window: a burst from a live device does not keep growing.
 */
export const FAST_WINDOW_MS = 1_000;

/** Tuning for {@link CapturePacer}. */
export interface CapturePacerOptions {
  frameMs: number;
  sampleRate: number;
  maxCatchUpMs?: number;
  maxBacklogMs?: number;
}

/**
 * How long a device is watched, its waiting audio parked, to tell a device held back by the
 * pipe from one that ran at real time after a burst (`CapturePacer`).
 */
export const PROBE_MS = 100;
/** A probed device is faster than real time when it delivered this much more than the probe's time. */
export const PROBE_SLACK_MS = 100;

/** What to do with the bytes waiting in the capture stream right now. */
export interface PacerPlan {
  /** Discard this many of the oldest queued bytes first (whole frames). */
  dropBytes: number;
  /** Then hand out this many frames. */
  sendFrames: number;
  /**
   * Take every byte waiting out of the stream and keep it aside, unsent, so the device can show
   * how fast it delivers when nothing holds it back (a probe of {@link PROBE_MS}).
   */
  park?: true;
  /**
   * The probe's verdict on what was parked: `keep` puts it back in front of what came since (the
   * device is faster than real time: nothing of it is stale) and asks for a plan again; `drop`
   * discards it (a live device's burst, stale by now). Counted in `droppedBytes` when dropped.
   */
  parked?: 'keep' | 'drop';
}

const NOTHING: PacerPlan = { dropBytes: 0, sendFrames: 0 };

/**
 * Decides when captured audio may go out, so the server gets one second of audio per second
 * whatever the capture process does. Pure: the caller reports arrivals and asks for a plan
 * with its own clock.
 *
 * - A clock started at the first arrival makes `floor(elapsed / frameMs) + 1` frames due (one
 *   frame of lead so a frame leaves as soon as it is complete); never more are sent.
 * - If capture stalls, the missed time is owed, but only up to `maxCatchUpMs`: the rest is
 *   forgiven, so no long burst is invented later.
 * - A device that keeps delivering more than real time (an ALSA file device, a pipe: what it
 *   delivered beyond the clock grew by more than `maxBacklogMs` within the last
 *   {@link FAST_WINDOW_MS}) is simply read at the clock's pace, nothing of it dropped, and
 *   backpressure through the pipe holds it back.
 * - From a live device every complete frame waiting was captured already and is owed at once: the
 *   clock moves back to cover it, so a late read goes out as a catch-up (bounded as after a stall)
 *   instead of staying behind the clock as a permanent delay. Audio waiting beyond the larger of
 *   what is owed and `maxBacklogMs` is stale (we fell behind) and the oldest part is dropped.
 * - A live device can also hand over a burst of more than real time once (PulseAudio does, when a
 *   source is reconfigured): it is held to the clock while it looks fast, then what still waits is
 *   dropped but the newest frame, so it never stays behind as a permanent delay.
 * - Held to the clock, a device faster than real time fills the pipe and then delivers only as
 *   fast as it is read: just what a live device does after a burst. So before what waits is
 *   dropped as a burst's, it is parked and the device watched for {@link PROBE_MS}: one that
 *   refills at once is faster than real time for good (its audio is put back, never dropped);
 *   one that delivers at real time had a burst, and what was parked is dropped.
 */
export class CapturePacer {
  readonly frameBytes: number;
  private readonly frameMs: number;
  private readonly sampleRate: number;
  private readonly maxCatchUpFrames: number;
  private readonly maxBacklogBytes: number;
  private startAt: number | undefined;
  private openedAt: number | undefined;
  private receivedBytes = 0;
  /** What the device delivered beyond the clock (ms) at past plans, the oldest at the window's start. */
  private readonly excessLog: Array<{ at: number; ms: number }> = [];
  private wasFast = false;
  /** A probe showed the device faster than real time: it is only ever held to the clock. */
  private fastForGood = false;
  /** While a probe runs: when it started, what had been received then, and what was parked. */
  private probe: { at: number; received: number; parkedBytes: number } | undefined;
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

  /** The capture device was opened at `now` (ms): a live one has captured nothing from before. */
  opened(now: number): void {
    this.openedAt = now;
  }

  /** Reports `bytes` newly arrived from the capture process at `now` (ms). */
  arrived(bytes: number, now: number): void {
    if (bytes <= 0) return;
    if (this.startAt === undefined) {
      this.startAt = now;
      // Before anything arrived the device was exactly on the clock.
      this.excessLog.push({ at: this.openedAt ?? now, ms: 0 });
    }
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
    if (this.startAt === undefined) return NOTHING;
    const probe = this.probe;
    if (probe) {
      if (now - probe.at < PROBE_MS) return NOTHING;
      this.probe = undefined;
      const deliveredMs = this.msOf(this.receivedBytes - probe.received);
      if (deliveredMs > now - probe.at + PROBE_SLACK_MS) {
        this.fastForGood = true;
        this.wasFast = true;
        return { ...NOTHING, parked: 'keep' };
      }
      this.droppedBytes += probe.parkedBytes;
      this.wasFast = true;
      return { ...this.planFor(queuedBytes, now, false), parked: 'drop' };
    }
    return this.planFor(queuedBytes, now, true);
  }

  private planFor(queuedBytes: number, now: number, mayProbe: boolean): PacerPlan {
    const fast = this.fastForGood || this.deliversFast(now);
    const burstOver = this.wasFast && !fast;
    if (burstOver && mayProbe && queuedBytes > this.maxBacklogBytes + this.frameBytes) {
      this.probe = { at: now, received: this.receivedBytes, parkedBytes: queuedBytes };
      return { ...NOTHING, park: true };
    }
    this.wasFast = fast;
    if (burstOver) {
      // A burst is over: from here the device runs at real time, and what waits from the burst
      // would only delay everything after it. Keep the newest frame, on a fresh clock.
      this.startAt = now;
      this.slots = 0;
    } else if (!fast) {
      this.oweWhatWaits(queuedBytes, now);
    }
    const owed = this.owedFrames(now);
    const owedBytes = owed * this.frameBytes;
    let dropBytes = 0;
    if (!fast) {
      const keep = burstOver
        ? this.frameBytes
        : Math.max(owedBytes, this.maxBacklogBytes + this.frameBytes);
      const excess = queuedBytes - keep;
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
    if (this.probe) return this.probe.at + PROBE_MS;
    const elapsed = now - this.startAt;
    if (this.slots > Math.floor(elapsed / this.frameMs)) {
      return this.startAt + this.slots * this.frameMs;
    }
    // Already owed: due now.
    return now;
  }

  /** Move the clock back so that every complete frame waiting from a live device is owed now. */
  private oweWhatWaits(queuedBytes: number, now: number): void {
    const startAt = this.startAt ?? now;
    const waiting = Math.floor(queuedBytes / this.frameBytes);
    const due = Math.floor((now - startAt) / this.frameMs) + 1;
    if (this.slots + waiting > due) this.startAt = now - (this.slots + waiting - 1) * this.frameMs;
  }

  /**
   * Whether what the device delivered beyond the clock (since it was opened, else since its first
   * audio) grew by more than the backlog allowance within the last FAST_WINDOW_MS.
   */
  private deliversFast(now: number): boolean {
    const origin = this.excessLog[0]?.at ?? now;
    const first = this.openedAt ?? origin;
    const excessMs = this.msOf(this.receivedBytes) - (now - first);
    this.excessLog.push({ at: now, ms: excessMs });
    // Keep one entry at or before the window's start: the baseline.
    while (this.excessLog.length > 2 && this.excessLog[1]!.at <= now - FAST_WINDOW_MS) {
      this.excessLog.shift();
    }
    return excessMs - this.excessLog[0]!.ms > this.maxBacklogMs();
  }

  private maxBacklogMs(): number {
    return this.msOf(this.maxBacklogBytes);
  }

  private msOf(bytes: number): number {
    return (bytes / 2 / this.sampleRate) * 1000;
  }
}
