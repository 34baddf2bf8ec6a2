/**
 * WAV (RIFF/WAVE) reading and writing. Pure: no I/O. Reading accepts what common tools produce
 * (PCM 8/16/24/32-bit, 32-bit float, WAVE_FORMAT_EXTENSIBLE, extra chunks such as LIST, and
 * streamed files whose data size was never filled in); writing produces 16-bit PCM only.
 */

import { sanitizeLine } from '../protocol/sanitize.js';

/** WAVE format tag for integer PCM. */
export const WAVE_FORMAT_PCM = 1;
/** WAVE format tag for IEEE float samples. */
export const WAVE_FORMAT_IEEE_FLOAT = 3;
/** WAVE format tag whose real format lives in the extension's sub-format GUID. */
export const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Size of the canonical header written by {@link wavHeader}. */
export const WAV_HEADER_BYTES = 44;

/** A parsed WAV file: format fields plus the raw sample bytes (a view into the input). */
export interface ParsedWav {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** WAVE_FORMAT_PCM or WAVE_FORMAT_IEEE_FLOAT (extensible files are resolved to these). */
  readonly format: number;
  /** Interleaved samples, whole frames only. */
  readonly data: Buffer;
}

function fail(reason: string): never {
  throw new Error(`not a supported WAV file: ${reason}`);
}

/**
 * Parse a WAV file held in memory. Throws an Error with a one-line message when the file is
 * not a WAV this app can play.
 */
export function parseWav(buf: Buffer): ParsedWav {
  if (buf.length < 12) fail('file too short');
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    fail('missing RIFF/WAVE header');
  }
  let fmt: Omit<ParsedWav, 'data'> | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      fmt = parseFmt(buf.subarray(body, Math.min(buf.length, body + size)));
    } else if (id === 'data') {
      if (!fmt) fail('data chunk before fmt chunk');
      // Streamed writers leave the size at 0 or 0xFFFFFFFF; a killed writer leaves it short
      // or long. Either way the rest of the file is the best estimate of the audio.
      const declaredEnd = size === 0 || size === 0xffffffff ? buf.length : body + size;
      const end = Math.min(buf.length, declaredEnd);
      const frameBytes = (fmt.bitsPerSample / 8) * fmt.channels;
      const whole = end - body - ((end - body) % frameBytes);
      return { ...fmt, data: buf.subarray(body, body + whole) };
    }
    // Chunks are padded to an even length.
    offset = body + size + (size & 1);
  }
  if (!fmt) fail('no fmt chunk');
  fail('no data chunk');
}

function parseFmt(chunk: Buffer): Omit<ParsedWav, 'data'> {
  if (chunk.length < 16) fail('fmt chunk too short');
  let format = chunk.readUInt16LE(0);
  const channels = chunk.readUInt16LE(2);
  const sampleRate = chunk.readUInt32LE(4);
  const bitsPerSample = chunk.readUInt16LE(14);
  if (format === WAVE_FORMAT_EXTENSIBLE) {
    // cbSize(2) validBits(2) channelMask(4) then the sub-format GUID, whose first two bytes
    // carry the ordinary format tag.
    if (chunk.length < 26) fail('extensible fmt chunk too short');
    format = chunk.readUInt16LE(24);
  }
  if (channels < 1) fail('zero channels');
  if (sampleRate < 1) fail('zero sample rate');
  if (format === WAVE_FORMAT_PCM) {
    if (![8, 16, 24, 32].includes(bitsPerSample)) fail(`${bitsPerSample}-bit PCM`);
  } else if (format === WAVE_FORMAT_IEEE_FLOAT) {
    if (bitsPerSample !== 32) fail(`${bitsPerSample}-bit float`);
  } else {
    fail(`format ${format} (only PCM and 32-bit float are supported)`);
  }
  return { sampleRate, channels, bitsPerSample, format };
}

function readSample(wav: ParsedWav, at: number): number {
  const d = wav.data;
  if (wav.format === WAVE_FORMAT_IEEE_FLOAT) return d.readFloatLE(at);
  switch (wav.bitsPerSample) {
    case 8:
      return (d[at]! - 128) / 128;
    case 16:
      return d.readInt16LE(at) / 32768;
    case 24:
      return d.readIntLE(at, 3) / 8388608;
    default:
      return d.readInt32LE(at) / 2147483648;
  }
}

/** Downmix any parsed WAV to s16le mono at its own sample rate (channels averaged, clipped). */
export function toMonoS16(wav: ParsedWav): Buffer {
  if (wav.format === WAVE_FORMAT_PCM && wav.bitsPerSample === 16 && wav.channels === 1) {
    // The file's own bytes, not a copy: copying minutes of audio held the event loop at the
    // call's start for tens of ms (a hole in the greeting). Copied only where a sample would
    // sit at an odd offset, which an Int16Array view (the level meter) cannot take.
    return wav.data.byteOffset % 2 === 0 ? wav.data : Buffer.from(wav.data);
  }
  const bytesPerSample = wav.bitsPerSample / 8;
  const frameBytes = bytesPerSample * wav.channels;
  const frames = Math.floor(wav.data.length / frameBytes);
  const out = Buffer.allocUnsafe(frames * 2);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < wav.channels; c++)
      sum += readSample(wav, f * frameBytes + c * bytesPerSample);
    const v = Math.round((sum / wav.channels) * 32768);
    out.writeInt16LE(Math.min(32767, Math.max(-32768, v)), f * 2);
  }
  return out;
}

/** A 44-byte header for s16le PCM, `dataBytes` of sample data following it. */
export function wavHeader(opts: {
  sampleRate: number;
  channels: number;
  dataBytes: number;
}): Buffer {
  const { sampleRate, channels, dataBytes } = opts;
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

/** "cannot read WAV file x.wav: no such file": why a WAV input could not be read, one line. */
export function wavReadFailure(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'it is a directory'
        : code === 'EACCES'
          ? 'permission denied'
          : (code ?? 'unreadable');
  return `cannot read WAV file ${sanitizeLine(path, 200)}: ${why}`;
}
