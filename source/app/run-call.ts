import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ApiTarget } from '../api/request.js';
import { Player } from '../audio/player.js';
import { CallRecorder } from '../audio/recorder.js';
import { createSink, NoAudioOutputError } from '../audio/sinks/index.js';
import { NullSink } from '../audio/sinks/null-sink.js';
import { createSource } from '../audio/sources/index.js';
import type { AudioSink } from '../audio/types.js';
import type { LocalAgent } from '../local-agent/index.js';
import type { SessionStore } from '../session/store.js';
import type { Snapshot } from '../session/types.js';
import type { ClientToolRunner } from '../tools/types.js';
import { writeFileAtomic } from '../transcript/atomic.js';
import {
  defaultTranscriptName,
  formatFromPath,
  formatTranscript,
  redactSecrets,
} from '../transcript/format.js';
import { formatSummary, summarize } from '../transcript/summary.js';
import { TranscriptWriter } from '../transcript/writer.js';
import {
  type CallDecision,
  createCallFor,
  decideCall,
  type NewCall,
  NO_AGENT_MESSAGE,
  type PromptSettings,
} from './call-plan.js';
import {
  FETCHING_RECORD_LINE,
  fetchCallRecord,
  type RecordOutcome,
  withRecord,
} from './call-record.js';
import {
  addSecret,
  exitAfterCleanup,
  FORCED_CLEANUP_MS,
  onCleanup,
  onStop,
  runCleanup,
  SIGNAL_EXIT_CODES,
  type StopHandler,
  type StopSignal,
} from './lifecycle.js';
import { attachPlainOutput, flushPlainOutput } from './plain.js';
import { promptSource } from './prompt.js';
import { plainStop, uiStop } from './stop.js';

/** Everything a call needs, already resolved from flags, env, .env and config. */
export interface CallOptions {
  apiBase: string;
  apiKey?: string;
  agentId?: string;
  /** Talk to the built-in local agent (forced by --local, or because no key is configured). */
  local: boolean;
  input: string;
  output: string;
  inputSampleRate: number;
  outputSampleRate: number;
  leadMs: number;
  echoGuard: boolean;
  ptt: boolean;
  plain: boolean;
  verbose: boolean;
  durationSeconds?: number;
  transcriptPath?: string;
  transcriptDir: string;
  transcriptFormat: 'md' | 'txt' | 'json' | 'jsonl';
  /** Also save a transcript into transcriptDir at the end (`--save-transcripts`). */
  saveTranscripts: boolean;
  recordPath?: string;
  serialPath?: string;
  serialBaud: number;
  /** Keep-alive ping interval (default 5 s); tests shorten it (OMNIA_PING_INTERVAL_MS). */
  pingIntervalMs?: number;
  /** Silence after which the call counts as lost (default 10 s; OMNIA_PONG_TIMEOUT_MS). */
  pongTimeoutMs?: number;
  /** Wait for the answer to call creation (default 20 s; OMNIA_CREATE_TIMEOUT_MS). */
  createTimeoutMs?: number;
  /** `--prompt FILE|TEXT` and its settings: an inline call instead of a saved agent. */
  prompt?: { value: string; settings: PromptSettings };
  /** `--tools FILE`: client tools answered locally. */
  toolsPath?: string;
  /** Fetch the call's record from the server after the call (`--no-call-record` turns off). */
  callRecord?: boolean;
  /** Longest wait for a complete record (default 20 s; OMNIA_RECORD_WAIT_MS). */
  recordWaitMs?: number;
  /** Pause between record polls (default 1 s; OMNIA_RECORD_POLL_MS). */
  recordPollMs?: number;
}

export interface CallIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const LOCAL_AGENT_ID = 'local-demo';
/**
 * Most agent audio queued ahead of playback. Ultravox lets a client ask for at most 30 s of
 * buffer; four times that covers any honest server, and a flood beyond it drops the oldest
 * audio (reported in the events) so memory stays bounded: 11.5 MB at 48 kHz.
 */
export const MAX_QUEUED_AGENT_AUDIO_MS = 120_000;

/** Hold one call from creation to the end. Resolves to the process exit code. */
export async function runCall(o: CallOptions, io: CallIo): Promise<number> {
  // Start loading the UI while the call is created and the socket connects.
  const uiModule = o.plain ? undefined : import('../ui/index.js');

  let apiBase = o.apiBase;
  let agentId = o.agentId;
  let localAgent: LocalAgent | undefined;
  if (o.local) {
    const { startLocalAgent } = await import('../local-agent/index.js');
    localAgent = await startLocalAgent({});
    const agent = localAgent;
    onCleanup(() => agent.close());
    apiBase = agent.baseUrl;
    agentId = agentId ?? LOCAL_AGENT_ID;
    io.err(
      o.apiKey
        ? `Using the built-in local agent at ${agent.baseUrl} (--local).`
        : `No API key configured: talking to the built-in local agent at ${agent.baseUrl}. Set OMNIA_API_KEY and OMNIA_AGENT_ID to talk to Omnia.`,
    );
  }
  const api: ApiTarget = {
    apiBase,
    ...(o.local || !o.apiKey ? {} : { apiKey: o.apiKey }),
    ...(o.createTimeoutMs ? { responseTimeoutMs: o.createTimeoutMs } : {}),
  };
  let decision: CallDecision;
  let clientTools: ClientToolRunner | undefined;
  try {
    clientTools = o.toolsPath ? await loadTools(o.toolsPath) : undefined;
    decision = decideCall({
      api,
      ...(agentId ? { agentRef: agentId } : {}),
      ...(o.prompt
        ? { prompt: { source: promptSource(o.prompt.value), settings: o.prompt.settings } }
        : {}),
      inputSampleRate: o.inputSampleRate,
      outputSampleRate: o.outputSampleRate,
      plain: o.plain,
    });
  } catch (error) {
    io.err(`error: ${errorLine(error)}`);
    await runCleanup();
    return 2;
  }
  if (decision.kind === 'error') {
    io.err(decision.message);
    await runCleanup();
    return 2;
  }
  if (decision.kind === 'pick') {
    // Full-screen with a key but no agent: the agent picker's place. It lists agents with
    // listAgents/filterAgents (source/api/agents.ts), keeps the choice with rememberAgent
    // (source/config/remember.ts) and calls planForAgent(decision.choice, agent). Until then,
    // the line plain mode gives.
    io.err(NO_AGENT_MESSAGE);
    await runCleanup();
    return 2;
  }
  const plan = decision.plan;

  // The session store pulls in ws and zod (~100 ms of module loading) and the speaker sink
  // starts a child process: both run while the call is being created, not after it.
  const storeModule = import('../session/store.js');
  const sinkOpening = openSink(o.output, o.outputSampleRate);
  let created: NewCall;
  try {
    created = await createCallFor(plan);
  } catch (error) {
    io.err(`Could not create the call: ${errorLine(error)}`);
    await sinkOpening.then(({ sink }) => sink.close()).catch(() => undefined);
    await runCleanup();
    return error instanceof Error && error.name === 'UsageError' ? 2 : 1;
  }
  // Transcript file names carry the agent, or the prompt file, of the call.
  const fileTag = created.agentId ?? created.label.promptFile ?? 'prompt';

  const source = createSource(o.input, o.inputSampleRate);
  const { sink, notes } = await sinkOpening;
  const { SessionStore } = await storeModule;
  const player = new Player(sink, {
    leadMs: o.leadMs,
    maxQueueMs: MAX_QUEUED_AGENT_AUDIO_MS,
    // The output device can fail mid-call (unplugged, sox killed): say so, keep the call.
    // One sentence on screen; what the device or its library said goes to the events.
    onError: (message) => {
      store.reportError(
        `audio output stopped: ${sink.description}; the call goes on without sound`,
      );
      store.reportDetail(message);
    },
  });
  const recorder = o.recordPath ? new CallRecorder(o.recordPath, o.outputSampleRate) : undefined;

  let writer: TranscriptWriter | undefined;
  // The socket URL is the call's credential: scrubbed like the key, should a server echo it.
  const secrets = [...(o.apiKey ? [o.apiKey] : []), created.websocketUrl];
  addSecret(created.websocketUrl);
  const store = new SessionStore({
    websocketUrl: created.websocketUrl,
    callId: created.callId,
    agentId: created.agentId,
    label: created.label,
    clientTools,
    local: o.local,
    source,
    player,
    inputSampleRate: o.inputSampleRate,
    outputSampleRate: o.outputSampleRate,
    input: { kind: specKind(o.input), description: source.description },
    output: { kind: specKind(o.output), description: sink.description },
    // Only an open speaker can feed the agent its own voice: not a file, and not the silent
    // stand-in used when no output device could be opened.
    echoGuard:
      o.echoGuard &&
      specKind(o.input) === 'mic' &&
      specKind(o.output) === 'speaker' &&
      !(sink instanceof NullSink),
    ptt: o.ptt,
    recorder,
    transcriptPath: o.transcriptPath,
    secrets,
    pingIntervalMs: o.pingIntervalMs,
    pongTimeoutMs: o.pongTimeoutMs,
    queueOverflow: {
      capMs: MAX_QUEUED_AGENT_AUDIO_MS,
      droppedMs: () => (player.overflowBytes / 2 / o.outputSampleRate) * 1000,
    },
    // `s` saves into the transcript directory (or the --transcript file), and from then on that
    // file follows the call like a --transcript file does: nothing said after a save is missing
    // from the file the summary names.
    saveTranscript: async (): Promise<string> => {
      writer ??= followingWriter(generatedPath(o, store.getSnapshot(), fileTag));
      await writer.flush();
      return writer.path;
    },
  });
  const followingWriter = (path: string) =>
    new TranscriptWriter(path, {
      format: formatFromPath(path),
      reader: store,
      redact: secrets,
      // Into the events, not stderr: mid-call, stderr would scribble over the full-screen UI.
      onError: (message) => store.reportWarning(message),
    });

  if (o.transcriptPath) writer = followingWriter(o.transcriptPath);
  for (const note of notes) {
    if (note.level === 'error') store.reportError(note.message);
    else store.reportWarning(note.message);
    if (note.detail) store.reportDetail(note.detail);
  }

  if (o.serialPath) {
    const { SerialController } = await import('../serial/controller.js');
    const serial = new SerialController({
      path: o.serialPath,
      baudRate: o.serialBaud,
      store,
      onEvent: (kind, message) => (kind === 'warning' ? store.reportWarning(message) : undefined),
    });
    try {
      await serial.open();
      onCleanup(() => serial.close());
    } catch (error) {
      io.err(`warning: serial control off: ${errorLine(error)}`);
    }
  }

  // Whatever ends the process, hang up politely and flush what we have.
  onCleanup(async () => {
    // hang_up leaves at once, but its close handshake may take up to its timeout: flush the
    // files meanwhile, so a forced exit (second Ctrl+C) still leaves a valid WAV and transcript.
    const hangingUp = store.actions.hangUp('the app was stopped').catch(() => undefined);
    await Promise.allSettled([store.stopAudio(), writer?.close()]);
    await hangingUp;
  });
  // Until the UI takes over, a signal hangs up as in plain mode. SIGTERM and SIGHUP are
  // remembered: whoever sent them wants the process gone, not the call record.
  let stoppedBy: StopSignal | undefined;
  const noting =
    (handler: StopHandler): StopHandler =>
    (signal, count) => {
      if (signal !== 'SIGINT') stoppedBy ??= signal;
      handler(signal, count);
    };
  let offStop = onStop(noting(plainStop(store)));

  let durationTimer: NodeJS.Timeout | undefined;
  if (o.durationSeconds !== undefined) {
    durationTimer = setTimeout(
      () => void store.actions.hangUp(`--duration ${o.durationSeconds}s reached`),
      o.durationSeconds * 1000,
    );
  }

  let exitCode: number;
  if (uiModule) {
    const started = store.start();
    const ui = await uiModule;
    // Say on screen, not only on stderr (hidden by the full screen), why this is the demo agent.
    const title = !o.local
      ? `omnia-voice · ${created.label.text}`
      : o.apiKey
        ? 'omnia-voice · built-in local agent (--local)'
        : 'omnia-voice · built-in local agent (no API key configured)';
    const tui = ui.runTui(store, { title });
    offStop();
    offStop = onStop(noting(uiStop(store, tui)));
    exitCode = await tui.exited;
    await started;
    if (exitCode === SIGNAL_EXIT_CODES.SIGINT) {
      // A second Ctrl+C: leave now; the cleanup still hangs up and flushes what it can.
      offStop();
      return exitAfterCleanup(exitCode, FORCED_CLEANUP_MS);
    }
  } else {
    const plain = attachPlainOutput(store, { verbose: o.verbose, write: io.out });
    await store.start();
    const final = await store.whenEnded();
    plain.detach();
    flushPlainOutput(final, plain.printed, io.out);
    exitCode = final.exitCode;
  }
  offStop();
  if (durationTimer) clearTimeout(durationTimer);

  await store.actions.hangUp();
  await store.stopAudio();
  const final = store.getSnapshot();
  const callId = created.callId ?? final.callId;
  let record: RecordOutcome | undefined;
  // Not after a forced quit or a SIGTERM/SIGHUP: whoever sent those wants the process gone.
  const inAHurry = exitCode === SIGNAL_EXIT_CODES.SIGINT || stoppedBy !== undefined;
  if (o.callRecord !== false && !inAHurry && callId && final.startedAt !== undefined) {
    // Ctrl+C now skips the wait for the record instead of quitting; a second one quits.
    const skip = new AbortController();
    const offSkip = onStop((signal, count) => {
      if (signal === 'SIGINT' && !skip.signal.aborted) skip.abort();
      else
        void exitAfterCleanup(SIGNAL_EXIT_CODES[signal], count > 1 ? FORCED_CLEANUP_MS : undefined);
    });
    io.err(FETCHING_RECORD_LINE);
    record = await fetchCallRecord(api, callId, {
      signal: skip.signal,
      ...(o.recordWaitMs ? { maxWaitMs: o.recordWaitMs } : {}),
      ...(o.recordPollMs ? { pollMs: o.recordPollMs } : {}),
    });
    offSkip();
  }
  const summary = withRecord(
    summarize({ ...final, transcriptPath: o.transcriptPath ?? final.transcriptPath }),
    record,
  );
  await writer?.close(summary);
  if (writer && !o.transcriptPath) {
    io.err(`transcript saved to ${writer.path}`);
  } else if (o.saveTranscripts && !o.transcriptPath) {
    const path = generatedPath(o, final, fileTag);
    await saveOnce(store, path, secrets, summary).then(
      () => io.err(`transcript saved to ${path}`),
      (error: unknown) => io.err(`warning: could not save the transcript: ${errorLine(error)}`),
    );
  }
  for (const line of formatSummary(summary)) io.err(line);
  if (final.phase === 'error' && final.endReason) io.err(`error: ${final.endReason}`);
  await runCleanup();
  return exitCode;
}

/** What opening the output had to say: one sentence, and the native detail behind it. */
interface SinkNote {
  readonly level: 'warning' | 'error';
  readonly message: string;
  readonly detail: string;
}

/**
 * Open the output named by `spec`; when it cannot be opened, a silent sink so the call goes on.
 * What would have been said about it is returned, to be said once the call exists: on screen
 * (and in plain mode's output) as one sentence, with what the native libraries said only in
 * the events (the events pane, `--verbose`).
 */
async function openSink(
  spec: string,
  sampleRate: number,
): Promise<{ sink: AudioSink; notes: SinkNote[] }> {
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
    return { sink, notes };
  }
}

/** Loads a `--tools` file (its checks pull in zod: only when there is one). */
async function loadTools(path: string): Promise<ClientToolRunner> {
  const [{ loadToolsFile }, { createToolRunner }] = await Promise.all([
    import('../tools/config.js'),
    import('../tools/runner.js'),
  ]);
  return createToolRunner(loadToolsFile(path));
}

/** Write the transcript as it is now to `path` (atomic), without following the call. */
async function saveOnce(
  store: SessionStore,
  path: string,
  secrets: string[],
  summary?: ReturnType<typeof summarize>,
): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  const data = { ...store.getSnapshot() };
  writeFileAtomic(
    path,
    redactSecrets(formatTranscript(formatFromPath(path), { ...data, summary }), secrets),
  );
  return path;
}

function generatedPath(o: CallOptions, s: Snapshot, agentId: string): string {
  const name = defaultTranscriptName({
    startedAt: s.startedAt ?? Date.now(),
    agentId,
    callId: s.callId,
    format: o.transcriptFormat,
  });
  return `${o.transcriptDir.replace(/\/+$/, '')}/${name}`;
}

function specKind(spec: string): string {
  if (spec === 'none') return 'none';
  if (spec.toLowerCase().endsWith('.wav')) return 'file';
  return spec.split(':')[0] ?? spec;
}

function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
