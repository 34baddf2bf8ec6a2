import { performance } from 'node:perf_hooks';
import type { Level } from '../session/types.js';
import {
  AUDIO_TICK_MS,
  BLOCK_MS,
  BYTES_PER_SAMPLE,
  bytesForMs,
  DEFAULT_LEAD_MS,
  MAX_WRITE_TICKS,
  MIN_LEAD_MS,
  MIN_MARGIN_MS,
  msForBytes,
} from './constants.js';
import { LevelMeter } from './levels.js';
import { PcmQueue } from './queue.js';
import { audioTicker } from './sources/audio-ticker.js';
import type { AudioSink, GapCause, OutputFailure, PlayerLike } from './types.js';

export { MIN_MARGIN_MS } from './constants.js';

/** Options for {@link Player}. */
export interface PlayerOptions {
  /**
   * Audio kept inside a sink that can drop (speaker, WAV file) ahead of the clock. Larger =
   * fewer underruns and fewer writes, more output latency; a barge-in drops it either way. On
   * the shared tick it is at least MIN_LEAD_MS, and a sink that cannot drop (sox play) always
   * gets MIN_LEAD_MS, because there the lead is what a barge-in still plays.
   */
  readonly leadMs?: number;
  /** Largest piece handed to `onBlock` and the meter (and the step of a player on its own timer). */
  readonly blockMs?: number;
  /** Fade-out applied to the audio right after `clear()`, so the cut does not click. */
  readonly fadeMs?: number;
  /** Most audio queued; beyond it the oldest is dropped. Default 10 minutes. */
  readonly maxQueueMs?: number;
  /**
   * Run on a timer of this period instead of the shared audio tick (tests, benches): whole
   * blocks, every period, and the lead exactly as given.
   */
  readonly periodMs?: number;
  /** Clock in ms (monotonic). Default `performance.now()`, on the shared audio tick. */
  readonly now?: () => number;
  /**
   * A sink failure after open: the player stops writing and reports once, in one line, with
   * where it stopped and what of the agent's audio was then still to be heard.
   */
  readonly onError?: (message: string, failure: OutputFailure) => void;
  /**
   * Keep the device playing between replies (silence) instead of letting it run dry after
   * IDLE_AFTER_MS. The echo canceller wants this: a sound server picks a stream's latency anew
   * each time it restarts after running dry, so every reply would move the echo path it learnt.
   * It costs the output's writes (the speaker child's wake-ups) between replies.
   */
  readonly keepRunning?: boolean;
}

/** Long enough that the cut does not click (144 samples at 48 kHz), short enough for barge-in. */
const DEFAULT_FADE_MS = 3;
const DEFAULT_MAX_QUEUE_MS = 10 * 60 * 1000;
/** Silence after which audio that arrives starts a new reply (see `silenceBeforeReply`). */
const REPLY_GAP_MS = 200;
/**
 * Agent audio kept in hand when a reply starts: a reply streamed at real time then tolerates
 * frames this late without a gap (see `silenceBeforeReply`). After a gap from late audio it grows
 * to cover that lateness, up to MAX_REPLY_MARGIN_MS, for the rest of the call.
 */
export const REPLY_MARGIN_MS = 40;
export const MAX_REPLY_MARGIN_MS = 200;
/** Margin growth is in steps of this many ms. */
const MARGIN_STEP_MS = 10;
/**
 * After this much silence following the last agent audio the pump stops writing until audio
 * is queued again (the device runs dry, which a sound card plays as silence).
 */
export const IDLE_AFTER_MS = 500;
/**
 * The cushion: queued agent audio goes ahead to a device that can drop up to this far past the
 * play position, instead of the lead, all call long (see {@link Player.aheadBytes}). A stall of
 * the event loop that long (the full-screen UI's first frames before the JIT has warmed them
 * up, a garbage collection, another program on a busy machine) then leaves no hole while the
 * server has sent ahead, and under the echo canceller the output does not run dry mid-reply
 * (which makes the canceller distrust its filter, and through a sound server may move the echo
 * path under it: docs/audio-capture.md). A barge-in drops what the device holds all the same.
 * Once only for 2 s after a hold and with the canceller: a 60-80 ms stall of a shared machine
 * late in a greeting was a hole of 20 ms (docs/audio-playback.md).
 */
export const CUSHION_LEAD_MS = 200;

/** How the pump paces a sink on the shared tick: the lead, and how many ticks between writes. */
export interface Pacing {
  readonly leadMs: number;
  readonly writeTicks: number;
}

/**
 * The pump's rule on the shared tick. Just before a write the sink holds the lead minus the
 * time since the last write (`writeTicks` ticks), which must stay above MIN_MARGIN_MS. A sink
 * that can drop keeps the requested lead (default DEFAULT_LEAD_MS, 60 ms) and is written every
 * second tick when the lead allows (40 ms writes: the speaker's child wakes 25 times a second).
 * A sink that cannot drop keeps MIN_LEAD_MS (one tick + margin, 25 ms) and is written every tick.
 */
export function pacingFor(requestedLeadMs: number | undefined, canDrop: boolean): Pacing {
  if (!canDrop) return { leadMs: MIN_LEAD_MS, writeTicks: 1 };
  const leadMs = Math.max(requestedLeadMs ?? DEFAULT_LEAD_MS, MIN_LEAD_MS);
  const fits = Math.floor((leadMs - MIN_MARGIN_MS) / AUDIO_TICK_MS);
  return { leadMs, writeTicks: Math.max(1, Math.min(MAX_WRITE_TICKS, fits)) };
}

/** A piece of what was written, at its place on the device timeline (for the fade at a clear). */
interface Written {
  readonly at: number;
  readonly pcm: Buffer;
  /** Holds agent audio (not only the pump's silence). */
  readonly audio?: boolean;
}

/**
 * Plays queued agent audio into a sink at the sink's pace. A clock, not the network, decides
 * what to write: the device has played `elapsed × rate` bytes since `start()`, and the pump
 * keeps it topped up to that plus the lead, using queued audio when there is some and digital
 * silence otherwise (and, on a sink that can drop, queued audio up to CUSHION_LEAD_MS). So the
 * sink never holds more than that, and a server that sends 30 s ahead only fills our queue.
 *
 * `clear()` (barge-in) empties the queue in O(1). When the sink can drop what it holds, the
 * player also cuts the device at the play position (by its own clock), so what is heard after
 * the clear is only a 3 ms fade, whatever the lead; otherwise what the device holds (the lead)
 * still plays, followed by the fade.
 *
 * The sink must already be open (see {@link openPlayer}).
 */
export class Player implements PlayerLike {
  /** A block the device has started to play, and its place on the device's timeline in ms. */
  onBlock?: (pcm: Buffer, atMs: number) => void;
  onWrite?: (pcm: Buffer, heardAtMs: number) => void;
  /**
   * Agent audio starts: after silence, or where a reply queued right behind the audio before it
   * begins (`enqueue`'s `reply`, given back here); `heardInMs`, how far ahead of the play
   * position its first sample went into the device.
   */
  onPlaybackStart?: (heardInMs: number, reply?: number) => void;
  /**
   * The agent's audio ends (silence written after it; not for a clear, whose caller knows):
   * `heardInMs`, how far ahead of the play position its last sample went into the device.
   */
  onPlaybackStop?: (heardInMs: number) => void;
  /**
   * The device ran dry without being let to (the pump was later than the lead: an event-loop
   * stall, a busy machine), for `ms`. Through a sound server the stream restarts with another
   * latency: the echo canceller must not trust the echo path it learnt.
   */
  onRanDry?: (ms: number) => void;
  /**
   * Agent audio stopped inside a reply and went on `ms` later, as heard: its next audio came
   * after the pump had written silence in its place (`late`: it arrived after its play time
   * was near, or the queue ran dry), or the device ran dry while the pump was late (`stall`).
   * Not called for the pause between replies, nor after a clear.
   */
  onGap?: (ms: number, cause: GapCause) => void;

  private readonly sink: AudioSink;
  /** The pump stopped feeding the device on purpose (idle between replies). */
  private idle = false;
  private readonly rate: number;
  private readonly blockBytes: number;
  private readonly leadBytes: number;
  private readonly periodMs: number;
  /** Pumping on the shared audio tick (real clock) rather than a timer of its own. */
  private readonly onTicker: boolean;
  /** The sink has `drop`: a clear cuts the device, and the player keeps what it wrote lately. */
  private readonly canDrop: boolean;
  /** On the shared tick, write on every n-th tick. */
  private readonly writeTicks: number;
  private unsubscribe: (() => void) | undefined;
  private readonly fadeBytes: number;
  /** Effective lead (see {@link pacingFor}). */
  readonly leadMs: number;
  private readonly now: () => number;
  private readonly onError: ((message: string, failure: OutputFailure) => void) | undefined;
  private readonly queue: PcmQueue;
  private readonly meter = new LevelMeter();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private startedAt = 0;
  /** Device-timeline bytes accounted for: written, or played as silence while the device ran dry. */
  private timelineBytes = 0;
  /** What was written and may not have played yet (sinks that can drop only). */
  private recent: Written[] = [];
  /**
   * Blocks written whose play time has not come yet: the meter and `onBlock` (the recording)
   * get them when the device plays them, not up to the lead earlier, and never if a barge-in
   * drops them from the device.
   */
  private unheard: Written[] = [];
  private isPlaying = false;
  /** Bytes at the head of the queue that are the fade tail of cleared audio, not new audio. */
  private fadeTailBytes = 0;
  private failed = false;
  private stopped = false;
  /** When the reply now starting was first found queued (see {@link silenceBeforeReply}). */
  private replyQueuedAt: number | undefined;
  /** Agent audio kept in hand when a reply starts (see {@link silenceBeforeReply}). */
  private marginBytes: number;
  /** Holds on starting replies ({@link hold}). */
  private holds = 0;
  /**
   * Where queued replies start ({@link enqueue}'s `reply`), oldest first: `at` counts bytes of
   * all the audio queued since the queue was last emptied by a clear (`queuedBytes`).
   */
  private replyStarts: Array<{ readonly at: number; readonly reply: number }> = [];
  private queuedBytes = 0;
  /** How far queued audio goes ahead of the play position ({@link CUSHION_LEAD_MS}). */
  private readonly cushionBytes: number;
  /** What the device must hold after a write to last until the next one ({@link withoutNeedlessSilence}). */
  private readonly lastingBytes: number;
  /** Timeline position just past the last block that held audio. */
  private audioEndBytes = 0;
  /** Timeline position just past the last byte of audio written; -1 after a clear. */
  private audioEndExact = -1;
  /** The device ran dry since the last audio was written (see {@link onGap}). */
  private stalledSinceAudio = false;
  /** The queue ran out while the pump wanted audio: what comes next starts with the margin. */
  private starved = false;
  /** Silence after which queued audio is a new reply (not a stall inside one). */
  private readonly replyGapBytes: number;
  /** Silence written after the last audio before the pump lets the device run dry. */
  private readonly idleBytes: number;
  /** Never let the device run dry ({@link PlayerOptions.keepRunning}). */
  private readonly keepRunning: boolean;

  constructor(sink: AudioSink, options: PlayerOptions = {}) {
    this.sink = sink;
    this.rate = sink.sampleRate;
    this.blockBytes = Math.max(
      BYTES_PER_SAMPLE,
      bytesForMs(options.blockMs ?? BLOCK_MS, this.rate),
    );
    this.canDrop = typeof sink.drop === 'function';
    this.onTicker = options.now === undefined && options.periodMs === undefined;
    if (this.onTicker) {
      const pacing = pacingFor(options.leadMs, this.canDrop);
      this.leadMs = pacing.leadMs;
      this.writeTicks = pacing.writeTicks;
      this.periodMs = AUDIO_TICK_MS;
    } else {
      this.leadMs = options.leadMs ?? DEFAULT_LEAD_MS;
      this.writeTicks = 1;
      this.periodMs = options.periodMs ?? options.blockMs ?? BLOCK_MS;
    }
    this.leadBytes = bytesForMs(this.leadMs, this.rate);
    this.lastingBytes = Math.min(
      this.leadBytes,
      bytesForMs(this.periodMs * this.writeTicks + MIN_MARGIN_MS, this.rate),
    );
    this.cushionBytes = bytesForMs(Math.max(this.leadMs, CUSHION_LEAD_MS), this.rate);
    this.fadeBytes = bytesForMs(options.fadeMs ?? DEFAULT_FADE_MS, this.rate);
    this.replyGapBytes = bytesForMs(REPLY_GAP_MS, this.rate);
    this.marginBytes = bytesForMs(REPLY_MARGIN_MS, this.rate);
    this.idleBytes = bytesForMs(IDLE_AFTER_MS, this.rate);
    this.keepRunning = options.keepRunning ?? false;
    this.now = options.now ?? (() => performance.now());
    this.onError = options.onError;
    this.queue = new PcmQueue({
      maxBytes: bytesForMs(options.maxQueueMs ?? DEFAULT_MAX_QUEUE_MS, this.rate),
    });
    sink.onError?.((message, reason) => this.fail(message, reason));
  }

  /** Milliseconds between two writes into the sink (on the shared tick: one or two ticks). */
  get writePeriodMs(): number {
    return this.periodMs * this.writeTicks;
  }

  /** Agent audio kept in hand when a reply starts; grows with each late gap (see `onGap`). */
  get replyMarginMs(): number {
    return msForBytes(this.marginBytes, this.rate);
  }

  /**
   * Let no reply start until the returned function is called (idempotent): for a stretch that
   * will hold the event loop longer than the device's lead (loading the full-screen UI). A reply
   * that started plays on; one that arrives meanwhile waits in the queue, whole, instead of
   * playing with holes where the pump could not run. After the release a sink that can drop is
   * written ahead from the queue up to CUSHION_LEAD_MS, as always (see {@link aheadBytes}).
   */
  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
    };
  }

  get queuedMs(): number {
    return msForBytes(this.queue.byteLength, this.rate);
  }

  /**
   * Agent audio not heard yet: the queue, and what was written to the device beyond the play
   * position (up to the lead, or the cushion on a sink that can drop).
   */
  get unplayedMs(): number {
    let written = 0;
    if (this.running && this.audioEndExact >= 0) {
      const played = this.playedBytes(this.now());
      for (const w of this.unheard) {
        if (!w.audio) continue;
        const end = Math.min(w.at + w.pcm.length, this.audioEndExact);
        written += Math.max(0, end - Math.max(w.at, played));
      }
    }
    return msForBytes(this.queue.byteLength + written, this.rate);
  }

  get playing(): boolean {
    return this.isPlaying;
  }

  get audible(): boolean {
    if (this.isPlaying) return true;
    if (!this.running || this.audioEndExact < 0) return false;
    return this.playedBytes(this.now()) < this.audioEndExact;
  }

  /** The device plays all call long ({@link PlayerOptions.keepRunning}). */
  get keepsRunning(): boolean {
    return this.keepRunning;
  }

  /** Bytes of agent audio dropped because the queue cap was exceeded. */
  get overflowBytes(): number {
    return this.queue.droppedBytes;
  }

  level(now: number = Date.now()): Level {
    return this.meter.level(now);
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.timelineBytes = 0;
    // The device timeline starts now, whatever the phase of the grid: the first write is the
    // lead, later writes top the sink up to the lead to the sample.
    this.startedAt = this.now();
    this.sink.startClock?.();
    this.pump(this.startedAt);
    if (this.onTicker) {
      // Only on the ticks it writes: the ticker does not wake the process for the others.
      this.unsubscribe = audioTicker.subscribe(
        (at) => this.pump(Math.max(at, this.now())),
        this.writeTicks,
      );
      return;
    }
    this.timer = setInterval(() => this.pump(this.now()), this.periodMs);
  }

  /**
   * `reply`: this audio starts a new reply (the caller's number for it): its start is reported
   * where it is written, with that number, even when the audio before it plays right up to it.
   */
  enqueue(pcm: Buffer, reply?: number): void {
    // A device that failed plays nothing more: its audio would only wait in the queue for good
    // (a queue that never drains reads as a reply still playing).
    if (pcm.length === 0 || this.failed) return;
    if (reply !== undefined) this.replyStarts.push({ at: this.queuedBytes, reply });
    this.queuedBytes += pcm.length;
    this.queue.push(pcm);
  }

  /** Queue position (in `queuedBytes`) of the next byte to be pulled. */
  private get pulledBytes(): number {
    return this.queuedBytes - this.queue.byteLength;
  }

  /** Bytes from the read position to the next reply's start; Infinity with none ahead. */
  private bytesToNextReply(): number {
    // A loop, not find(): this runs for every block the pump writes.
    const pulled = this.pulledBytes;
    for (const r of this.replyStarts) if (r.at > pulled) return r.at - pulled;
    return Number.POSITIVE_INFINITY;
  }

  /** The queue was emptied: no reply starts in it, and its positions count from what is left. */
  private forgetReplyStarts(): void {
    this.replyStarts = [];
    this.queuedBytes = this.queue.byteLength;
  }

  clear(): number {
    this.isPlaying = false;
    // What plays after a clear is a new reply, however soon it comes: not a gap.
    this.audioEndExact = -1;
    if (this.canDrop && this.running && !this.failed && !this.stopped) {
      const played = this.playedBytes(this.now());
      // The device holds audio beyond the play position: cut it there.
      if (played < this.timelineBytes) return this.dropDevice(played);
    }
    // Keep the next few ms of what was about to play and ramp it down to zero: cutting a
    // waveform mid-cycle is an audible click.
    const tail = this.queue.pull(Math.min(this.fadeBytes, this.queue.byteLength));
    fadeOut(tail);
    const droppedBytes = this.queue.clear();
    this.queue.push(tail);
    this.forgetReplyStarts();
    this.fadeTailBytes = tail.length;
    return msForBytes(droppedBytes, this.rate);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopTimer();
    this.isPlaying = false;
    this.recent = [];
    // Closing plays out what the device holds.
    this.hear(Number.POSITIVE_INFINITY);
    await this.sink.close();
  }

  private stopTimer(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Device-timeline bytes played by `now`, by the player's clock. */
  private playedBytes(now: number): number {
    return Math.max(0, bytesForMs(now - this.startedAt, this.rate));
  }

  /**
   * Barge-in on a sink that can drop: discard the queue and what the device holds beyond the
   * play position, then write at once a short fade of the audio that was about to play there,
   * followed by silence up to the lead (so the device does not run dry before the next tick).
   */
  private dropDevice(played: number): number {
    const tail = this.writtenAt(played, this.fadeBytes);
    fadeOut(tail);
    const droppedBytes = this.queue.clear();
    this.forgetReplyStarts();
    this.fadeTailBytes = 0;
    this.recent = [];
    // What played was heard; what the device drops never will be.
    this.hear(played, true);
    this.unheard = [];
    try {
      this.sink.drop?.(played);
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
      return msForBytes(droppedBytes, this.rate);
    }
    this.timelineBytes = played;
    const out = Buffer.alloc(Math.max(tail.length, this.leadBytes));
    tail.copy(out);
    for (let at = 0; at < out.length; at += this.blockBytes) {
      const block = out.subarray(at, Math.min(out.length, at + this.blockBytes));
      this.account(block, false, played + at, played);
    }
    this.send(out);
    return msForBytes(droppedBytes, this.rate);
  }

  /** A copy of up to `bytes` of what was written from timeline position `from` on. */
  private writtenAt(from: number, bytes: number): Buffer {
    const out = Buffer.alloc(Math.max(0, Math.min(bytes, this.timelineBytes - from)));
    const to = from + out.length;
    for (const w of this.recent) {
      const lo = Math.max(from, w.at);
      const hi = Math.min(to, w.at + w.pcm.length);
      if (lo < hi) w.pcm.copy(out, lo - from, lo - w.at, hi - w.at);
    }
    return out;
  }

  /** Top the sink up to the lead, in one write. */
  private pump(now: number): void {
    if (this.failed || this.stopped) return;
    const played = this.playedBytes(now);
    this.hear(played);
    // Nothing queued and only silence written for a while: stop feeding the device and let it
    // run dry (the speaker child then sleeps between replies). New audio resumes it at its play
    // position, below, like after a stall; a WAV device records the gap as silence, as a sound
    // card plays it. (Through PulseAudio the restart makes the server rewind the sink, which a
    // null sink's monitor cannot show: a long read-back then misses the start of the reply.)
    if (
      this.onTicker &&
      !this.keepRunning &&
      this.queue.byteLength === 0 &&
      this.timelineBytes - this.audioEndBytes >= this.idleBytes
    ) {
      this.idle = true;
      return;
    }
    // A device that ran dry (an event-loop stall, a very late timer) played silence meanwhile
    // and resumes at its play position, not where our last write ended: writing the missed
    // time now would only push the lead (and barge-in delay) up by the length of the stall.
    if (played > this.timelineBytes) {
      if (!this.idle && this.timelineBytes > 0) {
        this.onRanDry?.(msForBytes(played - this.timelineBytes, this.rate));
        this.stalledSinceAudio = true;
      }
      this.timelineBytes = played;
    }
    this.idle = false;
    if (this.canDrop) {
      while (this.recent.length > 0) {
        const w = this.recent[0]!;
        if (w.at + w.pcm.length > played) break;
        this.recent.shift();
      }
    }
    // On its own timer the pump moves whole blocks; on the shared tick it tops up to the sample,
    // so the lead is exact at every write whatever the phase of the grid.
    const step = this.onTicker ? BYTES_PER_SAMPLE : this.blockBytes;
    const due = played + this.leadBytes - this.timelineBytes;
    let bytes = Math.max(0, Math.floor(due / step) * step);
    if (bytes === 0 && !this.canDrop) return;
    const silent = this.silenceBeforeReply(bytes, now);
    if (silent === 0) bytes = this.aheadBytes(bytes, played, step);
    bytes = this.withoutNeedlessSilence(bytes, silent, played, step);
    if (bytes === 0) return;
    // One buffer and one write: for the speaker sink each write is a pipe write and a wake-up
    // of its child process. Blocks of at most blockBytes, split where the reply starts, and
    // where a reply queued right behind the audio before it starts.
    const out = Buffer.alloc(bytes);
    for (let at = 0; at < bytes; ) {
      const end = Math.min(
        bytes,
        at + this.blockBytes,
        at < silent ? silent : at + this.bytesToNextReply(),
      );
      const start = this.timelineBytes + at;
      const block = out.subarray(at, end);
      if (at < silent) this.account(block, false, start, played);
      else this.fillBlock(block, start, played);
      at = end;
    }
    this.send(out);
  }

  /**
   * The write, cut to the audio that is there when a reply is playing and a frame of it is not
   * yet: silence goes in only where the device would otherwise run dry before the next write
   * (the write period and MIN_MARGIN_MS, 45 ms with the speaker's 60 ms lead). Topping up to
   * the full lead with silence made a hole wherever the next frame was late by more than the
   * margin less the part of the lead beyond that (a write late on its timer made it worse by as
   * much): heard as a click of a fraction of a millisecond, or a longer gap on a busy machine.
   * The next write takes the frame once it is there. Only on the shared tick (a Player with its
   * own timer writes whole blocks to the lead, as tests and benches expect), only while some of
   * the reply is queued, and not with `keepRunning` (echo cancelling), where a device run dry
   * moves the echo path under the canceller: a worse fault than a hole of a millisecond.
   */
  private withoutNeedlessSilence(
    bytes: number,
    silent: number,
    played: number,
    step: number,
  ): number {
    if (
      !this.onTicker ||
      // While cancelling echo the device must not run dry (the echo path moves): it keeps the
      // whole lead. With nothing queued the reply is over (or too late for any margin): the
      // device keeps the whole lead of silence between replies, as before.
      this.keepRunning ||
      this.queue.byteLength === 0 ||
      silent > 0 ||
      this.starved ||
      this.fadeTailBytes > 0 ||
      this.audioEndExact < 0 ||
      this.timelineBytes - this.audioEndBytes >= this.replyGapBytes
    )
      return bytes;
    const queued = this.queue.byteLength - (this.queue.byteLength % step);
    if (queued >= bytes) return bytes;
    const lasting = played + this.lastingBytes - this.timelineBytes;
    const needed = lasting <= 0 ? 0 : Math.ceil(lasting / step) * step;
    return Math.min(bytes, Math.max(queued, needed));
  }

  /**
   * The write, grown to the cushion on a sink that can drop: queued audio goes ahead up to
   * CUSHION_LEAD_MS beyond the play position, so a stall of the event loop that long leaves no
   * hole and the device does not run dry. Only audio that is there goes ahead, and the reply
   * margin stays queued: never silence, which a reply streamed at real time would then come
   * after (a hole). A barge-in drops what the device holds all the same. Not while held.
   */
  private aheadBytes(bytes: number, played: number, step: number): number {
    if (this.holds > 0 || !this.canDrop) return bytes;
    const room = played + this.cushionBytes - this.timelineBytes;
    const spare = this.queue.byteLength - this.marginBytes;
    const ahead = Math.floor(Math.min(room, spare) / step) * step;
    return Math.max(bytes, ahead);
  }

  /**
   * How much of this write (`bytes`) is silence before a reply that is starting: all of it
   * while the reply waits, none once it plays. A reply streamed at real time arrives a frame at
   * a time, and a write that takes more than has arrived pads the rest with silence: a hole in
   * what is heard whenever a frame comes a little late. So a reply starts, to the sample, where
   * this write leaves the margin (40 ms, more after late gaps) of it still queued: frames may
   * then come that late without a gap. A reply a server sends ahead has more than that queued
   * and starts at once; a short one that never reaches it starts after the margin and a write
   * period at most. While someone holds ({@link hold}), no reply starts.
   */
  private silenceBeforeReply(bytes: number, now: number): number {
    // The first audio since the start or a clear starts a reply, however soon it comes; so does
    // audio after the queue ran dry inside a reply (it resumes with the margin in hand again:
    // one gap, not a stutter of short ones while the lateness is made up a write at a time).
    const afterSilence =
      this.audioEndExact < 0 ||
      this.starved ||
      this.timelineBytes - this.audioEndBytes >= this.replyGapBytes;
    if (!afterSilence || this.queue.byteLength === 0 || this.fadeTailBytes > 0) {
      this.replyQueuedAt = undefined;
      return 0;
    }
    if (this.holds > 0) return bytes;
    this.replyQueuedAt ??= now;
    const short = bytes + this.marginBytes - this.queue.byteLength;
    if (short <= 0) return 0;
    const waited = now - this.replyQueuedAt;
    if (waited >= msForBytes(this.marginBytes, this.rate) + this.writePeriodMs) return 0;
    return Math.min(bytes, short - (short % BYTES_PER_SAMPLE));
  }

  /**
   * A gap from late audio: the audio resumed with the margin in hand, so the gap is about how
   * late it came. Later replies keep that much in hand, and a step more.
   */
  private growMargin(gapBytes: number): void {
    const step = bytesForMs(MARGIN_STEP_MS, this.rate);
    const wanted = (Math.ceil(gapBytes / step) + 1) * step;
    this.marginBytes = Math.min(
      bytesForMs(MAX_REPLY_MARGIN_MS, this.rate),
      Math.max(this.marginBytes, wanted),
    );
  }

  private send(out: Buffer): void {
    const at = this.timelineBytes;
    if (this.canDrop) this.recent.push({ at, pcm: out });
    this.timelineBytes += out.length;
    try {
      this.sink.write(out, at);
    } catch (err) {
      this.fail(err instanceof Error ? err.message : String(err));
    }
  }

  /** `start`: the block's place on the device timeline; `played`: the play position now. */
  private fillBlock(block: Buffer, start: number, played: number): void {
    // The reply that starts at the read position (blocks are split there), if one does. A reply
    // whose start the queue's cap dropped starts where its audio resumes.
    const pulled = this.pulledBytes;
    let reply: number | undefined;
    while (this.replyStarts.length > 0 && this.replyStarts[0]!.at <= pulled)
      reply = this.replyStarts.shift()!.reply;
    const endBefore = this.audioEndExact;
    const audio = this.queue.pull(block.length, block);
    const newAudioBytes = Math.max(0, audio.length - this.fadeTailBytes);
    this.fadeTailBytes = Math.max(0, this.fadeTailBytes - audio.length);
    if (audio.length > 0) this.audioEndBytes = start + block.length;
    if (newAudioBytes > 0) {
      // Audio goes in at the block's start: silence written since the last audio is a gap,
      // unless it was long enough to be the pause before a new reply.
      const gap = start - this.audioEndExact;
      if (this.audioEndExact >= 0 && gap > 0 && gap < this.replyGapBytes) {
        const cause = this.stalledSinceAudio ? 'stall' : 'late';
        // Audio that came late will come late again: later replies start with more in hand.
        // (A stall is the app's own, and more margin would not have filled it.)
        if (cause === 'late') this.growMargin(gap);
        this.onGap?.(msForBytes(gap, this.rate), cause);
      }
      this.stalledSinceAudio = false;
      this.starved = false;
      this.audioEndExact = start + audio.length;
    }
    if (audio.length < block.length) this.starved = true;
    this.account(
      block,
      newAudioBytes > 0,
      start,
      played,
      reply === undefined ? undefined : { reply, endBefore },
    );
  }

  /**
   * `playing`/`onPlaybackStart` for one block about to be written at timeline position `start`
   * (the play position is `played`); the meter and `onBlock` get it once it plays. `starts`: a
   * reply queued with that number starts with this block; the audio before it ended at
   * `endBefore` (-1: none since a clear).
   */
  private account(
    block: Buffer,
    newAudio: boolean,
    start: number,
    played: number,
    starts?: { readonly reply: number; readonly endBefore: number },
  ): void {
    const wasPlaying = this.isPlaying;
    this.isPlaying = newAudio;
    if (this.isPlaying && (!wasPlaying || starts)) {
      // A reply right behind the audio before it (no silence written between): that audio
      // stops being heard too, where it ended.
      if (wasPlaying && starts && starts.endBefore >= 0)
        this.onPlaybackStop?.(msForBytes(Math.max(0, starts.endBefore - played), this.rate));
      this.onPlaybackStart?.(msForBytes(Math.max(0, start - played), this.rate), starts?.reply);
    } else if (wasPlaying && !this.isPlaying && this.audioEndExact >= 0)
      this.onPlaybackStop?.(msForBytes(Math.max(0, this.audioEndExact - played), this.rate));
    this.unheard.push({ at: start, pcm: block, audio: newAudio });
    this.onWrite?.(block, this.startedAt + msForBytes(start, this.rate));
  }

  /**
   * Meter and `onBlock` for every written block that has started playing by `played`; with
   * `cut` (the device drops the rest), only the part of the last block that played.
   */
  private hear(played: number, cut = false): void {
    let n = 0;
    while (n < this.unheard.length && this.unheard[n]!.at < played) {
      const { at, pcm } = this.unheard[n]!;
      const heard = cut && at + pcm.length > played ? pcm.subarray(0, played - at) : pcm;
      this.meter.push(heard);
      this.onBlock?.(heard, msForBytes(at, this.rate));
      n++;
    }
    if (n > 0) this.unheard.splice(0, n);
  }

  private fail(message: string, reason?: string): void {
    if (this.failed) return;
    // Read before the queue goes: what was still to be heard of the agent never will be.
    const failure: OutputFailure = {
      ...(reason ? { reason } : {}),
      // The play position, by the player's clock (also while stopping: the sink plays out).
      atMs: this.timelineBytes > 0 ? msForBytes(this.playedBytes(this.now()), this.rate) : 0,
      unplayedMs: this.unplayedMs,
      audible: this.audible,
    };
    this.failed = true;
    this.isPlaying = false;
    this.stopTimer();
    this.queue.clear();
    this.forgetReplyStarts();
    this.unheard = [];
    this.onError?.(firstLine(message), failure);
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
