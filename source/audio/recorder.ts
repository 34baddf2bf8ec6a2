import { PcmQueue } from './queue.js';
import { Resampler } from './resample.js';
import { WavWriteError, WavWriter } from './sinks/wav-sink.js';
import type { RecordingStop } from './types.js';

export type { RecordingStop } from './types.js';

/** Options for {@link CallRecorder}. */
export interface CallRecorderOptions {
  /** Clock in ms. Default `Date.now`. */
  readonly now?: () => number;
  /**
   * How far a side may fall behind the wall clock before the gap is filled with silence.
   * Below it, late audio is simply appended (pushes jitter by a few blocks; gaps come from
   * stalls, mute of the source, or a side that has not started yet).
   */
  readonly slackMs?: number;
  /**
   * The rate of the user's audio (`--input-rate`), when it is not the recording's (the output
   * rate): resampled as it comes, or the user's side plays too fast or too slow, out of step
   * with the agent's. Default: the recording's rate.
   */
  readonly userSampleRate?: number;
}

const DEFAULT_SLACK_MS = 200;
/**
 * User pushes this close together (ms, by the recorder's clock) in one run of the event loop are
 * one burst: a source catching up after a stall hands over its frames in one loop.
 */
const BURST_MS = 5;

interface Side {
  readonly queue: PcmQueue;
  /** Frame index (from the recording start) just past this side's last queued sample. */
  endFrame: number;
  /** Nothing pushed yet: the first audio is placed at its arrival time, not at the cursor. */
  fresh: boolean;
}

/**
 * Records a call (`--record`) as a stereo WAV: the user's audio as sent on the left, the
 * agent's audio as played on the right. Each side is placed by wall-clock arrival time, so a
 * stretch where one side sent nothing is silence on that side and the two stay in step. The
 * header is refreshed every second of audio, so a killed process still leaves a valid file.
 *
 * A write the file refuses (a full disk, an I/O error, the file removed) stops the recording,
 * never the call: the header is fixed to what the file holds, and {@link CallRecorder.onStop}
 * is told once. Nothing it is given afterwards is written.
 */
export class CallRecorder {
  private readonly writer: WavWriter;
  private readonly now: () => number;
  private readonly slackFrames: number;
  private startedAt: number;
  private readonly user: Side = { queue: new PcmQueue(), endFrame: 0, fresh: true };
  private readonly agent: Side = { queue: new PcmQueue(), endFrame: 0, fresh: true };
  private writtenFrames = 0;
  private closed = false;
  private stop: RecordingStop | undefined;
  /** Told once when a write fails and the recording stops before the call's end. */
  onStop: ((stop: RecordingStop) => void) | undefined;
  /** User frames of the current burst, not placed yet, and when the burst arrived. */
  private pendingUser: Buffer[] = [];
  private pendingAt = 0;
  /** The user's audio to the recording's rate, when the two differ. */
  private readonly userResampler: Resampler | undefined;

  /** Opens (creates or truncates) `path` now; throws a one-line Error if it cannot. */
  constructor(
    readonly path: string,
    readonly sampleRate: number,
    options: CallRecorderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.slackFrames = Math.round(((options.slackMs ?? DEFAULT_SLACK_MS) * sampleRate) / 1000);
    const userRate = options.userSampleRate ?? sampleRate;
    this.userResampler = userRate !== sampleRate ? new Resampler(userRate, sampleRate) : undefined;
    this.writer = new WavWriter(path, sampleRate, 2);
    this.writer.open();
    this.startedAt = this.now();
  }

  /**
   * The call's audio starts (the socket is open): the recording's time 0, as for the output
   * device (`AudioSink.startClock`), so the two files line up. Before any audio only.
   */
  start(): void {
    if (this.user.fresh && this.agent.fresh && this.writtenFrames === 0)
      this.startedAt = this.now();
  }

  /** Seconds of stereo audio written to the file so far. */
  get durationMs(): number {
    return (this.writtenFrames / this.sampleRate) * 1000;
  }

  /** Why and where the recording stopped before its end, if it did. */
  get stopped(): RecordingStop | undefined {
    return this.stop;
  }

  /**
   * User audio as sent to the server (s16le mono). Frames handed over together (a source's
   * catch-up after a stall) are placed as one block that ends when they arrived: appended one
   * by one, each after the last, they would put the user ahead of the agent by the burst for
   * the rest of the recording.
   */
  pushUser(pcm: Buffer): void {
    if (this.closed || pcm.length < 2) return;
    const now = this.now();
    if (this.pendingUser.length > 0 && now - this.pendingAt > BURST_MS) this.placeUser();
    if (this.pendingUser.length === 0) {
      this.pendingAt = now;
      queueMicrotask(() => this.placeUser());
    }
    const whole = pcm.subarray(0, (pcm.length >> 1) * 2);
    // Copied: callers (capture, the player) may reuse their buffers (the resampler's output
    // is new already).
    this.pendingUser.push(this.userResampler ? this.userResampler.push(whole) : Buffer.from(whole));
  }

  /**
   * Agent audio as the output device plays it (s16le mono), from `Player.onBlock`. `atMs`, its
   * place on the device's timeline (ms since the call's audio started), puts it on the very
   * sample the output device played it at; without it, the time it arrives does.
   */
  pushAgent(pcm: Buffer, atMs?: number): void {
    this.placeUser();
    this.push(
      this.agent,
      pcm,
      atMs === undefined ? undefined : Math.round((atMs * this.sampleRate) / 1000),
    );
  }

  /**
   * Write what is left (the shorter side padded with silence) and finish the header. A write
   * refused now stops the recording as one refused mid-call does (`onStop`); it never rejects.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.placeUser();
    if (this.closed) return;
    // The recording runs to the moment it is closed, as a device timeline does (the output WAV
    // closed just before it ends at its clock too), not only to the last audio pushed.
    this.flushTo(Math.max(this.user.endFrame, this.agent.endFrame, this.wallFrame()));
    this.closed = true;
    if (this.stop) return;
    this.writing(() => {
      // Removed since the last header refresh: said, not named in the summary as if kept.
      this.writer.checkPresent();
      this.writer.close();
    });
  }

  /**
   * Runs a step that writes the file; when the file refuses it, the recording stops there: the
   * file is given up with its header fixed to what it holds, and `onStop` is told. Only the
   * file's own errors are taken so: anything else is a bug, and goes on up.
   */
  private writing(step: () => void): boolean {
    try {
      step();
      return true;
    } catch (err) {
      if (!(err instanceof WavWriteError)) throw err;
      this.halt(err);
      return false;
    }
  }

  private halt(err: WavWriteError): void {
    this.closed = true;
    this.pendingUser = [];
    this.user.queue.clear();
    this.agent.queue.clear();
    const message = this.writer.giveUp(err);
    this.stop = { atMs: this.writer.writtenMs, reason: err.reason, message };
    this.onStop?.(this.stop);
  }

  /** Place the pending burst of user frames, if any. */
  private placeUser(): void {
    const burst = this.pendingUser;
    if (burst.length === 0) return;
    this.pendingUser = [];
    const block = burst.length === 1 ? burst[0]! : Buffer.concat(burst);
    // A burst is a catch-up: it ends when it arrived, so a gap before it longer than one of its
    // frames is audio the source dropped or never had (silence), not jitter to absorb.
    const tolerance = burst.length > 1 ? burst[0]!.length >> 1 : undefined;
    this.push(this.user, block, undefined, this.wallFrame(this.pendingAt), tolerance);
  }

  private push(
    side: Side,
    pcm: Buffer,
    atFrame?: number,
    nowFrame = this.wallFrame(),
    gapTolerance = this.slackFrames,
  ): void {
    if (this.closed || pcm.length < 2) return;
    const frames = pcm.length >> 1;
    if (atFrame !== undefined) {
      // Placed where the device played it: silence up to there, then the audio. After a stall
      // the file may already have passed that place (the other side's audio moved it on): that
      // part is missing from the recording, and the rest stays at its place. Placed by its
      // arrival instead, every later block would follow it, late by the stall, to the end.
      side.endFrame = Math.max(side.endFrame, this.writtenFrames);
      const skip = Math.max(0, side.endFrame - atFrame);
      if (skip >= frames) return;
      if (atFrame > side.endFrame) side.queue.push(Buffer.alloc((atFrame - side.endFrame) * 2));
      side.queue.push(Buffer.from(pcm.subarray(skip * 2, frames * 2)));
      side.endFrame = atFrame + frames;
      side.fresh = false;
      this.flushTo(
        Math.max(Math.min(this.user.endFrame, this.agent.endFrame), nowFrame - this.slackFrames),
      );
      return;
    }
    // Audio that arrives now ends now. A side that is new, or was padded with silence because
    // it sent nothing for longer than the slack, starts again at its arrival time; a running
    // side is appended at its cursor unless it fell further behind than the slack.
    const absent = side.fresh || side.endFrame < this.writtenFrames;
    side.endFrame = Math.max(side.endFrame, this.writtenFrames);
    const startFrame = nowFrame - frames;
    if (startFrame - side.endFrame > (absent ? 0 : gapTolerance)) {
      side.queue.push(Buffer.alloc((startFrame - side.endFrame) * 2));
      side.endFrame = startFrame;
    }
    // Copied: callers (capture, the player) may reuse their buffers.
    side.queue.push(Buffer.from(pcm.subarray(0, frames * 2)));
    side.endFrame += frames;
    side.fresh = false;
    // Write whatever both sides cover, and past that whatever is older than the slack (the
    // quiet side gets silence there).
    this.flushTo(
      Math.max(Math.min(this.user.endFrame, this.agent.endFrame), nowFrame - this.slackFrames),
    );
  }

  private flushTo(targetFrame: number): void {
    const frames = targetFrame - this.writtenFrames;
    if (frames <= 0) return;
    const left = Buffer.alloc(frames * 2);
    const right = Buffer.alloc(frames * 2);
    this.user.queue.pull(frames * 2, left);
    this.agent.queue.pull(frames * 2, right);
    const stereo = Buffer.allocUnsafe(frames * 4);
    for (let i = 0; i < frames; i++) {
      stereo.writeInt16LE(left.readInt16LE(i * 2), i * 4);
      stereo.writeInt16LE(right.readInt16LE(i * 2), i * 4 + 2);
    }
    // Inline, not through `writing`: this runs for every push (each 20 ms of audio).
    try {
      this.writer.append(stereo);
    } catch (err) {
      if (!(err instanceof WavWriteError)) throw err;
      this.halt(err);
      return;
    }
    this.writtenFrames = targetFrame;
  }

  private wallFrame(at = this.now()): number {
    return Math.floor(((at - this.startedAt) * this.sampleRate) / 1000);
  }
}
