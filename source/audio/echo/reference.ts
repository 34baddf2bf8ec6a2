/**
 * What the loudspeaker plays, on a sample timeline (index = time × rate since an epoch), kept
 * for the last `capacity` samples. Writes land where their time says; a later write over the
 * same span replaces it (a barge-in that drops what the device held rewrites that span with the
 * fade and silence). Spans never written read as silence: the device ran dry there.
 */
export class ReferenceTimeline {
  private readonly ring: Int16Array;
  /** Samples [lo, hi) of the timeline are in the ring; everything else reads as zero. */
  private lo = 0;
  private hi = 0;

  constructor(readonly capacity: number) {
    this.ring = new Int16Array(capacity);
  }

  /** One past the last sample written. */
  get end(): number {
    return this.hi;
  }

  write(samples: Int16Array, start: number): void {
    // Before the epoch, or too old to be read again.
    const oldest = Math.max(0, this.hi - this.capacity);
    const from = Math.max(0, oldest - start);
    let at = start + from;
    if (from >= samples.length) return;
    if (at > this.hi) this.zero(this.hi, Math.min(at, this.hi + this.capacity));
    if (at < this.lo) this.lo = at;
    for (let i = from; i < samples.length; i++, at++) this.ring[at % this.capacity] = samples[i]!;
    if (at > this.hi) this.hi = at;
    this.lo = Math.max(this.lo, this.hi - this.capacity);
  }

  /** Fills `out` with samples [start, start + out.length); zeros outside what is known. */
  read(start: number, out: Int16Array): Int16Array {
    for (let i = 0; i < out.length; i++) {
      const at = start + i;
      out[i] = at >= this.lo && at < this.hi ? this.ring[at % this.capacity]! : 0;
    }
    return out;
  }

  private zero(from: number, to: number): void {
    for (let at = from; at < to; at++) this.ring[at % this.capacity] = 0;
  }
}
