/**
 * A byte queue of PCM chunks for the playback path. The server can send many seconds of agent
 * audio ahead of real time, and barge-in must drop all of it at once, so every operation here
 * costs the same whether one block or ten minutes are queued: chunks are referenced, never
 * concatenated, and a partly read head chunk is tracked by an offset.
 */

/** Options for {@link PcmQueue}. */
export interface PcmQueueOptions {
  /**
   * Most bytes held at once. Beyond it the OLDEST audio is dropped (and counted), so a flood
   * stays bounded in memory while the newest turn stays playable. Default: unbounded.
   */
  readonly maxBytes?: number;
}

export class PcmQueue {
  /** Chunks from `head` on are live; earlier slots are consumed and cleared for GC. */
  private chunks: Buffer[] = [];
  private head = 0;
  /** Bytes of `chunks[head]` already consumed. */
  private headOffset = 0;
  private bytes = 0;
  private dropped = 0;
  private readonly maxBytes: number;

  constructor(options: PcmQueueOptions = {}) {
    const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
    // Keep the cap on a whole sample so dropping never splits one.
    this.maxBytes = Number.isFinite(max) ? Math.max(0, max - (max % 2)) : max;
  }

  /** Bytes queued and not yet pulled. */
  get byteLength(): number {
    return this.bytes;
  }

  /** Bytes discarded because the cap was exceeded (not counting `clear()`). */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Append a chunk (kept by reference: callers must not reuse it). O(1) amortised. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) this.dropOldest(this.bytes - this.maxBytes);
  }

  /**
   * Move up to `bytes` from the front of the queue into `into` (or a new Buffer). Returns the
   * filled part, which is shorter than asked when the queue runs dry.
   */
  pull(bytes: number, into?: Buffer): Buffer {
    const want = Math.min(bytes, this.bytes, into ? into.length : bytes);
    const out = into ?? Buffer.allocUnsafe(want);
    let filled = 0;
    while (filled < want) {
      const chunk = this.chunks[this.head]!;
      const take = Math.min(want - filled, chunk.length - this.headOffset);
      chunk.copy(out, filled, this.headOffset, this.headOffset + take);
      filled += take;
      this.consume(take);
    }
    return out.subarray(0, filled);
  }

  /** Drop everything queued. O(1): the old array is simply let go. Returns bytes dropped. */
  clear(): number {
    const had = this.bytes;
    this.chunks = [];
    this.head = 0;
    this.headOffset = 0;
    this.bytes = 0;
    return had;
  }

  private dropOldest(excess: number): void {
    let left = excess;
    while (left > 0) {
      const chunk = this.chunks[this.head]!;
      const take = Math.min(left, chunk.length - this.headOffset);
      this.consume(take);
      left -= take;
    }
    this.dropped += excess;
  }

  /** Advance the read position by `n` bytes that are all within the head chunk. */
  private consume(n: number): void {
    const chunk = this.chunks[this.head]!;
    this.headOffset += n;
    this.bytes -= n;
    if (this.headOffset < chunk.length) return;
    this.chunks[this.head] = EMPTY;
    this.head++;
    this.headOffset = 0;
    // Compact once the consumed prefix dominates, so memory stays proportional to what is
    // queued and the copy is amortised over at least as many pulls.
    if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
