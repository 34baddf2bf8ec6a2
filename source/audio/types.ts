/**
 * Audio edges. All PCM here is signed 16-bit little-endian mono. Buffers passed around are
 * always whole samples (even byte lengths).
 */

/** Something that produces audio: the mic, a WAV file, silence. */
export interface AudioSource {
  /** Human description, e.g. "mic (default)" or "file greeting.wav". */
  readonly description: string;
  readonly sampleRate: number;
  /**
   * Start producing. `onFrame` is called with frames of exactly FRAME_MS of audio, paced in
   * real time (one second of audio per second). `onError` reports a fatal source problem
   * (sox missing, device gone) with a one-line user message; the caller keeps the call going
   * with silence/text.
   */
  start(onFrame: (pcm: Buffer) => void, onError: (message: string) => void): Promise<void>;
  stop(): Promise<void>;
}

/** Something that consumes audio like a sound card would: the speaker, sox play, a WAV file. */
export interface AudioSink {
  readonly description: string;
  readonly sampleRate: number;
  /** Open the device/file. Rejects with a one-line user message when it cannot. */
  open(): Promise<void>;
  /**
   * The call's audio starts: a device that keeps a timeline (a WAV file) starts its clock here,
   * playing silence until written, so its file spans the whole call. Optional.
   */
  startClock?(): void;
  /**
   * Write a block of PCM (whole samples). The player paces calls in real time. `atBytes`, where
   * the player puts the block on the device timeline (after a dry spell: the play position by
   * its clock); a device that keeps a timeline places it there (a WAV file), others ignore it.
   */
  write(pcm: Buffer, atBytes?: number): void;
  /**
   * Discard everything written after the first `keepBytes` bytes of the device timeline (byte
   * 0 is the first byte ever written; what has played stays played), as far as the device can:
   * an immediate drop of what the device holds, like ALSA's `snd_pcm_drop`. The next `write`
   * continues the timeline at `keepBytes` (or at the play position, if that is later). Optional:
   * a sink without it (sox play) plays out what it holds after a clear.
   */
  drop?(keepBytes: number): void;
  /** Flush and close (WAV sinks fix their header here). */
  close(): Promise<void>;
  /**
   * Register a handler for a failure after open (device lost): one line, and why in words
   * without the device's name when the sink can say (`the disk is full` for a WAV file).
   */
  onError?(handler: (message: string, reason?: string) => void): void;
}

/**
 * What the player knew when its output failed (`PlayerOptions.onError`): where, why, and what
 * of the agent's audio was then still to be heard (it never will be).
 */
export interface OutputFailure {
  /** The sink's reason in words (`the disk is full`), when it gave one. */
  readonly reason?: string;
  /** Where on the device's timeline: ms since the call's audio started. */
  readonly atMs: number;
  /** Agent audio not heard yet (queued, or written and not played), ms. */
  readonly unplayedMs: number;
  /** Agent audio was being heard. */
  readonly audible: boolean;
}

/**
 * A WAV file of the call (`--record`, an output WAV) that stopped before the call's end: how
 * much of the call it holds, and why.
 */
export interface FileStop {
  /** The audio the file holds, ms from the call's audio start. */
  readonly atMs: number;
  /** Why, in words: `the disk is full`. */
  readonly reason?: string;
}

/** The recording (`--record`) stopped: a write failed. */
export interface RecordingStop extends FileStop {
  readonly reason: string;
  /** One line naming the file: `cannot write rec.wav: the disk is full`. */
  readonly message: string;
}

/**
 * Why agent audio had a gap inside a reply: it arrived after the pump had written silence in
 * its place (`late`), or the device ran dry while the pump was late (`stall`).
 */
export type GapCause = 'late' | 'stall';

/**
 * Plays agent audio: a queue that can hold minutes, pulled by a clock into an {@link AudioSink}
 * on the shared audio tick (at most one write per tick, `onBlock` sees at most BLOCK_MS at a
 * time), keeping only the lead inside the sink. Implemented in `player.ts`.
 */
export interface PlayerLike {
  /**
   * Start the pump. While the queue is empty it writes silence, and after a while of it lets
   * the device run dry (a sound card plays that as silence) until audio is queued again.
   */
  start(): void;
  /**
   * Queue agent audio (whole samples). O(1). `reply`: this audio starts a new reply (the
   * caller's number for it), reported by `onPlaybackStart` where it is written even when the
   * audio before it plays right up to it.
   */
  enqueue(pcm: Buffer, reply?: number): void;
  /**
   * Drop everything not yet played (the queue, and what the sink holds when it can drop), with
   * a short fade. O(1) in the queue length. Returns ms dropped from the queue.
   */
  clear(): number;
  /** Milliseconds queued and not yet written to the sink. */
  readonly queuedMs: number;
  /** Agent audio not heard yet, in ms: queued, or written and not yet played. */
  readonly unplayedMs: number;
  /** True while queued agent audio (not pump silence) is being written. */
  readonly playing: boolean;
  /**
   * True while agent audio is being written, and after until the device has played it: a
   * device that can drop holds up to 200 ms of a reply sent ahead (`CUSHION_LEAD_MS`), heard
   * after `playing` turned false. What the echo guard guards on.
   */
  readonly audible?: boolean;
  /**
   * The device is kept playing between replies (silence) and never let to run dry
   * (`PlayerOptions.keepRunning`): its latency holds through the call.
   */
  readonly keepsRunning?: boolean;
  /** Level of what the device is playing (by the player's clock), with peak hold. */
  level(now?: number): import('../session/types.js').Level;
  /**
   * Called with each block (agent audio or silence) when the device plays it, for recording:
   * up to the lead after it was written, and never for audio a barge-in dropped from the device.
   */
  onBlock?: (pcm: Buffer, atMs: number) => void;
  /**
   * Called with each block as it is written, with when it will be heard (the player's clock,
   * `performance.now()` ms). The same blocks as `onBlock`, up to the lead earlier: the echo
   * canceller needs them before the mic hears them. After a barge-in drop, the span from the cut
   * on is written again (fade and silence) with the same times, and replaces what was there.
   */
  onWrite?: (pcm: Buffer, heardAtMs: number) => void;
  /**
   * Called when the device ran dry without being let to (the player wrote later than its lead),
   * with for how long: a sound server restarts the stream with another latency.
   */
  onRanDry?: (ms: number) => void;
  /**
   * Called when agent audio stopped inside a reply and went on `ms` later as heard: it came
   * late (`late`) or the device ran dry while the player was late (`stall`).
   */
  onGap?: (ms: number, cause: GapCause) => void;
  /** Agent audio kept in hand when a reply starts (players that keep such a margin). */
  readonly replyMarginMs?: number;
  /**
   * Let no reply start until the returned function is called: for a stretch that will hold the
   * event loop longer than the device's lead. Players that need no such care leave it out.
   */
  hold?(): () => void;
  /**
   * Called when the first block of queued audio after silence is written, or the block a reply
   * queued with a number (`enqueue`'s `reply`) starts with, with how long until the device plays
   * it (the block goes in up to the lead ahead), and that number: response latency.
   */
  onPlaybackStart?: (heardInMs: number, reply?: number) => void;
  /**
   * The agent's audio ends as written (not for a clear), or a reply queued right behind it
   * starts: its last sample heard in that many ms.
   */
  onPlaybackStop?: (heardInMs: number) => void;
  /** Stop the pump and close the sink. */
  stop(): Promise<void>;
}
