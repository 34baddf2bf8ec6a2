import type { AudioSink } from '../types.js';

/** Discards audio (`--output none`): the call runs text-only on the listening side. */
export class NullSink implements AudioSink {
  readonly description = 'no audio output';

  constructor(readonly sampleRate: number) {}

  async open(): Promise<void> {}

  write(_pcm: Buffer): void {}

  /** Holds nothing, so there is nothing to drop; having it gives the player the larger lead. */
  drop(_keepBytes: number): void {}

  async close(): Promise<void> {}
}
