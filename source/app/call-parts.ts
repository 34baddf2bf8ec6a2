/**
 * One call's parts, from a created call to its end: the mic source, the output device, the
 * player, the recorder, the session store and the transcript file, opened together
 * ({@link openCall}) and finished together ({@link finishCall}: hang up, stop audio, the call
 * record, the summary, the files). Plain mode holds one call; the full-screen session holds
 * one after another (redial) with the same {@link SessionFiles}.
 */
import { dirname } from 'node:path';
import { ApiError } from '../api/errors.js';
import { secretSpellings } from '../api/mask-key.js';
import type { ApiTarget } from '../api/request.js';
import type { EchoDevices } from '../audio/echo/mode.js';
import { openEchoPath } from '../audio/echo/path.js';
import { detectOutputForm, type OutputForm } from '../audio/output-form.js';
import { Player } from '../audio/player.js';
import { CallRecorder } from '../audio/recorder.js';
import {
  createSink,
  NoAudioOutputError,
  parseSinkSpec,
  type SinkSpec,
} from '../audio/sinks/index.js';
import { NullSink } from '../audio/sinks/null-sink.js';
import { WavWriteError } from '../audio/sinks/wav-sink.js';
import { createSource } from '../audio/sources/index.js';
import type { AudioSink, FileStop, RecordingStop } from '../audio/types.js';
import type { SessionStore } from '../session/store.js';
import type { CallLabel, Snapshot } from '../session/types.js';
import { writeErrorReason } from '../text/file-errors.js';
import type { ClientToolRunner } from '../tools/types.js';
import { formatForPath, makeFolders, writeFileAtomic } from '../transcript/atomic.js';
import {
  defaultTranscriptName,
  formatFromPath,
  formatTranscript,
  redactSecrets,
  type TranscriptData,
} from '../transcript/format.js';
import { type CallSummary, summarize } from '../transcript/summary.js';
import { type CloseOptions, SaveAtEnd, TranscriptWriter } from '../transcript/writer.js';
import { AgentNameError, type NewCall } from './call-plan.js';
import {
  agentsCommand,
  fetchCallRecord,
  laterHint,
  type RecordOutcome,
  sameHost,
  withRecord,
} from './call-record.js';
import { addSecret, onCleanup } from './lifecycle.js';
import { ANOTHER_TRANSCRIPT_DIR, numberedPath } from './preflight.js';
import type { CallOptions } from './run-call.js';
import { countAgentGap } from './stats.js';

/**
 * Most agent audio queued ahead of playback. Ultravox lets a client ask for at most 30 s of
 * buffer; four times that covers any honest server, and a flood beyond it drops the oldest
 * audio (reported in the events) so memory stays bounded: 11.5 MB at 48 kHz.
 */
export const MAX_QUEUED_AGENT_AUDIO_MS = 120_000;

/** What every call of a run shares. */
export interface CallContext {
  readonly o: CallOptions;
  readonly api: ApiTarget;
  readonly clientTools?: ClientToolRunner;
}

/** A finished call as the files and the screen keep it. */
export interface EarlierCall {
  readonly snapshot: Snapshot;
  readonly summary: CallSummary;
  /**
   * Redials after this call that made no call (`could not call again: …`), with when: kept so
   * that the screen and the run's end still say so once a later redial has worked.
   */
  readonly redialsFailed?: readonly RedialFailure[];
}

/** A redial that made no call. */
export interface RedialFailure {
  readonly at: number;
  readonly message: string;
}

/**
 * The transcript file of a run and the calls already in it. Once a file exists (`--transcript`,
 * or the first `s`), every later call of the run continues it: each call under its own header.
 */
export class SessionFiles {
  /** The file the calls go to, once there is one. */
  path: string | undefined;
  readonly earlier: EarlierCall[] = [];

  constructor(private readonly o: CallOptions) {
    this.path = o.transcriptPath;
  }

  /** The earlier calls as the transcript formats take them. */
  earlierData(): TranscriptData[] {
    return this.earlier.map(({ snapshot, summary }) => callData(snapshot, summary));
  }

  /**
   * Where `s` saves when no file was given: the transcript directory, named after the run's
   * first call (its start and id), which the file opens with: `s` in a redial's call saves the
   * earlier calls too.
   */
  generatedPath(snapshot: Snapshot, tag: string): string {
    const first = this.earlier[0]?.snapshot ?? snapshot;
    const name = defaultTranscriptName({
      startedAt: first.startedAt ?? snapshot.startedAt ?? Date.now(),
      agentId: tag,
      callId: first.callId,
      format: this.o.transcriptFormat,
    });
    return `${this.o.transcriptDir.replace(/\/+$/, '')}/${name}`;
  }

  /**
   * A write problem of the run's file (`could not write transcript <path>: <why>`) as `s` and
   * the end say it: for a file in the transcript directory (not `--transcript`'s), with the way
   * out the `--save-transcripts` check gives (`; set another folder (…)`).
   */
  problemSaid(problem: string): string {
    const inDir = this.path !== undefined && this.path !== this.o.transcriptPath;
    return inDir ? `${problem}; ${ANOTHER_TRANSCRIPT_DIR}` : problem;
  }
}

/** A call's transcript data from its snapshot. */
export function callData(snapshot: Snapshot, summary?: CallSummary): TranscriptData {
  return {
    agentId: snapshot.agentId,
    callId: snapshot.callId,
    startedAt: snapshot.startedAt,
    endedAt: snapshot.endedAt,
    local: snapshot.local,
    label: snapshot.label,
    turns: snapshot.turns,
    toolCalls: snapshot.toolCalls,
    // Typed messages the server never confirmed stay in the file, as the writer put them.
    ...(snapshot.pendingTexts.length > 0 ? { unconfirmed: snapshot.pendingTexts } : {}),
    events: snapshot.events,
    summary,
  };
}

/** An open call. */
export interface OpenCall {
  readonly store: SessionStore;
  readonly created: NewCall;
  /** 1 for the first call of the run, 2 after a redial, … */
  readonly number: number;
  /** The transcript file following this call, if any. */
  writer(): TranscriptWriter | undefined;
  /** Everything opened for the call is closed (audio, serial); idempotent. */
  close(): Promise<void>;
  /**
   * The call's record, fetched while the screen waits after its end: the transcript file (now,
   * or one `s` makes later) holds it from then on, as the screen does.
   */
  recordCame(outcome: RecordOutcome): void;
}

/** Opens everything a created call needs and the store that owns it (not started yet). */
let storeModule: Promise<typeof import('../session/store.js')> | undefined;

/**
 * The session store's module (ws and zod, ~60 ms to load), loaded once: callers start it while
 * the call is being created, so the socket opens as soon as the call exists.
 */
export function loadStoreModule(): Promise<typeof import('../session/store.js')> {
  storeModule ??= import('../session/store.js');
  return storeModule;
}

export async function openCall(
  ctx: CallContext,
  created: NewCall,
  files: SessionFiles,
  number: number,
  sinkOpening: Promise<OpenedSink> = openSink(
    numberedOutput(ctx.o.output, number),
    ctx.o.outputSampleRate,
  ),
  /**
   * The user's mute the call starts with: as the screen showed it while the call was being made
   * (`m` before it was up; `r` keeps a muted mic muted).
   */
  muted = false,
): Promise<OpenCall> {
  const { o } = ctx;
  const storeModule = loadStoreModule();
  const outputForm = detectOutputFormFor(o);
  // An input WAV is streamed again from its start for every call.
  const source = createSource(o.input, o.inputSampleRate);
  const { sink, notes, lost, stopped } = await sinkOpening;
  const { SessionStore } = await storeModule;
  const echo = await openEchoPath(
    o.echo,
    { ...echoDevices(o, sink), outputForm: await outputForm },
    { input: o.inputSampleRate, output: o.outputSampleRate },
    o.echoSetBy ?? false,
  );
  const player = new Player(sink, {
    leadMs: o.leadMs,
    // The canceller learns the echo's path through the output: a device left to run dry
    // between replies would come back with another latency (see PlayerOptions.keepRunning).
    keepRunning: echo.mode === 'cancel',
    maxQueueMs: MAX_QUEUED_AGENT_AUDIO_MS,
    // The output device can fail mid-call (unplugged, sox killed): say so, keep the call.
    // One sentence on screen; what the device or its library said goes to the events.
    // Where it stopped and why go to the summary (`Agent audio: out.wav (stopped at …)`).
    onError: (message, failure) =>
      store.reportOutputLost(`audio output stopped: ${sink.description}`, message, failure),
  });
  player.onGap = countAgentGap;
  const recordingPath = o.recordPath ? numberedPath(o.recordPath, number) : undefined;
  const recording = recordingPath ? openRecorder(recordingPath, o) : undefined;
  const recorder = recording?.recorder;
  // The socket URL is the call's credential: scrubbed like the key, should a server echo it.
  const ids = created.callId ? { callId: created.callId, agentId: created.agentId } : undefined;
  const secrets = [
    ...secretSpellings(o.apiKey),
    ...secretSpellings(created.websocketUrl, ids),
  ].sort((a, b) => b.length - a.length);
  addSecret(created.websocketUrl, ids);
  const fileTag = fileTagOf(created.agentId, created.label);
  let writer: TranscriptWriter | undefined;
  // The record fetched after the end (`recordCame`), for a file followed now or made by `s`.
  let record: RecordOutcome | undefined;
  const withTheRecord = (w: TranscriptWriter) => {
    if (record === undefined) return;
    const snap = store.getSnapshot();
    w.recordCame(
      withRecord(summarize({ ...snap, transcriptPath: files.path ?? snap.transcriptPath }), record),
    );
  };
  const follow = (path: string) =>
    new TranscriptWriter(path, {
      format: formatForPath(path, o.transcriptFormat),
      reader: store,
      redact: secrets,
      earlier: files.earlierData(),
      // Into the events, not stderr: mid-call, stderr would scribble over the full-screen UI.
      onError: (message) => store.reportWarning(message),
      // A FIFO nobody reads yet: on screen, not only in the events, where it scrolled away.
      onWarning: (message) => store.reportScreenWarning(message),
      ...(o.fifoWaitMs ? { fifoWaitMs: o.fifoWaitMs } : {}),
    });
  const store = new SessionStore({
    websocketUrl: created.websocketUrl,
    callId: created.callId,
    agentId: created.agentId,
    label: created.label,
    clientTools: ctx.clientTools,
    local: o.local,
    source,
    player,
    inputSampleRate: o.inputSampleRate,
    outputSampleRate: o.outputSampleRate,
    input: { kind: specKind(o.input), description: source.description },
    output: { kind: specKind(o.output), description: sink.description },
    echoGuard: echo.guards,
    echo,
    ...(lost ? { outputLost: true } : {}),
    ...(stopped ? { outputStopped: stopped } : {}),
    ptt: o.ptt,
    muted,
    recorder,
    ...(recordingPath === undefined ? {} : { recordingPath }),
    transcriptPath: files.path,
    secrets,
    pingIntervalMs: o.pingIntervalMs,
    pongTimeoutMs: o.pongTimeoutMs,
    queueOverflow: {
      capMs: MAX_QUEUED_AGENT_AUDIO_MS,
      droppedMs: () => (player.overflowBytes / 2 / o.outputSampleRate) * 1000,
    },
    // `s` saves into the transcript directory (or the run's file), and from then on that file
    // follows the call like a --transcript file does, and the later calls of the run too:
    // nothing said after a save is missing from the file the summary names.
    saveTranscript: async (): Promise<string> => {
      files.path ??= files.generatedPath(store.getSnapshot(), fileTag);
      writer ??= follow(files.path);
      withTheRecord(writer);
      await writer.flush();
      // The writer never throws (a failing disk must not take the call down): ask it. The
      // path goes with the message, for the screen to shorten (`~/…`).
      if (writer.problem) {
        throw Object.assign(new Error(files.problemSaid(writer.problem)), { path: writer.path });
      }
      // A pipe is written once, at the end: nothing was saved now, and the screen says so.
      if (writer.writtenAtEnd) throw new SaveAtEnd(writer.path);
      return writer.path;
    },
  });
  if (files.path) writer = follow(files.path);
  if (recording?.stopped) store.reportRecordingStopped(recording.stopped);
  for (const note of notes) {
    // Both last the call (no output; sox play instead of the speaker): on screen, not only in
    // the events, where a warning scrolled away within seconds.
    if (note.level === 'error') store.reportError(note.message);
    else store.reportScreenWarning(note.message, note.detail ? { detail: note.detail } : {});
    if (note.level === 'error' && note.detail) store.reportDetail(note.detail);
  }

  let serial: { close(): Promise<void> | void } | undefined;
  if (o.serialPath) {
    const { SerialController } = await import('../serial/controller.js');
    const controller = new SerialController({
      path: o.serialPath,
      baudRate: o.serialBaud,
      store,
      // The device gone is an error: on the banner, not only in the events pane. Unplugged once
      // the call is over, nothing of the call is lost: no banner for it.
      onEvent: (kind, message) => {
        const { phase } = store.getSnapshot();
        if (kind === 'warning') store.reportWarning(message);
        else if (kind !== 'error') return;
        else if (phase === 'ended' || phase === 'error') store.reportInfo(message);
        else store.reportError(message);
      },
      onDisconnect: (reason) => store.noteSerialOff(controller.path, reason, true),
    });
    try {
      await controller.open();
      serial = controller;
    } catch (error) {
      store.noteSerialOff(controller.path, errorLine(error), false);
      store.reportError(`serial control off: ${errorLine(error)}`);
    }
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // hang_up leaves at once, but its close handshake may take up to its timeout: the call
      // ends here (the process is leaving), so the transcript gets its final form and summary,
      // and the files are flushed meanwhile: a forced exit still leaves a valid WAV and
      // transcript.
      const hangingUp = store.actions.hangUp('the app was stopped').catch(() => undefined);
      store.endNow();
      await Promise.allSettled([store.stopAudio(), writer?.close(), serial?.close()]);
      await hangingUp;
    })();
    return closing;
  };
  // Whatever ends the process, hang up politely and flush what we have.
  const offCleanup = onCleanup(close);
  return {
    store,
    created,
    number,
    writer: () => writer,
    recordCame: (outcome) => {
      record = outcome;
      if (writer) withTheRecord(writer);
    },
    close: async () => {
      offCleanup();
      await close();
    },
  };
}

/** How a finished call's record is fetched (bounded, abortable), if at all. */
export interface RecordFetch {
  /** Abort skips the rest of the wait. */
  readonly signal?: AbortSignal;
  /** Told once the fetch starts (plain mode says so on stderr; the screen shows a line). */
  readonly onStart?: () => void;
}

/**
 * A call's record asked for as soon as the call is over ({@link fetchRecordEarly}): the full
 * screen shows it while it waits for `r` or `q`, and finishing the call uses it, not a second
 * fetch.
 */
export interface EarlyRecord {
  /** The outcome, however the fetch ended (skipped when `controller` aborted it). */
  readonly promise: Promise<RecordOutcome>;
  /** Aborting skips the rest of the wait (a key while finishing, a signal). */
  readonly controller: AbortController;
  /** The outcome once the fetch ended by itself (not aborted): the record, or why not. */
  readonly outcome: RecordOutcome | undefined;
}

/**
 * The call's id, when its record is asked for: not with `--no-call-record`, nor for a call that
 * never started.
 */
function recordCallId(ctx: CallContext, call: OpenCall, final: Snapshot): string | undefined {
  const callId = call.created.callId ?? final.callId;
  if (ctx.o.callRecord === false || !callId || final.startedAt === undefined) return undefined;
  return callId;
}

/** The record of an ended call, bounded as {@link finishCall} bounds it. */
function fetchRecordOf(
  ctx: CallContext,
  call: OpenCall,
  final: Snapshot,
  callId: string,
  signal: AbortSignal | undefined,
): Promise<RecordOutcome> {
  return fetchCallRecord(ctx.api, callId, {
    ...(signal ? { signal } : {}),
    ...(final.serverLost && sameHost(ctx.api.apiBase, call.created.websocketUrl)
      ? { serverLost: true }
      : {}),
    ...(ctx.o.recordWaitMs ? { maxWaitMs: ctx.o.recordWaitMs } : {}),
    ...(ctx.o.recordPollMs ? { pollMs: ctx.o.recordPollMs } : {}),
  });
}

/**
 * Starts fetching the record of a call that has just ended (the full screen, while it shows the
 * ended call); undefined when none is asked for (see {@link recordCallId}).
 */
export function fetchRecordEarly(ctx: CallContext, call: OpenCall): EarlyRecord | undefined {
  const final = call.store.getSnapshot();
  const callId = recordCallId(ctx, call, final);
  if (callId === undefined) return undefined;
  const controller = new AbortController();
  let outcome: RecordOutcome | undefined;
  const promise = fetchRecordOf(ctx, call, final, callId, controller.signal).then((result) => {
    // An aborted fetch says `skipped`: only what the server answered is kept for later.
    if (!controller.signal.aborted) outcome = result;
    return result;
  });
  return {
    promise,
    controller,
    get outcome() {
      return outcome;
    },
  };
}

/**
 * What the end-of-call summary says of `call` now: its snapshot, the run's file, the record (or
 * the note standing in for it), and a transcript write that failed. The full screen shows it once
 * the call is over, and the run's end prints it.
 */
export function callSummary(
  call: OpenCall,
  files: SessionFiles,
  outcome: RecordOutcome | undefined,
  /** The file's own summary says nothing of its writes: the file is what they wrote. */
  { forFile = false }: { readonly forFile?: boolean } = {},
): CallSummary {
  const final = call.store.getSnapshot();
  const summary = withRecord(
    summarize({ ...final, transcriptPath: files.path ?? final.transcriptPath }),
    outcome,
  );
  const problem = forFile ? undefined : call.writer()?.problem;
  // The summary must not name a file that does not hold the call.
  return problem ? { ...summary, transcriptProblem: files.problemSaid(problem) } : summary;
}

/**
 * Ends the call: hang up (if it is not over), stop its audio, fetch its record from the server
 * unless told not to, close its transcript file with the summary, and keep it among the run's
 * earlier calls. Resolves with what the summary says.
 */
export async function finishCall(
  ctx: CallContext,
  call: OpenCall,
  files: SessionFiles,
  record: RecordFetch | undefined,
  /** Why the call is hung up, when not by the user ("stopped by SIGTERM"). */
  reason?: string,
  /**
   * How the transcript may finish a FIFO: wait for its reader (not when a signal stopped the
   * app: whoever sent it wants the process gone), and what stops that wait.
   */
  transcript?: CloseOptions,
  /** The record asked for when the call ended ({@link fetchRecordEarly}): used, not fetched again. */
  early?: EarlyRecord,
): Promise<EarlierCall> {
  const { store } = call;
  await store.actions.hangUp(reason);
  await store.stopAudio();
  const final = store.getSnapshot();
  const callId = recordCallId(ctx, call, final);
  let outcome: RecordOutcome | undefined;
  if (record && callId !== undefined) {
    // A complete record is kept; one the early fetch gave up on (not complete in its 20 s, a
    // network that dropped) is asked for again: the ended screen may have waited minutes since.
    if (early?.outcome?.record?.complete) outcome = early.outcome;
    else if (early?.outcome) {
      record.onStart?.();
      const again = await fetchRecordOf(ctx, call, final, callId, record.signal);
      // Skipped, or failed: the record the early fetch had (the screen and the file show it)
      // is kept, with the newer note.
      outcome = again.record
        ? again
        : { ...early.outcome, ...(again.note ? { note: again.note } : {}) };
    } else {
      // The caller's skip stops the fetch under way as it would its own.
      if (early && record.signal) {
        const stop = () => early.controller.abort();
        if (record.signal.aborted) stop();
        else record.signal.addEventListener('abort', stop, { once: true });
      }
      record.onStart?.();
      outcome = await (early?.promise ?? fetchRecordOf(ctx, call, final, callId, record.signal));
    }
  } else if (!record && callId !== undefined) {
    // Stopped by a signal: not fetched (what came before it is kept), and the summary says so,
    // and how to get it.
    outcome = early?.outcome ?? {
      note: `skipped: the app was stopped${laterHint(ctx.api, callId)}`,
    };
  }
  const writer = call.writer();
  await writer?.close(callSummary(call, files, outcome, { forFile: true }), transcript);
  // After the close: its last write's problem, if it failed.
  const summary = callSummary(call, files, outcome);
  await call.close();
  const done = { snapshot: store.getSnapshot(), summary };
  // Kept once: a forced quit may have ended it already (`endCallNow`).
  if (!finished.has(call)) {
    finished.add(call);
    files.earlier.push(done);
  }
  return done;
}

/** The calls already among their run's finished calls. */
const finished = new WeakSet<OpenCall>();

/**
 * A forced quit (a second Ctrl+C): the call ends now, without waiting for the server's close or
 * its record, and joins the run's finished calls with its summary, so the end of the run still
 * says what it says after a single Ctrl+C (the summary, the `--save-transcripts` copy). The
 * process's cleanup hangs up and flushes the files.
 */
export function endCallNow(
  ctx: CallContext,
  call: OpenCall,
  files: SessionFiles,
  /** The record asked for when the call ended: kept if it came. */
  early?: EarlyRecord,
): void {
  if (finished.has(call)) return;
  finished.add(call);
  const { store } = call;
  store.endNow();
  const final = store.getSnapshot();
  const callId = recordCallId(ctx, call, final);
  const outcome =
    callId === undefined
      ? undefined
      : (early?.outcome ?? { note: `skipped: the app was stopped${laterHint(ctx.api, callId)}` });
  const summary = withRecord(
    summarize({ ...final, transcriptPath: files.path ?? final.transcriptPath }),
    outcome,
  );
  files.earlier.push({ snapshot: final, summary });
}

/**
 * What a transcript file's name carries in the agent's place: the agent, or for a prompt call
 * its prompt file (`prompt` for prompt text given on the command line).
 */
function fileTagOf(agentId: string | undefined, label: CallLabel | undefined): string {
  return agentId ?? label?.promptFile ?? (label?.kind === 'prompt' ? 'prompt' : 'call');
}

/**
 * Every finished call of the run in one file: `--save-transcripts` at the end of a run that has
 * no file yet, and `s` between calls of a redial. A run that has its file already (`--transcript`,
 * an earlier `s`) keeps it: each call's writer left it whole. Otherwise the file is made in the
 * transcript directory, named after the first call, and the run's later calls follow it.
 * Returns the path (undefined with no finished call).
 */
export function saveRun(files: SessionFiles, secrets: readonly string[]): string | undefined {
  if (files.path && files.earlier.length > 0) return files.path;
  const path = saveRunCopy(files, secrets);
  if (path) files.path = path;
  return path;
}

/**
 * `--save-transcripts` beside `--transcript`: a copy of the run in the transcript directory, as
 * without `--transcript`; the run's file stays the one given. Returns its path (undefined with
 * no finished call).
 */
export function saveRunCopy(files: SessionFiles, secrets: readonly string[]): string | undefined {
  const [first, ...rest] = files.earlier;
  if (!first) return undefined;
  const path = files.generatedPath(
    first.snapshot,
    fileTagOf(first.snapshot.agentId, first.snapshot.label),
  );
  const last = rest.at(-1) ?? first;
  const earlier = files.earlier.slice(0, -1).map((c) => callData(c.snapshot, c.summary));
  try {
    makeFolders(dirname(path));
    const data = {
      ...callData(last.snapshot, last.summary),
      earlier: earlier.length ? earlier : undefined,
    };
    writeFileAtomic(path, redactSecrets(formatTranscript(formatFromPath(path), data), secrets));
  } catch (error) {
    // In words, as the transcript writer says it (`a part of the path is not a directory`),
    // with the way out; the path goes with it, for the screen to shorten (`~/…`).
    throw Object.assign(
      new Error(
        `could not save the transcript to ${path}: ${writeErrorReason(error)}; ${ANOTHER_TRANSCRIPT_DIR}`,
      ),
      { path },
    );
  }
  return path;
}

/**
 * The recorder for `--record`. A disk that takes not even the header (full already) is the
 * recording stopped at its start, as a write refused later is: the call goes on unrecorded, and
 * the summary says so. A file that cannot be made at all still throws (the preflight checked
 * it before the call: something changed since).
 */
function openRecorder(
  path: string,
  o: CallOptions,
): { readonly recorder?: CallRecorder; readonly stopped?: RecordingStop } {
  try {
    const recorder = new CallRecorder(path, o.outputSampleRate, {
      userSampleRate: o.inputSampleRate,
    });
    return { recorder };
  } catch (error) {
    if (!(error instanceof WavWriteError)) throw error;
    return { stopped: { atMs: 0, reason: error.reason, message: error.message } };
  }
}

/** What opening the output had to say: one sentence, and the native detail behind it. */
export interface SinkNote {
  readonly level: 'warning' | 'error';
  readonly message: string;
  readonly detail: string;
}

/** An output device, open, and what opening it had to say. */
export interface OpenedSink {
  readonly sink: AudioSink;
  readonly notes: SinkNote[];
  /** No device could be opened: `sink` is a silent stand-in, and the agent is heard by no one. */
  readonly lost?: boolean;
  /** An output WAV that took not even its header (a full disk): stopped at its start. */
  readonly stopped?: FileStop;
}

/**
 * Open the output named by `spec`; when it cannot be opened, a silent sink so the call goes on.
 * What would have been said about it is returned, to be said once the call exists: on screen
 * (and in plain mode's output) as one sentence, with what the native libraries said only in
 * the events (the events pane, `--verbose`).
 */
export async function openSink(spec: string, sampleRate: number): Promise<OpenedSink> {
  const notes: SinkNote[] = [];
  try {
    const sink = await createSink(spec, sampleRate, (n) => notes.push({ level: 'warning', ...n }));
    return { sink, notes };
  } catch (error) {
    notes.push(
      error instanceof NoAudioOutputError
        ? { level: 'error', message: error.message, detail: error.detail }
        : {
            level: 'error',
            message: `no audio output: ${errorLine(error)}; the call goes on without sound`,
            detail: '',
          },
    );
    const sink = new NullSink(sampleRate);
    await sink.open();
    const stopped = error instanceof WavWriteError ? { atMs: 0, reason: error.reason } : undefined;
    return { sink, notes, lost: true, ...(stopped ? { stopped } : {}) };
  }
}

/**
 * Only a mic near an open loudspeaker hears the agent: not a file, and not the silent stand-in
 * used when no output device could be opened.
 */
function echoDevices(o: CallOptions, sink: AudioSink): EchoDevices {
  const output = specKind(o.output);
  const device = (output === 'speaker' || output === 'sox') && !(sink instanceof NullSink);
  const outputNote =
    output === 'file'
      ? 'the output is a WAV file'
      : output === 'none'
        ? 'there is no audio output'
        : device
          ? undefined
          : 'no audio output could be opened';
  return {
    inputKind: specKind(o.input),
    loudspeaker: device,
    ...(outputNote ? { outputNote } : {}),
  };
}

/**
 * Headphones or a loudspeaker, asked of the sound server only when it decides something: the
 * default `cancel` with a mic and an output device (see `decideEcho`).
 */
async function detectOutputFormFor(o: CallOptions): Promise<OutputForm | undefined> {
  if (o.echoSetBy !== undefined || o.echo !== 'cancel' || specKind(o.input) !== 'mic')
    return undefined;
  let spec: SinkSpec;
  try {
    spec = parseSinkSpec(o.output);
  } catch {
    return undefined;
  }
  if (spec.kind !== 'speaker' && spec.kind !== 'sox') return undefined;
  return detectOutputForm(spec.device);
}

/** The output spec for call `number`: a WAV file gets a number from the second call on. */
export function numberedOutput(spec: string, number: number): string {
  return specKind(spec) === 'file' ? numberedPath(spec, number) : spec;
}

export function specKind(spec: string): string {
  if (spec === 'none') return 'none';
  if (spec.toLowerCase().endsWith('.wav')) return 'file';
  return spec.split(':')[0] ?? spec;
}

export function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}

/**
 * When Omnia does not know the agent and its id came from the config file (an agent picked
 * once, since deleted or deactivated): how to get the picker back (full screen), or what to do
 * instead (plain mode, which has no picker); else the sentence is empty.
 */
export function agentHint(o: CallOptions, error: unknown, api: ApiTarget): string {
  const unknown =
    (error instanceof ApiError && error.kind === 'not-found') || error instanceof AgentNameError;
  if (!o.agentFromConfig || !unknown) return '';
  // After a message that ends in a command (`… See them with: omnia-voice agents`), a full stop.
  const stop = /[.!?)]$/.test(errorLine(error).trimEnd()) ? '' : '.';
  const kept = 'That agent id is kept in the config file:';
  if (o.plain) {
    return `${stop} ${kept} pass another with --agent <id or name> (${agentsCommand(api)} lists them), or keep another with \`omnia-voice config set agentId <id>\`.`;
  }
  return `${stop} ${kept} \`omnia-voice config unset agentId\` lists the agents to pick from again.`;
}
