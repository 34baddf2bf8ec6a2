/**
 * Cuts a byte stream into frames of a fixed size. Capture processes deliver chunks of any
 * length (even odd byte counts when a pipe splits a sample), but the server wants evenly sized
 * frames, so the remainder is carried over to the next push. Pure: no I/O, no timers.
 */
export class Framer {
  private pending: Buffer = Buffer.alloc(0);

  /** @param frameBytes size of every frame handed out; must be a positive integer. */
  constructor(readonly frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    }
  }

  /** Bytes held back waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  /** Adds a chunk and returns every whole frame now available (possibly none). */
  push(chunk: Buffer): Buffer[] {
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    while (data.length - offset >= this.frameBytes) {
      // Copy so a frame never aliases a buffer the producer may reuse.
      frames.push(Buffer.from(data.subarray(offset, offset + this.frameBytes)));
      offset += this.frameBytes;
    }
    this.pending = Buffer.from(data.subarray(offset));
    return frames;
  }

  /** Forgets any partial frame (after a restart, so stale bytes never shift alignment). */
  reset(): void {
    this.pending = Buffer.alloc(0);
  }
}
