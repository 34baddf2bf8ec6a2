/**
 * Sample-rate conversion for s16le mono by linear interpolation. Good enough for speech
 * (WAV files at 44.1 kHz sent to a 48 kHz call, the local agent's voice, and so on); no
 * anti-alias filter, so downsampling folds high frequencies back in.
 */

function clip16(v: number): number {
  const r = Math.round(v);
  return Math.min(32767, Math.max(-32768, r));
}

/** Resample a whole buffer in one go. Returns the input itself when the rates are equal. */
export function resampleS16(pcm: Buffer, fromRate: number, toRate: number): Buffer {
  if (fromRate === toRate) return pcm;
  const n = pcm.length >> 1;
  if (n === 0) return Buffer.alloc(0);
  const outN = Math.max(1, Math.round((n * toRate) / fromRate));
  const step = fromRate / toRate;
  const out = Buffer.allocUnsafe(outN * 2);
  for (let i = 0; i < outN; i++) {
    const pos = i * step;
    const i0 = Math.min(n - 1, Math.floor(pos));
    const i1 = Math.min(n - 1, i0 + 1);
    const frac = pos - Math.floor(pos);
    const a = pcm.readInt16LE(i0 * 2);
    const b = pcm.readInt16LE(i1 * 2);
    out.writeInt16LE(clip16(a + (b - a) * frac), i * 2);
  }
  return out;
}

/**
 * Streaming resampler: feed chunks of any size, get output whose phase continues across chunk
 * boundaries (so no clicks or drift at the joins). Holds back at most one input sample, plus an
 * odd trailing byte if a chunk splits a sample.
 */
export class Resampler {
  private readonly step: number;
  /** Last sample of the previous chunk, addressed as index -1 of the current one. */
  private prev: number | undefined;
  /** Output samples produced so far; output k reads input position k × step. */
  private produced = 0;
  /** Input samples consumed before the current chunk. */
  private consumed = 0;
  private oddByte: number | undefined;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!(fromRate > 0 && toRate > 0)) throw new Error('sample rates must be positive');
    this.step = fromRate / toRate;
  }

  push(chunk: Buffer): Buffer {
    let pcm = chunk;
    if (this.oddByte !== undefined) {
      pcm = Buffer.concat([Buffer.from([this.oddByte]), chunk]);
      this.oddByte = undefined;
    }
    if (pcm.length & 1) {
      this.oddByte = pcm[pcm.length - 1];
      pcm = pcm.subarray(0, pcm.length - 1);
    }
    if (this.fromRate === this.toRate) return pcm;
    const n = pcm.length >> 1;
    if (n === 0) return Buffer.alloc(0);
    const sampleAt = (i: number): number =>
      i < 0 ? (this.prev ?? pcm.readInt16LE(0)) : pcm.readInt16LE(i * 2);
    const maxOut = Math.ceil((n + 1) / this.step) + 1;
    const out = Buffer.allocUnsafe(maxOut * 2);
    let written = 0;
    // Positions come from the absolute output index, not a running sum, so chunking cannot
    // accumulate rounding error and the result matches resampleS16 sample for sample.
    while (written < maxOut) {
      const pos = this.produced * this.step;
      const whole = Math.floor(pos);
      const i0 = whole - this.consumed;
      if (i0 + 1 > n - 1) break;
      const frac = pos - whole;
      const a = sampleAt(i0);
      const b = sampleAt(i0 + 1);
      out.writeInt16LE(clip16(a + (b - a) * frac), written * 2);
      written++;
      this.produced++;
    }
    this.prev = pcm.readInt16LE((n - 1) * 2);
    this.consumed += n;
    return out.subarray(0, written * 2);
  }
}
