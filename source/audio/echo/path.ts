import { performance } from 'node:perf_hooks';
import { EchoGuard, type PlaybackState } from '../echo-guard.js';
import { measurePcm } from '../levels.js';
import { AEC_RATE_HZ, EchoCanceller } from './canceller.js';
import { CaptureClock } from './capture-clock.js';
import {
  decideEcho,
  type EchoDecision,
  type EchoDevices,
  type EchoMode,
  wantsCanceller,
} from './mode.js';
import type { SpeexDsp } from './speexdsp.js';

/** What the echo path did with one mic frame. */
export interface EchoResult {
  /** The frame to pass on (mute, meter, wire), same length. */
  readonly frame: Buffer;
  /** The energy guard replaced it with silence. */
  readonly guarding: boolean;
}

/** Measured figures of a cancelling path, for the snapshot and the events. */
export interface EchoFigures {
  /** ERLE while the agent is audible, dB; undefined otherwise. */
  readonly erleDb: number | undefined;
  /** Loudspeaker-to-mic delay as last estimated, ms (undefined until found). */
  readonly delayMs: number | undefined;
  /** Times the filter was restarted on a new delay. */
  readonly realignments: number;
  /** Times it converged (barge-in open), and times it lost the echo because the delay moved. */
  readonly convergences: number;
  readonly losses: number;
  /**
   * How long the agent has played to a mic too quiet to hold its echo, since the last loud mic
   * frame while it played or the last echo found, ms.
   */
  readonly unheardMs: number;
  /**
   * The agent has talked {@link NO_ECHO_HEARD_MS} to a mic that held none of it (headphones, or
   * a loudspeaker out of the mic's reach): the mic is let through while the agent talks, until an
   * echo is found.
   */
  readonly noEchoHeard: boolean;
  /**
   * How long the mic has been held back while it was loud (a voice, {@link HELD_SPEECH_DBFS} or
   * more) and no echo had been found yet: most likely the user talking over the agent on a mic
   * that hears none of it (headphones the sound server did not name), ms. Counted through the
   * call: the store says it once it reaches {@link HELD_SPEECH_NOTICE_MS}.
   */
  readonly heldSpeechMs: number;
}

/**
 * Everything between the mic and mute/PTT: echo cancellation, the energy guard, or nothing.
 * The session store owns one; the player feeds it what the loudspeaker plays.
 */
export interface EchoPath {
  readonly mode: EchoMode;
  /** Why the mode is not the one asked for, or why echo is off. */
  readonly reason?: string;
  /** The guard may silence frames (guard mode). */
  readonly guards: boolean;
  /** One line for the events when the call starts. */
  readonly description: string;
  /** What the loudspeaker plays from `atMs` (performance.now() clock), at the output rate. */
  onPlayed(pcm: Buffer, atMs: number): void;
  /** The output ran dry mid-stream for `ms` (the player was late): its latency may have moved. */
  onOutputGap?(ms: number): void;
  /**
   * The output is kept playing between replies (the player's `keepRunning`) and reports its
   * dry-outs through `onOutputGap`: a pause of the agent does not restart it, and a filter
   * trusted before the pause needs only a short run to be trusted again.
   */
  setOutputKeptRunning?(kept: boolean): void;
  /** One mic frame, as captured. */
  process(frame: Buffer, playback: PlaybackState): EchoResult;
  figures(): EchoFigures | undefined;
  close(): void;
}

/**
 * How long after the agent's audio was last written the mic may still hear it: the devices'
 * delay (measured 100-800 ms through PulseAudio, the most on a stream's first start; more with
 * Bluetooth) plus the room's reverberation.
 */
export const ECHO_POSSIBLE_MS = 1_000;

/**
 * A mic that stays this quiet while the agent plays hears none of it: below this level, and this
 * far below what plays (an open loudspeaker's echo at a laptop's mic is 10-30 dB below it).
 */
export const NO_ECHO_FLOOR_DBFS = -50;
export const NO_ECHO_BELOW_PLAYED_DB = 35;

/**
 * The agent talking this long to a quiet mic opens it while the agent talks. Longer than the
 * 1.5 s the canceller searches for an echo and than the latest first echo ever measured in the
 * test rig (1.4-1.5 s, most of it the rig's own backlog since fixed; `docs/audio-capture.md`):
 * shorter spells (0.8 s, 1.5 s) were tried then and let the first echo of a call through.
 */
export const NO_ECHO_HEARD_MS = 3_000;

/** A mic frame this loud, held back by the canceller, is counted as speech held back. */
export const HELD_SPEECH_DBFS = -40;
/**
 * Held-back speech (see `heldSpeechMs`) is said once it reaches this. An echo on open speakers is
 * found within 0.4-0.7 s of the agent's speech (audio-capture.md), which stops the count: by
 * this much held back, the mic is loud with the user's voice, not with an echo not found yet.
 */
export const HELD_SPEECH_NOTICE_MS = 1_500;
/**
 * An echo found that the filter has not converged on this long after is no longer taken for
 * one by the held-speech count: the delay search now and then takes the user's own voice over
 * the agent for an echo (an onset of it against one of the agent's), and the count stopped
 * there for good while the user's speech went on being held back. A real echo converges within
 * 0.4-0.7 s of its finding in the rig.
 */
export const UNCONFIRMED_ECHO_MS = 1_000;

/**
 * An output that ran dry for at least this long mid-stream may have restarted with another
 * latency: the filter must show again that it cancels. Shorter gaps are the player's own
 * accounting of a late tick (a few ms), which the device's buffer rides over.
 */
export const OUTPUT_GAP_DISTRUST_MS = 20;

/** The mic as is. */
export class NoEcho implements EchoPath {
  readonly mode = 'off' as const;
  readonly guards = false;
  readonly description: string;

  constructor(readonly reason?: string) {
    this.description = `echo: off${reason ? ` (${reason})` : ''}`;
  }

  onPlayed(): void {}

  process(frame: Buffer): EchoResult {
    return { frame, guarding: false };
  }

  figures(): undefined {
    return undefined;
  }

  close(): void {}
}

/** The energy guard alone (half duplex): see echo-guard.ts. */
export class GuardedEcho implements EchoPath {
  readonly mode = 'guard' as const;
  readonly guards = true;
  readonly description: string;
  private readonly guard = new EchoGuard();

  constructor(readonly reason?: string) {
    this.description = reason
      ? `echo: guard instead of cancellation: ${reason}`
      : 'echo: guard (the mic is silenced while the agent speaks, unless you talk over it)';
  }

  onPlayed(): void {}

  process(frame: Buffer, playback: PlaybackState): EchoResult {
    const decision = this.guard.process(frame, playback, performance.now());
    return { frame: decision.frame, guarding: decision.active };
  }

  figures(): undefined {
    return undefined;
  }

  close(): void {}
}

/**
 * speexdsp's canceller on every mic frame, fed with what the loudspeaker plays. Until the filter
 * has shown it cancels (the first second or so of agent speech; again after a pause, as the
 * echo may have moved: within the first 160 ms of the reply's echo on an output kept running),
 * the mic is silenced while the agent's audio may be in it: a half-trained filter lets enough echo through for a server's speech detector
 * to hear the agent, and the agent would interrupt itself. A level gate cannot tell the user
 * from the echo then (the echo can be as loud as a voice, and arrive up to a second late), so
 * barge-in waits for the filter. A mic that hears no loudspeaker at all (headphones the sound
 * server did not name as such) gives the filter nothing to converge on: how long the agent has
 * played to a quiet mic is counted (`unheardMs`), and after {@link NO_ECHO_HEARD_MS} the mic is
 * let through while the agent talks (`noEchoHeard`), until the canceller finds an echo: then it
 * is closed again until the filter has learnt it (docs/audio-capture.md).
 */
export class CancelledEcho implements EchoPath {
  readonly mode = 'cancel' as const;
  readonly guards = false;
  readonly reason = undefined;
  readonly description: string;
  private readonly canceller: EchoCanceller;
  private readonly clock = new CaptureClock();
  private readonly inputRate: number;
  private lastPlayingAt = Number.NEGATIVE_INFINITY;
  private silence = Buffer.alloc(0);
  private unheardMs = 0;
  private noEchoHeard = false;
  private loudestPlayedDb = Number.NEGATIVE_INFINITY;
  private echoFoundSeen = 0;
  private heldSpeechMs = 0;
  /** Mic frames' ms since the last echo found. */
  private sinceFoundMs = 0;

  constructor(dsp: SpeexDsp, inputRate: number, outputRate: number) {
    this.inputRate = inputRate;
    this.canceller = new EchoCanceller(dsp, { inputRate, outputRate });
    this.description =
      `echo: cancelling (speexdsp at ${Math.min(inputRate, AEC_RATE_HZ) / 1000} kHz, ` +
      `${this.canceller.tailMs} ms filter, delay found automatically)`;
  }

  onPlayed(pcm: Buffer, atMs: number): void {
    this.canceller.pushReference(pcm, atMs);
  }

  /**
   * Through a sound server an output that ran dry restarts with another latency, and the echo
   * moves under the filter: until it has shown it still cancels, the mic waits while the agent
   * talks. Without this the moved echo leaked for the 0.3 s and more the delay search takes to
   * see the move, and the agent could hear itself.
   */
  onOutputGap(ms: number): void {
    if (ms >= OUTPUT_GAP_DISTRUST_MS) this.canceller.distrust();
  }

  /**
   * An output kept running holds its latency from reply to reply (nearly: see the canceller's
   * `outputKeptRunning`): a filter trusted on one reply is trusted again on the next once it
   * has cancelled 160 ms of its echo, and the user can talk over its start. A device left to
   * run dry between replies restarts with another latency: the filter must converge again, as
   * at first, after each second of agent silence.
   */
  setOutputKeptRunning(kept: boolean): void {
    this.canceller.outputKeptRunning = kept;
  }

  process(frame: Buffer, playback: PlaybackState): EchoResult {
    const now = performance.now();
    const frameMs = (frame.length / 2 / this.inputRate) * 1000;
    const cancelled = this.canceller.process(frame, this.clock.capturedAt(now, frameMs));
    if (playback.playing) this.lastPlayingAt = now;
    // Measured once a frame, and only when something below reads it.
    const micDb = playback.playing ? measurePcm(frame).rmsDb : undefined;
    this.countUnheard(micDb, frameMs, playback);
    const echoPossible = now - this.lastPlayingAt < ECHO_POSSIBLE_MS;
    // Held talk (push-to-talk): the user asks to be heard over the agent; the filter takes out
    // what it has learnt, and the mic is not held for the rest.
    // A frame that left more than the mic heard is held even from a converged filter: the echo
    // may have moved under it (the canceller's divergence check; two such frames lose it).
    const trusted = this.canceller.isConverged && !this.canceller.lastFrameDiverged;
    if (!echoPossible || trusted || this.noEchoHeard || playback.talking) {
      return { frame: cancelled, guarding: false };
    }
    // Held back: a loud mic with no echo to take it for is the user, talking into the hold.
    if (
      !playback.muted &&
      !this.echoBelieved() &&
      (micDb ?? measurePcm(frame).rmsDb) >= HELD_SPEECH_DBFS
    ) {
      this.heldSpeechMs += frameMs;
    }
    if (this.silence.length !== frame.length) this.silence = Buffer.alloc(frame.length);
    return { frame: this.silence, guarding: true };
  }

  /**
   * Counts the agent playing to a quiet mic (see `unheardMs` in the figures): a loud mic while
   * the agent plays, or the canceller finding an echo (a delay it aligns to), starts it again.
   * Enough of it opens the mic while the agent plays (`noEchoHeard`); only an echo found closes
   * it again (a loud mic is then the user talking over the agent).
   */
  private countUnheard(micDb: number | undefined, frameMs: number, playback: PlaybackState): void {
    // An echo found: the delay search confirmed one (inside the filter's window or not), or the
    // filter converged on one.
    const found = this.canceller.echoFoundCount;
    this.sinceFoundMs += frameMs;
    if (found !== this.echoFoundSeen) {
      this.echoFoundSeen = found;
      this.unheardMs = 0;
      this.noEchoHeard = false;
      this.sinceFoundMs = 0;
    }
    if (!playback.playing || micDb === undefined) return;
    this.loudestPlayedDb = Math.max(this.loudestPlayedDb, playback.levelDb);
    const quiet =
      micDb < NO_ECHO_FLOOR_DBFS && micDb < this.loudestPlayedDb - NO_ECHO_BELOW_PLAYED_DB;
    this.unheardMs = quiet ? this.unheardMs + frameMs : 0;
    if (this.unheardMs >= NO_ECHO_HEARD_MS && !this.noEchoHeard) {
      this.noEchoHeard = true;
      this.canceller.restartDelaySearch();
    }
  }

  /**
   * Whether a loud mic held back may be the agent's echo: the filter has converged on an echo
   * once (only a real echo gives it its 15 dB: the mic hears the loudspeaker, for the rest of
   * the call), or one was found only just now ({@link UNCONFIRMED_ECHO_MS}).
   */
  private echoBelieved(): boolean {
    if (this.canceller.hasConverged) return true;
    return this.echoFoundSeen > 0 && this.sinceFoundMs < UNCONFIRMED_ECHO_MS;
  }

  figures(): EchoFigures {
    const s = this.canceller.stats;
    return {
      erleDb: s.erleDb,
      delayMs: s.estimatedDelayMs,
      realignments: s.realignments,
      convergences: s.convergences,
      losses: s.losses,
      unheardMs: this.unheardMs,
      noEchoHeard: this.noEchoHeard,
      heldSpeechMs: this.heldSpeechMs,
    };
  }

  close(): void {
    this.canceller.close();
  }
}

/** The path for a decision (`dsp` is needed, and loaded, only for `cancel`). */
export function createEchoPath(
  decision: EchoDecision,
  rates: { input: number; output: number },
  dsp?: SpeexDsp,
): EchoPath {
  if (decision.mode === 'cancel' && dsp) return new CancelledEcho(dsp, rates.input, rates.output);
  if (decision.mode === 'off') return new NoEcho(decision.reason);
  return new GuardedEcho(decision.reason);
}

/**
 * Decide and build the path for a call: loads speexdsp only when cancellation could be used,
 * and falls back to the guard with the library's one-line reason when it does not load.
 */
export async function openEchoPath(
  requested: EchoMode,
  devices: EchoDevices,
  rates: { input: number; output: number },
  asked: boolean | string = true,
): Promise<EchoPath> {
  let dsp: SpeexDsp | undefined;
  let loadError: string | undefined;
  if (wantsCanceller(requested, devices, asked)) {
    const { loadSpeexDsp } = await import('./speexdsp.js');
    const loaded = loadSpeexDsp();
    if (typeof loaded === 'string') loadError = loaded;
    else dsp = loaded;
  }
  return createEchoPath(decideEcho(requested, devices, loadError, asked), rates, dsp);
}
