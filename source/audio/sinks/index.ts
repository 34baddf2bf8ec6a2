import { SoxMissingError, soxInstallHint } from '../sox.js';
import { parseSinkSpecOrUndefined, SINK_SPEC_HELP, type SinkSpec } from '../specs.js';
import type { AudioSink } from '../types.js';
import { NullSink } from './null-sink.js';
import { SoxPlaySink } from './sox-play-sink.js';
import { SpeakerSink, SpeakerUnavailableError } from './speaker-sink.js';
import { WavFileSink } from './wav-sink.js';

export { NullSink } from './null-sink.js';
export { SoxPlaySink, type SoxPlaySinkOptions } from './sox-play-sink.js';
export {
  DISABLE_SPEAKER_ENV,
  SpeakerSink,
  type SpeakerSinkOptions,
  SpeakerUnavailableError,
} from './speaker-sink.js';
export { WavFileSink, type WavFileSinkOptions, WavWriter } from './wav-sink.js';

/**
 * No output could be opened. `message` is one sentence for the user (what is wrong, what still
 * works, what to do); `detail` is what the native libraries said, for the events pane and
 * `--verbose` only.
 */
export class NoAudioOutputError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'NoAudioOutputError';
  }
}

/** A notice from {@link createSink}: one sentence, and the native detail behind it. */
export interface SinkNotice {
  readonly message: string;
  readonly detail: string;
}

/** Extra knobs for {@link createSink} (tests, logs). */
export interface CreateSinkOptions {
  /** Where the speaker child's native stderr (ALSA warnings) is appended. */
  readonly speakerLogPath?: string;
  /** The sox executable. Default `sox` from PATH. */
  readonly soxPath?: string;
  /** The `speaker` package's entry file. Default: the installed one (tests). */
  readonly speakerModulePath?: string;
}

export type { SinkSpec } from '../specs.js';

/**
 * Parse an output spec (`../specs.ts`). Throws a one-line Error listing the accepted forms for
 * anything else.
 */
export function parseSinkSpec(spec: string): SinkSpec {
  const parsed = parseSinkSpecOrUndefined(spec);
  if (parsed) return parsed;
  throw new Error(`unknown audio output "${spec.trim()}": use ${SINK_SPEC_HELP}`);
}

/**
 * Create and open the sink named by `spec`. `speaker` falls back to sox play when the speaker
 * module will not load (calling `notice` once with the reason); when neither works it rejects
 * with one line saying what to install.
 */
export async function createSink(
  spec: string,
  sampleRate: number,
  notice: (notice: SinkNotice) => void,
  options: CreateSinkOptions = {},
): Promise<AudioSink> {
  const parsed = parseSinkSpec(spec);
  const soxOptions = (device?: string) => ({
    ...(device ? { device } : {}),
    ...(options.soxPath ? { soxPath: options.soxPath } : {}),
  });
  if (parsed.kind === 'none') return opened(new NullSink(sampleRate));
  if (parsed.kind === 'wav') return opened(new WavFileSink(parsed.path, sampleRate));
  if (parsed.kind === 'sox') return opened(new SoxPlaySink(sampleRate, soxOptions(parsed.device)));

  const speaker = new SpeakerSink(sampleRate, {
    ...(parsed.device ? { device: parsed.device } : {}),
    ...(options.speakerLogPath ? { logPath: options.speakerLogPath } : {}),
    ...(options.speakerModulePath ? { modulePath: options.speakerModulePath } : {}),
  });
  let speakerReason: string;
  let speakerError: unknown;
  try {
    return await opened(speaker);
  } catch (err) {
    speakerError = err;
    speakerReason = err instanceof Error ? err.message : String(err);
  }
  // Unless the module itself would not load (missing, disabled, its native part not built or
  // built for another Node: the sink says so by the error's class, whatever the libraries'
  // words), it was the device that failed: that is what to fix (a wrong --output
  // speaker:<device>, a device in use, ALSA refusing it), not the module.
  const deviceFailed = !(speakerError instanceof SpeakerUnavailableError);
  const device = parsed.device ? `"${parsed.device}"` : 'the default output device';
  try {
    const sox = await opened(new SoxPlaySink(sampleRate, soxOptions(parsed.device)));
    notice({
      message: deviceFailed
        ? `playing through sox play: the speaker module could not open ${device}`
        : 'playing through sox play: the speaker module is unavailable',
      detail: `speaker: ${speakerReason}`,
    });
    return sox;
  } catch (err) {
    const soxReason = err instanceof Error ? err.message : String(err);
    // sox missing is fixed by installing it; sox present but failing means there is no usable
    // output device, which no install fixes.
    const soxMissing = err instanceof SoxMissingError;
    const message = !soxMissing
      ? `no audio output: ${device} could not be opened, by the speaker module nor by sox; the call goes on without sound (check the output device: omnia-voice devices lists them, --output speaker:<device> picks one; or use --output none)`
      : deviceFailed
        ? `no audio output: ${device} could not be opened, and sox (the fallback) is not installed; the call goes on without sound (check the device: omnia-voice devices lists them; or use --output none)`
        : `no audio output: the speaker module is unavailable and sox is not installed; the call goes on without sound (${soxInstallHint()}, or use --output none)`;
    throw new NoAudioOutputError(message, `speaker: ${speakerReason}; sox: ${soxReason}`);
  }
}

async function opened(sink: AudioSink): Promise<AudioSink> {
  await sink.open();
  return sink;
}
