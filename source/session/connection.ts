/**
 * One call socket: opens it, validates what arrives, aligns agent audio to whole samples, keeps
 * it alive with pings, and reports everything as typed events. It owns the `ws` instance; no
 * one else touches it. Nothing here throws at the caller after `connect()` resolved: bad
 * frames become `invalid`/`unknown` events and the call goes on.
 */

import { EventEmitter } from 'node:events';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { malformedHttpReason } from '../api/errors.js';
import {
  type ClientMessage,
  encodeClientMessage,
  frameTooLarge,
  MAX_TEXT_FRAME_BYTES,
  type ParsedMessage,
  parseServerMessage,
  type ServerMessage,
  toolCallOfUnread,
} from '../protocol/messages.js';
import { sanitizeLine } from '../protocol/sanitize.js';
import { secondsText } from '../text/durations.js';
import { SampleAligner } from './pcm.js';

/** Default interval between pings. */
export const DEFAULT_PING_INTERVAL_MS = 5_000;
/** Default silence (no message, no pong) after which the connection counts as lost. */
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
/**
 * A sign of life is owed within a round trip of each ping: a server that has sent nothing for
 * the ping interval and this much more, and nothing since a ping that left this long ago,
 * counts as quiet (a warning; lost only at the pong timeout). Less than the interval would flag
 * a healthy quiet call between two pings: nothing comes then but the pong to each.
 */
export const QUIET_GRACE_MS = 1_000;
/**
 * A keep-alive timer this late means the app itself was not running (stopped with Ctrl+Z or
 * SIGSTOP, a long pause of the machine): the server cannot be blamed for silence nobody was
 * listening to, so that time is not counted towards the quiet warning or the loss.
 */
export const STALL_EXCUSED_MS = 250;
/** Default limit for opening the socket (TCP, TLS and the HTTP upgrade together). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default wait for the close handshake after `hang_up` before the socket is cut. */
export const DEFAULT_HANG_UP_TIMEOUT_MS = 1_500;
/**
 * Frames up to this size are accepted by `ws` so that oversized JSON is reported as `invalid`
 * instead of `ws` closing the call with 1009.
 */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/**
 * Mic audio is dropped rather than queued while this much is already waiting in the socket: on
 * a stalled link, late audio is worse than lost audio and the queue would grow without bound.
 */
export const MAX_BUFFERED_AUDIO_BYTES = 1024 * 1024;
/** Pings whose pong may still arrive; older ones are forgotten. */
const MAX_PENDING_PINGS = 8;
/** Pong timestamps match a ping within this many seconds (float formatting by other stacks). */
const TIMESTAMP_TOLERANCE_S = 1e-6;
/**
 * A round trip during which the app itself was busy this long, and for at least half of it
 * (its event loop not waiting on I/O: loading the full-screen UI right after the socket opens
 * takes a few hundred ms), is not reported: the pong waited for the app, not for the network.
 * A long round trip on a busy machine is still the network's, and still reported.
 */
export const RTT_BUSY_DISCARD_MS = 50;
/** After a discarded round trip, the next ping goes this soon instead of a full interval later. */
const RTT_RETRY_MS = 250;
/**
 * Early pings after discarded round trips, in a row (the UI's first second after the socket
 * opens can hold up more than one); then the interval's pace again, whatever the machine.
 */
const RTT_RETRIES = 4;

/** A ping sent: its timestamp, the event loop's use when it left, and which retry it is. */
interface SentPing {
  readonly timestampS: number;
  readonly loop: EventLoopUtilization;
  readonly retry: number;
}

/** Options for {@link CallConnection}. */
export interface CallConnectionOptions {
  /** Interval between `ping` messages (and WebSocket ping frames). Default 5000. */
  readonly pingIntervalMs?: number;
  /** No message, audio or pong for this long → connection lost (close 1006). Default 10000. */
  readonly pongTimeoutMs?: number;
  /** Limit for opening the socket. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** Text frames larger than this are reported as invalid. Default 1 MiB. */
  readonly maxTextBytes?: number;
}

/** Events of a {@link CallConnection}, as `EventEmitter` listener argument tuples. */
export interface CallConnectionEvents {
  /** The socket is open (emitted once, just before `connect()` resolves). */
  open: [];
  /** A valid, known server message (including `pong` and `playback_clear_buffer`). */
  message: [msg: ServerMessage];
  /** A JSON message of a type we do not know (sanitised type name). Tolerated. */
  unknown: [type: string];
  /** A text frame we could not use; `reason` is one sanitised line. The call goes on. */
  invalid: [reason: string, tool?: { readonly invocationId?: string; readonly toolName?: string }];
  /** Agent audio, whole s16le samples (never empty). */
  audio: [pcm: Buffer];
  /** Round-trip time measured by a `ping`/`pong` pair. */
  rtt: [ms: number];
  /**
   * The server has sent nothing for `idleMs` (no message, audio, pong or ping), a ping included
   * ({@link CallConnection.quietAfterMs}). Once per quiet spell; the call goes on.
   */
  quiet: [idleMs: number];
  /** Something came from the server after a `quiet`: it had been silent for `silentMs`. */
  answering: [silentMs: number];
  /**
   * The socket closed after having been open (emitted once). `byUs` is true when `close()` or
   * `hangUp()` started it. A lost connection reports 1006 and "no answer from the server for N s".
   */
  close: [code: number, reason: string, byUs: boolean];
  /** A problem that did not close the socket by itself (one line, no URL, no key). */
  error: [message: string];
}

/**
 * A call socket. Typical use: construct, attach listeners, `await connect()`, then
 * `sendAudio()` per mic frame, `send()` for data messages, `hangUp()` to end.
 */
/** Pongs to a server's pings that may wait to be written before the socket is cut (`ws`). */
export const MAX_PENDING_PONGS = 4_096;

export class CallConnection extends EventEmitter<CallConnectionEvents> {
  private readonly url: string;
  private readonly host: string;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxTextBytes: number;
  private readonly aligner = new SampleAligner();
  private ws: WebSocket | undefined;
  private opened = false;
  private closed = false;
  private closingByUs = false;
  private lostReason: string | undefined;
  private protocolError: { code: number; reason: string } | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private lastActivityMs = 0;
  /** When the ping timer and the watchdog are next due, to see the app's own stalls. */
  private pingDueAt = 0;
  private watchdogDueAt = 0;
  /** The end of the last stall already taken out of the silence, so none is counted twice. */
  private excusedThrough = 0;
  /** When the first ping since the last sign of life left (performance.now()). */
  private unansweredPingAt: number | undefined;
  /** A `quiet` was emitted and nothing has come since. */
  private quiet = false;
  private pendingPings: SentPing[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private resolveClosed: () => void = () => {};
  private readonly closedPromise: Promise<void>;
  private rttMs: number | undefined;
  private dropped = 0;

  constructor(url: string, options: CallConnectionOptions = {}) {
    super();
    this.url = url;
    this.host = describeHost(url);
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.pongTimeoutMs = options.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxTextBytes = options.maxTextBytes ?? MAX_TEXT_FRAME_BYTES;
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** True while the socket is open and messages can be sent. */
  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /**
   * True once the keep-alive gave the server up (`no answer from the server for N s`): the
   * socket was cut because nothing came back, not closed by either side.
   */
  get lostToSilence(): boolean {
    return this.lostReason !== undefined;
  }

  /**
   * Silence (nothing from the server) after which it counts as quiet: the ping interval and
   * {@link QUIET_GRACE_MS} (6 s by default). Not reported when the pong timeout comes first.
   */
  get quietAfterMs(): number {
    return this.pingIntervalMs + QUIET_GRACE_MS;
  }

  /** The last measured round-trip time, ms. */
  get lastRttMs(): number | undefined {
    return this.rttMs;
  }

  /** Bytes of mic audio dropped because the socket was not open or was backed up. */
  get droppedAudioBytes(): number {
    return this.dropped;
  }

  /** Resolves once the socket is closed (or connecting failed). Never rejects. */
  get whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  /**
   * Opens the socket. Rejects with a one-line message for the user (refused, timed out, TLS,
   * HTTP status of the upgrade); the message names the host only, never the full URL, which
   * may carry a token.
   */
  connect(): Promise<void> {
    if (this.ws || this.closed) return Promise.reject(new Error('call socket already used'));
    return new Promise<void>((resolve, reject) => {
      let ws: WebSocket | undefined;
      let settled = false;
      const fail = (message: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new Error(message));
        if (ws && ws.readyState === WebSocket.CONNECTING) ws.terminate();
      };
      const timer = setTimeout(() => {
        fail(`timed out after ${secondsText(this.connectTimeoutMs)} connecting to ${this.host}`);
      }, this.connectTimeoutMs);

      try {
        // `maxPendingAutoPongs` is in ws (8.23 here); @types/ws 8.18.2 does not list it yet.
        const options: WebSocket.ClientOptions & { maxPendingAutoPongs: number } = {
          maxPayload: MAX_FRAME_BYTES,
          handshakeTimeout: this.connectTimeoutMs,
          perMessageDeflate: false,
          // Invalid UTF-8 would make `ws` close the call (1007); we would rather report it.
          skipUTF8Validation: true,
          // `ws` cuts the socket when this many pongs wait to be written (60 by default): a
          // server's burst of 100 pings ended the call as lost. Still bounded against a flood.
          maxPendingAutoPongs: MAX_PENDING_PONGS,
        };
        ws = new WebSocket(this.url, options);
      } catch {
        this.finishClosed();
        fail('the call socket URL is not a valid ws:// or wss:// URL');
        return;
      }
      this.ws = ws;

      ws.on('unexpected-response', (request, response) => {
        const status = response.statusCode ?? 0;
        const text = sanitizeLine(response.statusMessage ?? '', 80);
        response.resume();
        request.destroy();
        fail(`${this.host} refused the call socket: HTTP ${status}${text ? ` ${text}` : ''}`);
      });
      ws.on('error', (err: NodeJS.ErrnoException) => {
        if (!this.opened && this.closingByUs) fail(`connecting to ${this.host} was cancelled`);
        else if (!this.opened) fail(this.describeConnectError(err));
        else {
          // ws closes on a protocol error (e.g. a frame over MAX_FRAME_BYTES) without waiting
          // for the server's close frame, so the close event would only say 1006.
          this.protocolError ??= protocolErrorClose(err.code);
          this.emitError(`call socket error: ${this.scrub(err.message)}`);
        }
      });
      ws.on('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.opened = true;
        this.touch();
        this.startKeepAlive();
        this.safeEmit('open');
        resolve();
      });
      ws.on('message', (data, isBinary) => this.onFrame(toBuffer(data), isBinary));
      ws.on('pong', () => this.touch());
      ws.on('ping', () => this.touch());
      ws.on('close', (code, reason) => {
        fail(`connection to ${this.host} closed before it opened`);
        this.onClose(code, reason.toString('utf8'));
      });
    });
  }

  /** Sends mic audio (whole samples). Dropped silently when not open or backed up. */
  sendAudio(pcm: Buffer): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > MAX_BUFFERED_AUDIO_BYTES) {
      this.dropped += pcm.length;
      return;
    }
    try {
      ws.send(pcm, { binary: true });
    } catch {
      this.dropped += pcm.length;
    }
  }

  /** Sends a data message. Returns false (and sends nothing) when the socket is not open. */
  send(msg: ClientMessage): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try {
      ws.send(encodeClientMessage(msg));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Ends the call: sends `hang_up` (with an optional farewell), closes with 1000 and resolves
   * once closed, or after `timeoutMs` by cutting the socket. Safe to call in any state.
   */
  async hangUp(message?: string, timeoutMs: number = DEFAULT_HANG_UP_TIMEOUT_MS): Promise<void> {
    const ws = this.ws;
    if (!ws || this.closed) return;
    this.send(message === undefined ? { type: 'hang_up' } : { type: 'hang_up', message });
    this.close();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const late = await Promise.race([this.closedPromise.then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      ws.terminate();
      await this.closedPromise;
    }
  }

  /** Closes with 1000 (or abandons a connection still opening). Does not wait. */
  close(): void {
    const ws = this.ws;
    this.closingByUs = true;
    this.stopKeepAlive();
    if (!ws) {
      this.finishClosed();
      return;
    }
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'hang up');
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    this.touch();
    try {
      if (isBinary) {
        const pcm = this.aligner.push(data);
        if (pcm.length > 0) this.emit('audio', pcm);
        return;
      }
      // Check before decoding: a huge frame should not even become a string.
      const tooLarge = frameTooLarge(data.length, this.maxTextBytes);
      const parsed: ParsedMessage = tooLarge
        ? { kind: 'invalid', reason: tooLarge, ...toolCallOfUnread(data) }
        : parseServerMessage(data.toString('utf8'), this.maxTextBytes);
      if (parsed.kind === 'invalid') this.emit('invalid', parsed.reason, parsed);
      else if (parsed.kind === 'unknown') this.emit('unknown', parsed.type);
      else this.onMessage(parsed.message);
    } catch (err) {
      // A throwing listener is a bug elsewhere; it must not take the call down with it.
      this.emitError(`internal error handling a server frame: ${errorText(err)}`);
    }
  }

  private onMessage(msg: ServerMessage): void {
    if (msg.type === 'pong') this.onPong(msg.timestamp);
    // After a barge-in the server starts fresh audio on a sample boundary.
    else if (msg.type === 'playback_clear_buffer') this.aligner.reset();
    this.emit('message', msg);
  }

  private onPong(timestampS: number): void {
    const index = this.pendingPings.findIndex(
      (sent) => Math.abs(sent.timestampS - timestampS) < TIMESTAMP_TOLERANCE_S,
    );
    if (index < 0) return;
    const sent = this.pendingPings[index]!;
    this.pendingPings = this.pendingPings.slice(index + 1);
    const rtt = nowSeconds() * 1000 - sent.timestampS * 1000;
    if (rtt < 0) return;
    const busyMs = performance.eventLoopUtilization(sent.loop).active;
    if (busyMs >= RTT_BUSY_DISCARD_MS && busyMs >= rtt / 2) {
      // Our own stall, not the network's: measure again shortly (a few times; then at the
      // interval's pace).
      if (sent.retry < RTT_RETRIES) {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.sendPing(sent.retry + 1), RTT_RETRY_MS);
      }
      return;
    }
    this.rttMs = rtt;
    this.emit('rtt', rtt);
  }

  private onClose(code: number, rawReason: string): void {
    this.stopKeepAlive();
    const wasOpen = this.opened;
    if (this.closed) return;
    this.finishClosed();
    if (!wasOpen) return;
    const lost = this.lostReason;
    const protocol = code === 1006 && !lost ? this.protocolError : undefined;
    const reason = lost ?? protocol?.reason ?? sanitizeLine(rawReason, 200);
    const reported = lost ? 1006 : (protocol?.code ?? code);
    this.safeEmit('close', reported, reason, this.closingByUs && !lost && !protocol);
  }

  private finishClosed(): void {
    this.closed = true;
    this.resolveClosed();
  }

  private startKeepAlive(): void {
    this.sendPing();
    this.pingDueAt = performance.now() + this.pingIntervalMs;
    this.pingTimer = setInterval(() => {
      const now = performance.now();
      this.excuseStall(now, now - this.pingDueAt);
      this.pingDueAt = now + this.pingIntervalMs;
      this.sendPing();
    }, this.pingIntervalMs);
    this.armWatchdog(Math.min(this.pongTimeoutMs, this.quietAfterMs));
  }

  private stopKeepAlive(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.watchdogTimer);
    clearTimeout(this.retryTimer);
    this.pingTimer = undefined;
    this.watchdogTimer = undefined;
    this.retryTimer = undefined;
  }

  private sendPing(retry = 0): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    this.unansweredPingAt ??= performance.now();
    const timestamp = nowSeconds();
    if (this.send({ type: 'ping', timestamp })) {
      this.pendingPings.push({
        timestampS: timestamp,
        loop: performance.eventLoopUtilization(),
        retry,
      });
      if (this.pendingPings.length > MAX_PENDING_PINGS) this.pendingPings.shift();
    }
    // A protocol-level ping too: servers that ignore the JSON ping still answer these, so a
    // quiet but healthy call is not mistaken for a dead one.
    try {
      ws.ping();
    } catch {
      // Closing concurrently; the close event reports it.
    }
  }

  // Re-arms lazily: activity only stamps a time, the timer checks it when it fires, so audio
  // arriving 50 times a second costs no timer churn.
  private armWatchdog(delayMs: number): void {
    this.watchdogDueAt = performance.now() + Math.max(1, delayMs);
    this.watchdogTimer = setTimeout(
      () => {
        const now = performance.now();
        this.excuseStall(now, now - this.watchdogDueAt);
        // Timers run before pending socket reads in an event-loop turn; after a long stall
        // (GC, a heavy render) let those reads land first so they count as activity.
        setImmediate(() => this.checkWatchdog());
      },
      Math.max(1, delayMs),
    );
  }

  private checkWatchdog(): void {
    if (this.watchdogTimer === undefined || this.closed) return;
    const now = performance.now();
    const idleMs = now - this.lastActivityMs;
    if (idleMs < this.pongTimeoutMs) {
      let quietIn = this.quietInMs(now, idleMs);
      if (quietIn !== undefined && quietIn <= 0) {
        this.quiet = true;
        this.safeEmit('quiet', idleMs);
        quietIn = undefined;
      }
      this.armWatchdog(Math.min(this.pongTimeoutMs - idleMs, quietIn ?? Number.POSITIVE_INFINITY));
      return;
    }
    // The same words as the warning before it (`noAnswerFromServer`), its time as configured.
    this.lostReason = `no answer from the server for ${secondsText(this.pongTimeoutMs)}`;
    this.stopKeepAlive();
    // A server that still reads (only its answers are lost on the way) ends the call instead
    // of holding it open, and billing it, until its own timeout. The bytes are handed to the
    // kernel before the socket is cut, which sends them ahead of its close.
    this.send({ type: 'hang_up' });
    this.ws?.terminate();
  }

  /**
   * A timer that fired `lateMs` late at `now`: the app was not running for that long (see
   * {@link STALL_EXCUSED_MS}), so the silence so far, and the unanswered ping's age, leave it
   * out. The ping timer and the watchdog can both see one stall: each part is excused once.
   */
  private excuseStall(now: number, lateMs: number): void {
    if (lateMs < STALL_EXCUSED_MS) return;
    const excused = now - Math.max(now - lateMs, this.excusedThrough);
    this.excusedThrough = now;
    if (excused <= 0) return;
    this.lastActivityMs = Math.min(now, this.lastActivityMs + excused);
    if (this.unansweredPingAt !== undefined) {
      this.unansweredPingAt = Math.min(now, this.unansweredPingAt + excused);
    }
  }

  /**
   * How long until the server counts as quiet (0 or less: it does now): silent for
   * {@link quietAfterMs}, and since a ping that left {@link QUIET_GRACE_MS} ago, so a ping this
   * app sent late (its own stall) is given its round trip. Undefined when already quiet, or
   * when the pong timeout comes first.
   */
  private quietInMs(now: number, idleMs: number): number | undefined {
    if (this.quiet || this.quietAfterMs >= this.pongTimeoutMs) return undefined;
    const sincePing =
      this.unansweredPingAt === undefined
        ? QUIET_GRACE_MS
        : this.unansweredPingAt + QUIET_GRACE_MS - now;
    return Math.max(this.quietAfterMs - idleMs, sincePing);
  }

  private touch(): void {
    const now = performance.now();
    if (this.quiet && !this.closed && this.lostReason === undefined) {
      this.quiet = false;
      this.safeEmit('answering', now - this.lastActivityMs);
    }
    this.lastActivityMs = now;
    this.unansweredPingAt = undefined;
  }

  private describeConnectError(err: NodeJS.ErrnoException): string {
    const code = typeof err.code === 'string' ? err.code : '';
    const message = typeof err.message === 'string' ? err.message : '';
    const host = this.host;
    if (code === 'ECONNREFUSED') return `connection refused by ${host}`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve the host ${host}`;
    if (code === 'ETIMEDOUT' || /handshake has timed out/i.test(message)) {
      return `timed out after ${secondsText(this.connectTimeoutMs)} connecting to ${host}`;
    }
    if (code === 'ECONNRESET') return `connection to ${host} was reset`;
    if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|EPROTO)/.test(code)) {
      return `TLS error connecting to ${host}: ${code}`;
    }
    const malformed = malformedHttpReason(err);
    if (malformed !== undefined) {
      return `${host} answered with a malformed HTTP response (${malformed}): the server of the call's socket, or a proxy on the way, is broken; try again later`;
    }
    const status = /Unexpected server response: (\d+)/.exec(message);
    if (status) return `${host} refused the call socket: HTTP ${status[1]}`;
    return `cannot connect to ${host}: ${this.scrub(message)}`;
  }

  /** One line, without the URL (its query may carry a token). */
  private scrub(message: string): string {
    return sanitizeLine(message.split(this.url).join(this.host), 200);
  }

  private emitError(message: string): void {
    // EventEmitter throws on an unheard 'error'; this class never throws at its owner.
    if (this.listenerCount('error') > 0) this.safeEmit('error', message);
  }

  private safeEmit<K extends keyof CallConnectionEvents>(
    event: K,
    ...args: CallConnectionEvents[K]
  ): void {
    try {
      (this.emit as (e: K, ...a: CallConnectionEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      if (event !== 'error' && this.listenerCount('error') > 0) {
        this.safeEmit('error', `internal error in a "${event}" handler: ${errorText(err)}`);
      }
    }
  }
}

/** The close code and reason `ws` used when it closed the socket over a protocol error. */
function protocolErrorClose(code: unknown): { code: number; reason: string } | undefined {
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
    return {
      code: 1009,
      reason: `the server sent a frame over ${MAX_FRAME_BYTES / 1024 / 1024} MiB`,
    };
  }
  if (code === 'WS_ERR_INVALID_UTF8') return { code: 1007, reason: 'invalid UTF-8' };
  return { code: 1002, reason: `the server broke the WebSocket protocol (${code})` };
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** The host (and port) of a URL, the only part safe to show: the rest may carry a token. */
function describeHost(url: string): string {
  try {
    return new URL(url).host || 'the server';
  } catch {
    return 'the server';
  }
}

/** Float seconds of the wall clock, sub-millisecond resolution. */
function nowSeconds(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

function errorText(err: unknown): string {
  return sanitizeLine(err instanceof Error ? err.message : String(err), 200);
}
