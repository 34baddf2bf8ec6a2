import { LEVEL_FLOOR_DB } from './constants.js';
import { measurePcm } from './levels.js';

/** Tuning for {@link EchoGuard}. All levels in dBFS, durations in ms. */
export interface EchoGuardOptions {
  /** Keep guarding this long after playback stops: the room still rings. */
  tailMs?: number;
  /** The mic opens only when its RMS is above (playback reference - marginDb). */
  marginDb?: number;
  /** ...and above this absolute level, so quiet rooms never open on hiss. */
  floorDb?: number;
  /** Consecutive loud frames needed to open, so a click or a pop does not. */
  openFrames?: number;
  /** Once open, stay open this long after the last loud frame (gaps between words). */
  hangoverMs?: number;
  /** How fast the playback reference level falls, like a room's reverberation decays. */
  referenceDecayDbPerS?: number;
}

/** What the guard saw about playback when a mic frame arrived. */
export interface PlaybackState {
  /** Agent audio (not pump silence) is being written to the output now. */
  playing: boolean;
  /**
   * Agent audio written to the output is still to be heard, or is being written
   * (`PlayerLike.audible`): the device may hold up to 200 ms of it after `playing` turned
   * false. The guard guards while this holds, and for its tail after. Absent: `playing`.
   */
  audible?: boolean;
  /** RMS of what is being played, dBFS. */
  levelDb: number;
  /**
   * The user muted the mic (or push-to-talk is up): a voice held back then is theirs to hold,
   * not the canceller's doing, and is not counted as speech held back.
   */
  muted?: boolean;
  /**
   * The user holds the talk control (push-to-talk, or the talk button through a mute): they
   * ask to be heard, so nothing holds the mic back. With the canceller, what it has learnt is
   * still taken out; the guard lets the mic through as when the user talks over the agent.
   */
  talking?: boolean;
}

/** The guard's decision for one mic frame. */
export interface EchoGuardResult {
  /** The frame to send: the mic frame itself, or digital silence of the same length. */
  frame: Buffer;
  /** True when the frame was replaced with silence. */
  active: boolean;
}

export const ECHO_TAIL_MS = 150;
export const ECHO_MARGIN_DB = 10;
export const ECHO_FLOOR_DB = -40;
export const ECHO_OPEN_FRAMES = 2;
export const ECHO_HANGOVER_MS = 400;
export const ECHO_REFERENCE_DECAY_DB_PER_S = 60;

/**
 * A half-duplex gate that keeps the agent from hearing itself on open speakers. It is not an
 * echo canceller: while the agent's audio plays (and for a short tail), mic frames become
 * silence unless the user is clearly louder than the expected echo for several frames in a
 * row (a barge-in); then the mic stays open for a hangover. See docs/audio-capture.md. Pure:
 * the caller passes the clock.
 */
export class EchoGuard {
  private readonly tailMs: number;
  private readonly marginDb: number;
  private readonly floorDb: number;
  private readonly openFrames: number;
  private readonly hangoverMs: number;
  private readonly decayDbPerMs: number;

  private lastPlayingAt = Number.NEGATIVE_INFINITY;
  private referenceDb = LEVEL_FLOOR_DB;
  private referenceAt = 0;
  private loudRun = 0;
  private open = false;
  private lastLoudAt = Number.NEGATIVE_INFINITY;

  constructor(options: EchoGuardOptions = {}) {
    this.tailMs = options.tailMs ?? ECHO_TAIL_MS;
    this.marginDb = options.marginDb ?? ECHO_MARGIN_DB;
    this.floorDb = options.floorDb ?? ECHO_FLOOR_DB;
    this.openFrames = Math.max(1, options.openFrames ?? ECHO_OPEN_FRAMES);
    this.hangoverMs = options.hangoverMs ?? ECHO_HANGOVER_MS;
    this.decayDbPerMs = (options.referenceDecayDbPerS ?? ECHO_REFERENCE_DECAY_DB_PER_S) / 1000;
  }

  /** True after a barge-in opened the mic during playback. */
  get bargedIn(): boolean {
    return this.open;
  }

  /** Decides what to send for one mic frame. `now` is in ms (any monotonic clock). */
  process(micFrame: Buffer, playback: PlaybackState, now: number): EchoGuardResult {
    this.updateReference(playback, now);
    const guarding = heard(playback) || now - this.lastPlayingAt < this.tailMs;
    if (!guarding || playback.talking) {
      this.loudRun = 0;
      this.open = false;
      return { frame: micFrame, active: false };
    }

    const micDb = measurePcm(micFrame).rmsDb;
    const thresholdDb = Math.max(this.floorDb, this.referenceDb - this.marginDb);
    if (micDb > thresholdDb) {
      this.loudRun++;
      this.lastLoudAt = now;
      if (this.loudRun >= this.openFrames) this.open = true;
    } else {
      this.loudRun = 0;
      if (this.open && now - this.lastLoudAt > this.hangoverMs) this.open = false;
    }

    if (this.open) return { frame: micFrame, active: false };
    // A fresh buffer: downstream (socket, recorder) may keep or reuse what it is given.
    return { frame: Buffer.alloc(micFrame.length), active: true };
  }

  /** Forgets all state (new call, or the guard was switched off and on). */
  reset(): void {
    this.lastPlayingAt = Number.NEGATIVE_INFINITY;
    this.referenceDb = LEVEL_FLOOR_DB;
    this.referenceAt = 0;
    this.loudRun = 0;
    this.open = false;
    this.lastLoudAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * The reference follows playback peaks up at once and falls slowly, so short pauses inside
   * the agent's speech (where the room still echoes) do not lower the bar for the mic.
   */
  private updateReference(playback: PlaybackState, now: number): void {
    const decayed = this.referenceDb - Math.max(0, now - this.referenceAt) * this.decayDbPerMs;
    const current = heard(playback) ? playback.levelDb : LEVEL_FLOOR_DB;
    this.referenceDb = Math.max(LEVEL_FLOOR_DB, decayed, current);
    this.referenceAt = now;
    if (heard(playback)) this.lastPlayingAt = now;
  }
}

/** The agent's audio is (or is about to be) heard in the room. */
function heard(playback: PlaybackState): boolean {
  return playback.audible ?? playback.playing;
}
