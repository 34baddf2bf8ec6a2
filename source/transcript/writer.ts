import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { Snapshot, StoreReader, ToolCall, Turn } from '../session/types.js';
import { secondsText } from '../text/durations.js';
import {
  appendToStream,
  describeWriteError,
  descriptorOf,
  isStreamPath,
  makeFolders,
  writeFileAtomic,
} from './atomic.js';
import { FIFO_READER_WAIT_MS, openFifoNow, writeToFifo } from './fifo.js';
import {
  callFacts,
  eventRecord,
  formatCalls,
  formatFromPath,
  formatTranscript,
  formatTxtTool,
  formatTxtTurn,
  jsonlLine,
  redactSecrets,
  type TranscriptData,
  type TranscriptFormat,
  toolRecord,
  turnRecord,
  txtCallHeader,
} from './format.js';
import { type CallSummary, summarize } from './summary.js';

/** Rewrites of .md/.json files happen at most this often while the call runs. */
export const DEFAULT_REWRITE_THROTTLE_MS = 500;

/** Options for {@link TranscriptWriter}. */
export interface TranscriptWriterOptions {
  /** Defaults to the format named by the path's extension. */
  readonly format?: TranscriptFormat;
  readonly reader: StoreReader;
  /**
   * A write failed (disk full, permission, missing directory): one line naming the path.
   * Reported once per distinct failure; the writer keeps going and never throws into the
   * store's listeners (and so never into the audio path).
   */
  readonly onError?: (message: string) => void;
  /** Something to know that is no failure (yet): a FIFO nothing reads from at the start. */
  readonly onWarning?: (message: string) => void;
  /** How long `close` may wait for a reader of a FIFO nobody reads (default 10 s). */
  readonly fifoWaitMs?: number;
  /** Strings that must never reach the file (e.g. the API key); replaced by `[redacted]`. */
  readonly redact?: readonly string[];
  /** Minimum time between whole-file rewrites for .md/.json. */
  readonly throttleMs?: number;
  /**
   * Calls made earlier in the same session (redial), oldest first: the file starts with them,
   * each under its own header, and this call follows.
   */
  readonly earlier?: readonly TranscriptData[];
}

/** The file open at `fd` has no name left (it, or its folder, was removed). */
function isRemoved(fd: number): boolean {
  try {
    return fs.fstatSync(fd).nlink === 0;
  } catch {
    return false;
  }
}

/** How `close` may finish a stream: wait for a FIFO's reader, and what stops the waits. */
export interface CloseOptions {
  /** Wait for a reader of a FIFO nobody reads yet, up to `fifoWaitMs`; else try only once. */
  readonly waitForReader?: boolean;
  /** Stops the waits (a signal, a key): the FIFO is then not written. */
  readonly signal?: AbortSignal;
}

/** True for formats kept current by appending lines rather than rewriting the whole file. */
function isAppendFormat(format: TranscriptFormat): boolean {
  return format === 'txt' || format === 'jsonl';
}

/**
 * Not a failure: `s` on a transcript that goes to a pipe, a FIFO or a terminal, which is written
 * once when the call ends. Its message is what the screen says.
 */
export class SaveAtEnd extends Error {
  constructor(path: string) {
    super(`the transcript goes to ${path} when the call ends: it is written there once, whole`);
    this.name = 'SaveAtEnd';
  }
}

/**
 * Keeps a transcript file current while a call runs, so that a crash or kill -9 loses at most
 * the turn in progress. `.txt`/`.jsonl` get each turn appended once it is final; `.md`/`.json`
 * are rewritten atomically (throttled) whenever a turn becomes final. The moment the call ends
 * (the store's phase `ended` or `error`) it stops following the store and writes the final form
 * (an unfinished turn marked as such, unconfirmed typed messages, the summary the snapshot
 * gives), so a screen left up on the ended call, or a process killed while the call record is
 * fetched, loses nothing; `close(summary)` writes it once more with the caller's summary (the
 * call record added).
 *
 * A stream (`/dev/stdout`, `/dev/fd/3`, a FIFO: `isStreamPath`) cannot be rewritten, so it
 * gets each call's final form once, at `close`, appended, and not the run's earlier calls again
 * (they went to it before).
 */
export class TranscriptWriter {
  readonly path: string;
  readonly format: TranscriptFormat;
  private readonly reader: StoreReader;
  private readonly onError: (message: string) => void;
  private readonly secrets: readonly string[];
  private readonly throttleMs: number;
  private readonly unsubscribe: () => void;
  /** Ordinals of final turns already handled (appended, or scheduled into a rewrite). */
  private readonly handled = new Set<number>();
  /** Invocation ids of answered tool calls already handled. */
  private readonly handledTools = new Set<string>();
  private readonly earlier: readonly TranscriptData[];
  private seenTurns: readonly Turn[] | undefined;
  private seenTools: readonly ToolCall[] | undefined;
  private seenEvents: Snapshot['events'] | undefined;
  private lastEventId = Number.NEGATIVE_INFINITY;
  private fd: number | undefined;
  private callLineWritten = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRewriteAt = Number.NEGATIVE_INFINITY;
  private closed = false;
  /** The call has ended: the file holds its final form, with this summary. */
  private ended: { summary: CallSummary } | undefined;
  private lastError: string | undefined;
  /** The path is a stream: written once, at close. */
  private readonly stream: boolean;
  /** The stream is a FIFO (or a socket) by its name, not one of the process's descriptors. */
  private readonly fifo: boolean;
  /** The FIFO, opened at the start while a reader had it (kept so the reader sees no end). */
  private fifoFd: number | undefined;
  private readonly onWarning: (message: string) => void;
  private readonly fifoWaitMs: number;

  constructor(path: string, options: TranscriptWriterOptions) {
    this.path = path;
    this.format = options.format ?? formatFromPath(path);
    this.reader = options.reader;
    this.onError = options.onError ?? (() => undefined);
    this.secrets = options.redact ?? [];
    this.throttleMs = options.throttleMs ?? DEFAULT_REWRITE_THROTTLE_MS;
    this.stream = isStreamPath(path);
    this.fifo = this.stream && descriptorOf(path) === undefined;
    this.onWarning = options.onWarning ?? this.onError;
    this.fifoWaitMs = options.fifoWaitMs ?? FIFO_READER_WAIT_MS;
    this.earlier = this.stream ? [] : (options.earlier ?? []);
    this.unsubscribe = this.reader.subscribe(() => this.onChange());
    if (this.fifo) this.openFifo();
    if (this.stream) return;
    this.attempt(() => {
      makeFolders(nodePath.dirname(path));
      if (isAppendFormat(this.format)) {
        // 'w' truncates: an old transcript at this path must not be mixed with this call.
        this.fd = fs.openSync(path, 'w', 0o644);
        if (this.earlier.length > 0) fs.writeSync(this.fd, this.earlierText());
      } else {
        // Not counted against the throttle: the first turn should land at once.
        writeFileAtomic(path, this.render(this.format, false));
      }
    });
    this.onChange();
  }

  /** Writes anything pending now (skipping the throttle). */
  flush(): Promise<void> {
    if (this.closed || this.stream) return Promise.resolve();
    if (this.ended) {
      // The final form again (its folder may have come back), never a form without the summary.
      const { summary } = this.ended;
      this.attempt(() => this.writeWhole(this.render(this.format, true, summary)));
      return Promise.resolve();
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (isAppendFormat(this.format)) {
      // The file lags the call when it never opened or an append failed (those lines are
      // gone from it): write it whole again, then go on appending. Otherwise make it durable.
      if (this.fd === undefined || this.lastError !== undefined) this.attempt(() => this.catchUp());
      else this.attempt(() => fs.fsyncSync(this.fd as number));
    } else {
      this.attempt(() => this.rewrite(false));
    }
    return Promise.resolve();
  }

  /**
   * One-shot atomic write of the whole transcript so far (unfinished turn included) to `path`,
   * in the format its extension names. Resolves to the path; rejects with a one-line message
   * naming the path when it cannot write.
   */
  saveTo(path: string, summary?: CallSummary): Promise<string> {
    try {
      const format = path === this.path ? this.format : formatFromPath(path);
      makeFolders(nodePath.dirname(path));
      writeFileAtomic(path, this.render(format, true, summary));
      return Promise.resolve(path);
    } catch (error) {
      const message =
        error instanceof Error && !('code' in error)
          ? error.message
          : describeWriteError(path, error);
      return Promise.reject(new Error(message));
    }
  }

  /**
   * The path is a pipe, a FIFO or a terminal (`/dev/stdout`): the transcript goes to it once,
   * whole, when the call ends, so a save while the call goes on writes nothing to it.
   */
  get writtenAtEnd(): boolean {
    return this.stream;
  }

  /** The last write's failure, one line, while the file on disk lags the call; else undefined. */
  get problem(): string | undefined {
    return this.lastError;
  }

  /**
   * Stops following the store and writes the final form: every turn (an unfinished one marked
   * as such), unconfirmed typed messages, and the summary when given (else the one written when
   * the call ended, if it has). Idempotent; failures go to `onError`.
   */
  async close(summary?: CallSummary, options: CloseOptions = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopFollowing();
    // Without a summary of its own, the one written when the call ended stays.
    const final = summary ?? this.ended?.summary;
    const text = this.render(this.format, true, final);
    if (this.fifo) {
      // Never waited on in the event loop: a reader that comes within the wait still gets it.
      const fd = this.fifoFd;
      this.fifoFd = undefined;
      try {
        await writeToFifo(this.path, text, {
          ...(fd === undefined ? {} : { fd }),
          waitMs: options.waitForReader ? this.fifoWaitMs : 0,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        this.lastError = undefined;
      } catch (error) {
        this.report(error);
      }
      return;
    }
    // A stream is appended to: behind `/dev/stdout` may be a file the shell opened, which
    // must keep what was written before (truncating it would lose the plain output).
    if (this.stream) this.attempt(() => appendToStream(this.path, text));
    else this.attempt(() => this.writeWhole(text));
  }

  /**
   * A FIFO is opened at the start, without waiting: a reader there now keeps it open until the
   * call's end writes to it. With none, a warning says so at once (the end waits a while for
   * one), rather than the run saying nothing until the transcript is lost.
   */
  private openFifo(): void {
    try {
      this.fifoFd = openFifoNow(this.path);
      if (this.fifoFd !== undefined) return;
      const wait = secondsText(this.fifoWaitMs);
      this.onWarning(
        redactSecrets(
          `nothing reads from ${this.path} yet: the transcript goes to it when the call ends, if something reads it by then (the end waits ${wait} for a reader)`,
          this.secrets,
        ),
      );
    } catch (error) {
      this.report(error);
    }
  }

  /** No more appends or rewrites as the store changes; the final form is written next. */
  private stopFollowing(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      try {
        fs.closeSync(fd);
      } catch {
        // Nothing was lost by a failed close: the final form is written next anyway.
      }
    }
  }

  /**
   * The call's record came while the screen waits after its end (`summary` holds it): the final
   * form again with it, so the file holds what the screen shows before anyone quits (a save
   * with `s` then, a process killed). Nothing before the call has ended, nor after `close`.
   */
  recordCame(summary: CallSummary): void {
    if (this.closed || !this.ended) return;
    this.ended = { summary };
    if (this.stream) return;
    this.attempt(() => this.writeWhole(this.render(this.format, true, summary)));
  }

  /**
   * The call has ended: its final form now, with the summary its last snapshot gives (no call
   * record yet: `close` adds it, or {@link recordCame} when it comes first). Nothing said changes any more; what the store still adds
   * (events, a tool's late answer) is in the form `close` or `flush` writes.
   */
  private finishCall(snap: Snapshot): void {
    const summary = summarize({ ...snap, transcriptPath: this.path });
    this.ended = { summary };
    this.stopFollowing();
    if (this.stream) return;
    this.attempt(() => this.writeWhole(this.render(this.format, true, summary)));
  }

  private onChange(): void {
    if (this.closed || this.ended) return;
    // Store listeners run inside the session's message and audio handling: never throw there.
    try {
      const snap = this.reader.getSnapshot();
      if (snap.phase === 'ended' || snap.phase === 'error') {
        this.finishCall(snap);
        return;
      }
      if (this.stream) return;
      const turnsChanged = snap.turns !== this.seenTurns;
      const toolsChanged = snap.toolCalls !== this.seenTools;
      const eventsChanged = this.format === 'jsonl' && snap.events !== this.seenEvents;
      if (!turnsChanged && !toolsChanged && !eventsChanged) return;
      this.seenTurns = snap.turns;
      this.seenTools = snap.toolCalls;
      this.seenEvents = snap.events;
      const newlyFinal = snap.turns.filter((t) => t.final && !this.handled.has(t.ordinal));
      for (const t of newlyFinal) this.handled.add(t.ordinal);
      const answered = (snap.toolCalls ?? []).filter(
        (c) => c.status !== 'running' && !this.handledTools.has(c.invocationId),
      );
      for (const c of answered) this.handledTools.add(c.invocationId);
      if (isAppendFormat(this.format)) this.append(snap, newlyFinal, answered);
      else if (newlyFinal.length > 0 || answered.length > 0) this.scheduleRewrite();
    } catch (error) {
      this.report(error);
    }
  }

  private append(snap: Snapshot, newlyFinal: readonly Turn[], tools: readonly ToolCall[]): void {
    const lines: string[] = [];
    if (this.format === 'jsonl') {
      // Wait for the call's facts (call id) before the first line, unless a turn is ready.
      const known = snap.phase !== 'creating' && snap.phase !== 'connecting';
      if (!this.callLineWritten && !known && newlyFinal.length === 0) return;
      if (!this.callLineWritten) lines.push(jsonlLine('call', callFacts(this.data(snap))));
      for (const event of snap.events) {
        if (event.id > this.lastEventId) lines.push(jsonlLine('event', eventRecord(event)));
      }
      // A reply's latency is its `reply latency` event: the turn's line is often written (final)
      // before its audio plays, so it could not carry it.
      for (const t of newlyFinal) lines.push(jsonlLine('turn', turnRecord(t, false, false)));
      for (const c of tools) lines.push(jsonlLine('tool', toolRecord(c)));
    } else {
      for (const t of newlyFinal) lines.push(formatTxtTurn(t));
      for (const c of tools) lines.push(formatTxtTool(c));
      const header = this.callLineWritten ? undefined : this.txtHeader(snap);
      if (lines.length > 0 && header) lines.unshift(header);
    }
    if (lines.length === 0) return;
    const fd = this.fd;
    if (fd === undefined) return;
    // The file (or its folder) was removed: lines appended to it now would reach no one.
    // Written whole again where it was, folder and all, then appended to as before.
    if (isRemoved(fd)) {
      this.attempt(() => this.catchUp());
      return;
    }
    this.attempt(() => {
      fs.writeSync(fd, redactSecrets(`${lines.join('\n')}\n`, this.secrets));
      this.callLineWritten = true;
      const lastEvent = snap.events.at(-1);
      if (lastEvent) this.lastEventId = Math.max(this.lastEventId, lastEvent.id);
    });
  }

  /** An append-format file written whole (the final turns so far), then appended to again. */
  private catchUp(): void {
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
    this.writeWhole(this.render(this.format, false));
    this.fd = fs.openSync(this.path, 'a');
    this.callLineWritten = true;
    const lastEvent = this.reader.getSnapshot().events.at(-1);
    if (lastEvent) this.lastEventId = Math.max(this.lastEventId, lastEvent.id);
  }

  private scheduleRewrite(): void {
    if (this.timer) return;
    const waitMs = this.lastRewriteAt + this.throttleMs - Date.now();
    if (waitMs <= 0) {
      this.attempt(() => this.rewrite(false));
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.closed) this.attempt(() => this.rewrite(false));
    }, waitMs);
    // The final write happens in close(); a pending rewrite must not keep the process alive.
    this.timer.unref();
  }

  /** The earlier calls as the append formats hold them, before this call's lines. */
  private earlierText(): string {
    const format = this.format === 'jsonl' ? 'jsonl' : 'txt';
    const text = formatCalls(format, this.earlier, true);
    // A blank line between calls in .txt, as formatTranscript puts one.
    return redactSecrets(format === 'txt' ? `${text}\n` : text, this.secrets);
  }

  /** This call's `.txt` header line, numbered after the earlier calls. */
  private txtHeader(snap: Snapshot): string | undefined {
    const number = this.earlier.length > 0 ? this.earlier.length + 1 : undefined;
    return txtCallHeader(this.data(snap), number);
  }

  private rewrite(includeUnfinished: boolean): void {
    this.lastRewriteAt = Date.now();
    this.writeWhole(this.render(this.format, includeUnfinished));
  }

  /**
   * The whole file, atomically. Its folder not there (removed mid-call, or it could not be made
   * at the start) is made again, in every format and at every write, the final ones too; or
   * the reason it cannot be is the one said ("permission denied", not "does not exist").
   */
  private writeWhole(text: string): void {
    try {
      writeFileAtomic(this.path, text);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      makeFolders(nodePath.dirname(this.path));
      writeFileAtomic(this.path, text);
    }
  }

  private data(snap: Snapshot, includeUnfinished = true, summary?: CallSummary): TranscriptData {
    return {
      agentId: snap.agentId,
      callId: snap.callId,
      startedAt: snap.startedAt,
      endedAt: snap.endedAt,
      local: snap.local,
      label: snap.label,
      turns: includeUnfinished ? snap.turns : snap.turns.filter((t) => t.final),
      toolCalls: snap.toolCalls,
      // Typed messages still waiting for the server go with the unfinished turns: in the final
      // form and a save, marked as not confirmed; not in the rewrites while the call runs.
      ...(includeUnfinished && snap.pendingTexts.length > 0
        ? { unconfirmed: snap.pendingTexts }
        : {}),
      events: snap.events,
      summary,
      earlier: this.earlier.length > 0 ? this.earlier : undefined,
    };
  }

  private render(format: TranscriptFormat, includeUnfinished: boolean, summary?: CallSummary) {
    const snap = this.reader.getSnapshot();
    // Turns the server never filled in say nothing; keep them out of files.
    const data = this.data(snap, includeUnfinished, summary);
    const turns = data.turns.filter((t) => t.final || t.text.trim().length > 0);
    return redactSecrets(formatTranscript(format, { ...data, turns }), this.secrets);
  }

  private attempt(work: () => void): void {
    try {
      work();
      this.lastError = undefined;
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    const message = redactSecrets(describeWriteError(this.path, error), this.secrets);
    if (message === this.lastError) return;
    this.lastError = message;
    try {
      this.onError(message);
    } catch {
      // A failing error handler must not take the call down either.
    }
  }
}
