/** Test signals: tones, silence and a frequency check, s16le mono. */
import { wavHeader } from '../../source/audio/wav.js';

/** A sine tone at `freqHz`, `ms` long, peak amplitude `amplitude` (0..1). */
export function tone(freqHz: number, ms: number, sampleRate: number, amplitude = 0.5): Buffer {
  const samples = Math.round((ms * sampleRate) / 1000);
  const buf = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const v = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * freqHz * i) / sampleRate));
    buf.writeInt16LE(v, i * 2);
  }
  return buf;
}

/** Digital silence, `ms` long. */
export function silence(ms: number, sampleRate: number): Buffer {
  return Buffer.alloc(Math.round((ms * sampleRate) / 1000) * 2);
}

/** Relative power of `freqHz` in the block (Goertzel), 0..~1 for a full-scale pure tone. */
export function goertzel(pcm: Buffer, freqHz: number, sampleRate: number): number {
  const n = pcm.length >> 1;
  if (n === 0) return 0;
  const k = Math.round((n * freqHz) / sampleRate);
  const w = (2 * Math.PI * k) / n;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = pcm.readInt16LE(i * 2) / 32768 + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(power)) / n;
}

/** RMS of a block, 0..1. */
export function rms(pcm: Buffer): number {
  const n = pcm.length >> 1;
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = pcm.readInt16LE(i * 2) / 32768;
    sum += v * v;
  }
  return Math.sqrt(sum / n);
}

/** Milliseconds of the block whose 10 ms windows are louder than `threshold` RMS. */
export function audibleMs(pcm: Buffer, sampleRate: number, threshold = 0.01): number {
  const windowBytes = Math.round(sampleRate / 100) * 2;
  let loud = 0;
  for (let at = 0; at + windowBytes <= pcm.length; at += windowBytes) {
    if (rms(pcm.subarray(at, at + windowBytes)) > threshold) loud += 10;
  }
  return loud;
}

/** A mono s16 WAV file image of `pcm` (for `--input <file.wav>`). */
export function monoWav(pcm: Buffer, sampleRate: number): Buffer {
  return Buffer.concat([wavHeader({ sampleRate, channels: 1, dataBytes: pcm.length }), pcm]);
}
