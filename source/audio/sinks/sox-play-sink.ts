import { spawn } from 'node:child_process';
import { bytesForMs } from '../constants.js';
import { soxComplaint } from '../sources/stderr-tail.js';
import { SoxMissingError, soxNotInstalled } from '../sox.js';
import { afterStderr, ChildProcessSink, OWN_PROCESS_GROUP } from './child.js';

/** How long open() waits for sox to fail on a bad device before calling it open. */
const OPEN_GRACE_MS = 300;
/** How long close() waits for sox to drain before killing it. */
/** Keep sox's own buffer to about one pump block, so it adds no barge-in delay of its own. */
const SOX_BUFFER_MS = 10;

/** Options for {@link SoxPlaySink}. */
export interface SoxPlaySinkOptions {
  /** Output device name (ALSA on Linux, CoreAudio on macOS); default device when omitted. */
  readonly device?: string;
  /** The sox executable. Default `sox` from PATH. */
  readonly soxPath?: string;
}

/** The sox arguments that play raw s16le mono from stdin on `device` (or the default). */
export function soxPlayArgs(
  sampleRate: number,
  device: string | undefined,
  platform = process.platform,
): string[] {
  const bufferBytes = Math.max(64, bytesForMs(SOX_BUFFER_MS, sampleRate));
  const input = [
    '-q',
    '--buffer',
    String(bufferBytes),
    '-t',
    'raw',
    '-r',
    String(sampleRate),
    '-e',
    'signed',
    '-b',
    '16',
    '-c',
    '1',
    '-',
  ];
  if (device === undefined) return [...input, '-d'];
  const type = platform === 'darwin' ? 'coreaudio' : platform === 'win32' ? 'waveaudio' : 'alsa';
  return [...input, '-t', type, device];
}

/**
 * Plays through a `sox` child process reading raw PCM on stdin. Works wherever sox does, and
 * keeps native audio warnings off our terminal (sox's stderr is captured, and its last line
 * becomes the error message if it dies).
 */
export class SoxPlaySink extends ChildProcessSink {
  readonly description: string;

  constructor(
    readonly sampleRate: number,
    private readonly options: SoxPlaySinkOptions = {},
  ) {
    super();
    this.description = options.device
      ? `sox play (${options.device})`
      : 'sox play (default device)';
  }

  protected start(): Promise<void> {
    const sox = this.options.soxPath ?? 'sox';
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(grace);
        if (err) reject(err);
        else resolve();
      };
      const child = spawn(sox, soxPlayArgs(this.sampleRate, this.options.device), {
        stdio: ['pipe', 'ignore', 'pipe'],
        detached: OWN_PROCESS_GROUP,
      });
      this.child = child;
      const grace = setTimeout(() => settle(), OPEN_GRACE_MS);
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => this.keepStderr(text));
      // A dead sox makes stdin writes fail with EPIPE; the exit handler reports it once.
      child.stdin?.on('error', () => {});
      child.on('error', (err: NodeJS.ErrnoException) => {
        this.dead = true;
        const error =
          err.code === 'ENOENT'
            ? new SoxMissingError(soxNotInstalled())
            : new Error(`cannot start sox: ${err.message}`);
        if (!settled) settle(error);
        else this.report(error.message);
      });
      child.on('exit', (code, signal) => {
        this.dead = true;
        if (this.closing) return;
        afterStderr(child, () => {
          // sox's own words without its "sox FAIL sox:" prefix: the message names sox already.
          const why =
            soxComplaint(this.stderrLines()) ||
            (signal ? `killed by ${signal}` : `exit code ${code}`);
          const message = `sox play stopped: ${why}`;
          if (!settled) settle(new Error(message));
          else this.report(message);
        });
      });
    });
  }
}
