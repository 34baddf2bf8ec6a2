import { sanitizeLine } from '../../protocol/sanitize.js';
import { parseSourceSpec, SOURCE_SPEC_HELP } from '../specs.js';
import type { AudioSource } from '../types.js';
import { MicSource } from './mic-source.js';
import { SilenceSource } from './silence-source.js';
import { WavFileSource } from './wav-source.js';

export { MicSource, type MicSourceOptions, type MicStats } from './mic-source.js';
export { SilenceSource } from './silence-source.js';
export { WavFileSource, type WavFileSourceOptions } from './wav-source.js';

/** Extra settings for {@link createSource}; all optional. */
export interface CreateSourceOptions {
  frameMs?: number;
  /** Environment for sox (mic only). */
  env?: NodeJS.ProcessEnv;
  /** WAV input only: loop the file instead of going silent at its end. */
  loop?: boolean;
  /** WAV input only: the file has been sent to its end. */
  onEnd?: () => void;
}

export { SOURCE_SPEC_HELP } from '../specs.js';

/**
 * Builds the input named by `spec`: `mic` (default capture device), `mic:<device>` (a sox/ALSA
 * device name), `none` (digital silence), or a path to a WAV file (ends in .wav or contains a
 * path separator). Throws for anything else, so a typo like `mick` is not taken as a file.
 * Problems found later (sox missing, unreadable file) come through the source's onError.
 */
export function createSource(
  spec: string,
  sampleRate: number,
  options: CreateSourceOptions = {},
): AudioSource {
  const parsed = parseSourceSpec(spec);
  const { frameMs, env } = options;
  switch (parsed?.kind) {
    case 'mic':
      return new MicSource(sampleRate, { frameMs, env, device: parsed.device });
    case 'none':
      return new SilenceSource(sampleRate, { frameMs });
    case 'wav':
      return new WavFileSource(parsed.path, sampleRate, {
        frameMs,
        loop: options.loop,
        onEnd: options.onEnd,
      });
    case undefined:
      throw new Error(`unknown input "${sanitizeLine(spec.trim(), 100)}": use ${SOURCE_SPEC_HELP}`);
  }
}
