/**
 * A private PulseAudio server for tests and benchmarks: a sound card on a real-time clock, which
 * ALSA file devices are not (they run as fast as they are read or written).
 *
 * - `speaker` (a null sink): the app's default output. What it plays can be read back, in real
 *   time, from `speaker.monitor` ({@link SoundServer.recordSpeaker}).
 * - `mic` (the default source) and `room`: whatever a test plays into the sink `room`
 *   ({@link SoundServer.playIntoRoom}) is what `mic` captures. `mic` is a virtual source on a
 *   null source (`mic_clock`) whose uplink sink is `room`, so it behaves as a sound card's
 *   capture does: it delivers audio only after its time, in blocks as long as its readers ask
 *   for. (A null sink's monitor, used before, renders ahead of time in blocks set by whatever
 *   plays into the sink: a client that asks for 2 s blocks then still got 20 ms ones, and got
 *   them early.) `room.monitor` still reads what the room plays.
 *
 * Measured here: a null sink whose monitor nobody reads ran 10-40 % slower than real time;
 * with any reader on the monitor it keeps time. Tests that play into `speaker` read it back, and
 * time against a reader only once it has settled ({@link READER_SETTLE_MS}).
 *
 * The app under test gets {@link SoundServer.env}: `PULSE_SERVER` and a `HOME` whose `.asoundrc`
 * makes ALSA's `default` the pulse plugin, so sox and `speaker` go through the server unchanged.
 * A program between `speaker.monitor` and `room` models a room (see `test/helpers/room.ts`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

/** Latency asked of parec and pacat: without it they buffer for seconds. */
export const PULSE_LATENCY_MS = 20;
/**
 * How long a new reader of a monitor needs before its timing can be trusted: right after it
 * joins, the sink still renders ahead by its earlier, longer latency, and the monitor shows audio
 * hundreds of ms before it is played (measured on a freshly started server: 1 s was not always
 * enough, 3 s was).
 */
export const READER_SETTLE_MS = 3_000;

export interface SoundServerOptions {
  /** Sample rate of both sinks (default 48000). */
  readonly rate?: number;
  /**
   * Properties of the `speaker` sink, as a sound server sets them for a real device, e.g.
   * `device.form_factor=headphone` (what PulseAudio says of a headset).
   */
  readonly speakerProperties?: string;
}

/** Audio read back from a monitor source, with when each chunk arrived. */
export interface Recording {
  /** Everything read so far, s16le mono. */
  pcm(): Buffer;
  /** performance.now() when the first byte arrived (undefined before). */
  readonly startedAt: () => number | undefined;
  /**
   * Each chunk as it arrived: `at` (performance.now()) and `end`, the byte count of the
   * recording once it was in. Sample i had been played by the sink at the latest by the `at` of
   * the first chunk whose `end` exceeds 2·i: timing to within one chunk (`latencyMs`).
   */
  arrivals(): readonly ChunkArrival[];
  stop(): Promise<Buffer>;
}

/** One chunk of a {@link Recording}. */
export interface ChunkArrival {
  readonly at: number;
  readonly end: number;
}

/** How a stream to or from the server is buffered. */
export interface StreamOptions {
  /**
   * Latency asked of parec or pacat (default {@link PULSE_LATENCY_MS}). A reader's latency is
   * also the longest block the monitored sink renders, and so how often every other reader of
   * that monitor (the app's mic) is woken: benchmarks of the clients' cost give the room and the
   * read-back a long latency, and only timing figures a short one.
   */
  readonly latencyMs?: number;
}

export interface SoundServer {
  readonly dir: string;
  readonly rate: number;
  /** pid of the pulseaudio process (its CPU is the server's share). */
  readonly pid: number;
  /** Environment for a client of this server: PULSE_SERVER, PULSE_* paths and an ALSA HOME. */
  readonly env: Record<string, string>;
  /** Read what the `speaker` sink plays. */
  recordSpeaker(options?: StreamOptions): Recording;
  /** Read any source (`mic`, `room.monitor`, `speaker.monitor`). */
  record(source: string, options?: StreamOptions): Recording;
  /** A stream into the `room` sink: what is written is what `mic` captures, paced by the server. */
  playIntoRoom(options?: StreamOptions): {
    readonly stdin: Writable;
    readonly child: ChildProcess;
    close(): Promise<void>;
  };
  /** Stop the server and remove its files. */
  close(): Promise<void>;
}

/** parec/pacat arguments for the servers' raw stream format: mono s16le at `rate`. */
export function rawStreamArgs(rate: number): string[] {
  return ['--raw', `--rate=${rate}`, '--channels=1', '--format=s16le'];
}

/** True when `pulseaudio`, `pactl`, `parec` and `pacat` are installed. */
export function soundServerAvailable(): boolean {
  try {
    for (const tool of ['pulseaudio', 'pactl', 'parec', 'pacat']) {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    }
    return true;
  } catch {
    return false;
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Start a private server; resolves once `pactl info` answers. */
export async function startSoundServer(options: SoundServerOptions = {}): Promise<SoundServer> {
  const rate = options.rate ?? 48_000;
  const dir = mkdtempSync(join(tmpdir(), 'omnia-pulse-'));
  const run = join(dir, 'run');
  const home = join(dir, 'home');
  mkdirSync(run, { recursive: true });
  mkdirSync(home, { recursive: true });
  const socket = join(dir, 'native');
  writeFileSync(
    join(dir, 'default.pa'),
    [
      `load-module module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
      `load-module module-null-sink sink_name=speaker rate=${rate} channels=1${options.speakerProperties ? ` sink_properties=${options.speakerProperties}` : ''}`,
      `load-module module-null-source source_name=mic_clock rate=${rate} channels=1 format=s16le`,
      `load-module module-virtual-source source_name=mic master=mic_clock uplink_sink=room rate=${rate} channels=1 format=s16le`,
      'set-default-sink speaker',
      'set-default-source mic',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(home, '.asoundrc'),
    'pcm.!default { type pulse }\nctl.!default { type pulse }\n',
  );
  const env: Record<string, string> = {
    PULSE_SERVER: `unix:${socket}`,
    PULSE_RUNTIME_PATH: run,
    PULSE_STATE_PATH: run,
    HOME: home,
  };
  const log: string[] = [];
  const server = spawn(
    'pulseaudio',
    ['-n', '-F', join(dir, 'default.pa'), '--exit-idle-time=-1', '--daemonize=no'],
    {
      env: { ...process.env, ...env, PULSE_CONFIG_PATH: run },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  server.stderr?.on('data', (d: Buffer) => {
    log.push(d.toString());
    if (log.length > 50) log.shift();
  });
  const clientEnv = { ...process.env, ...env };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      execFileSync('pactl', ['info'], { env: clientEnv, stdio: 'ignore' });
      break;
    } catch {
      if (server.exitCode !== null || Date.now() > deadline) {
        server.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`the private PulseAudio did not start: ${log.join('').slice(-500)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const children = new Set<ChildProcess>();
  const pulseArgs = rawStreamArgs(rate);
  const latency = (options?: StreamOptions) =>
    `--latency-msec=${options?.latencyMs ?? PULSE_LATENCY_MS}`;

  const record = (source: string, options?: StreamOptions): Recording => {
    const child = spawn('parec', [`--device=${source}`, ...pulseArgs, latency(options)], {
      env: clientEnv,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.add(child);
    const chunks: Buffer[] = [];
    const arrivals: ChunkArrival[] = [];
    let bytes = 0;
    let startedAt: number | undefined;
    child.stdout?.on('data', (d: Buffer) => {
      const at = performance.now();
      startedAt ??= at;
      chunks.push(d);
      bytes += d.length;
      arrivals.push({ at, end: bytes });
    });
    return {
      pcm: () => Buffer.concat(chunks),
      startedAt: () => startedAt,
      arrivals: () => arrivals,
      stop: async () => {
        child.kill('SIGTERM');
        await waitExit(child, 2_000);
        children.delete(child);
        return Buffer.concat(chunks);
      },
    };
  };

  return {
    dir,
    rate,
    pid: server.pid ?? 0,
    env: { ...env },
    record,
    recordSpeaker: (options) => record('speaker.monitor', options),
    playIntoRoom: (options) => {
      const child = spawn(
        'pacat',
        ['--playback', '--device=room', ...pulseArgs, latency(options)],
        {
          env: clientEnv,
          stdio: ['pipe', 'ignore', 'ignore'],
        },
      );
      children.add(child);
      child.stdin?.on('error', () => undefined);
      return {
        stdin: child.stdin as Writable,
        child,
        close: async () => {
          child.stdin?.end();
          await waitExit(child, 2_000);
          children.delete(child);
        },
      };
    },
    close: async () => {
      for (const child of children) child.kill('SIGKILL');
      server.kill('SIGTERM');
      await waitExit(server, 3_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
