/**
 * A model of the room between the loudspeaker and the mic, for the echo tests and the echo
 * bench: what the device plays comes back to the mic after a delay, through a decaying impulse
 * response (a direct path and reflections whose level falls exponentially, like a room's
 * reverberation) and a gain, with a little noise. Used on whole buffers (the canceller alone,
 * in-process) and on a live stream (the whole app: `speaker.monitor` → {@link Room.process} →
 * `room`, see {@link startRoomLoop}).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { resampleS16 } from '../../source/audio/resample.js';
import { parseWav, toMonoS16 } from '../../source/audio/wav.js';
import { READER_SETTLE_MS, type SoundServer } from './sound-server.js';

export interface RoomOptions {
  readonly rate: number;
  /** Time from the loudspeaker to the mic's first sound, ms (air, plus any device latency). */
  readonly delayMs: number;
  /** Level of the direct path at the mic relative to what is played (linear, e.g. 0.3). */
  readonly gain: number;
  /** Length of the reflections after the direct path, ms. */
  readonly reverbMs?: number;
  /** Amplitude time constant of the reflections' decay, ms (RT60 ≈ 6.9 × this). */
  readonly decayMs?: number;
  /** Number of reflections. */
  readonly reflections?: number;
  /** Level of the room's noise, dBFS RMS. */
  readonly noiseDb?: number;
  readonly seed?: number;
}

export const ROOM_DEFAULTS = {
  reverbMs: 150,
  decayMs: 40,
  reflections: 48,
  noiseDb: -60,
  seed: 7,
} as const;

/** A small deterministic generator, so a failing run can be replayed exactly. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

/** Sparse impulse response: tap positions (samples) and gains. */
export interface ImpulseResponse {
  readonly lags: Int32Array;
  readonly gains: Float64Array;
}

export function impulseResponse(o: RoomOptions): ImpulseResponse {
  const reverbMs = o.reverbMs ?? ROOM_DEFAULTS.reverbMs;
  const decayMs = o.decayMs ?? ROOM_DEFAULTS.decayMs;
  const count = o.reflections ?? ROOM_DEFAULTS.reflections;
  const rnd = random(o.seed ?? ROOM_DEFAULTS.seed);
  const lags = new Int32Array(count + 1);
  const gains = new Float64Array(count + 1);
  const direct = Math.round((o.delayMs * o.rate) / 1000);
  lags[0] = direct;
  gains[0] = o.gain;
  for (let i = 1; i <= count; i++) {
    const t = 1 + rnd() * (reverbMs - 1);
    lags[i] = direct + Math.round((t * o.rate) / 1000);
    const sign = rnd() < 0.5 ? -1 : 1;
    gains[i] = sign * o.gain * 0.7 * Math.exp(-t / decayMs);
  }
  return { lags, gains };
}

/**
 * The room as a stream: push what the loudspeaker played, get what the mic hears of it (echo plus
 * noise), sample for sample.
 */
export class Room {
  private readonly ir: ImpulseResponse;
  private readonly history: Float64Array;
  private at = 0;
  private readonly noise: () => number;
  private readonly noiseAmplitude: number;

  constructor(readonly options: RoomOptions) {
    this.ir = impulseResponse(options);
    const longest = Math.max(...this.ir.lags) + 1;
    this.history = new Float64Array(longest);
    this.noise = random((options.seed ?? ROOM_DEFAULTS.seed) + 1);
    // Uniform noise in [-a, a] has RMS a/√3.
    this.noiseAmplitude =
      32_768 * 10 ** ((options.noiseDb ?? ROOM_DEFAULTS.noiseDb) / 20) * Math.sqrt(3);
  }

  /** Echo plus noise for `played` (s16le), as float samples. */
  process(played: Buffer): Float64Array {
    const n = played.length >> 1;
    const out = new Float64Array(n);
    const size = this.history.length;
    const { lags, gains } = this.ir;
    for (let i = 0; i < n; i++) {
      this.history[this.at % size] = played.readInt16LE(i * 2);
      let acc = (this.noise() * 2 - 1) * this.noiseAmplitude;
      for (let k = 0; k < lags.length; k++) {
        const j = this.at - lags[k]!;
        if (j >= 0) acc += gains[k]! * this.history[j % size]!;
      }
      out[i] = acc;
      this.at++;
    }
    return out;
  }
}

/** Float samples to s16le, clipped as a converter would. */
export function toS16(samples: Float64Array): Buffer {
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) {
    out.writeInt16LE(Math.max(-32_768, Math.min(32_767, Math.round(samples[i]!))), i * 2);
  }
  return out;
}

/**
 * Speech from espeak-ng, s16le mono at `rate`. The text goes in on stdin; `voice` is an
 * espeak-ng voice name (the user and the agent get different ones).
 */
export function speak(
  text: string,
  rate: number,
  voice = 'en-us',
  wordsPerMinute = 165,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      'espeak-ng',
      ['--stdout', '-v', voice, '-s', String(wordsPerMinute)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => chunks.push(d));
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', (error) => reject(new Error(`espeak-ng failed: ${error.message}`)));
    child.once('close', (code) => {
      if (code !== 0) {
        reject(new Error(`espeak-ng exited with code ${code}: ${stderr.trim()}`));
        return;
      }
      const wav = parseWav(Buffer.concat(chunks));
      resolve(resampleS16(toMonoS16(wav), wav.sampleRate, rate));
    });
    child.stdin?.end(text);
  });
}

/** Mean square of s16le samples [from, to) (sample indices). */
export function power(pcm: Buffer, from = 0, to = pcm.length >> 1): number {
  let sum = 0;
  const end = Math.min(to, pcm.length >> 1);
  const start = Math.max(0, from);
  for (let i = start; i < end; i++) {
    const v = pcm.readInt16LE(i * 2);
    sum += v * v;
  }
  return end > start ? sum / (end - start) : 0;
}

/** Power ratio in dB, guarded against silence. */
export function db(ratio: number): number {
  return 10 * Math.log10(Math.max(ratio, 1e-12));
}

/**
 * The room as a live loop through the private sound server: what the app plays into `speaker`
 * is read back from `speaker.monitor`, goes through the room, and is played into `room`, which
 * is the app's mic. The loop adds the server's own latency to the room's delay, as a real
 * device pair would: about 290 ms, most of it `room`'s 250 ms, which it cannot lower (measured
 * with an 80 ms room: the mic hears what `speaker.monitor` shows 360-370 ms later). The mic is
 * kept running by a reader of the loop's own, as a sound card's capture runs. It runs in a process of its own, at a
 * raised priority where allowed (`room-loop-child.ts`), so a busy machine slows the app, not
 * the room.
 */
export interface RoomLoop {
  /** Resolves once the loop's process runs and its reader has settled (READER_SETTLE_MS). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export function startRoomLoop(server: SoundServer, options: RoomOptions): RoomLoop {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'room-loop-child.ts'), JSON.stringify(options)],
    {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, ...server.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Ready once the loop's reader of `speaker.monitor` can be trusted: right after it joins, the
  // sink renders ahead by its earlier latency, the loop wrote that burst into `room`, and the
  // echo of what played next reached the mic a second late (the greeting's echo 1.1-1.5 s after
  // the loudspeaker instead of 0.4-0.5 s, with an 80 or 200 ms room).
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => setTimeout(resolve, READER_SETTLE_MS));
    child.once('exit', (code) => reject(new Error(`the room loop exited (${code})`)));
  });
  ready.catch(() => undefined);
  return {
    ready,
    close: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
