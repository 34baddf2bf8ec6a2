import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AUDIO_TICK_MS } from '../sources/audio-ticker.js';
import { ChildProcessSink } from './child.js';

/** Setting this env var to 1 makes the speaker sink unavailable (tests, or a broken build). */
export const DISABLE_SPEAKER_ENV = 'OMNIA_VOICE_DISABLE_SPEAKER';
/**
 * Speaker's native chunk size: one audio tick (20 ms), the size the player writes per tick, so
 * the child makes one native write per pipe read and little audio sits beyond the player.
 */
const SPEAKER_FRAME_MS = AUDIO_TICK_MS;
/** A cold start of node plus the native module on a busy machine can take a few seconds. */
const READY_TIMEOUT_MS = 10_000;

/** Options for {@link SpeakerSink}. */
export interface SpeakerSinkOptions {
  /** Output device name passed to the speaker backend (ALSA device on Linux). */
  readonly device?: string;
  /** Append the native library's stderr (ALSA warnings) here instead of discarding it. */
  readonly logPath?: string;
}

/**
 * The speaker runs in a small child node process. Why: its native audio library (libasound
 * via mpg123's out123) prints warnings such as "underrun occurred" straight to file
 * descriptor 2, which would scribble over the full-screen UI, and Node cannot redirect its
 * own fd 2. In a child, that stderr is a pipe we own. A native crash also stays in the child.
 * Plain CommonJS passed with `-e`, so it runs the same from source (tsx) and from dist.
 */
const CHILD_SOURCE = `(() => {
const [modPath, rate, spf, device] = process.argv.slice(1);
const send = (m, then) => { if (process.send) process.send(m, then); else if (then) then(); };
let Speaker;
try { Speaker = require(modPath); } catch (e) {
  send({ type: 'error', message: String((e && e.message) || e) }, () => process.exit(3));
  return;
}
const opts = { channels: 1, bitDepth: 16, signed: true, sampleRate: Number(rate), samplesPerFrame: Number(spf) };
if (device) opts.device = device;
let sp;
try { sp = new Speaker(opts); } catch (e) {
  send({ type: 'error', message: String((e && e.message) || e) }, () => process.exit(3));
  return;
}
sp.on('open', () => send({ type: 'ready', backend: String(Speaker.module_name || '') }));
sp.on('error', (e) => send({ type: 'error', message: String((e && e.message) || e) }, () => process.exit(4)));
sp.on('close', () => process.exit(0));
sp.write(Buffer.alloc(Number(spf) * 2));
process.stdin.on('data', (d) => sp.write(d));
process.stdin.on('end', () => sp.end());
process.on('disconnect', () => {});
})();
`;

/** Resolve the installed speaker module, or throw a one-line reason it cannot be used. */
export function resolveSpeakerModule(): string {
  if (process.env[DISABLE_SPEAKER_ENV] === '1')
    throw new Error(`disabled by ${DISABLE_SPEAKER_ENV}=1`);
  try {
    return createRequire(import.meta.url).resolve('speaker');
  } catch {
    throw new Error('the optional "speaker" package is not installed');
  }
}

interface ChildMessage {
  readonly type: 'ready' | 'error';
  readonly message?: string;
  readonly backend?: string;
}

/** Plays through the `speaker` npm package (native, low latency), isolated in a child process. */
export class SpeakerSink extends ChildProcessSink {
  readonly description: string;

  constructor(
    readonly sampleRate: number,
    private readonly options: SpeakerSinkOptions = {},
  ) {
    super();
    this.description = options.device ? `speaker (${options.device})` : 'speaker (default device)';
  }

  protected start(): Promise<void> {
    let modulePath: string;
    try {
      modulePath = resolveSpeakerModule();
    } catch (err) {
      return Promise.reject(err);
    }
    const samplesPerFrame = Math.max(1, Math.round((this.sampleRate * SPEAKER_FRAME_MS) / 1000));
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          this.closing = true;
          child.kill('SIGKILL');
          reject(err);
        } else resolve();
      };
      const args = [
        '-e',
        CHILD_SOURCE,
        modulePath,
        String(this.sampleRate),
        String(samplesPerFrame),
        this.options.device ?? '',
      ];
      const child = spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'pipe', 'ipc'] });
      this.child = child;
      const timer = setTimeout(
        () => settle(new Error('speaker did not open the audio device in time')),
        READY_TIMEOUT_MS,
      );
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => this.onStderr(text));
      child.stdin?.on('error', () => {});
      child.on('message', (raw: unknown) => {
        const msg = raw as ChildMessage;
        if (msg.type === 'ready') settle();
        else if (msg.type === 'error') {
          const reason = oneLine(msg.message ?? 'unknown error');
          if (!settled) settle(new Error(reason));
          else this.report(`speaker output failed: ${reason}`);
        }
      });
      child.on('error', (err) => {
        this.dead = true;
        settle(new Error(`cannot start the speaker process: ${err.message}`));
      });
      child.on('exit', (code, signal) => {
        this.dead = true;
        if (this.closing) return;
        const why = this.lastStderrLine() || (signal ? `killed by ${signal}` : `exit code ${code}`);
        if (!settled) settle(new Error(why));
        else this.report(`speaker output stopped: ${why}`);
      });
    });
  }

  private onStderr(text: string): void {
    this.keepStderr(text);
    if (this.options.logPath) {
      try {
        appendFileSync(this.options.logPath, text);
      } catch {
        // A log that cannot be written must not take the audio down with it.
      }
    }
  }
}

/** First line, printable ASCII only: native messages are not ours to trust on a terminal. */
function oneLine(text: string): string {
  return (text.split('\n', 1)[0] ?? '').replace(/[^\x20-\x7e]/g, '').trim();
}
