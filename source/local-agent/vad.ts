import { BYTES_PER_SAMPLE } from '../audio/constants.js';

/** Window over which energy is measured. */
export const VAD_WINDOW_MS = 20;
/** RMS above this counts as speech. Quiet rooms sit near -60 dBFS, speech near -30..-15. */
export const VAD_THRESHOLD_DB = -40;
/** Sustained energy needed before speech starts, so clicks and pops do not count. */
export const VAD_START_MS = 60;
/** Quiet needed before speech ends, so pauses between words do not split an utterance. */
export const VAD_HANGOVER_MS = 600;
/** The longest utterance kept for the echo voice. */
export const UTTERANCE_KEEP_MS = 10_000;

/** What the detector noticed in one push. */
export type VadEvent =
  | { readonly kind: 'start' }
  | {
      readonly kind: 'end';
      /** Speech length in ms (sample time), from the first loud window to the last one. */
      readonly speechMs: number;
      /** The utterance as received (s16le), capped at UTTERANCE_KEEP_MS. */
      readonly utterance: Buffer;
    };

const FULL_SCALE = 32_768;

/**
 * Energy-based speech detector. Works in sample time (not wall time), so a client may send
 * audio faster than real time and still be understood. Pure: no clocks, no I/O. Accepts chunks
 * of any byte length, including odd ones (a sample split across frames).
 */
export class SpeechDetector {
  private readonly windowSamples: number;
  private readonly startWindows: number;
  private readonly endWindows: number;
  private readonly thresholdLinear: number;
  private readonly keepBytes: number;
  private readonly msPerWindow: number;
  private carry: number | undefined;
  private windowFill = 0;
  private windowSumSquares = 0;
  private loudRun = 0;
  private quietRun = 0;
  private speaking = false;
  private speechWindows = 0;
  private utterance: Buffer[] = [];
  private utteranceBytes = 0;
  private pendingOnset: Buffer[] = [];
  private readonly window: Buffer;
  /** Utterance length up to the last loud window: the hangover quiet is not echoed back. */
  private lastLoudBytes = 0;

  constructor(
    readonly sampleRate: number,
    thresholdDb: number = VAD_THRESHOLD_DB,
  ) {
    this.windowSamples = Math.max(1, Math.round((sampleRate * VAD_WINDOW_MS) / 1000));
    this.msPerWindow = (this.windowSamples / sampleRate) * 1000;
    this.startWindows = Math.max(1, Math.round(VAD_START_MS / VAD_WINDOW_MS));
    this.endWindows = Math.max(1, Math.round(VAD_HANGOVER_MS / VAD_WINDOW_MS));
    this.thresholdLinear = 10 ** (thresholdDb / 20);
    this.keepBytes = Math.round((sampleRate * UTTERANCE_KEEP_MS) / 1000) * BYTES_PER_SAMPLE;
    this.window = Buffer.alloc(this.windowSamples * BYTES_PER_SAMPLE);
  }

  /** True between a `start` and its `end`. */
  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Feed received audio; returns the start/end events it completed, in order. */
  push(chunk: Buffer): VadEvent[] {
    const events: VadEvent[] = [];
    let i = 0;
    if (this.carry !== undefined && chunk.length > 0) {
      const sample = (((chunk[0]! << 8) | this.carry) << 16) >> 16;
      this.carry = undefined;
      this.addSample(sample, events);
      i = 1;
    }
    for (; i + 1 < chunk.length; i += 2) {
      this.addSample(chunk.readInt16LE(i), events);
    }
    if (i < chunk.length) this.carry = chunk[i];
    return events;
  }

  private addSample(sample: number, events: VadEvent[]): void {
    this.windowSumSquares += sample * sample;
    this.window.writeInt16LE(sample, this.windowFill * BYTES_PER_SAMPLE);
    this.windowFill++;
    if (this.windowFill < this.windowSamples) return;
    const rms = Math.sqrt(this.windowSumSquares / this.windowFill) / FULL_SCALE;
    this.windowFill = 0;
    this.windowSumSquares = 0;
    this.closeWindow(rms >= this.thresholdLinear, events);
  }

  private closeWindow(loud: boolean, events: VadEvent[]): void {
    if (!this.speaking) {
      if (!loud) {
        this.loudRun = 0;
        this.pendingOnset = [];
        return;
      }
      this.loudRun++;
      this.pendingOnset.push(Buffer.from(this.window));
      if (this.loudRun < this.startWindows) return;
      this.speaking = true;
      this.quietRun = 0;
      this.speechWindows = this.loudRun;
      this.utterance = [];
      this.utteranceBytes = 0;
      for (const w of this.pendingOnset) this.keep(w);
      this.lastLoudBytes = this.utteranceBytes;
      this.pendingOnset = [];
      events.push({ kind: 'start' });
      return;
    }
    this.keep(Buffer.from(this.window));
    if (loud) {
      this.lastLoudBytes = this.utteranceBytes;
      this.speechWindows += this.quietRun + 1;
      this.quietRun = 0;
      return;
    }
    this.quietRun++;
    if (this.quietRun < this.endWindows) return;
    this.speaking = false;
    this.loudRun = 0;
    const utterance = Buffer.concat(this.utterance);
    events.push({
      kind: 'end',
      speechMs: Math.round(this.speechWindows * this.msPerWindow),
      utterance: utterance.subarray(0, this.lastLoudBytes),
    });
    this.utterance = [];
    this.utteranceBytes = 0;
  }

  private keep(window: Buffer): void {
    if (this.utteranceBytes >= this.keepBytes) return;
    this.utterance.push(window);
    this.utteranceBytes += window.length;
  }
}
