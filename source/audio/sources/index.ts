import { sanitizeLine } from '../../protocol/sanitize.js';
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

/** The input spec forms, for help text and error messages. */
export const SOURCE_SPEC_HELP = 'mic, mic:<device>, none, or a path to a .wav file';

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
  const trimmed = spec.trim();
  const { frameMs, env } = options;
  if (trimmed === 'mic') return new MicSource(sampleRate, { frameMs, env });
  if (trimmed.startsWith('mic:')) {
    const device = trimmed.slice('mic:'.length).trim();
    return new MicSource(sampleRate, {
      frameMs,
      env,
      device: device.length > 0 ? device : undefined,
    });
  }
  if (trimmed === 'none' || trimmed === 'silence')
    return new SilenceSource(sampleRate, { frameMs });
  if (/\.wav$/i.test(trimmed) || /[/\\]/.test(trimmed)) {
    return new WavFileSource(trimmed, sampleRate, {
      frameMs,
      loop: options.loop,
      onEnd: options.onEnd,
    });
  }
  throw new Error(`unknown input "${sanitizeLine(trimmed, 100)}": use ${SOURCE_SPEC_HELP}`);
}
