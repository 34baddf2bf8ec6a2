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
import { AUDIO_TICK_MS, audioTicker } from './sources/audio-ticker.js';
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
  /**
   * How often the pump runs. Default: the shared audio tick (20 ms, with the mic frames, in one
   * wake-up). All blocks due in a tick go to the sink in one write.
   */
  readonly periodMs?: number;
  /** Clock in ms (monotonic). Default `performance.now()`, on the shared audio tick. */
  readonly now?: () => number;
  /** A sink failure after open: the player stops writing and reports once, in one line. */
  readonly onError?: (message: string) => void;
}

/** Blocks the pump may write beyond the lead after an event-loop stall (then it skips ahead). */
export const MAX_CATCHUP_BLOCKS = 3;
/** Long enough that the cut does not click (144 samples at 48 kHz), short enough for barge-in. */
const DEFAULT_FADE_MS = 3;
/**
 * Least audio left in the sink just before a tick, for timer lateness: the lead is raised to
 * one period plus this when it is shorter. With the 20 ms tick that makes 25 ms, so a clear is
 * heard for at most 25 ms + the 3 ms fade.
 */
export const MIN_MARGIN_MS = 5;
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
  private readonly periodMs: number;
  /** Pumping on the shared audio tick (real clock) rather than a timer of its own. */
  private readonly onTicker: boolean;
  private unsubscribe: (() => void) | undefined;
  private readonly fadeBytes: number;
  /** Effective lead (see {@link MIN_MARGIN_MS}). */
  readonly leadMs: number;
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
    this.onTicker = options.now === undefined && options.periodMs === undefined;
    this.periodMs = options.periodMs ?? (this.onTicker ? AUDIO_TICK_MS : this.blockMs);
    // On the shared tick the sink holds the lead minus one period just before a tick: that must
    // stay above zero by a margin for timer lateness.
    const leadMs = Math.max(
      options.leadMs ?? DEFAULT_LEAD_MS,
      this.onTicker ? this.periodMs + MIN_MARGIN_MS : 0,
    );
    this.leadMs = leadMs;
    this.leadBytes = bytesForMs(leadMs, this.rate);
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
    if (this.timer || this.unsubscribe || this.stopped) return;
    this.timelineBytes = 0;
    if (this.onTicker) {
      // The device timeline starts now, whatever the phase of the grid: the first write is the
      // lead, each tick then tops the sink up to the lead to the sample.
      this.startedAt = this.now();
      this.pump(this.startedAt);
      this.unsubscribe = audioTicker.subscribe((at) => this.pump(Math.max(at, this.now())));
      return;
    }
    this.startedAt = this.now();
    this.pump(this.startedAt);
    this.timer = setInterval(() => this.pump(this.now()), this.periodMs);
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
    this.stopTimer();
    this.isPlaying = false;
    await this.sink.close();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Write every block that is due by `now`, in one sink write. */
  private pump(now: number): void {
    if (this.failed || this.stopped) return;
    const elapsedMs = now - this.startedAt;
    const dueBytes = bytesForMs(elapsedMs, this.rate) + this.leadBytes;
    const maxBurst = this.leadBytes + MAX_CATCHUP_BLOCKS * this.blockBytes;
    // After a stall the device has underrun already; bursting the missed time now would only
    // push the lead (and barge-in delay) up by the length of the stall.
    if (dueBytes - this.timelineBytes > maxBurst) this.timelineBytes = dueBytes - maxBurst;
    // On its own timer the pump moves whole blocks; on the shared tick it tops up to the sample,
    // so the lead is exact at every tick whatever the phase of the grid.
    const step = this.onTicker ? BYTES_PER_SAMPLE : this.blockBytes;
    const bytes = Math.max(0, Math.floor((dueBytes - this.timelineBytes) / step) * step);
    if (bytes === 0) return;
    // One buffer and one write per tick: for the speaker sink each write is a pipe write and a
    // wake-up of its child process.
    const out = Buffer.alloc(bytes);
    for (let at = 0; at < bytes; at += this.blockBytes) {
      this.fillBlock(out.subarray(at, Math.min(bytes, at + this.blockBytes)));
    }
    this.timelineBytes += out.length;
    try {
      this.sink.write(out);
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  private fillBlock(block: Buffer): void {
    const audio = this.queue.pull(block.length, block);
    const newAudioBytes = Math.max(0, audio.length - this.fadeTailBytes);
    this.fadeTailBytes = Math.max(0, this.fadeTailBytes - audio.length);
    this.meter.push(block);
    const wasPlaying = this.isPlaying;
    this.isPlaying = newAudioBytes > 0;
    if (this.isPlaying && !wasPlaying) this.onPlaybackStart?.();
    this.onBlock?.(block);
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.isPlaying = false;
    this.stopTimer();
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
