import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AUDIO_TICK_MS, MAX_WRITE_TICKS } from '../constants.js';
import { afterStderr, ChildProcessSink, OWN_PROCESS_GROUP } from './child.js';

/** Setting this env var to 1 makes the speaker sink unavailable (tests, or a broken build). */
export const DISABLE_SPEAKER_ENV = 'OMNIA_VOICE_DISABLE_SPEAKER';
/**
 * Most audio per native write: twice the player's write period for a sink that can drop (two
 * 20 ms ticks). The pump tops the device up to the lead to the sample, so its writes are 40 ms
 * give or take a few ms (and the whole lead after a stall); a native chunk of exactly 40 ms split
 * half of them in two, and every native write costs the child a thread-pool round trip.
 */
const SPEAKER_FRAME_MS = 2 * AUDIO_TICK_MS * MAX_WRITE_TICKS;
/** A cold start of node plus the native module on a busy machine can take a few seconds. */
const READY_TIMEOUT_MS = 10_000;

/** Options for {@link SpeakerSink}. */
export interface SpeakerSinkOptions {
  /** Output device name passed to the speaker backend (ALSA device on Linux). */
  readonly device?: string;
  /** Append the native library's stderr (ALSA warnings) here instead of discarding it. */
  readonly logPath?: string;
  /**
   * Let a drop flush the device natively (default true). false: a drop discards only what the
   * child holds, as when the native binding cannot be loaded (tests of that fallback).
   */
  readonly nativeFlush?: boolean;
  /** The `speaker` package's entry file to load. Default: the installed one (tests). */
  readonly modulePath?: string;
}

/**
 * The `speaker` module itself cannot be used: not installed, disabled, or it would not load (its
 * native part not built, or built for another Node). Installing or rebuilding fixes that; no
 * device choice does. Told apart from a device that would not open by where it failed (loading
 * the module, in the child), not by the wording of a library's message.
 */
export class SpeakerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpeakerUnavailableError';
  }
}

/**
 * The speaker runs in a small child node process. Why: its native audio library (libasound
 * via mpg123's out123) prints warnings such as "underrun occurred" straight to file
 * descriptor 2, which would scribble over the full-screen UI, and Node cannot redirect its
 * own fd 2. In a child, that stderr is a pipe we own. A native crash also stays in the child.
 * Plain CommonJS passed with `-e`, so it runs the same from source (tsx) and from dist.
 *
 * PCM arrives on stdin; its byte count is the device timeline. The child keeps its own small
 * queue with at most one native write in flight (of at most one speaker frame), so a drop has
 * little to discard. A drop message `{ keep, mark }` (over IPC, so it may overtake or trail the
 * stdin bytes it refers to) discards timeline bytes in [keep, mark) that the child holds or
 * will still receive, then flushes the device natively (`speaker_flush`: snd_pcm_drop +
 * snd_pcm_prepare on ALSA) once no write is in flight. Bytes beyond the mark that were already
 * written natively when the flush came are written again: they are new audio. The flush needs
 * the speaker's native binding, which its JS class does not expose; when it cannot be loaded,
 * a drop discards only what the child holds. Writes wait for setImmediate, so a drop that
 * arrives in the same event-loop turn as later audio is applied first.
 */
const CHILD_SOURCE = `(() => {
const [modPath, rate, spf, device, flushArg] = process.argv.slice(1);
const send = (m, then) => { if (process.send) process.send(m, then); else if (then) then(); };
const fatal = (e, code) => send({ type: 'error', message: String((e && e.message) || e) }, () => process.exit(code));
let Speaker;
try { Speaker = require(modPath); } catch (e) {
  const tries = e && Array.isArray(e.tries) ? e.tries.slice(0, 1).map(String) : [];
  send({ type: 'error', stage: 'load', message: String((e && e.message) || e), tries }, () => process.exit(3));
  return;
}
let native = null;
if (flushArg === '1') {
  try {
    const req = require('module').createRequire(modPath);
    const b = req(req.resolve('bindings'))({ bindings: 'binding', module_root: require('path').dirname(modPath) });
    if (typeof b.flush === 'function') native = b;
  } catch (e) {}
}
const opts = { channels: 1, bitDepth: 16, signed: true, sampleRate: Number(rate), samplesPerFrame: Number(spf) };
if (device) opts.device = device;
let sp;
try { sp = new Speaker(opts); } catch (e) { fatal(e, 3); return; }
const chunkBytes = Number(spf) * 2;
const recentMax = Number(rate) * 2;
let received = 0, dropFrom = 0, dropTo = 0, flushMark = -1;
let queue = [], recent = [], recentBytes = 0;
let writing = false, scheduled = false, ended = false, ending = false;
const cut = (p, from, to) => {
  const end = p.at + p.buf.length;
  if (to <= p.at || from >= end) return [p];
  const out = [];
  if (from > p.at) out.push({ at: p.at, buf: p.buf.subarray(0, from - p.at) });
  if (to < end) out.push({ at: to, buf: p.buf.subarray(to - p.at) });
  return out;
};
const flush = () => {
  const mark = flushMark;
  flushMark = -1;
  let flushed = false;
  try { native.flush(sp.audio_handle); flushed = true; } catch (e) {}
  const again = [];
  for (const w of recent) {
    if (w.at + w.buf.length > mark) {
      const from = Math.max(0, mark - w.at);
      again.push({ at: w.at + from, buf: w.buf.subarray(from) });
    }
  }
  queue = again.concat(queue);
  recent = [];
  recentBytes = 0;
  send({ type: 'dropped', flushed });
};
const next = () => {
  scheduled = false;
  if (writing) return;
  if (flushMark >= 0) flush();
  if (queue.length === 0) {
    if (ended && !ending) { ending = true; sp.end(); }
    return;
  }
  const at = queue[0].at;
  const parts = [];
  let n = 0;
  while (queue.length > 0 && n < chunkBytes && queue[0].at === at + n) {
    const q = queue[0];
    const take = Math.min(q.buf.length, chunkBytes - n);
    parts.push(q.buf.subarray(0, take));
    n += take;
    if (take === q.buf.length) queue.shift();
    else queue[0] = { at: q.at + take, buf: q.buf.subarray(take) };
  }
  const buf = parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  writing = true;
  sp.write(buf, () => {
    writing = false;
    recent.push({ at, buf });
    recentBytes += buf.length;
    while (recentBytes > recentMax) recentBytes -= recent.shift().buf.length;
    next();
  });
};
const later = () => { if (!writing && !scheduled) { scheduled = true; setImmediate(next); } };
sp.on('open', () => send({ type: 'ready', backend: String(Speaker.module_name || '') }));
sp.on('error', (e) => fatal(e, 4));
sp.on('close', () => process.exit(0));
writing = true;
sp.write(Buffer.alloc(chunkBytes / 2), () => { writing = false; next(); });
process.stdin.on('data', (d) => {
  const p = { at: received, buf: d };
  received += d.length;
  for (const q of cut(p, dropFrom, dropTo)) queue.push(q);
  later();
});
process.stdin.on('end', () => { ended = true; later(); });
process.on('message', (m) => {
  if (!m || m.type !== 'drop') return;
  const keep = Number(m.keep), mark = Number(m.mark);
  queue = queue.flatMap((q) => cut(q, keep, mark));
  if (mark > received) { dropFrom = keep; dropTo = mark; }
  if (native) { flushMark = Math.max(flushMark, mark); if (!writing) next(); }
  else send({ type: 'dropped', flushed: false });
});
process.on('disconnect', () => {});
})();
`;

/**
 * Resolve the installed speaker module, or throw a one-line {@link SpeakerUnavailableError}
 * saying why it cannot be used.
 */
export function resolveSpeakerModule(): string {
  if (process.env[DISABLE_SPEAKER_ENV] === '1')
    throw new SpeakerUnavailableError(`disabled by ${DISABLE_SPEAKER_ENV}=1`);
  try {
    return createRequire(import.meta.url).resolve('speaker');
  } catch {
    throw new SpeakerUnavailableError('the optional "speaker" package is not installed');
  }
}

/** Longest reason kept from a module that would not load. */
const MAX_LOAD_REASON_CHARS = 300;

/**
 * Why the speaker module would not load, in one line. The `bindings` package lists every path it
 * tried, one a line, after "Could not locate the bindings file. Tried:": the first says where the
 * build should have put the native part. Other messages (a module built for another Node's
 * NODE_MODULE_VERSION) are joined onto one line. Pure.
 */
export function speakerLoadReason(message: string, tries: readonly string[] = []): string {
  const first = tries[0];
  if (first !== undefined || /could not locate the bindings file/i.test(message)) {
    return `its native part was not built${first ? ` (no ${printable(first)})` : ''}`;
  }
  const line = printable(message.replace(/\s+/g, ' ').trim());
  return line.length > MAX_LOAD_REASON_CHARS
    ? `${line.slice(0, MAX_LOAD_REASON_CHARS - 1)}…`
    : line || 'it would not load';
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '');
}

interface ChildMessage {
  readonly type: 'ready' | 'error' | 'dropped';
  readonly message?: string;
  /** `load`: the module itself would not load (before any device was asked for). */
  readonly stage?: 'load';
  /** What the `bindings` package tried, when it could not find the native part (the first). */
  readonly tries?: readonly string[];
  readonly backend?: string;
  readonly flushed?: boolean;
}

/** Plays through the `speaker` npm package (native, low latency), isolated in a child process. */
export class SpeakerSink extends ChildProcessSink {
  readonly description: string;
  /** Bytes written to the child so far: the end of the device timeline. */
  private writtenBytes = 0;
  /** Drops the child has carried out, and whether the last one flushed the device natively. */
  dropsDone = 0;
  lastDropFlushed: boolean | undefined;

  constructor(
    readonly sampleRate: number,
    private readonly options: SpeakerSinkOptions = {},
  ) {
    super();
    this.description = options.device ? `speaker (${options.device})` : 'speaker (default device)';
  }

  override write(pcm: Buffer): void {
    if (this.dead || this.closing) return;
    this.writtenBytes += pcm.length;
    super.write(pcm);
  }

  /** Tell the child to discard timeline bytes from `keepBytes` up to what was written so far. */
  drop(keepBytes: number): void {
    const child = this.child;
    if (this.dead || this.closing || !child?.connected) return;
    try {
      child.send({ type: 'drop', keep: keepBytes, mark: this.writtenBytes });
    } catch {
      // The child is going away; its exit is reported on its own.
    }
  }

  protected start(): Promise<void> {
    let modulePath: string;
    try {
      modulePath = this.options.modulePath ?? resolveSpeakerModule();
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
        this.options.nativeFlush === false ? '0' : '1',
      ];
      const child = spawn(process.execPath, args, {
        stdio: ['pipe', 'ignore', 'pipe', 'ipc'],
        detached: OWN_PROCESS_GROUP,
      });
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
        else if (msg.type === 'dropped') {
          this.dropsDone++;
          this.lastDropFlushed = msg.flushed === true;
        } else if (msg.type === 'error' && msg.stage === 'load') {
          settle(
            new SpeakerUnavailableError(speakerLoadReason(msg.message ?? '', msg.tries ?? [])),
          );
        } else if (msg.type === 'error') {
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
        afterStderr(child, () => {
          const why =
            this.lastStderrLine() || (signal ? `killed by ${signal}` : `exit code ${code}`);
          if (!settled) settle(new Error(why));
          else this.report(`speaker output stopped: ${why}`);
        });
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
