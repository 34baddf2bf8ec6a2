/** Audio constants shared by capture, playback and the local agent. s16le mono throughout. */

/** Bytes in one 16-bit sample. */
export const BYTES_PER_SAMPLE = 2;
/** Duration of one mic frame sent to the server (the protocol wants 10–20 ms chunks). */
export const FRAME_MS = 20;
/** Duration of one block moved by the playback pump into the sink. */
export const BLOCK_MS = 10;
/** Default amount of audio kept inside the output device ahead of the clock. */
export const DEFAULT_LEAD_MS = 20;
/** Default sample rate for both directions. */
export const DEFAULT_SAMPLE_RATE = 48_000;
/** Floor used instead of -Infinity dBFS for digital silence. */
export const LEVEL_FLOOR_DB = -96;

/** Bytes of s16le mono audio for `ms` milliseconds at `sampleRate`. Always a whole sample. */
export function bytesForMs(ms: number, sampleRate: number): number {
  return Math.round((ms * sampleRate) / 1000) * BYTES_PER_SAMPLE;
}

/** Milliseconds of s16le mono audio in `bytes` at `sampleRate`. */
export function msForBytes(bytes: number, sampleRate: number): number {
  return (bytes / BYTES_PER_SAMPLE / sampleRate) * 1000;
}
