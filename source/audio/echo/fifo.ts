/** A first-in first-out run of s16 samples that grows as needed (it stays a few frames long). */
export class SampleFifo {
  private data: Int16Array;
  private count = 0;

  constructor(capacity: number) {
    this.data = new Int16Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(samples: Int16Array): void {
    if (this.count + samples.length > this.data.length) {
      const bigger = new Int16Array((this.count + samples.length) * 2);
      bigger.set(this.data.subarray(0, this.count));
      this.data = bigger;
    }
    this.data.set(samples, this.count);
    this.count += samples.length;
  }

  /** Moves the oldest `into.length` samples (at most what is held) to the end of `into`. */
  shiftInto(into: Int16Array): number {
    const n = Math.min(into.length, this.count);
    into.set(this.data.subarray(0, n), into.length - n);
    this.data.copyWithin(0, n, this.count);
    this.count -= n;
    return n;
  }

  /** Keeps only the newest `n` samples. */
  keepNewest(n: number): void {
    if (this.count <= n) return;
    this.data.copyWithin(0, this.count - n, this.count);
    this.count = n;
  }

  clear(): void {
    this.count = 0;
  }
}
