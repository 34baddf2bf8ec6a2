import { bytesForMs, FRAME_MS } from '../constants.js';
import type { AudioSource } from '../types.js';
import { MAX_CATCH_UP_MS } from './capture-pacer.js';
import { FrameClock, PacedTimer } from './frame-clock.js';

/** Options for {@link SilenceSource}. */
export interface SilenceSourceOptions {
  frameMs?: number;
}

/**
 * Digital silence at real-time pace: the input for `--input none`, and what keeps a call
 * alive (the server ends calls whose audio stops) when there is no microphone.
 */
export class SilenceSource implements AudioSource {
  readonly description = 'none (silence)';
  readonly frameMs: number;
  private timer: PacedTimer | undefined;

  constructor(
    readonly sampleRate: number,
    options: SilenceSourceOptions = {},
  ) {
    this.frameMs = options.frameMs ?? FRAME_MS;
  }

  async start(onFrame: (pcm: Buffer) => void, _onError: (message: string) => void): Promise<void> {
    if (this.timer) throw new Error('SilenceSource already started');
    const frameBytes = bytesForMs(this.frameMs, this.sampleRate);
    // Silence carries no content, so time lost to a stall is skipped rather than burst out.
    const clock = new FrameClock(this.frameMs, Math.round(MAX_CATCH_UP_MS / this.frameMs));
    this.timer = new PacedTimer(clock, (count) => {
      // A fresh buffer each time: the receiver may keep it (recorder, socket queue).
      for (let i = 0; i < count; i++) onFrame(Buffer.alloc(frameBytes));
    });
    this.timer.start();
  }

  async stop(): Promise<void> {
    this.timer?.stop();
  }
}
