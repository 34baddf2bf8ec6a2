import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { bytesForMs, FRAME_MS, msForBytes } from '../constants.js';
import { afterStderr, OWN_PROCESS_GROUP } from '../sinks/child.js';
import { findExecutable, soxMissingMessage } from '../sox.js';
import type { AudioSource } from '../types.js';
import { audioTicker } from './audio-ticker.js';
import { CapturePacer } from './capture-pacer.js';
import { StderrTail, soxComplaint } from './stderr-tail.js';

/**
 * How much sox reads from the device at a time, ms (its `--buffer`): small, so a frame is complete
 * soon after its last sample was spoken.
 */
export const CAPTURE_CHUNK_MS = 10;
/**
 * The block PulseAudio delivers to a capture client, ms (libpulse's own `PULSE_LATENCY_MSEC`):
 * one frame. Without it sox's native pulseaudio driver (its first choice whenever a server
 * answers, as on a desktop with PulseAudio or PipeWire) gets the server's default of 2 s blocks,
 * and ALSA's pulse plugin wakes sox about 1,600 times a second for 10 ms pieces. 20 ms rather
 * than 10 halves the wake-ups of sox and of the server for about 10 ms more mic latency, still
 * well under the example client's (`docs/audio-capture.md`).
 */
export const PULSE_CAPTURE_LATENCY_MS = 20;
/** How long stop() waits for sox to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 2_000;
/** What to do when the mic would not open (the call goes on; text still works). */
export const NO_CAPTURE_HINT =
  'omnia-voice devices lists the capture devices, --input mic:<device> picks one; --input none or a .wav file needs none';
/** Chunk sizes kept for the bench; the first ones are what matters. */
const MAX_CHUNK_STATS = 512;

/** Options for {@link MicSource}. */
export interface MicSourceOptions {
  /** Capture device for sox (ALSA name such as `hw:1` or `plughw:CARD=USB`); default device if omitted. */
  device?: string;
  /** Frame length handed to onFrame, ms. Defaults to FRAME_MS. */
  frameMs?: number;
  /**
   * Shrink sox's buffers (SOX_OPTS, PulseAudio's block, and on Linux stdbuf for its stdout) so
   * audio arrives in one-frame pieces soon after it was spoken, instead of 40 ms to 2 s ones. On
   * by default.
   */
  lowLatency?: boolean;
  /** Environment for sox (PATH, HOME for ~/.asoundrc, AUDIODRIVER). Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What the capture side measured, for the bench and the debug pane. */
export interface MicStats {
  /** ms from spawning sox to its first audio. */
  firstChunkAfterMs?: number;
  /** Sizes of the pieces sox delivered, in bytes (the first {@link MAX_CHUNK_STATS}). */
  captureChunkBytes: readonly number[];
  framesSent: number;
  /** Stale audio dropped because we fell behind, ms. */
  droppedMs: number;
  /** Clock time with no audio from sox that was not made up for, ms. */
  forgivenMs: number;
}

type SoxCommandBuilder = (options: Record<string, unknown>) => {
  cmd: string;
  args: Array<string | number>;
  spawnOptions?: { env?: NodeJS.ProcessEnv };
};

// node-record-lpcm16 is CommonJS without types. Its Recording class spawns with the caller's
// process.env only and reports failures as bare strings on the stream, so we take just its sox
// command line (the part it knows) and run the process ourselves.
const requireCjs = createRequire(import.meta.url);
const buildSoxCommand = requireCjs('node-record-lpcm16/recorders/sox.js') as SoxCommandBuilder;

/**
 * The microphone through sox (via node-record-lpcm16's command line): raw s16le mono at the
 * call's rate, never a WAV header. Frames of exactly frameMs leave on a clock (see
 * {@link CapturePacer}), so a device that runs faster than real time cannot flood the call.
 * sox's stderr is kept for error messages, never shown on the terminal.
 */
export class MicSource implements AudioSource {
  readonly description: string;
  readonly frameMs: number;
  private readonly options: MicSourceOptions;
  private readonly pacer: CapturePacer;
  private readonly stderr = new StderrTail();
  private readonly chunkBytes: number[] = [];
  private child: ChildProcess | undefined;
  private stream: Readable | undefined;
  private exited: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private accountedBytes = 0;
  /** Audio taken out of the stream while the pacer probes the device (`PacerPlan.park`). */
  private parked: Buffer | undefined;
  private spawnedAt = 0;
  private firstChunkAfterMs: number | undefined;
  private stopping = false;
  private failed = false;
  private started = false;
  private onFrame: (pcm: Buffer) => void = () => {};
  private onError: (message: string) => void = () => {};

  constructor(
    readonly sampleRate: number,
    options: MicSourceOptions = {},
  ) {
    this.options = options;
    this.frameMs = options.frameMs ?? FRAME_MS;
    this.pacer = new CapturePacer({ frameMs: this.frameMs, sampleRate });
    this.description = options.device ? `mic ${options.device}` : 'mic (default)';
  }

  /** The last lines sox wrote to stderr, sanitised. */
  get stderrTail(): string[] {
    return this.stderr.tail;
  }

  /** Sizes in bytes of the pieces sox delivered (first ones only). */
  get captureChunkBytes(): readonly number[] {
    return this.chunkBytes;
  }

  /** Process id of sox while it runs (tests check nothing is left behind). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get stats(): MicStats {
    return {
      firstChunkAfterMs: this.firstChunkAfterMs,
      captureChunkBytes: this.chunkBytes,
      framesSent: this.pacer.sentFrames,
      droppedMs: msForBytes(this.pacer.droppedBytes, this.sampleRate),
      forgivenMs: this.pacer.forgivenFrames * this.frameMs,
    };
  }

  /**
   * Starts sox. Resolves once sox is running or its failure has been reported through
   * `onError` (sox missing, no capture device); never rejects for those, so a caller can keep
   * the call going on text input.
   */
  async start(onFrame: (pcm: Buffer) => void, onError: (message: string) => void): Promise<void> {
    if (this.started) throw new Error('MicSource already started');
    this.started = true;
    this.stopping = false;
    this.onFrame = onFrame;
    this.onError = onError;
    const env = this.options.env ?? process.env;

    const soxPath = await findExecutable('sox', env);
    if (soxPath === undefined) {
      this.fail(soxMissingMessage());
      return;
    }
    const { cmd, args, env: childEnv } = await this.command(soxPath, env);
    // stop() may have been called while we looked for the executables.
    if (this.stopping) return;

    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        env: childEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: OWN_PROCESS_GROUP,
      });
    } catch (error) {
      this.fail(this.spawnErrorMessage(error));
      return;
    }
    this.child = child;
    this.spawnedAt = performance.now();
    this.pacer.opened(this.spawnedAt);
    // 'exit', not 'close': 'close' also waits for stdout to be drained, and audio left unread
    // in a paused pipe would keep stop() waiting forever.
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    // Said when sox has exited and its last words (stderr) are in, not when its stdout is
    // drained ('close'): a device faster than real time leaves seconds of read-ahead in the
    // pipe, which the pacer would have sent first, the call meanwhile not knowing its mic
    // was gone. That read-ahead is dropped.
    child.once('exit', (code, signal) => afterStderr(child, () => this.onClose(code, signal)));

    const stream = child.stdout;
    if (stream) {
      this.stream = stream;
      // Paused mode: audio stays in the pipe until the clock wants it, which also throttles a
      // device that would otherwise be read as fast as sox can go.
      stream.on('readable', () => this.pump());
      stream.on('error', () => {
        // A closed pipe after kill is expected; real failures surface through 'exit'.
      });
    }

    await new Promise<void>((resolve) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        this.fail(this.spawnErrorMessage(error));
        resolve();
      });
    });
  }

  /** Stops capture and waits until sox has exited, so no process is left behind. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const child = this.child;
    if (!child || !this.exited) return;
    // Unread audio is of no use now; dropping the pipes lets the process object close.
    child.stdout?.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(killTimer);
    } else {
      await this.exited;
    }
  }

  private async command(
    soxPath: string,
    env: NodeJS.ProcessEnv,
  ): Promise<{ cmd: string; args: string[]; env: NodeJS.ProcessEnv }> {
    const built = buildSoxCommand({
      sampleRate: this.sampleRate,
      channels: 1,
      audioType: 'raw',
      recorder: 'sox',
      device: this.options.device,
      endOnSilence: false,
    });
    const soxArgs = built.args.map(String);
    const childEnv: NodeJS.ProcessEnv = { ...env };
    // The package names the device through AUDIODEV (sox's -d honours it on every driver).
    const audiodev = built.spawnOptions?.env?.AUDIODEV;
    if (audiodev !== undefined) childEnv.AUDIODEV = audiodev;
    // A named device is an ALSA name on Linux (`omnia-voice devices` lists them), but sox's -d
    // prefers its pulseaudio driver whenever a server answers, which would read it as a source
    // name. A user's own AUDIODRIVER wins.
    if (audiodev !== undefined && process.platform === 'linux' && !childEnv.AUDIODRIVER) {
      childEnv.AUDIODRIVER = 'alsa';
    }
    if (this.options.lowLatency === false) return { cmd: soxPath, args: soxArgs, env: childEnv };

    // PulseAudio's block for this client, through libpulse's own variable (used by sox's pulseaudio
    // driver and by ALSA's pulse plugin alike); a user's own value wins.
    childEnv.PULSE_LATENCY_MSEC ??= String(PULSE_CAPTURE_LATENCY_MS);
    // sox's --buffer sets how many samples it moves per read from the device (measured with
    // strace: 480 gives 960-byte reads of s16 mono, 10 ms at 48 kHz). A user's own SOX_OPTS
    // --buffer wins.
    const samples = Math.max(64, Math.round((this.sampleRate * CAPTURE_CHUNK_MS) / 1000));
    const userOpts = childEnv.SOX_OPTS ?? '';
    if (!/--buffer\b/.test(userOpts)) childEnv.SOX_OPTS = `${userOpts} --buffer ${samples}`.trim();
    // sox writes stdout through stdio, which batches 4 KiB (43 ms at 48 kHz, 128 ms at 16 kHz)
    // whatever --buffer says; stdbuf (GNU coreutils) sets that buffer to one frame, so sox hands
    // over each frame the moment it is complete (two device reads) and we wake once per frame,
    // not once per read.
    if (process.platform === 'linux') {
      const stdbuf = await findExecutable('stdbuf', env);
      if (stdbuf) {
        const piece = bytesForMs(this.frameMs, this.sampleRate);
        return { cmd: stdbuf, args: [`-o${piece}`, soxPath, ...soxArgs], env: childEnv };
      }
    }
    return { cmd: soxPath, args: soxArgs, env: childEnv };
  }

  private pump(): void {
    const stream = this.stream;
    if (!stream || this.stopping || this.failed) return;
    const now = performance.now();
    const arrived = stream.readableLength - this.accountedBytes;
    if (arrived > 0) {
      if (this.firstChunkAfterMs === undefined) this.firstChunkAfterMs = now - this.spawnedAt;
      if (this.chunkBytes.length < MAX_CHUNK_STATS) this.chunkBytes.push(arrived);
      this.pacer.arrived(arrived, now);
    }

    let plan = this.pacer.plan(stream.readableLength, now);
    if (plan.park) {
      // Out of the stream, so the pipe is read again and the device shows how fast it delivers.
      this.parked = (stream.read() as Buffer | null) ?? undefined;
    } else if (plan.parked === 'keep') {
      // Faster than real time: the parked audio goes back in front of what came since.
      if (this.parked && !stream.readableEnded) stream.unshift(this.parked);
      this.parked = undefined;
      plan = this.pacer.plan(stream.readableLength, now);
    } else if (plan.parked === 'drop') {
      this.parked = undefined;
    }
    const { dropBytes, sendFrames } = plan;
    if (dropBytes > 0) stream.read(dropBytes);
    const frameBytes = this.pacer.frameBytes;
    for (let i = 0; i < sendFrames; i++) {
      const frame = stream.read(frameBytes) as Buffer | null;
      if (frame === null || frame.length !== frameBytes) break;
      this.onFrame(frame);
      if (this.stopping || this.failed) return;
    }
    // The device's clock woke us: the shared audio tick (the playback pump) rides on it rather
    // than waking the process again a few ms later.
    if (sendFrames > 0) audioTicker.beat(now);
    if (stream.readableLength < frameBytes) {
      // Asking for more than is there returns null and re-arms 'readable', so the next piece
      // from sox wakes us (with less than a frame waiting there is nothing for a timer to do).
      const tail = stream.read(frameBytes) as Buffer | null;
      if (tail !== null && tail.length !== frameBytes) {
        // The stream ended mid-frame; a partial frame is never sent.
      }
    }
    this.accountedBytes = stream.readableLength;
    this.schedule(now);
  }

  /**
   * A timer only when a complete frame is waiting for its slot (a device faster than real time,
   * or a catch-up): a live device's next piece wakes us through 'readable' anyway, and a timer
   * armed for every slot would double the wake-ups for nothing.
   */
  private schedule(now: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const stream = this.stream;
    if (!stream || stream.readableLength < this.pacer.frameBytes) return;
    const dueAt = this.pacer.nextDueAt(now);
    if (dueAt === undefined) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, dueAt - now));
  }

  private onClose(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopping || this.failed) return;
    this.stream?.destroy();
    const said = soxComplaint(this.stderr.tail);
    // 127/126: stdbuf could not run sox (it vanished between lookup and spawn).
    if (code === 127 || code === 126) {
      this.fail(soxMissingMessage());
    } else if (!this.pacer.started) {
      // What sox said, then what to do about it: the call itself goes on (typing works).
      this.fail(
        `no capture device: ${said ?? `sox exited with ${signal ?? `code ${code}`}`} (${NO_CAPTURE_HINT})`,
      );
    } else {
      // sox ends with code 0 when its device goes away mid-stream (the sound server stopped, the
      // USB mic pulled): "exited with code 0" read like success.
      const how = signal
        ? `was killed (${signal})`
        : code === 0
          ? 'lost its device'
          : `exited with code ${code}`;
      this.fail(`microphone capture stopped: sox ${how}${said ? `: ${said}` : ''}`);
    }
  }

  private spawnErrorMessage(error: unknown): string {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') return soxMissingMessage();
    const detail = error instanceof Error ? error.message : String(error);
    return `could not start sox: ${detail}`;
  }

  private fail(message: string): void {
    if (this.failed) return;
    this.failed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onError(message);
  }
}
