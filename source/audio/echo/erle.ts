/**
 * Echo return loss enhancement: how much quieter the mic is after the canceller than before,
 * while the agent is audible in the mic. Powers are smoothed over about ERLE_TIME_CONSTANT_MS,
 * so a syllable does not make the figure jump; while the user talks over the agent the figure
 * drops (their voice is meant to pass), which is what a listener would measure too. Pure.
 */

/** Smoothing of the two powers, ms. */
export const ERLE_TIME_CONSTANT_MS = 500;
/** Frame length the meter is fed with, ms. */
const FRAME_MS = 20;
/**
 * Frames where the mic is quieter than this (mean square, ≈ -55 dBFS) hold no echo worth the
 * name (the device delay has not passed yet, or the room is quiet): the ratio there would be the
 * noise suppressor's, not the canceller's.
 */
export const MIN_MIC_MEAN_SQUARE = (32_768 * 10 ** (-55 / 20)) ** 2;
/** Highest figure reported: beyond it the residual is below the mic's own noise anyway. */
export const MAX_ERLE_DB = 60;

export class ErleMeter {
  private readonly keep = Math.exp(-FRAME_MS / ERLE_TIME_CONSTANT_MS);
  private micPower = 0;
  private outPower = 0;
  private sinceActive = Number.POSITIVE_INFINITY;
  private audible = false;

  /**
   * One frame: mean squares before and after cancellation, whether the reference the filter saw
   * was agent audio, and how many frames the echo lasts after it (the filter's tail). True when
   * the frame counted (agent audible, and the mic heard something).
   */
  push(
    micMeanSquare: number,
    outMeanSquare: number,
    refActive: boolean,
    tailFrames: number,
  ): boolean {
    this.sinceActive = refActive ? 0 : this.sinceActive + 1;
    const audible = this.sinceActive <= tailFrames;
    if (audible && micMeanSquare < MIN_MIC_MEAN_SQUARE) return false;
    if (!audible) {
      this.audible = false;
      return false;
    }
    if (!this.audible) {
      // A new stretch of agent audio: start from this frame, not from the last stretch.
      this.audible = true;
      this.micPower = micMeanSquare;
      this.outPower = outMeanSquare;
      return true;
    }
    this.micPower = this.keep * this.micPower + (1 - this.keep) * micMeanSquare;
    this.outPower = this.keep * this.outPower + (1 - this.keep) * outMeanSquare;
    return true;
  }

  /** dB, while the agent is audible; undefined otherwise. */
  get erleDb(): number | undefined {
    if (!this.audible || this.micPower <= 0) return undefined;
    if (this.outPower <= 0) return MAX_ERLE_DB;
    return Math.min(MAX_ERLE_DB, Math.max(0, 10 * Math.log10(this.micPower / this.outPower)));
  }

  reset(): void {
    this.audible = false;
    this.sinceActive = Number.POSITIVE_INFINITY;
    this.micPower = 0;
    this.outPower = 0;
  }
}
