import { BYTES_PER_SAMPLE } from '../audio/constants.js';

/** One beep per word: long enough to hear, short enough that replies stay brisk. */
export const TONE_BEEP_MS = 120;
export const TONE_GAP_MS = 60;
export const TONE_HZ = 660;
/** -12 dBFS: clearly audible without clipping anything downstream. */
export const TONE_AMPLITUDE = 0.25;
/** Fade at each end of a beep so it does not click. */
const TONE_FADE_MS = 5;

/** Deterministic reply audio: a short beep per word followed by a gap. Pure. */
export function synthesizeTone(wordCount: number, sampleRate: number): Buffer {
  const beep = Math.round((sampleRate * TONE_BEEP_MS) / 1000);
  const gap = Math.round((sampleRate * TONE_GAP_MS) / 1000);
  const fade = Math.max(1, Math.round((sampleRate * TONE_FADE_MS) / 1000));
  const words = Math.max(1, wordCount);
  const out = Buffer.alloc(words * (beep + gap) * BYTES_PER_SAMPLE);
  for (let w = 0; w < words; w++) {
    const base = w * (beep + gap);
    for (let i = 0; i < beep; i++) {
      const envelope = Math.min(1, i / fade, (beep - 1 - i) / fade);
      const v = Math.sin((2 * Math.PI * TONE_HZ * i) / sampleRate) * TONE_AMPLITUDE * envelope;
      out.writeInt16LE(Math.round(v * 32_767), (base + i) * BYTES_PER_SAMPLE);
    }
  }
  return out;
}

/**
 * Frame sizes, as fractions of a 20 ms frame plus an odd-byte nudge. Real servers send frames of
 * any length and may split a sample across two frames; a client must cope, so the demo agent does
 * it on purpose: every third frame is one byte longer (and the next one realigns).
 */
const FRAME_PATTERN: ReadonlyArray<readonly [fraction: number, extraBytes: number]> = [
  [1, 0],
  [0.5, 0],
  [1.5, 1],
  [0.75, 0],
  [1, 0],
  [0.25, 1],
];
const FRAME_BASE_MS = 20;

/** Splits reply audio into frames of varying sizes, some with odd byte counts. Pure. */
export function splitIntoFrames(pcm: Buffer, sampleRate: number): Buffer[] {
  const baseBytes = Math.max(2, Math.round((sampleRate * FRAME_BASE_MS) / 1000) * BYTES_PER_SAMPLE);
  const frames: Buffer[] = [];
  let offset = 0;
  let k = 0;
  while (offset < pcm.length) {
    const [fraction, extra] = FRAME_PATTERN[k % FRAME_PATTERN.length]!;
    const size = Math.max(1, Math.round(baseBytes * fraction) + extra);
    frames.push(pcm.subarray(offset, Math.min(pcm.length, offset + size)));
    offset += size;
    k++;
  }
  return frames;
}
