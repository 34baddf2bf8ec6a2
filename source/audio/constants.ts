/** Audio constants shared by capture, playback and the local agent. s16le mono throughout. */

/** Bytes in one 16-bit sample. */
export const BYTES_PER_SAMPLE = 2;
/** Duration of one mic frame sent to the server (the protocol wants 10–20 ms chunks). */
export const FRAME_MS = 20;
/**
 * Period of the shared audio clock (`sources/audio-ticker.ts`): one mic frame. The paced
 * sources send a frame and the playback pump runs on every tick, in the same wake-up.
 */
export const AUDIO_TICK_MS = FRAME_MS;
/**
 * Least audio left in an output device just before the pump's next write, for timer lateness.
 */
export const MIN_MARGIN_MS = 5;
/**
 * Smallest lead the pump can keep: it writes at most once per tick, so just before a write the
 * device holds the lead minus one tick, which must stay above the margin. Sinks that cannot
 * drop (sox play) always use this lead: there it is what a barge-in still plays.
 */
export const MIN_LEAD_MS = AUDIO_TICK_MS + MIN_MARGIN_MS;
/**
 * Most ticks between two pump writes into a sink that can drop (40 ms writes): fewer writes
 * mean fewer wake-ups of the speaker's child process. Used when the lead allows it (lead at
 * least that many ticks plus the margin).
 */
export const MAX_WRITE_TICKS = 2;
/**
 * Largest piece of playback audio handed to `onBlock` (recorder) and metered at a time; also
 * the block size of a player on a timer of its own (tests, benches).
 */
export const BLOCK_MS = 10;
/**
 * Default amount of audio kept inside an output device that can drop what it holds (speaker,
 * WAV file): a barge-in discards it, so it costs output latency only, not stale audio. Sinks
 * that cannot drop (sox play) keep the smallest safe lead instead (see `player.ts`).
 */
export const DEFAULT_LEAD_MS = 60;
/** Default sample rate for both directions. */
export const DEFAULT_SAMPLE_RATE = 48_000;
/**
 * How often levels and queue depth are folded into the session snapshot (about 8 times a
 * second), counted in shared audio ticks so it costs no wake-up of its own: a multiple of the
 * playback pump's write period (two ticks), so the fold runs in wake-ups the pump makes anyway.
 * The UI's clocks step on the same ticks, so a meter and a spinner that move together cost one
 * frame.
 */
export const LEVEL_TICK_MS = 120;
/** {@link LEVEL_TICK_MS} in shared audio ticks. */
export const LEVEL_TICK_EVERY = Math.max(1, Math.round(LEVEL_TICK_MS / AUDIO_TICK_MS));
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
