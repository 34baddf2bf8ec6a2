import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CallCreationError, createCall } from '../api/create-call.js';
import type { EchoDevices, EchoMode } from '../audio/echo/mode.js';
import { openEchoPath } from '../audio/echo/path.js';
import { Player } from '../audio/player.js';
import { CallRecorder } from '../audio/recorder.js';
import { createSink } from '../audio/sinks/index.js';
import { NullSink } from '../audio/sinks/null-sink.js';
import { createSource } from '../audio/sources/index.js';
import type { AudioSink } from '../audio/types.js';
import type { LocalAgent } from '../local-agent/index.js';
import type { SessionStore } from '../session/store.js';
import type { Snapshot } from '../session/types.js';
import { writeFileAtomic } from '../transcript/atomic.js';
import {
  defaultTranscriptName,
  formatFromPath,
  formatTranscript,
  redactSecrets,
} from '../transcript/format.js';
import { formatSummary, summarize } from '../transcript/summary.js';
import { TranscriptWriter } from '../transcript/writer.js';
import { exitAfterCleanup, onCleanup, runCleanup } from './lifecycle.js';
import { attachPlainOutput, flushPlainOutput } from './plain.js';

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
  /** `--echo`: cancel (falls back to guard when speexdsp is missing), guard or off. */
  echo: EchoMode;
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
  const uiModule = o.plain ? undefined : importUiOutsideCi();

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
  if (!agentId) {
    io.err('No agent id: pass --agent <id> or set OMNIA_AGENT_ID (or run with --local).');
    await runCleanup();
    return 2;
  }

  // The session store pulls in ws and zod (~100 ms of module loading) and the speaker sink
  // starts a child process: both run while the call is being created, not after it.
  const storeModule = import('../session/store.js');
  const sinkOpening = openSink(o.output, o.outputSampleRate);
  let created: Awaited<ReturnType<typeof createCall>>;
  try {
    created = await createCall({
      apiBase,
      apiKey: o.local ? undefined : o.apiKey,
      agentId,
      inputSampleRate: o.inputSampleRate,
      outputSampleRate: o.outputSampleRate,
      ...(o.createTimeoutMs ? { responseTimeoutMs: o.createTimeoutMs } : {}),
    });
  } catch (error) {
    io.err(
      error instanceof CallCreationError
        ? `Could not create the call: ${error.message}`
        : `Could not create the call: ${String(error)}`,
    );
    await sinkOpening.then(({ sink }) => sink.close()).catch(() => undefined);
    await runCleanup();
    return 1;
  }

  const source = createSource(o.input, o.inputSampleRate);
  const { sink, notes } = await sinkOpening;
  for (const line of notes) io.err(line);
  const { SessionStore } = await storeModule;
  const player = new Player(sink, {
    leadMs: o.leadMs,
    maxQueueMs: MAX_QUEUED_AGENT_AUDIO_MS,
    // The output device can fail mid-call (unplugged, sox killed): say so, keep the call.
    onError: (message) => store.reportError(`audio output stopped: ${message}`),
  });
  const recorder = o.recordPath ? new CallRecorder(o.recordPath, o.outputSampleRate) : undefined;
  const echo = await openEchoPath(o.echo, echoDevices(o, sink), {
    input: o.inputSampleRate,
    output: o.outputSampleRate,
  });

  let writer: TranscriptWriter | undefined;
  const secrets = o.apiKey ? [o.apiKey] : [];
  const store = new SessionStore({
    websocketUrl: created.websocketUrl,
    callId: created.callId,
    agentId,
    local: o.local,
    source,
    player,
    inputSampleRate: o.inputSampleRate,
    outputSampleRate: o.outputSampleRate,
    input: { kind: specKind(o.input), description: source.description },
    output: { kind: specKind(o.output), description: sink.description },
    echoGuard: echo.guards,
    echo,
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
    saveTranscript: async (): Promise<string> => {
      const path =
        o.transcriptPath ?? generatedPath(o, store.getSnapshot(), agentId ?? LOCAL_AGENT_ID);
      if (writer && path === o.transcriptPath) {
        await writer.flush();
        return path;
      }
      return saveOnce(store, path, secrets);
    },
  });

  if (o.transcriptPath) {
    writer = new TranscriptWriter(o.transcriptPath, {
      format: formatFromPath(o.transcriptPath),
      reader: store,
      redact: secrets,
      // Into the events, not stderr: mid-call, stderr would scribble over the full-screen UI.
      onError: (message) => store.reportWarning(message),
    });
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
  installSignalHandlers(store, o.plain);

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
      ? `omnia-voice · ${agentId}`
      : o.apiKey
        ? 'omnia-voice · built-in local agent (--local)'
        : 'omnia-voice · built-in local agent (no API key configured)';
    exitCode = await ui.runTui(store, { title });
    await started;
  } else {
    const detach = attachPlainOutput(store, { verbose: o.verbose, write: io.out });
    await store.start();
    const final = await store.whenEnded();
    detach();
    flushPlainOutput(final, io.out);
    exitCode = final.exitCode;
  }
  if (durationTimer) clearTimeout(durationTimer);

  await store.actions.hangUp();
  await store.stopAudio();
  const final = store.getSnapshot();
  const summary = summarize({ ...final, transcriptPath: o.transcriptPath ?? final.transcriptPath });
  await writer?.close(summary);
  if (o.saveTranscripts && !o.transcriptPath) {
    const path = generatedPath(o, final, agentId);
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

/**
 * Open the output named by `spec`; when it cannot be opened, a silent sink so the call goes on.
 * What would have been said about it is returned, to be said once the call exists.
 */
async function openSink(
  spec: string,
  sampleRate: number,
): Promise<{ sink: AudioSink; notes: string[] }> {
  const notes: string[] = [];
  try {
    const sink = await createSink(spec, sampleRate, (message) => notes.push(`note: ${message}`));
    return { sink, notes };
  } catch (error) {
    notes.push(`warning: no audio output (${errorLine(error)}); the call goes on without sound.`);
    const sink = new NullSink(sampleRate);
    await sink.open();
    return { sink, notes };
  }
}

/**
 * Ink reads CI / CONTINUOUS_INTEGRATION once, when it is first imported, and in "CI" prints only
 * the last frame: a developer whose shell exports CI=true would get a dead screen. The full
 * screen is only chosen for a real terminal, so hide those variables while Ink loads.
 */
function importUiOutsideCi(): Promise<typeof import('../ui/index.js')> {
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const restore = () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value !== undefined) process.env[key] = value;
    }
  };
  const loading = import('../ui/index.js');
  loading.then(restore, restore);
  return loading;
}

function installSignalHandlers(store: SessionStore, plain: boolean): void {
  let interrupts = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (signal === 'SIGINT' && plain) {
      interrupts += 1;
      // A second Ctrl+C while hanging up quits at once (the cleanup still restores things).
      if (interrupts > 1) void exitAfterCleanup(130, 500);
      else void store.actions.hangUp('interrupted (Ctrl+C)');
      return;
    }
    void store.actions.hangUp(`stopped by ${signal}`);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
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

function specKind(spec: string): string {
  if (spec === 'none') return 'none';
  if (spec.toLowerCase().endsWith('.wav')) return 'file';
  return spec.split(':')[0] ?? spec;
}

function errorLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
