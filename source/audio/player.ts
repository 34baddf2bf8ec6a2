import { performance } from 'node:perf_hooks';
import type { Level } from '../session/types.js';
import {
  BLOCK_MS,
  BYTES_PER_SAMPLE,
  bytesForMs,
  DEFAULT_LEAD_MS,
  msForBytes,
} from './constants.js';
import { LevelMeter } from './levels.js';
import { PcmQueue } from './queue.js';
import type { AudioSink, PlayerLike } from './types.js';

/** Options for {@link Player}. */
export interface PlayerOptions {
  /** Audio kept inside the sink ahead of the clock. Smaller = faster barge-in, more underrun risk. */
  readonly leadMs?: number;
  /** Size of each block written to the sink. */
  readonly blockMs?: number;
  /** Fade-out applied to the audio right after `clear()`, so the cut does not click. */
  readonly fadeMs?: number;
  /** Most audio queued; beyond it the oldest is dropped. Default 10 minutes. */
  readonly maxQueueMs?: number;
  /** Clock in ms (monotonic). Default `performance.now()`. */
  readonly now?: () => number;
  /** A sink failure after open: the player stops writing and reports once, in one line. */
  readonly onError?: (message: string) => void;
}

/** Blocks the pump may write beyond the lead after an event-loop stall (then it skips ahead). */
export const MAX_CATCHUP_BLOCKS = 3;
const DEFAULT_FADE_MS = 5;
const DEFAULT_MAX_QUEUE_MS = 10 * 60 * 1000;

/**
 * Plays queued agent audio into a sink at the sink's pace. A clock, not the network, decides
 * when to write: every tick it computes how many bytes the device should have received by now
 * (elapsed time plus the lead) and writes that many in fixed blocks, using queued audio when
 * there is some and digital silence otherwise. So the sink never holds more than the lead plus
 * a block, and `clear()` silences the agent within that much.
 *
 * The sink must already be open (see {@link openPlayer}).
 */
export class Player implements PlayerLike {
  onBlock?: (pcm: Buffer) => void;
  onPlaybackStart?: () => void;

  private readonly sink: AudioSink;
  private readonly rate: number;
  private readonly blockMs: number;
  private readonly blockBytes: number;
  private readonly leadBytes: number;
  private readonly fadeBytes: number;
  private readonly now: () => number;
  private readonly onError: ((message: string) => void) | undefined;
  private readonly queue: PcmQueue;
  private readonly meter = new LevelMeter();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  /** Device-timeline bytes accounted for: written, or skipped over after a stall. */
  private timelineBytes = 0;
  private isPlaying = false;
  /** Bytes at the head of the queue that are the fade tail of cleared audio, not new audio. */
  private fadeTailBytes = 0;
  private failed = false;
  private stopped = false;

  constructor(sink: AudioSink, options: PlayerOptions = {}) {
    this.sink = sink;
    this.rate = sink.sampleRate;
    this.blockMs = options.blockMs ?? BLOCK_MS;
    this.blockBytes = Math.max(BYTES_PER_SAMPLE, bytesForMs(this.blockMs, this.rate));
    this.leadBytes = bytesForMs(options.leadMs ?? DEFAULT_LEAD_MS, this.rate);
    this.fadeBytes = bytesForMs(options.fadeMs ?? DEFAULT_FADE_MS, this.rate);
    this.now = options.now ?? (() => performance.now());
    this.onError = options.onError;
    this.queue = new PcmQueue({
      maxBytes: bytesForMs(options.maxQueueMs ?? DEFAULT_MAX_QUEUE_MS, this.rate),
    });
    sink.onError?.((message) => this.fail(message));
  }

  get queuedMs(): number {
    return msForBytes(this.queue.byteLength, this.rate);
  }

  get playing(): boolean {
    return this.isPlaying;
  }

  /** Bytes of agent audio dropped because the queue cap was exceeded. */
  get overflowBytes(): number {
    return this.queue.droppedBytes;
  }

  level(now: number = Date.now()): Level {
    return this.meter.level(now);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.startedAt = this.now();
    this.timelineBytes = 0;
    this.pump();
    this.timer = setInterval(() => this.pump(), this.blockMs);
  }

  enqueue(pcm: Buffer): void {
    if (pcm.length > 0) this.queue.push(pcm);
  }

  clear(): number {
    // Keep the next few ms of what was about to play and ramp it down to zero: cutting a
    // waveform mid-cycle is an audible click.
    const tail = this.queue.pull(Math.min(this.fadeBytes, this.queue.byteLength));
    fadeOut(tail);
    const droppedBytes = this.queue.clear();
    this.queue.push(tail);
    this.fadeTailBytes = tail.length;
    this.isPlaying = false;
    return msForBytes(droppedBytes, this.rate);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.isPlaying = false;
    await this.sink.close();
  }

  /** Write every block that is due by now. */
  private pump(): void {
    if (this.failed || this.stopped) return;
    const elapsedMs = this.now() - this.startedAt;
    const dueBytes = bytesForMs(elapsedMs, this.rate) + this.leadBytes;
    const maxBurst = this.leadBytes + MAX_CATCHUP_BLOCKS * this.blockBytes;
    // After a stall the device has underrun already; bursting the missed time now would only
    // push the lead (and barge-in delay) up by the length of the stall.
    if (dueBytes - this.timelineBytes > maxBurst) this.timelineBytes = dueBytes - maxBurst;
    while (this.timelineBytes + this.blockBytes <= dueBytes) {
      if (!this.writeBlock()) return;
      this.timelineBytes += this.blockBytes;
    }
  }

  private writeBlock(): boolean {
    const block = Buffer.alloc(this.blockBytes);
    const audio = this.queue.pull(this.blockBytes, block);
    const newAudioBytes = Math.max(0, audio.length - this.fadeTailBytes);
    this.fadeTailBytes = Math.max(0, this.fadeTailBytes - audio.length);
    try {
      this.sink.write(block);
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
      return false;
    }
    this.meter.push(block);
    const wasPlaying = this.isPlaying;
    this.isPlaying = newAudioBytes > 0;
    if (this.isPlaying && !wasPlaying) this.onPlaybackStart?.();
    this.onBlock?.(block);
    return true;
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.isPlaying = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.onError?.(firstLine(message));
  }
}

/** Ramp s16le samples linearly from full to zero, in place. */
export function fadeOut(pcm: Buffer): void {
  const n = pcm.length >> 1;
  for (let i = 0; i < n; i++) {
    const gain = (n - 1 - i) / n;
    pcm.writeInt16LE(Math.round(pcm.readInt16LE(i * 2) * gain), i * 2);
  }
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.trim() || 'audio output failed';
}

/** Open the sink, then start a player on it. Rejects with the sink's one-line message. */
export async function openPlayer(sink: AudioSink, options: PlayerOptions = {}): Promise<Player> {
  await sink.open();
  const player = new Player(sink, options);
  player.start();
  return player;
}
