/**
 * When each mic frame was captured, from when it arrived. Frames leave the capture pacer at one
 * per frame period, each a little late (pipe, event loop, a busy machine): the least late is the
 * best estimate of the device's own clock, so frame k was captured at `anchor + k·frameMs` with
 * `anchor` the smallest `arrival_j − (j+1)·frameMs` seen.
 *
 * The canceller needs this steady to the sample: a capture time that wanders by a few ms moves
 * the echo inside its filter, which then has to learn the room again. So the anchor only falls
 * (an earlier arrival is better evidence) and rises slowly (RISE_MS_PER_S, for a device clock a
 * little slower than ours), except after a real gap: when every frame for GAP_FRAMES arrived more
 * than GAP_MS later than the anchor says (the pacer forgave a stall, the device restarted), it
 * starts again from them. Pure.
 */
export const RISE_MS_PER_S = 2;
export const GAP_MS = 40;
export const GAP_FRAMES = 25;

export class CaptureClock {
  private anchor = Number.NaN;
  private elapsedMs = 0;
  private lateRun = 0;
  private lateMin = Number.POSITIVE_INFINITY;

  /** A frame of `frameMs` arrived at `arrivedAtMs`; returns when its first sample was captured. */
  capturedAt(arrivedAtMs: number, frameMs: number): number {
    const start = this.elapsedMs;
    this.elapsedMs += frameMs;
    const offset = arrivedAtMs - this.elapsedMs;
    if (Number.isNaN(this.anchor)) this.anchor = offset;
    this.anchor += (RISE_MS_PER_S * frameMs) / 1000;
    if (offset < this.anchor) this.anchor = offset;
    if (offset > this.anchor + GAP_MS) {
      this.lateRun++;
      this.lateMin = Math.min(this.lateMin, offset);
      if (this.lateRun >= GAP_FRAMES) {
        this.anchor = this.lateMin;
        this.lateRun = 0;
        this.lateMin = Number.POSITIVE_INFINITY;
      }
    } else {
      this.lateRun = 0;
      this.lateMin = Number.POSITIVE_INFINITY;
    }
    return this.anchor + start;
  }
}
