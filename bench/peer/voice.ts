/**
 * A voice for the benchmarks' room: utterances of a synthetic voice (a 140 Hz glottal-like
 * harmonic series with vibrato, shaped into syllables) separated by silence. Deterministic, no
 * speech engine needed, and loud enough (about -16 dBFS RMS) that a mic path and an echo guard
 * treat it as a user talking. Each utterance starts with a 5 ms attack, so its onset can be found
 * to within a frame wherever it arrives.
 */
import { writeFileSync } from 'node:fs';
import { wavHeader } from '../../source/audio/wav.js';

const F0_HZ = 140;
const HARMONICS = 12;
const SYLLABLE_HZ = 4;
const ATTACK_MS = 5;
const PEAK = 12_000;

/** One utterance of `ms`, s16le mono. */
export function utterance(ms: number, rate: number): Buffer {
  const n = Math.round((ms * rate) / 1000);
  const out = Buffer.alloc(n * 2);
  const attack = (ATTACK_MS * rate) / 1000;
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    phase += (2 * Math.PI * F0_HZ * (1 + 0.03 * Math.sin(2 * Math.PI * 5 * t))) / rate;
    let v = 0;
    for (let k = 1; k <= HARMONICS; k++) v += Math.sin(k * phase) / k;
    // Syllables: the level dips to a fifth between them, never to silence mid-utterance.
    const syllable = 0.2 + 0.8 * Math.abs(Math.sin(Math.PI * SYLLABLE_HZ * t + Math.PI / 2));
    const edge = Math.min(1, i / attack, (n - 1 - i) / attack);
    out.writeInt16LE(Math.round((PEAK / 1.9) * v * syllable * edge), i * 2);
  }
  return out;
}

/** Where the utterances of {@link roomVoice} start, in ms from its beginning. */
export function utteranceStartsMs(totalMs: number, everyMs: number, leadInMs: number): number[] {
  const starts: number[] = [];
  for (let at = leadInMs; at < totalMs; at += everyMs) starts.push(at);
  return starts;
}

/** `totalMs` of a room in which someone says an utterance of `utteranceMs` every `everyMs`. */
export function roomVoice(
  totalMs: number,
  rate: number,
  { everyMs, utteranceMs, leadInMs }: { everyMs: number; utteranceMs: number; leadInMs: number },
): Buffer {
  const out = Buffer.alloc(Math.round((totalMs * rate) / 1000) * 2);
  const one = utterance(utteranceMs, rate);
  for (const at of utteranceStartsMs(totalMs, everyMs, leadInMs)) {
    one.copy(out, Math.round((at * rate) / 1000) * 2);
  }
  return out;
}

/** Write s16le mono PCM as a WAV file. */
export function writeWav(path: string, pcm: Buffer, rate: number): void {
  writeFileSync(
    path,
    Buffer.concat([wavHeader({ sampleRate: rate, channels: 1, dataBytes: pcm.length }), pcm]),
  );
}
