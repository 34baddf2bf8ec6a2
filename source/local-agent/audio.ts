import { BYTES_PER_SAMPLE } from '../audio/constants.js';

/** PCM decoded from a WAV file: s16le mono samples and their rate. */
export interface DecodedWav {
  readonly sampleRate: number;
  readonly pcm: Buffer;
}

/**
 * Decodes a 16-bit PCM WAV (mono, or stereo folded to mono). espeak-ng writes a streaming header
 * whose RIFF and data sizes are placeholders (0x7ffff000), so sizes past the end are clamped to
 * what is actually there. Pure. Throws a one-line message for anything it cannot use.
 */
export function decodeWav(wav: Buffer): DecodedWav {
  if (wav.length < 12 || wav.toString('ascii', 0, 4) !== 'RIFF') {
    throw new Error('not a WAV file (no RIFF header)');
  }
  if (wav.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a WAV file (no WAVE tag)');
  let offset = 12;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let format = 0;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + 16 > wav.length) throw new Error('WAV fmt chunk is truncated');
      format = wav.readUInt16LE(body);
      channels = wav.readUInt16LE(body + 2);
      sampleRate = wav.readUInt32LE(body + 4);
      bits = wav.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (format !== 1 || bits !== 16 || channels < 1 || channels > 2 || sampleRate <= 0) {
        throw new Error('WAV is not 16-bit PCM mono or stereo');
      }
      const end = Math.min(wav.length, body + size);
      const frameBytes = channels * BYTES_PER_SAMPLE;
      const frames = Math.floor((end - body) / frameBytes);
      const data = wav.subarray(body, body + frames * frameBytes);
      return { sampleRate, pcm: channels === 1 ? Buffer.from(data) : foldToMono(data, frames) };
    }
    // Chunks are word-aligned: an odd size is followed by a pad byte.
    offset = body + size + (size & 1);
  }
  throw new Error('WAV has no data chunk');
}

function foldToMono(stereo: Buffer, frames: number): Buffer {
  const out = Buffer.alloc(frames * BYTES_PER_SAMPLE);
  for (let i = 0; i < frames; i++) {
    const l = stereo.readInt16LE(i * 4);
    const r = stereo.readInt16LE(i * 4 + 2);
    out.writeInt16LE((l + r) >> 1, i * BYTES_PER_SAMPLE);
  }
  return out;
}

/**
 * Resamples s16le mono PCM by linear interpolation. Good enough for a demo voice; it does not
 * low-pass before decimating, so downsampling can alias. Pure.
 */
export function resampleLinear(pcm: Buffer, fromRate: number, toRate: number): Buffer {
  const inSamples = pcm.length >> 1;
  if (fromRate === toRate || inSamples === 0) return Buffer.from(pcm.subarray(0, inSamples * 2));
  const outSamples = Math.max(1, Math.round((inSamples * toRate) / fromRate));
  const out = Buffer.alloc(outSamples * BYTES_PER_SAMPLE);
  const step = fromRate / toRate;
  for (let i = 0; i < outSamples; i++) {
    const pos = i * step;
    const i0 = Math.min(inSamples - 1, Math.floor(pos));
    const i1 = Math.min(inSamples - 1, i0 + 1);
    const frac = pos - i0;
    const a = pcm.readInt16LE(i0 * 2);
    const b = pcm.readInt16LE(i1 * 2);
    out.writeInt16LE(Math.round(a + (b - a) * frac), i * BYTES_PER_SAMPLE);
  }
  return out;
}

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
