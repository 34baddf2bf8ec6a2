import { DELAY_BLOCK_MS, DelayEstimator } from './delay.js';
import { ErleMeter } from './erle.js';
import { SampleFifo } from './fifo.js';
import { ReferenceTimeline } from './reference.js';
import type { NativeHandle, SpeexDsp } from './speexdsp.js';
import { StreamResampler } from './stream-resampler.js';

/**
 * Processing rate. Speech needs nothing above 8 kHz, speexdsp's canceller costs about three
 * times as much at 48 kHz (longer filter, bigger FFTs) and converges more slowly; see
 * docs/audio-capture.md for the figures.
 */
export const AEC_RATE_HZ = 16_000;
/** One canceller frame per mic frame: no extra buffering, and fewer, larger FFTs than 10 ms. */
export const AEC_FRAME_MS = 20;
/**
 * How much of the room the adaptive filter models, after the bulk delay (see delay.ts) is taken
 * out: a laptop's direct path and a room's strong early reflections. Longer tails cancel more of
 * a reverberant room but learn more slowly (speexdsp needs ~4 tail-lengths of agent speech
 * before its fast adaptation starts) and cost more.
 */
export const AEC_TAIL_MS = 200;
/** Residual echo suppression of the preprocessor while the user is quiet, dB. */
export const ECHO_SUPPRESS_DB = -40;
/** ... and while the user talks over the agent: milder, so the user's voice stays whole. */
export const ECHO_SUPPRESS_ACTIVE_DB = -25;
/**
 * Noise suppression: speexdsp's default. It has to be on (the echo suppressor works through
 * its gains); stationary noise only, so speech is untouched.
 */
export const NOISE_SUPPRESS_DB = -15;
/** Reference kept: the longest delay searched plus the tail plus slack. */
const REFERENCE_KEEP_MS = 3_000;
/** Where the echo's onset is placed inside the filter once the bulk delay is known. */
const ONSET_TARGET_MS = 40;
/** An onset later than this inside the filter wastes its tail: re-align. */
const ONSET_MAX_MS = 80;
/** How often the delay estimate is looked at. */
const REALIGN_CHECK_MS = 100;
/** A new delay is acted on once this many checks in a row agree on it (within the slack). */
const REALIGN_AGREEING_CHECKS = 3;
const REALIGN_SLACK_MS = 20;
/**
 * The filter counts as having lost the echo once this many checks in a row agree (within the
 * slack) on a delay it cannot model: one estimate at another lag can be a fluke (the user talking
 * over the agent puts some other lag just over the search's threshold), and losing the echo
 * closes the mic until the filter shows 15 dB again, which it cannot while the user talks.
 */
const LOSS_AGREEING_CHECKS = 2;
/**
 * The divergence check: a trusted filter whose echo moved under it (the playback ran dry somewhere
 * the app cannot see, and the echo comes that much later from then on) goes on subtracting the
 * echo it learnt, which the mic no longer holds. Its residual (before the suppressor) is then
 * that estimate, negated, plus the mic: louder than the mic, or near it and strongly
 * anti-correlated with the estimate. A filter that cancels leaves less than the mic heard, and a
 * user talking over the agent leaves their voice, uncorrelated with the estimate. A frame of
 * agent audio whose residual is loud enough to be heard (DIVERGED_MIN_MEAN_SQUARE) and DIVERGED_DB
 * louder than the mic, or within NEAR_MIC_DB of it at a correlation of DIVERGED_CORRELATION or
 * less, is a strike; DIVERGED_STRIKES strikes among the last DIVERGED_WINDOW frames lose the echo
 * at once. The delay search needs 0.3 s and more to see a move, and sees none within the
 * filter's window, where the server heard the agent 60-100 ms after it (a new-user trial's
 * loop, docs/audio-capture.md). In the echo tests' double-talk: 2 single strikes on a trusted
 * filter, never two in three frames; a moved echo gives 2-5 in a row.
 */
const DIVERGED_DB = 1;
const NEAR_MIC_DB = 3;
const DIVERGED_CORRELATION = -0.6;
const DIVERGED_STRIKES = 2;
const DIVERGED_WINDOW = 3;
/**
 * A filter that lost the echo only in part (a step of a few ms) leaves a residual about as loud
 * as the mic, at a correlation just above DIVERGED_CORRELATION: -0.52 to -0.58 on 6 frames in a
 * row where the server then heard the agent (the trial's loop). That many frames in a row within
 * SLIPPED_DB of the mic at SLIPPED_CORRELATION or less lose the echo too: never seen on a
 * trusted filter otherwise, in the echo tests or the trial loop's calls (twice two in a row).
 */
const SLIPPED_DB = 1;
const SLIPPED_CORRELATION = -0.5;
const SLIPPED_FRAMES = 3;
/** A residual quieter than this (mean square, ≈ -45 dBFS) is no strike: nothing a server hears. */
const DIVERGED_MIN_MEAN_SQUARE = (32_768 * 10 ** (-45 / 20)) ** 2;
/**
 * The filter counts as converged once its ERLE has held this for CONVERGED_FRAMES counted
 * frames in a row (frames of clear echo: agent audio, a loud mic; others neither count nor
 * break the run), so at least half a second: with 10 frames a filter at 10 dB once passed on a
 * brief high, under the whole test suite's load, and the agent heard itself. Until then the
 * caller keeps the energy guard behind it.
 */
export const CONVERGED_ERLE_DB = 15;
const CONVERGED_FRAMES = 25;
/**
 * A filter trusted before a pause of an output kept running (see
 * {@link EchoCanceller.outputKeptRunning}) is trusted again once it has held this on this many
 * counted frames of the next reply: it only has to show the echo did not move meanwhile. The bar
 * is higher than a first convergence's, the run shorter.
 */
const RETRUST_ERLE_DB = 20;
const RETRUST_FRAMES = 8;
/**
 * Only frames where the mic is this loud (mean square, ≈ -45 dBFS) count towards converging:
 * clearly echo, so a quiet mic whose noise the suppressor lowers cannot pass for cancellation.
 */
const CONVERGE_MIC_MEAN_SQUARE = (32_768 * 10 ** (-45 / 20)) ** 2;
/**
 * After this long without agent audio the filter is not trusted again until it has shown it
 * still cancels: an output device that ran dry may restart with another latency (ALSA through
 * PulseAudio or PipeWire restarts a stream with a new pre-buffer), and the old alignment
 * would let the start of the next reply through. An output kept running between replies
 * ({@link EchoCanceller.outputKeptRunning}) can move too, unseen (a starved speaker child), but
 * a filter trusted before the pause needs only a short run to show it still cancels
 * ({@link RETRUST_FRAMES}).
 */
const DISTRUST_AFTER_SILENT_MS = 1_000;
/**
 * Mic audio kept to train a filter that has just (re)started: speexdsp's filter needs about four
 * tail-lengths of agent speech before its fast adaptation starts, so it is also given the last
 * second again, at the current alignment, a few times over (a few ms of CPU, once).
 */
const WARM_UP_HISTORY_MS = 1_000;
const WARM_UP_PASSES = 2;
/** Agent audio heard by a fresh filter before it is warmed up with the history. */
const WARM_UP_AFTER_MS = 400;
/** A reference piece that starts within this of where the previous one ended continues it. */
const CONTINUITY_MS = 5;
/**
 * The mic is a continuous stream: its timeline counts samples, and follows the capture clock
 * only across a real gap (the pacer dropped or forgave audio). Capture times themselves wander
 * by a few ms with the load, and following that would move the echo under the filter.
 */
const MIC_CONTINUITY_MS = 40;
/** Reference quieter than this (mean square, ≈ -50 dBFS) is treated as the agent being silent. */
export const ACTIVE_MEAN_SQUARE = (32_768 * 10 ** (-50 / 20)) ** 2;

export interface EchoCancellerOptions {
  /** Rate of the mic frames given to `process` (and returned by it). */
  readonly inputRate: number;
  /** Rate of the reference given to `pushReference` (what the player writes). */
  readonly outputRate: number;
  readonly tailMs?: number;
  /**
   * Known bulk delay (ms): skips the estimate (the in-process rig, where the timelines are
   * exact). Undefined: estimated from the signals.
   */
  readonly fixedDelayMs?: number;
}

/** What the canceller knows about how it is doing. */
export interface EchoCancellerStats {
  /** Echo return loss enhancement while the agent is audible, dB; undefined otherwise. */
  readonly erleDb: number | undefined;
  /** Bulk delay taken out before the filter, ms. */
  readonly bulkDelayMs: number;
  /** Last delay estimate (ms), if any. */
  readonly estimatedDelayMs: number | undefined;
  /** Times the filter was restarted on a new bulk delay. */
  readonly realignments: number;
  /** The filter has cancelled well since it last (re)started. */
  readonly converged: boolean;
  /** Times it converged, and times it lost the echo because the delay moved. */
  readonly convergences: number;
  /** Times the output ran dry mid-stream and the filter had to show again that it cancels. */
  readonly distrusts: number;
  /** Times the delay search confirmed an echo (three agreeing checks), moved or not. */
  readonly delaysFound: number;
  readonly losses: number;
  readonly framesProcessed: number;
}

/**
 * speexdsp's acoustic echo canceller (MDF adaptive filter) followed by its preprocessor's
 * residual echo suppressor, at 16 kHz, between the mic and everything after it. The reference
 * is what the loudspeaker plays, placed on a timeline by the time it is heard; mic frames are
 * placed on the same timeline by when they were captured. The bulk delay between the two is
 * estimated and taken out, so the filter models only the room.
 */
export class EchoCanceller {
  readonly rate: number;
  readonly frameSize: number;
  readonly tailMs: number;
  private readonly dsp: SpeexDsp;
  private readonly echo: NativeHandle;
  private readonly pre: NativeHandle;
  private readonly refDown: StreamResampler;
  private readonly micDown: StreamResampler;
  private readonly micUp: StreamResampler;
  private readonly reference: ReferenceTimeline;
  private readonly delay: DelayEstimator;
  private readonly erle = new ErleMeter();
  private readonly fixedDelay: boolean;
  private epochMs: number | undefined;
  private refNext = Number.NaN;
  private readonly mic: SampleFifo;
  /** Timeline index of the oldest sample in `mic`. */
  private micHead = Number.NaN;
  private readonly out: SampleFifo;
  private bulk = 0;
  private estimatedDelayMs: number | undefined;
  private realignments = 0;
  private frames = 0;
  private readonly checkEvery: number;
  private readonly micFrame: Int16Array;
  private readonly refFrame: Int16Array;
  private readonly outFrame: Int16Array;
  private readonly block: Int16Array;
  private readonly history: Int16Array;
  private readonly historyAt: Float64Array;
  private historyCount = 0;
  /** The first kept frame a warm-up may use: none from before the echo last moved. */
  private historyFloor = 0;
  private readonly scratch: Int16Array;
  private readonly warmOut: Int16Array;
  /** Frames with agent audio in the filter's window since the filter (re)started. */
  private activeSinceReset = 0;
  private warmedUp = false;
  private candidateMs: number | undefined;
  private candidateChecks = 0;
  private goodFrames = 0;
  private converged = false;
  private silentFrames = 0;
  private convergences = 0;
  private distrusts = 0;
  private delaysFound = 0;
  private losses = 0;
  /** The last DIVERGED_WINDOW frames' strikes, one bit each (newest lowest). */
  private strikes = 0;
  private frameDiverged = false;
  /** Frames in a row of a residual near the mic and anti-correlated with the estimate. */
  private slippedFrames = 0;

  private closed = false;

  constructor(dsp: SpeexDsp, options: EchoCancellerOptions) {
    this.dsp = dsp;
    this.rate = Math.min(AEC_RATE_HZ, options.inputRate);
    this.frameSize = Math.round((this.rate * AEC_FRAME_MS) / 1000);
    this.tailMs = options.tailMs ?? AEC_TAIL_MS;
    this.echo = dsp.echoInit(
      this.frameSize,
      Math.round((this.rate * this.tailMs) / 1000),
      this.rate,
    );
    this.pre = dsp.preprocessInit(this.frameSize, this.rate, this.echo, {
      echoSuppressDb: ECHO_SUPPRESS_DB,
      echoSuppressActiveDb: ECHO_SUPPRESS_ACTIVE_DB,
      noiseSuppressDb: NOISE_SUPPRESS_DB,
    });
    this.refDown = new StreamResampler(dsp, options.outputRate, this.rate);
    this.micDown = new StreamResampler(dsp, options.inputRate, this.rate);
    this.micUp = new StreamResampler(dsp, this.rate, options.inputRate);
    this.reference = new ReferenceTimeline(Math.round((this.rate * REFERENCE_KEEP_MS) / 1000));
    this.delay = new DelayEstimator();
    this.fixedDelay = options.fixedDelayMs !== undefined;
    if (options.fixedDelayMs !== undefined) this.bulk = this.samples(options.fixedDelayMs);
    this.mic = new SampleFifo(this.frameSize * 4);
    this.out = new SampleFifo(Math.ceil((options.inputRate * AEC_FRAME_MS * 4) / 1000));
    this.checkEvery = Math.max(1, Math.round(REALIGN_CHECK_MS / AEC_FRAME_MS));
    this.micFrame = new Int16Array(this.frameSize);
    this.refFrame = new Int16Array(this.frameSize);
    this.outFrame = new Int16Array(this.frameSize);
    this.block = new Int16Array(Math.round((this.rate * DELAY_BLOCK_MS) / 1000));
    const historyFrames = Math.round(WARM_UP_HISTORY_MS / AEC_FRAME_MS);
    this.history = new Int16Array(historyFrames * this.frameSize);
    this.historyAt = new Float64Array(historyFrames);
    this.scratch = new Int16Array(this.frameSize);
    this.warmOut = new Int16Array(this.frameSize);
  }

  /**
   * The output device plays all call long, silence between replies (the player's
   * `keepRunning`), and says when it ran dry where the player can see it (`distrust`). A pause
   * of the agent then does not restart the device, and a filter trusted before it is trusted
   * again on a short run ({@link RETRUST_FRAMES} frames at {@link RETRUST_ERLE_DB}) instead of
   * a first convergence's 25 at 15 dB: with those, a user who talked over the first second or
   * more of a reply was not let through (their voice, once there, kept the filter from showing
   * its figure). Not trusted across the pause outright: the echo still moved now and then
   * between replies on a loaded machine (a starved speaker child the player cannot see), and
   * its start reached the server (docs/audio-capture.md).
   */
  outputKeptRunning = false;
  /** Trusted before a pause of an output kept running, and nothing since says the echo moved. */
  private pausedTrust = false;
  /** Counted frames in a row at {@link RETRUST_ERLE_DB} or more. */
  private retrustFrames = 0;

  /** The filter has shown it cancels since it last (re)started or distrust. */
  get isConverged(): boolean {
    return this.converged;
  }

  /**
   * The last frame was a strike of the divergence check (see DIVERGED_DB): the filter may be
   * cancelling an echo that has moved. The caller holds such a frame even from a converged
   * filter (the first frame after a move reached -45 dBFS); two in three lose the echo.
   */
  get lastFrameDiverged(): boolean {
    return this.frameDiverged;
  }

  /**
   * Times an echo was found: the delay search confirmed one, or the filter converged on one
   * (read per mic frame: no stats object).
   */
  /** The filter has converged on an echo at least once (read per frame: no `stats` object). */
  get hasConverged(): boolean {
    return this.convergences > 0;
  }

  get echoFoundCount(): number {
    return this.delaysFound + this.convergences;
  }

  get stats(): EchoCancellerStats {
    return {
      erleDb: this.erle.erleDb,
      bulkDelayMs: (this.bulk / this.rate) * 1000,
      estimatedDelayMs: this.estimatedDelayMs,
      realignments: this.realignments,
      converged: this.converged,
      convergences: this.convergences,
      distrusts: this.distrusts,
      delaysFound: this.delaysFound,
      losses: this.losses,
      framesProcessed: this.frames,
    };
  }

  /**
   * What the loudspeaker plays, s16le at the output rate, starting at `atMs` (the time it is
   * heard, on the same monotonic clock as the mic's capture times).
   */
  pushReference(pcm: Buffer, atMs: number): void {
    if (this.closed || pcm.length < 2) return;
    this.epochMs ??= atMs - REFERENCE_KEEP_MS;
    let at = this.index(atMs);
    if (!(Math.abs(at - this.refNext) <= this.samples(CONTINUITY_MS))) {
      // Not a continuation (a barge-in dropped what followed, or the device ran dry).
      this.refDown.reset();
    } else {
      at = this.refNext;
    }
    const resampled = this.refDown.push(int16(pcm));
    this.reference.write(resampled, at);
    this.refNext = at + resampled.length;
  }

  /**
   * One mic frame (s16le at the input rate) whose first sample was captured at `capturedAtMs`;
   * returns the frame with the echo removed, same length.
   */
  process(mic: Buffer, capturedAtMs: number): Buffer {
    if (this.closed) return mic;
    this.epochMs ??= capturedAtMs - REFERENCE_KEEP_MS;
    const at = this.index(capturedAtMs);
    if (!(Math.abs(at - (this.micHead + this.mic.length)) <= this.samples(MIC_CONTINUITY_MS))) {
      // The capture skipped (a stall the pacer forgave): what is left over no longer lines up.
      this.micHead = at;
      this.mic.clear();
    }
    this.mic.push(this.micDown.push(int16(mic)));
    while (this.mic.length >= this.frameSize) {
      this.mic.shiftInto(this.micFrame);
      this.processFrame(this.micHead);
      this.micHead += this.frameSize;
      this.out.push(this.micUp.push(this.outFrame));
    }
    return this.take(mic.length >> 1);
  }

  /**
   * The echo path may have moved (the output ran dry and restarted): the filter is kept, but
   * counts as converged again only once it has shown it still cancels.
   */
  distrust(): void {
    this.converged = false;
    this.pausedTrust = false;
    this.goodFrames = 0;
    this.retrustFrames = 0;
    // Its smoothed figure still holds the frames before: only new ones may vouch for the filter.
    this.erle.reset();
    this.distrusts++;
  }

  /**
   * Starts the delay search afresh: what it has gathered (a mic that heard none of the agent)
   * would only slow down finding an echo that shows up later.
   */
  restartDelaySearch(): void {
    this.delay.reset();
    this.candidateMs = undefined;
    this.candidateChecks = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.dsp.preprocessDestroy(this.pre);
    this.dsp.echoDestroy(this.echo);
    this.refDown.destroy();
    this.micDown.destroy();
    this.micUp.destroy();
  }

  private processFrame(at: number): void {
    this.reference.read(at - this.bulk, this.refFrame);
    if (!this.fixedDelay) this.trackDelay(at);
    this.remember(at);
    const refActive = meanSquare(this.refFrame) > ACTIVE_MEAN_SQUARE;
    if (refActive) this.activeSinceReset++;
    this.silentFrames = refActive ? 0 : this.silentFrames + 1;
    if (this.silentFrames * AEC_FRAME_MS >= DISTRUST_AFTER_SILENT_MS) {
      if (this.converged && this.outputKeptRunning) this.pausedTrust = true;
      this.converged = false;
      this.goodFrames = 0;
      this.retrustFrames = 0;
    }
    if (!this.warmedUp && this.activeSinceReset >= WARM_UP_AFTER_MS / AEC_FRAME_MS) this.warmUp();
    this.dsp.echoCancel(this.echo, this.micFrame, this.refFrame, this.outFrame);
    const residualPower = meanSquare(this.outFrame);
    const rho = estimateCorrelation(this.micFrame, this.outFrame);
    this.dsp.preprocessRun(this.pre, this.outFrame);
    const micPower = meanSquare(this.micFrame);
    this.checkDivergence(refActive, micPower, residualPower, rho);
    const counted = this.erle.push(
      micPower,
      meanSquare(this.outFrame),
      refActive,
      Math.ceil(this.tailMs / AEC_FRAME_MS),
    );
    // Converged only on evidence: echo in the mic, taken out, with the delay known.
    const erle = this.erle.erleDb;
    const known = this.fixedDelay || this.estimatedDelayMs !== undefined;
    if (counted && erle !== undefined && known && micPower >= CONVERGE_MIC_MEAN_SQUARE) {
      this.goodFrames = erle >= CONVERGED_ERLE_DB ? this.goodFrames + 1 : 0;
      this.retrustFrames = erle >= RETRUST_ERLE_DB ? this.retrustFrames + 1 : 0;
      const retrusted = this.pausedTrust && this.retrustFrames >= RETRUST_FRAMES;
      if ((this.goodFrames >= CONVERGED_FRAMES || retrusted) && !this.converged) {
        this.converged = true;
        this.pausedTrust = false;
        this.convergences++;
      }
    }
    this.frames++;
  }

  /**
   * The divergence check (see DIVERGED_DB): two strikes in three frames lose the echo of a
   * trusted filter. The mic then waits while the agent talks until the filter has converged
   * again, as at first, on a filter started afresh: what it learnt, and the warm-up history,
   * belong to the echo before the move.
   */
  private checkDivergence(
    refActive: boolean,
    micPower: number,
    residualPower: number,
    rho: number,
  ): void {
    const strike =
      refActive &&
      residualPower >= DIVERGED_MIN_MEAN_SQUARE &&
      (residualPower >= micPower * 10 ** (DIVERGED_DB / 10) ||
        (residualPower >= micPower * 10 ** (-NEAR_MIC_DB / 10) && rho <= DIVERGED_CORRELATION));
    this.strikes = ((this.strikes << 1) | (strike ? 1 : 0)) & ((1 << DIVERGED_WINDOW) - 1);
    this.frameDiverged = strike;
    const slipped =
      refActive &&
      residualPower >= DIVERGED_MIN_MEAN_SQUARE &&
      residualPower >= micPower * 10 ** (-SLIPPED_DB / 10) &&
      rho <= SLIPPED_CORRELATION;
    this.slippedFrames = slipped ? this.slippedFrames + 1 : 0;
    const lost = strike && popCount(this.strikes) >= DIVERGED_STRIKES;
    if (!lost && this.slippedFrames < SLIPPED_FRAMES) return;
    if (!this.converged && !this.pausedTrust) return;
    if (this.converged) this.losses++;
    // What it learnt belongs to the echo before the move, and so does the history: start again
    // from what the mic hears from now on (warmed up on it once it has enough).
    this.historyFloor = this.historyCount;
    this.restartFilter(0);
  }

  /**
   * The filter started afresh, untrusted, its ERLE forgotten; `activeSinceReset` says how much of
   * the kept history a warm-up may learn from at once (infinite: all of it).
   */
  private restartFilter(activeSinceReset: number): void {
    this.converged = false;
    this.pausedTrust = false;
    this.goodFrames = 0;
    this.retrustFrames = 0;
    this.dsp.echoReset(this.echo);
    this.erle.reset();
    this.activeSinceReset = activeSinceReset;
    this.warmedUp = false;
  }

  /** Keep the mic frame for a warm-up. */
  private remember(at: number): void {
    const slots = this.historyAt.length;
    const slot = this.historyCount % slots;
    this.history.set(this.micFrame, slot * this.frameSize);
    this.historyAt[slot] = at;
    this.historyCount++;
  }

  /**
   * Train the fresh filter on the kept history (excluding the current frame, which it is about
   * to see), at the current alignment; the output is thrown away. The filter's own memory ends
   * on the last kept frame, which is the real one before the current: no seam going forward.
   */
  private warmUp(): void {
    this.warmedUp = true;
    const slots = this.historyAt.length;
    const kept = Math.min(slots, this.historyCount) - 1;
    if (kept <= 0) return;
    const first = Math.max(this.historyFloor, this.historyCount - 1 - kept);
    for (let pass = 0; pass < WARM_UP_PASSES; pass++) {
      for (let j = first; j < this.historyCount - 1; j++) {
        const slot = j % slots;
        const mic = this.history.subarray(slot * this.frameSize, (slot + 1) * this.frameSize);
        this.reference.read(this.historyAt[slot]! - this.bulk, this.scratch);
        this.dsp.echoCancel(this.echo, mic, this.scratch, this.warmOut);
      }
    }
  }

  /** Feed the delay estimator and move the filter's window when the echo left it. */
  private trackDelay(at: number): void {
    const n = this.block.length;
    for (let off = 0; off + n <= this.frameSize; off += n) {
      this.reference.read(at + off, this.block);
      const ref = meanSquare(this.block);
      this.delay.push(
        meanSquare(this.micFrame.subarray(off, off + n)),
        ref,
        ref > ACTIVE_MEAN_SQUARE,
      );
    }
    if (this.frames % this.checkEvery !== 0) return;
    const estimate = this.delay.estimate();
    if (!estimate) return;
    // One estimate can be a fluke (a pause lined up with a pause): act on agreeing ones only.
    if (
      this.candidateMs !== undefined &&
      Math.abs(estimate.delayMs - this.candidateMs) <= REALIGN_SLACK_MS
    ) {
      this.candidateChecks++;
    } else {
      this.candidateMs = estimate.delayMs;
      this.candidateChecks = 1;
    }
    // The echo seems to have left the filter (the output device's latency changed): until the
    // filter has moved and learned again, do not count on it. Not on one estimate: a stray one
    // during double-talk closed the mic on the user talking over the agent.
    const lost = !this.onsetFits(estimate.delayMs) && this.candidateChecks >= LOSS_AGREEING_CHECKS;
    // Nor is a filter waiting to be trusted again after a pause.
    if (lost) this.pausedTrust = false;
    if (lost && this.converged) {
      this.converged = false;
      this.losses++;
    }
    if (this.candidateChecks < REALIGN_AGREEING_CHECKS) return;
    this.estimatedDelayMs = estimate.delayMs;
    this.delaysFound++;
    if (this.onsetFits(estimate.delayMs)) return;
    this.bulk = this.samples(Math.max(0, estimate.delayMs - ONSET_TARGET_MS));
    this.realignments++;
    // What the filter learned belongs to the old alignment: start again rather than unlearn. The
    // history that revealed the delay is agent speech: learn from it at once.
    this.restartFilter(Number.POSITIVE_INFINITY);
  }

  /** The echo's onset, for a loudspeaker-to-mic delay, falls where the filter can model it. */
  private onsetFits(delayMs: number): boolean {
    const onsetMs = delayMs - (this.bulk / this.rate) * 1000;
    return onsetMs >= 0 && onsetMs <= ONSET_MAX_MS;
  }

  /** Exactly `n` processed samples; silence where the resamplers have not caught up yet. */
  private take(n: number): Buffer {
    const out = Buffer.alloc(n * 2);
    // Short at the very start only: right-aligned (shiftInto) so the stream has no hole later.
    this.out.shiftInto(new Int16Array(out.buffer, out.byteOffset, n));
    // Rates whose 20 ms is not a whole number of samples can leave a surplus: never let it
    // grow into latency.
    this.out.keepNewest(n);
    return out;
  }

  private index(ms: number): number {
    return Math.round(((ms - (this.epochMs ?? ms)) * this.rate) / 1000);
  }

  private samples(ms: number): number {
    return Math.round((ms * this.rate) / 1000);
  }
}

/**
 * Correlation of the filter's residual with its echo estimate (the mic minus the residual), -1
 * to 1. A filter whose echo is where it learnt it leaves a residual uncorrelated with its estimate
 * (what it could model, it took out), the user's voice included; one whose echo moved subtracts
 * an estimate the mic no longer holds, and its residual is that estimate, negated: strongly
 * negative.
 */
export function estimateCorrelation(mic: Int16Array, residual: Int16Array): number {
  let ey = 0;
  let ee = 0;
  let yy = 0;
  for (let i = 0; i < mic.length; i++) {
    const e = residual[i]!;
    const y = mic[i]! - e;
    ey += e * y;
    ee += e * e;
    yy += y * y;
  }
  return ee > 0 && yy > 0 ? ey / Math.sqrt(ee * yy) : 0;
}

function popCount(bits: number): number {
  let n = 0;
  for (let b = bits; b; b &= b - 1) n++;
  return n;
}

/** Mean square of s16 samples. */
export function meanSquare(samples: Int16Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  return sum / samples.length;
}

/** An aligned Int16Array over s16le bytes (copied only when the buffer is not 2-aligned). */
export function int16(pcm: Buffer): Int16Array {
  const n = pcm.length >> 1;
  if (pcm.byteOffset % 2 === 0) return new Int16Array(pcm.buffer, pcm.byteOffset, n);
  const copy = new Int16Array(n);
  for (let i = 0; i < n; i++) copy[i] = pcm.readInt16LE(i * 2);
  return copy;
}
