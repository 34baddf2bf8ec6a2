/**
 * A call from the command line: plain mode holds one call and prints it line by line; the
 * full-screen run (`call-session.ts`) holds the picker and one call after another. Both open
 * and finish calls with `call-parts.ts`.
 */
import fs from 'node:fs';
import type { AgentList, AgentsProgress } from '../api/agents.js';
import { secretSpellings } from '../api/mask-key.js';
import { type ApiTarget, LOCAL_SERVER } from '../api/request.js';
import type { EchoMode } from '../audio/echo/mode.js';
import type { FileStop } from '../audio/types.js';
import type { LocalAgent } from '../local-agent/index.js';
import type { SerialOff, Snapshot, Store } from '../session/types.js';
import { formatClock, stoppedText } from '../text/durations.js';
import type { ClientToolRunner } from '../tools/types.js';
import { type CallSummary, formatSummary } from '../transcript/summary.js';
import {
  agentHint,
  type CallContext,
  type EarlierCall,
  endCallNow,
  errorLine,
  finishCall,
  loadStoreModule,
  numberedOutput,
  type OpenCall,
  openCall,
  openSink,
  SessionFiles,
  saveRunCopy,
  specKind,
} from './call-parts.js';
import {
  type CallDecision,
  type CallPlan,
  createCallFor,
  decideCall,
  type NewCall,
  type PromptSettings,
} from './call-plan.js';
import { FETCHING_RECORD_LINE } from './call-record.js';
import type { CallSession } from './call-session.js';
import {
  exitAfterCleanup,
  FORCED_CLEANUP_MS,
  holdKeysForUi,
  onCleanup,
  onOutputClosed,
  onStop,
  runCleanup,
  SIGNAL_EXIT_CODES,
  type StopSignal,
} from './lifecycle.js';
import { attachPlainOutput, flushPlainOutput } from './plain.js';
import { checkNamedDevices, numberedPath, preflight } from './preflight.js';
import { loadPrompt, type PromptSource, promptSource } from './prompt.js';
import { plainStop, screenStop } from './stop.js';

export { MAX_QUEUED_AGENT_AUDIO_MS } from './call-parts.js';

/** Everything a call needs, already resolved from flags, env, .env and config. */
export interface CallOptions {
  /**
   * What resolving the settings warned of (a `.env` line dropped), already on stderr: the
   * full screen hides stderr until it quits, so it says them again on its first call.
   */
  settingWarnings?: readonly string[];
  apiBase: string;
  apiKey?: string;
  /** Where the key came from, as errors name it (`OMNIA_API_KEY in the environment`). */
  apiKeyFrom?: string | undefined;
  /** Where the API base came from, as errors name it (`--api-base`, `OMNIA_API_BASE in …`). */
  apiBaseFrom?: string | undefined;
  agentId?: string;
  /** The agent id was kept in the config file (the picker's choice, or `config set`). */
  agentFromConfig?: boolean;
  /** Talk to the built-in local agent (forced by --local, or because no key is configured). */
  local: boolean;
  input: string;
  output: string;
  /** Where input and output were set, as errors name it; the flag's own (`--input`). */
  inputFrom?: string | undefined;
  outputFrom?: string | undefined;
  inputSampleRate: number;
  outputSampleRate: number;
  leadMs: number;
  /** `--echo`: cancel (falls back to guard when speexdsp is missing), guard or off. */
  echo: EchoMode;
  /**
   * Where `echo` was set, in words (`--echo off`, `OMNIA_ECHO in the environment`, `echoGuard in
   * …/config.json`): kept as asked, and an `off` names it. Absent, it is the default: `cancel`
   * becomes `off` when the sound server says the output is headphones.
   */
  echoSetBy?: string;
  ptt: boolean;
  plain: boolean;
  verbose: boolean;
  durationSeconds?: number;
  transcriptPath?: string;
  transcriptDir: string;
  /** Where transcriptDir was set, as errors name it; absent for the default. */
  transcriptDirFrom?: string;
  transcriptFormat: 'md' | 'txt' | 'json' | 'jsonl';
  /** Also save a transcript into transcriptDir at the end (`--save-transcripts`). */
  saveTranscripts: boolean;
  recordPath?: string;
  serialPath?: string;
  /** Where serialPath was set, as errors name it; absent for the flag. */
  serialPathFrom?: string;
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
  /** Longest wait at a call's end for a reader of a `--transcript` FIFO (default 10 s; OMNIA_FIFO_WAIT_MS). */
  fifoWaitMs?: number;
}

export interface CallIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The built-in agent's default: its catalog id, as `omnia-voice agents` lists it. */
const LOCAL_AGENT_ID = 'demo';

/** Hold a call (plain) or a full-screen run of calls. Resolves to the process exit code. */
export async function runCall(o: CallOptions, io: CallIo): Promise<number> {
  const prepared = await prepare(o, io);
  if ('exit' in prepared) {
    await runCleanup();
    return prepared.exit;
  }
  const { ctx, decision } = prepared;
  if (decision.kind === 'error') {
    io.err(decision.message);
    await runCleanup();
    return 2;
  }
  const files = new SessionFiles(o);
  if (o.plain) {
    // decideCall never asks plain mode to pick: it says what to pass instead.
    const plan = decision.kind === 'ready' ? decision.plan : undefined;
    if (!plan) return 2;
    return runPlain(ctx, plan, files, io);
  }
  return runScreen(ctx, decision, files, io);
}

/** The local agent (when asked or when no key is configured), the API, the tools, the decision. */
async function prepare(
  o: CallOptions,
  io: CallIo,
): Promise<{ ctx: CallContext; decision: CallDecision } | { exit: number }> {
  // Before anything is started or created: a wrong file costs no call, and the local agent
  // is not started for a run that cannot go ahead.
  let clientTools: ClientToolRunner | undefined;
  let prompt: PromptSource | undefined;
  try {
    if (o.prompt) {
      prompt = promptSource(o.prompt.value);
      // Read once now too: a file that cannot be read is refused before anything starts
      // (the output files' folders included).
      loadPrompt(prompt);
    }
    preflight({ ...o, ...(prompt?.kind === 'file' ? { promptPath: prompt.path } : {}) });
    await checkNamedDevices(o);
    clientTools = o.toolsPath ? await loadTools(o.toolsPath) : undefined;
  } catch (error) {
    io.err(`error: ${errorLine(error)}`);
    return { exit: 2 };
  }
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
    // What this run needs to go to Omnia: a prompt call has no agent to name.
    const needs = o.prompt
      ? 'Set OMNIA_API_KEY to try the prompt on Omnia.'
      : `${LOCAL_HOW_TO_OMNIA}.`;
    io.err(
      o.apiKey
        ? `Using the built-in local agent at ${agent.baseUrl} (--local).`
        : `No API key configured: talking to the built-in local agent at ${agent.baseUrl}. ${needs}`,
    );
  }
  const api: ApiTarget = {
    apiBase,
    ...(o.local ? { server: LOCAL_SERVER } : { apiBaseFrom: o.apiBaseFrom }),
    ...(o.local || !o.apiKey ? {} : { apiKey: o.apiKey, keyFrom: o.apiKeyFrom }),
    ...(o.createTimeoutMs ? { responseTimeoutMs: o.createTimeoutMs } : {}),
  };
  try {
    const decision = decideCall({
      api,
      ...(agentId ? { agentRef: agentId } : {}),
      ...(o.prompt && prompt ? { prompt: { source: prompt, settings: o.prompt.settings } } : {}),
      inputSampleRate: o.inputSampleRate,
      outputSampleRate: o.outputSampleRate,
      plain: o.plain,
    });
    return { ctx: { o, api, ...(clientTools ? { clientTools } : {}) }, decision };
  } catch (error) {
    io.err(`error: ${errorLine(error)}`);
    return { exit: 2 };
  }
}

/** Plain mode: one call, a line per event, the summary on stderr. */
async function runPlain(
  ctx: CallContext,
  plan: CallPlan,
  files: SessionFiles,
  io: CallIo,
): Promise<number> {
  const { o } = ctx;
  // The speaker sink starts a child process: it opens while the call is being created.
  const sinkOpening = openSink(numberedOutput(o.output, 1), o.outputSampleRate);
  void loadStoreModule();
  let created: NewCall | undefined;
  // A stop while the call is being created gives the call up, as the full screen does, with
  // the exit code of a stop in a plain call (0). Once it exists (Omnia has no REST call that
  // ends one), a stop is kept until the call's store can take it, then ends the call as a stop
  // in a call does: the socket opens, hang_up. A second signal leaves at once.
  const giveUp = new AbortController();
  let stoppedWhileCreating: StopSignal | undefined;
  let stoppedWhileOpening: StopSignal | undefined;
  const offEarlyStop = onStop((signal, count) => {
    if (count > 1) void exitAfterCleanup(SIGNAL_EXIT_CODES.SIGINT, FORCED_CLEANUP_MS);
    if (created !== undefined) {
      stoppedWhileOpening ??= signal;
      return;
    }
    stoppedWhileCreating ??= signal;
    giveUp.abort();
  });
  try {
    created = await createCallFor(plan, giveUp.signal, io.err);
    // The answer came with the stop: the call exists, and is ended as a stop ends a call.
    if (stoppedWhileCreating) stoppedWhileOpening = stoppedWhileCreating;
  } catch (error) {
    offEarlyStop();
    const stopped = stoppedWhileCreating;
    if (stopped) {
      io.err(
        stopped === 'SIGINT'
          ? 'No call: you quit while it was being created.'
          : `No call: stopped by ${stopped} while it was being created.`,
      );
    } else {
      io.err(
        `error: Could not create the call: ${errorLine(error)}${agentHint(o, error, ctx.api)}`,
      );
    }
    await sinkOpening.then(({ sink }) => sink.close()).catch(() => undefined);
    await runCleanup();
    if (stopped) return 0;
    return error instanceof Error && error.name === 'UsageError' ? 2 : 1;
  }
  let call: OpenCall;
  try {
    call = await openCall(ctx, created, files, 1, sinkOpening);
  } finally {
    offEarlyStop();
  }
  const { store } = call;
  // SIGTERM and SIGHUP are remembered: whoever sent them wants the process gone, not the
  // call record.
  let stoppedBy: StopSignal | undefined;
  // A second signal leaves at once, and still says what one says: the summary (no record
  // waited for), the --save-transcripts copy.
  let forcedOut = false;
  const quitNow = () => {
    if (forcedOut) return;
    forcedOut = true;
    endCallNow(ctx, call, files);
    printEnd(o, files, files.earlier, io);
  };
  const stop = plainStop(store, quitNow);
  let offStop = onStop((signal, count) => {
    if (signal !== 'SIGINT') stoppedBy ??= signal;
    stop(signal, count);
  });
  const timer = durationTimer(o, store);
  // Whoever read stdout stopped (`| head -3`): the call ends as a stop ends it, files written,
  // the summary still on stderr; nothing more is printed to the closed stdout.
  let outputGone = false;
  const offOutputClosed = onOutputClosed(() => {
    outputGone = true;
    void store.actions.hangUp('stdout was closed');
  });
  const out = (line: string) => {
    if (!outputGone) io.out(line);
  };
  const plain = attachPlainOutput(store, { verbose: o.verbose, write: out });
  const starting = store.start();
  // A stop kept while the call's parts opened: the socket is connecting now, and the hang-up
  // waits for it to open (as for --duration), without a silent wait first.
  if (stoppedWhileOpening) {
    if (stoppedWhileOpening !== 'SIGINT') stoppedBy ??= stoppedWhileOpening;
    stop(stoppedWhileOpening, 1);
  }
  await starting;
  // Unless stdin is the audio itself (`--input /dev/stdin`).
  const stopTyping = /^\/(dev\/stdin|dev\/fd\/0|proc\/self\/fd\/0)$/.test(o.input.trim())
    ? () => undefined
    : await typedLines(process.stdin, store);
  const final = await store.whenEnded();
  stopTyping();
  // The end stops the tools still running, and their answers (`failed: the call ended before
  // the tool finished`) land in the promise jobs after it: all of them done by the next turn
  // of the event loop.
  await new Promise((resolve) => setImmediate(resolve));
  plain.detach();
  flushPlainOutput(store.getSnapshot(), plain, out);
  if (timer) clearTimeout(timer);
  offStop();
  // A signal while the record is fetched skips the wait: the summary and the transcript are
  // still written whole. A second one quits at once.
  const skip = new AbortController();
  offStop = onStop((signal) => {
    if (!skip.signal.aborted) skip.abort();
    else {
      quitNow();
      void exitAfterCleanup(SIGNAL_EXIT_CODES[signal], FORCED_CLEANUP_MS);
    }
  });
  // A second signal has said the end already (`quitNow`): no record is fetched, nothing more said.
  const fetchRecord = !stoppedBy && !forcedOut;
  const done = await finishCall(
    ctx,
    call,
    files,
    fetchRecord ? { signal: skip.signal, onStart: () => io.err(FETCHING_RECORD_LINE) } : undefined,
    undefined,
    // A FIFO's reader is waited for as the record is, and a signal stops the wait the same way.
    { waitForReader: !stoppedBy && !forcedOut, signal: skip.signal },
  );
  offStop();
  if (forcedOut) return final.exitCode;
  printEnd(o, files, [done], io);
  offOutputClosed();
  await runCleanup();
  return final.exitCode;
}

/**
 * Plain mode: each line on stdin is a typed message to the agent, as `t` and Enter in the full
 * screen: from a pipe or a file (`printf 'hello\n' | omnia-voice --plain`), or typed at the
 * terminal while the app runs in its foreground (not in the background: a run started with `&`
 * would be stopped by the terminal, SIGTTIN, the moment it read; `fg` brings the reading back).
 * The end of stdin (Ctrl+D) ends nothing: the call goes on until it is hung up. Returns how to
 * stop reading.
 */
async function typedLines(input: NodeJS.ReadStream, store: Store): Promise<() => void> {
  // A stdin that fails (closed under us) only ends the typing, never the call.
  input.on('error', () => undefined);
  const { createInterface } = await import('node:readline');
  let lines: ReturnType<typeof createInterface> | undefined;
  const read = () => {
    lines = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      const text = line.trim();
      if (text) store.actions.sendText(text);
    });
  };
  if (!input.isTTY) {
    read();
    return () => {
      lines?.close();
      input.pause();
    };
  }
  // A terminal is read only while the app is in its foreground: started with `&`, or moved
  // there by Ctrl+Z and `bg`, a read would stop it (and the call with it). `fg` sends no signal
  // to a job that is running already, so while in the background the app looks every half
  // second whether it is in the foreground again (and on SIGCONT, after Ctrl+Z).
  let poll: NodeJS.Timeout | undefined;
  const follow = () => {
    if (inTerminalForeground()) {
      if (poll) clearInterval(poll);
      poll = undefined;
      if (lines) lines.resume();
      else read();
      return;
    }
    lines?.pause();
    if (!poll) {
      poll = setInterval(follow, BACKGROUND_POLL_MS);
      poll.unref();
    }
  };
  follow();
  process.on('SIGCONT', follow);
  return () => {
    process.off('SIGCONT', follow);
    if (poll) clearInterval(poll);
    lines?.close();
    input.pause();
  };
}

/** How often plain mode in the terminal's background looks whether `fg` brought it back. */
const BACKGROUND_POLL_MS = 500;

/**
 * Whether this process is in its terminal's foreground process group, so reading the terminal
 * will not stop it: Linux's `/proc/self/stat` (the process group, then the terminal's
 * foreground group, `tpgid`). Elsewhere, or when it cannot tell, no.
 */
export function inTerminalForeground(statPath = '/proc/self/stat'): boolean {
  try {
    const stat = fs.readFileSync(statPath, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state, ppid,
    // pgrp, session, tty_nr, tpgid.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    const tpgid = Number(fields[5]);
    return Number.isInteger(pgrp) && pgrp > 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}

/** The full-screen run: the picker if needed, then calls until the user quits. */
async function runScreen(
  ctx: CallContext,
  decision: Exclude<CallDecision, { kind: 'error' }>,
  files: SessionFiles,
  io: CallIo,
): Promise<number> {
  const { o } = ctx;
  // From here until the UI is up nothing is printed: keys typed meanwhile wait for the UI.
  const keys = holdKeysForUi();
  const { CallSession } = await import('./call-session.js').catch((error: unknown) => {
    keys.release();
    throw error;
  });
  let timer: NodeJS.Timeout | undefined;
  const session = new CallSession({
    ctx,
    files,
    start: decision.kind === 'ready' ? { plan: decision.plan } : { choice: decision.choice },
    // Say on screen, not only on stderr (hidden by the full screen), why this is the local
    // agent: on it the title names the agent or prompt called, then why it is the local one.
    titleFor: (label) => {
      const called = label ? ` · ${label.text}` : '';
      if (!o.local) return `omnia-voice${called}`;
      const why = o.apiKey ? '--local' : 'no API key configured';
      return `omnia-voice${called} · built-in local agent (${why})`;
    },
    // The key is what the local agent stands in for: said where the screen can show it.
    ...(o.local && !o.apiKey
      ? {
          helpNote:
            'This is the built-in local agent: no API key is configured. To talk to Omnia, set OMNIA_API_KEY (in the environment, a .env file, or with omnia-voice config set apiKey) and start again: you then pick one of your agents, or name one with --agent.',
        }
      : {}),
    rememberAgent: (id) => rememberAgentSync(id),
    listAgents: (signal, onProgress) => listAgentsFor(ctx.api, signal, onProgress),
    searchAgents: (text, signal) => searchAgentsFor(ctx.api, text, signal),
    onCall: (call) => {
      if (timer) clearTimeout(timer);
      timer = durationTimer(o, call.store);
    },
  });
  const offStop = onStop(
    screenStop({
      quit: (force) => session.actions.quit(force),
      stop: (code, reason) => session.stop(code, reason),
    }),
  );
  // Dial first, and load Ink and React (a few hundred ms of one core) once the socket is open:
  // loading them meanwhile kept the connection waiting. When dialing takes longer (a network
  // far away), the UI loads while it waits; a picker or a failure needs it at once.
  const running = session.run();
  await untilUiIsWanted(session, running);
  // Loading the UI and drawing its first frame hold the event loop for longer than the output's
  // lead: a reply arriving meanwhile (the greeting, right after the socket opens) would play with
  // holes of 100 ms and more. It waits in the queue and plays whole once the UI is up; the
  // release also starts the player's cushion, for the UI's first, slow frames.
  const releasePlayback = session.holdPlayback();
  let tui: ReturnType<typeof import('../ui/index.js')['runSessionTui']>;
  try {
    tui = (await import('../ui/index.js')).runSessionTui(session);
    keys.handOver();
    // Ink's first frame is drawn in that call; its effects run in the next turns.
    setImmediate(releasePlayback);
  } catch (error) {
    keys.release();
    releasePlayback();
    // No UI (it did not load, or no terminal after all): hang up what was dialled, then say why.
    session.stop(1);
    await running;
    offStop();
    throw error;
  }
  const result = await running;
  if (timer) clearTimeout(timer);
  tui.close(result.exitCode);
  await tui.exited;
  offStop();
  if (result.error) io.err(result.error);
  if (result.note) io.err(result.note);
  // A second Ctrl+C too: the calls have ended (no record is waited for), so their summaries
  // and the --save-transcripts copy cost nothing, and are not lost.
  printEnd(o, files, result.calls, io, result.lastError);
  if (result.lastError) io.err(`error: ${result.lastError}`);
  if (result.exitCode === SIGNAL_EXIT_CODES.SIGINT) {
    // A second Ctrl+C: leave now; the cleanup still hangs up and flushes what it can.
    return exitAfterCleanup(result.exitCode, FORCED_CLEANUP_MS);
  }
  await runCleanup();
  return result.exitCode;
}

/**
 * Dialing that has waited this long on the network loads the UI meanwhile. Counted as the event
 * loop's idle time, not the clock's: on a busy machine the app's own start-up work (loading the
 * store, TLS) can outlast any wall-clock limit, and loading the UI then only delayed the socket
 * further (by its few hundred ms of one core).
 */
export const UI_WHILE_DIALING_MS = 250;
/** However busy the app, the screen is not left blank for longer than this while dialing. */
export const UI_WHILE_DIALING_CEILING_MS = 2_000;
/** How often the idle time is looked at while dialing. */
const DIAL_WAIT_POLL_MS = 50;

/**
 * Resolves when the full-screen UI should load: the first call's socket is open (or it failed),
 * the run needs the user (the picker) or ended, or dialing has waited `UI_WHILE_DIALING_MS` on
 * the network (or `UI_WHILE_DIALING_CEILING_MS` in all).
 */
export function untilUiIsWanted(
  session: Pick<CallSession, 'getView' | 'subscribe'>,
  running: Promise<unknown>,
): Promise<void> {
  return new Promise((resolve) => {
    let finished = false;
    let offStore: (() => void) | undefined;
    let poll: NodeJS.Timeout | undefined;
    let ceiling: NodeJS.Timeout | undefined;
    const done = () => {
      if (finished) return;
      finished = true;
      clearInterval(poll);
      clearTimeout(ceiling);
      offSession();
      offStore?.();
      resolve();
    };
    const check = () => {
      const view = session.getView();
      if (view.stage.kind === 'dialing') return;
      if (view.stage.kind !== 'call') return done();
      const phase = view.store.getSnapshot().phase;
      if (phase !== 'creating' && phase !== 'connecting') return done();
      offStore ??= view.store.subscribe(check);
    };
    const offSession = session.subscribe(check);
    void running.then(done, done);
    check();
    if (finished) return;
    const since = performance.eventLoopUtilization();
    poll = setInterval(() => {
      if (performance.eventLoopUtilization(since).idle >= UI_WHILE_DIALING_MS) done();
    }, DIAL_WAIT_POLL_MS);
    ceiling = setTimeout(done, UI_WHILE_DIALING_CEILING_MS);
  });
}

/**
 * `--duration`: hang up after that long. The call exists on the server once it is created: run
 * out while its socket is still connecting, cutting the socket would leave it there unjoined and
 * unnamed (Omnia has no REST call that ends one), so the hang-up waits for the socket to open
 * (its connect timeout bounds that) and ends the call as asked. A socket that fails to open
 * fails the call, as without `--duration`.
 */
function durationTimer(
  o: CallOptions,
  store: Pick<Store, 'actions' | 'getSnapshot' | 'subscribe'>,
): NodeJS.Timeout | undefined {
  if (o.durationSeconds === undefined) return undefined;
  const reason = `--duration ${o.durationSeconds}s reached`;
  return setTimeout(() => {
    if (store.getSnapshot().phase !== 'connecting') {
      void store.actions.hangUp(reason);
      return;
    }
    const off = store.subscribe(() => {
      const phase = store.getSnapshot().phase;
      if (phase === 'connecting') return;
      off();
      // Once the call has started its parts (the mic, the output), so they stop as after any
      // hang-up.
      if (phase === 'live') setImmediate(() => void store.actions.hangUp(reason));
    });
  }, o.durationSeconds * 1000);
}

/** How a run on the local agent for want of a key would talk to Omnia instead. */
const LOCAL_HOW_TO_OMNIA =
  'Set OMNIA_API_KEY to talk to Omnia (then pick one of your agents, or name one with --agent)';

/** After a full-screen run that saved no transcript. */
export const NOT_SAVED_LINE =
  'Transcript: not saved (s saves it during a call; --save-transcripts or --transcript FILE saves every call)';

/**
 * After the run: each call's summary (numbered when several), and where the run's transcript
 * is. The file the last call followed (`--transcript`, an `s` during it) is its summary's own
 * `Transcript:` line; a file made by `s` after it, or by `--save-transcripts`, gets a line after
 * that summary. Each summary has its `Ended:` line; the last call's failure, `error: …`, is also
 * the last line.
 */
function printEnd(
  o: CallOptions,
  files: SessionFiles,
  calls: readonly EarlierCall[],
  io: CallIo,
  lastError?: string,
): void {
  const fileLine = runFileLine(o, files, calls.at(-1)?.summary);
  // The full-screen UI took the conversation with it, and nothing saved it: say so, and how.
  // (Plain mode printed it.)
  const unsaved =
    !o.plain &&
    files.path === undefined &&
    !o.saveTranscripts &&
    calls.some((call) => call.snapshot.turns.length > 0)
      ? NOT_SAVED_LINE
      : undefined;
  calls.forEach((call, i) => {
    if (calls.length > 1) {
      const label = call.snapshot.label?.text;
      io.err(`Call ${i + 1}${label ? ` · ${label}` : ''}`);
    }
    const final = call.snapshot;
    // The run's file is named once, after the last call (each call's summary names it).
    const last = i === calls.length - 1;
    // Every call's summary says how it ended (`Ended: …`), a failed one's too: a summary without
    // it read as cut short. The last call's failure is also the run's, its last line,
    // `error: …`, as a failed command's is; an earlier call that failed (before a redial) has
    // only its `Ended:` line: an `error:` in its block read as the next call's.
    const failed = last && final.phase === 'error' && final.endReason ? final.endReason : undefined;
    const runFile = files.path === undefined ? undefined : `Transcript: ${files.path}`;
    // The files come last, the transcript's at the very end: `Recording:`, `Transcript:`, then
    // `Transcript copy:` (the failed call's `error: …` after them).
    const lines = formatSummary(call.summary).filter((line) => !(!last && line === runFile));
    const transcript = lines.filter((line) => line.startsWith('Transcript: '));
    for (const line of lines) if (!line.startsWith('Transcript: ')) io.err(line);
    if (final.serialOff) io.err(serialLine(final.serialOff));
    for (const line of audioFileLines(o, i + 1, final)) io.err(line);
    for (const line of transcript) io.err(line);
    if (fileLine !== undefined && last) io.err(fileLine);
    if (unsaved !== undefined && last) io.err(unsaved);
    if (failed !== undefined) io.err(`error: ${failed}`);
    // The redials after it that made no call, in its block, before the next call's: the run's
    // last one, when the run ended on it, is its `error: …` line instead.
    const failures = call.redialsFailed ?? [];
    failures.forEach(({ message }, k) => {
      if (last && k === failures.length - 1 && message === lastError) return;
      io.err(`Redial: ${message}`);
    });
  });
}

/**
 * Serial control off for some or all of a call, said where the call is summed up (the screen's
 * banner went with the full screen): `Serial: /dev/ttyACM0 disconnected at 0:42: it went away
 * (unplugged, or reset); serial control was off from then on`, or `Serial: off for the whole
 * call: cannot open serial device …`.
 */
function serialLine(off: SerialOff): string {
  return off.lostAtMs === undefined
    ? `Serial: off for the whole call: ${off.reason}`
    : `Serial: ${off.path} disconnected at ${formatClock(off.lostAtMs)}: ${off.reason}; serial control was off from then on`;
}

/**
 * The WAV files call `number` wrote (`--record`, an output WAV): a redial's are numbered
 * (`rec-2.wav`), which nothing else would tell. A file that stopped before the call's end (a
 * full disk) says so, where and why: `Recording: rec.wav (stopped at 0:42: the disk is full)`.
 */
function audioFileLines(o: CallOptions, number: number, final: Snapshot): string[] {
  const lines: string[] = [];
  const line = (label: string, path: string, stop: FileStop | undefined) => {
    if (stop) lines.push(`${label}: ${path} (${stoppedText(stop)})`);
    else if (fs.existsSync(path)) lines.push(`${label}: ${path}`);
  };
  if (o.recordPath !== undefined) {
    line('Recording', numberedPath(o.recordPath, number), final.recordingStopped);
  }
  if (specKind(o.output) === 'file') {
    line('Agent audio', numberedOutput(o.output, number), final.outputStopped);
  }
  return lines;
}

/**
 * The line that says where the run's transcript is, when the last call's summary does not:
 * `--save-transcripts` saves the run into the transcript directory now (`Transcript copy:`
 * beside a `--transcript` file, which holds the run too), or says why it could not.
 */
function runFileLine(
  o: CallOptions,
  files: SessionFiles,
  last: CallSummary | undefined,
): string | undefined {
  if (last === undefined) return undefined;
  // `s` saved the run into the directory, and that file followed it to the end.
  if (files.path && !o.transcriptPath) {
    const named = last.transcriptPath === files.path || last.transcriptProblem !== undefined;
    return named ? undefined : `Transcript: ${files.path}`;
  }
  if (!o.saveTranscripts) return undefined;
  try {
    const path = saveRunCopy(files, secretSpellings(o.apiKey));
    if (!path) return undefined;
    return `${o.transcriptPath ? 'Transcript copy' : 'Transcript'}: ${path}`;
  } catch (error) {
    return `warning: ${errorLine(error)}`;
  }
}

/** Keeps the picked agent in the config file (conf is loaded only now). */
function rememberAgentSync(agentId: string): string {
  return rememberAgentImpl(agentId);
}

let rememberAgentImpl: (agentId: string) => string = () => {
  throw new Error('the config file is not loaded');
};

/**
 * The workspace's agents for the picker, page by page (the API module and conf load only when
 * it shows), and whether the list stopped with pages left.
 */
async function listAgentsFor(
  api: ApiTarget,
  signal: AbortSignal,
  onPage?: (progress: AgentsProgress) => void,
): Promise<AgentList> {
  const [{ readAgents }, { rememberAgent }] = await Promise.all([
    import('../api/agents.js'),
    import('../config/remember.js'),
  ]);
  rememberAgentImpl = (agentId) => rememberAgent(agentId);
  return readAgents(api, { signal, ...(onPage ? { onPage } : {}) });
}

/**
 * The picker's search of a list too long to read whole: Omnia's own search, at most
 * `SEARCH_PAGES` pages (a filter that matches more is typed further).
 */
async function searchAgentsFor(
  api: ApiTarget,
  search: string,
  signal: AbortSignal,
): Promise<AgentList> {
  const { readAgents } = await import('../api/agents.js');
  return readAgents(api, { search, signal, maxPages: SEARCH_PAGES });
}

/** Pages the picker's search reads at most: a thousand agents, in a second or so. */
const SEARCH_PAGES = 10;

/** Loads a `--tools` file (its checks and runner are loaded only when there is one). */
async function loadTools(path: string): Promise<ClientToolRunner> {
  const [{ loadToolsFile }, { createToolRunner }] = await Promise.all([
    import('../tools/config.js'),
    import('../tools/runner.js'),
  ]);
  return createToolRunner(loadToolsFile(path), path);
}
