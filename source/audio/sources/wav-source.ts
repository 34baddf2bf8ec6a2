import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { sanitizeLine } from '../../protocol/sanitize.js';
import { bytesForMs, FRAME_MS, msForBytes } from '../constants.js';
import { resampleS16 } from '../resample.js';
import type { AudioSource } from '../types.js';
import { parseWav, toMonoS16, wavReadFailure } from '../wav.js';
import { FrameClock, PacedTimer } from './frame-clock.js';

/** Options for {@link WavFileSource}. */
export interface WavFileSourceOptions {
  frameMs?: number;
  /** Start again from the beginning at the end instead of going silent. */
  loop?: boolean;
  /** Called once when the file has been sent to the end (silence follows). Not called when looping. */
  onEnd?: () => void;
}

/** The file as it will be sent: mono s16 at the call's rate, plus what it was. */
interface LoadedWav {
  pcm: Buffer;
  fileSampleRate: number;
  channels: number;
  bitsPerSample: number;
}

/**
 * A WAV file played into the call as if spoken: any PCM/float WAV is mixed to mono s16 and
 * resampled to the call's rate (so it is never sent at the wrong speed), then streamed in
 * frameMs frames at real-time pace, followed by digital silence until stopped.
 */
export class WavFileSource implements AudioSource {
  readonly description: string;
  readonly frameMs: number;
  private readonly options: WavFileSourceOptions;
  private loaded: LoadedWav | undefined;
  private timer: PacedTimer | undefined;
  private position = 0;
  private ended = false;
  private endReported = false;

  constructor(
    readonly path: string,
    readonly sampleRate: number,
    options: WavFileSourceOptions = {},
  ) {
    this.options = options;
    this.frameMs = options.frameMs ?? FRAME_MS;
    this.description = `file ${sanitizeLine(basename(path), 200)}`;
  }

  /** Length of the file's audio in ms, once loaded (start() loads it). */
  get durationMs(): number | undefined {
    return this.loaded ? msForBytes(this.loaded.pcm.length, this.sampleRate) : undefined;
  }

  /** Sample rate, channels and bit depth of the file itself, once loaded. */
  get fileFormat(): { sampleRate: number; channels: number; bitsPerSample: number } | undefined {
    if (!this.loaded) return undefined;
    const { fileSampleRate, channels, bitsPerSample } = this.loaded;
    return { sampleRate: fileSampleRate, channels, bitsPerSample };
  }

  /** Reads and converts the file. Rejects with a one-line message when it cannot. */
  async load(): Promise<void> {
    if (this.loaded) return;
    const shown = sanitizeLine(this.path, 200);
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      throw new Error(wavReadFailure(this.path, error));
    }
    let wav: ReturnType<typeof parseWav>;
    try {
      wav = parseWav(bytes);
    } catch (error) {
      throw new Error(`${shown}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const mono = toMonoS16(wav);
    this.loaded = {
      pcm: resampleS16(mono, wav.sampleRate, this.sampleRate),
      fileSampleRate: wav.sampleRate,
      channels: wav.channels,
      bitsPerSample: wav.bitsPerSample,
    };
  }

  /** Loads the file and starts streaming; a bad file is reported through onError (one line). */
  async start(onFrame: (pcm: Buffer) => void, onError: (message: string) => void): Promise<void> {
    if (this.timer) throw new Error('WavFileSource already started');
    try {
      await this.load();
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
      return;
    }
    const frameBytes = bytesForMs(this.frameMs, this.sampleRate);
    this.timer = new PacedTimer(new FrameClock(this.frameMs), (count) => {
      for (let i = 0; i < count; i++) onFrame(this.nextFrame(frameBytes));
    });
    this.timer.start();
  }

  async stop(): Promise<void> {
    this.timer?.stop();
  }

  private nextFrame(frameBytes: number): Buffer {
    const pcm = this.loaded?.pcm ?? Buffer.alloc(0);
    const frame = Buffer.alloc(frameBytes);
    let filled = 0;
    if (pcm.length === 0) this.ended = true;
    while (filled < frameBytes && pcm.length > 0 && !this.ended) {
      const n = pcm.copy(frame, filled, this.position, this.position + frameBytes - filled);
      filled += n;
      this.position += n;
      if (this.position >= pcm.length) {
        if (this.options.loop) {
          this.position = 0;
        } else {
          this.ended = true;
        }
      }
    }
    if (this.ended && !this.endReported) {
      this.endReported = true;
      // After this frame is handed out, so a listener sees the whole file already sent.
      queueMicrotask(() => this.options.onEnd?.());
    }
    return frame;
  }
}
