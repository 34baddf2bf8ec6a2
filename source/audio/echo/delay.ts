/**
 * Finds the bulk delay between what the player says it played and when its echo reaches the
 * mic: output and input buffering, the sound server, Bluetooth, the air. The adaptive filter
 * then only has to model the room after that delay, so its tail can stay short (fast to learn,
 * cheap) whatever the devices add.
 *
 * Method: the log-energy envelopes of the reference and of the mic, in BLOCK_MS blocks, are
 * correlated at every lag from 0 to `maxDelayMs` with exponential forgetting; the lag with the
 * highest normalised correlation is the delay once that correlation is clear enough. Speech is
 * strongly modulated (syllables, pauses), so its envelope locks the lag within a block after
 * about half a second of the agent talking; the user's voice in the mic only lowers the peak.
 * Pure: no clock, no I/O.
 */

/** Envelope resolution: also the resolution of the estimate. */
export const DELAY_BLOCK_MS = 10;
/**
 * Longest delay searched: a PulseAudio stream's first start was measured at up to 900 ms;
 * Bluetooth output adds 150-300 ms.
 */
export const MAX_DELAY_MS = 1_500;
/**
 * Forgetting time constant of the correlations: short, because an output's latency moves: a
 * device that ran dry between two replies restarts with another one, and PulseAudio raises a
 * stream's latency by ~100 ms after an underrun, mid-reply. With 800 ms the new delay is found
 * ~0.75 s after such a jump (bench/echo.ts); shorter makes flukes more likely.
 */
const TIME_CONSTANT_MS = 800;
/** A correlation this clear counts as found (echo envelopes correlate at 0.7-0.95). */
const MIN_CORRELATION = 0.7;
/** Updates (blocks with the agent audible at some lag) before an estimate is trusted. */
const MIN_BLOCKS = 40;
/**
 * The agent silent this long (no lag holds its audio) starts a new estimate: the device may
 * have stopped and restarted with another latency, and the old figures would hold the peak.
 */
const FORGET_AFTER_SILENT_MS = 1_000;
/** Envelope floor, dB re 1 LSB²: quiet noise and digital silence look alike. */
const FLOOR_DB = 20;

export interface DelayEstimate {
  readonly delayMs: number;
  readonly correlation: number;
}

export class DelayEstimator {
  private readonly lags: number;
  private readonly refHistory: Float64Array;
  private readonly sm: Float64Array;
  private readonly sr: Float64Array;
  private readonly smm: Float64Array;
  private readonly srr: Float64Array;
  private readonly smr: Float64Array;
  private readonly w: Float64Array;
  private readonly keep: number;
  private n = 0;
  private lastActive = Number.NEGATIVE_INFINITY;
  private updates = 0;
  /** Block after the last one with agent audio. */
  private silentSince = 0;

  constructor(maxDelayMs = MAX_DELAY_MS) {
    this.lags = Math.floor(maxDelayMs / DELAY_BLOCK_MS) + 1;
    this.refHistory = new Float64Array(this.lags);
    this.sm = new Float64Array(this.lags);
    this.sr = new Float64Array(this.lags);
    this.smm = new Float64Array(this.lags);
    this.srr = new Float64Array(this.lags);
    this.smr = new Float64Array(this.lags);
    this.w = new Float64Array(this.lags);
    this.keep = Math.exp(-DELAY_BLOCK_MS / TIME_CONSTANT_MS);
  }

  /**
   * One block: the mean square of the mic and of the reference played at the same time (lag 0),
   * and whether that reference is agent audio (not silence).
   */
  push(micMeanSquare: number, refMeanSquare: number, refActive: boolean): void {
    const slot = this.n % this.lags;
    this.refHistory[slot] = envelope(refMeanSquare);
    if (refActive) this.lastActive = this.n;
    if (refActive && this.n - this.silentSince > FORGET_AFTER_SILENT_MS / DELAY_BLOCK_MS)
      this.reset();
    if (refActive) this.silentSince = this.n + 1;
    // Learn only while some lag holds agent audio: a silent agent says nothing about the delay.
    if (this.n - this.lastActive < this.lags) {
      const m = envelope(micMeanSquare);
      const k = this.keep;
      const count = Math.min(this.lags, this.n + 1);
      for (let lag = 0; lag < count; lag++) {
        const r = this.refHistory[(this.n - lag) % this.lags]!;
        this.sm[lag] = k * this.sm[lag]! + m;
        this.sr[lag] = k * this.sr[lag]! + r;
        this.smm[lag] = k * this.smm[lag]! + m * m;
        this.srr[lag] = k * this.srr[lag]! + r * r;
        this.smr[lag] = k * this.smr[lag]! + m * r;
        this.w[lag] = k * this.w[lag]! + 1;
      }
      this.updates++;
    }
    this.n++;
  }

  /** The delay, when the evidence is clear; undefined before. */
  estimate(): DelayEstimate | undefined {
    if (this.updates < MIN_BLOCKS) return undefined;
    let best = -1;
    let bestCorrelation = MIN_CORRELATION;
    for (let lag = 0; lag < this.lags; lag++) {
      const c = this.correlation(lag);
      if (c > bestCorrelation) {
        bestCorrelation = c;
        best = lag;
      }
    }
    return best < 0 ? undefined : { delayMs: best * DELAY_BLOCK_MS, correlation: bestCorrelation };
  }

  /** Forget everything (the devices changed). */
  reset(): void {
    for (const a of [this.sm, this.sr, this.smm, this.srr, this.smr, this.w]) a.fill(0);
    this.updates = 0;
  }

  private correlation(lag: number): number {
    const w = this.w[lag]!;
    if (w < 2) return 0;
    const cov = w * this.smr[lag]! - this.sm[lag]! * this.sr[lag]!;
    const vm = w * this.smm[lag]! - this.sm[lag]! ** 2;
    const vr = w * this.srr[lag]! - this.sr[lag]! ** 2;
    return vm > 0 && vr > 0 ? cov / Math.sqrt(vm * vr) : 0;
  }
}

function envelope(meanSquare: number): number {
  return Math.max(FLOOR_DB, 10 * Math.log10(meanSquare + 1));
}
