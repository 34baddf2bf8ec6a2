/**
 * Re-frames the server's audio byte stream into whole s16le samples. Frames may have any
 * length, so one sample can be split across two frames; everything downstream (queue, levels,
 * the sound card) wants whole samples only.
 */
import { BYTES_PER_SAMPLE } from '../audio/constants.js';

const EMPTY = Buffer.alloc(0);

/** Carries an odd trailing byte from one frame to the next. */
export class SampleAligner {
  /** The first byte of a split sample, or -1 when nothing is carried. */
  private carried = -1;

  /** True while half a sample is waiting for its other byte. */
  get hasCarry(): boolean {
    return this.carried >= 0;
  }

  /**
   * Returns the whole samples now available (possibly empty). Without a carried byte and with
   * an even length, the frame itself is returned without copying.
   */
  push(frame: Buffer): Buffer {
    if (frame.length === 0) return EMPTY;
    if (this.carried < 0) {
      const whole = frame.length - (frame.length % BYTES_PER_SAMPLE);
      if (whole !== frame.length) this.carried = frame[frame.length - 1]!;
      return whole === frame.length ? frame : frame.subarray(0, whole);
    }
    const total = frame.length + 1;
    const whole = total - (total % BYTES_PER_SAMPLE);
    const out = Buffer.allocUnsafe(whole);
    out[0] = this.carried;
    frame.copy(out, 1, 0, whole - 1);
    this.carried = whole === total ? -1 : frame[frame.length - 1]!;
    return out;
  }

  /** Drops a carried byte (after a playback clear the next audio starts on a sample boundary). */
  reset(): void {
    this.carried = -1;
  }
}
