import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A sine tone as s16le mono. */
export function tone(freqHz: number, ms: number, sampleRate: number, amplitude = 0.5): Buffer {
  const n = Math.round((ms * sampleRate) / 1000);
  const out = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * freqHz * i) / sampleRate) * amplitude * 32767);
    out.writeInt16LE(v, i * 2);
  }
  return out;
}

/**
 * Mono s16le duplicated into two interleaved channels. sox opens an ALSA capture device with
 * the device's own defaults (the package's format flags apply to sox's output), and for the
 * file plugin that is 2 channels at 48 kHz, so the file must be stereo to be heard right.
 */
export function toStereo(mono: Buffer): Buffer {
  const out = Buffer.alloc(mono.length * 2);
  for (let i = 0; i + 1 < mono.length; i += 2) {
    const v = mono.readInt16LE(i);
    out.writeInt16LE(v, i * 2);
    out.writeInt16LE(v, i * 2 + 2);
  }
  return out;
}

/** Estimated frequency of a tone in s16le mono, from rising zero crossings. */
export function estimateFrequency(pcm: Buffer, sampleRate: number): number {
  const n = pcm.length >> 1;
  let crossings = 0;
  let first = -1;
  let last = -1;
  let prev = pcm.readInt16LE(0);
  for (let i = 1; i < n; i++) {
    const s = pcm.readInt16LE(i * 2);
    if (prev < 0 && s >= 0) {
      if (first < 0) first = i;
      else crossings++;
      last = i;
    }
    prev = s;
  }
  if (crossings === 0) return 0;
  return (crossings * sampleRate) / (last - first);
}

/** True when any sample is non-zero. */
export function hasSound(pcm: Buffer): boolean {
  for (let i = 0; i + 1 < pcm.length; i += 2) if (pcm.readInt16LE(i) !== 0) return true;
  return false;
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A temporary directory, removed by the returned cleanup. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A HOME whose ~/.asoundrc makes ALSA's default capture device read `inRaw` (raw s16le) and
 * playback write `outRaw`, for machines with no sound card. `extra` is appended verbatim.
 */
export async function alsaFileHome(
  root: string,
  opts: { inRaw: string; outRaw: string; capture?: string; extra?: string },
): Promise<string> {
  const home = join(root, 'home');
  await mkdir(home, { recursive: true });
  const rc = `pcm.!default {
  type asym
  playback.pcm "outfile"
  capture.pcm "${opts.capture ?? 'infile'}"
}
pcm.outfile {
  type file
  slave.pcm "null"
  file "${opts.outRaw}"
  format "raw"
}
pcm.infile {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile "${opts.inRaw}"
  format "raw"
}
${opts.extra ?? ''}
`;
  await writeFile(join(home, '.asoundrc'), rc);
  return home;
}

/**
 * An ALSA device for `~/.asoundrc` that lists with a description (`arecord -L`, `aplay -L`):
 * named `testmic`, shown as "Omnia test microphone", reading zeros.
 */
export const TEST_MIC_PCM = `pcm.testmic {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile "/dev/zero"
  format "raw"
  hint { show on description "Omnia test microphone" }
}`;

/** True while a process with this pid exists (zombies count as gone once reaped). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A WAV file of integer PCM with any channel count and 16/24-bit depth. */
export function encodeWav(
  channelsData: Float64Array[],
  sampleRate: number,
  bitsPerSample: 16 | 24,
): Buffer {
  const channels = channelsData.length;
  const frames = channelsData[0]?.length ?? 0;
  const bytesPerSample = bitsPerSample / 8;
  const dataBytes = frames * channels * bytesPerSample;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * bytesPerSample, 28);
  out.writeUInt16LE(channels * bytesPerSample, 32);
  out.writeUInt16LE(bitsPerSample, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  const full = bitsPerSample === 16 ? 32767 : 8388607;
  let at = 44;
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const v = Math.round((channelsData[c]?.[f] ?? 0) * full);
      out.writeIntLE(v, at, bytesPerSample);
      at += bytesPerSample;
    }
  }
  return out;
}

/** A sine as floats in [-1, 1]. */
export function sine(
  freqHz: number,
  ms: number,
  sampleRate: number,
  amplitude = 0.5,
): Float64Array {
  const n = Math.round((ms * sampleRate) / 1000);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.sin((2 * Math.PI * freqHz * i) / sampleRate) * amplitude;
  return out;
}
