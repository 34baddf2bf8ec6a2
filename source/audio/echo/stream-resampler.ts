import type { NativeHandle, SpeexDsp } from './speexdsp.js';

/**
 * A streaming s16 resampler on speexdsp's (windowed-sinc, so aliasing stays out of the band the
 * canceller models: a linear interpolator would fold the agent's 8-12 kHz energy into it, where
 * no filter can cancel it). Identity when the rates match.
 */
export class StreamResampler {
  private readonly st: NativeHandle | undefined;
  private out: Int16Array;

  constructor(
    private readonly dsp: SpeexDsp,
    readonly inRate: number,
    readonly outRate: number,
    quality = RESAMPLER_QUALITY,
  ) {
    this.st = inRate === outRate ? undefined : dsp.resamplerInit(inRate, outRate, quality);
    this.out = new Int16Array(0);
  }

  /** Resamples one piece; the result is a view valid until the next call. */
  push(input: Int16Array): Int16Array {
    if (!this.st) return input;
    const room = Math.ceil((input.length * this.outRate) / this.inRate) + 16;
    if (this.out.length < room) this.out = new Int16Array(room);
    const n = this.dsp.resample(this.st, input, this.out);
    return this.out.subarray(0, n);
  }

  /** Forget the filter's history (the next piece does not follow the last one). */
  reset(): void {
    if (this.st) this.dsp.resamplerReset(this.st);
  }

  destroy(): void {
    if (this.st) this.dsp.resamplerDestroy(this.st);
  }
}

/** speexdsp's "VoIP" quality: 30 dB of stop-band is plenty under a canceller's 20-30 dB. */
export const RESAMPLER_QUALITY = 3;
