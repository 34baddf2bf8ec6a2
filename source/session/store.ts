import { saysOutOfCredits, TOP_UP_HINT } from '../api/default-base.js';
import { describeEndReason, KNOWN_END_REASONS } from '../api/record-facts.js';
import { LEVEL_TICK_EVERY, LEVEL_TICK_MS } from '../audio/constants.js';
import { type EchoPath, GuardedEcho, HELD_SPEECH_NOTICE_MS, NoEcho } from '../audio/echo/path.js';
import { LevelMeter, SILENT_LEVEL } from '../audio/levels.js';
import { audioTicker } from '../audio/sources/audio-ticker.js';
import { SilenceSource } from '../audio/sources/silence-source.js';
import type {
  AudioSource,
  FileStop,
  GapCause,
  OutputFailure,
  PlayerLike,
  RecordingStop,
} from '../audio/types.js';
import type { ClientToolInvocationMessage, ServerMessage } from '../protocol/messages.js';
import { sanitizeLine, truncate } from '../protocol/sanitize.js';
import { toolFailure, toolSuccess } from '../protocol/tools.js';
import { formatClock, noAnswerFromServer, wholeSecondsText } from '../text/durations.js';
import { graphemes } from '../text/graphemes.js';
import { blankSecrets } from '../text/secrets.js';
import type { ClientToolRunner } from '../tools/types.js';
import { CallConnection } from './connection.js';
import { describeClose, MAX_EVENTS } from './events.js';
import { ResponseLatency } from './response-latency.js';
import { blankSnapshot } from './snapshot.js';
import { describeToolCall, finishToolCall, putToolCall, startToolCall } from './tool-calls.js';
import { applyTranscript, findTurnIndex, markInterrupted } from './transcript.js';
import type {
  AgentState,
  CallEvent,
  CallLabel,
  EventKind,
  Medium,
  Snapshot,
  Store,
  StoreActions,
  ToolCall,
  Turn,
} from './types.js';

export { LEVEL_TICK_MS, MAX_EVENTS };

/** Agent audio still queued at a hang-up from which its turn counts as cut off. */
export const CUT_BY_HANGUP_MS = 250;
/** Mic RMS above this counts as the user speaking, for response latency. */
const SPEECH_DB = -45;
/**
 * Speech after this long without any is the start of an utterance: a user turn the server
 * transcribes next began then (its transcript comes when the server has heard it, at the end).
 */
const UTTERANCE_GAP_MS = 2_000;
/** Less of a reply than this heard before a clear is none of it: no word is that short. */
const UNHEARD_MS = 50;

/**
 * A barge-in this soon after the agent's audio began to be heard is a quick cut: with no echo
 * canceller on open speakers, the agent hearing itself cuts it this soon, again and again.
 */
const QUICK_CUT_MS = 1_200;
/** Quick cuts before the user is told the agent may be hearing itself. */
const QUICK_CUTS_TO_WARN = 3;
/** Then told again after every so many more: the screen's warning goes after a few seconds. */
const QUICK_CUTS_TO_WARN_AGAIN = 5;
/** An utterance start older than this when its transcript comes is not taken for its start. */
const UTTERANCE_MAX_MS = 60_000;
/** Response latencies kept for the summary. */
const MAX_LATENCIES = 1_000;
/** A flood of agent audio is reported at most this often (the drop total grows in between). */
const OVERFLOW_REPORT_MS = 5_000;
/** After `hangup` the server closes the socket; one that does not is closed after this long. */
export const HANGUP_CLOSE_GRACE_MS = 3_000;
/** After the agent hung up, its last words already queued still play, for at most this long. */
const HANGUP_DRAIN_MAX_MS = 5_000;
const DRAIN_CHECK_MS = 20;
/** Gaps in the agent's audio shorter than this are not worth an event (the stats count them). */
const MIN_GAP_EVENT_MS = 5;
/** Gap events per call; a network that keeps coming late would otherwise fill the events. */
const MAX_GAP_EVENTS = 20;

/** Optional stereo call recorder (`--record`). */
export interface CallRecorderLike {
  pushUser(pcm: Buffer): void;
  /** `atMs`: where on the output device's timeline it played (ms since the audio started). */
  pushAgent(pcm: Buffer, atMs?: number): void;
  /** The call's audio starts now (time 0 of the recording). */
  start?(): void;
  /**
   * Set by the store: told once when a write to the file fails and the recording stops (the
   * call goes on). `close` never rejects for such a failure: it tells this instead.
   */
  onStop?: ((stop: RecordingStop) => void) | undefined;
  close(): Promise<void>;
}

export interface SessionStoreOptions {
  websocketUrl: string;
  callId?: string;
  agentId?: string;
  local: boolean;
  source: AudioSource;
  player: PlayerLike;
  inputSampleRate: number;
  outputSampleRate: number;
  input: { kind: string; description: string };
  output: { kind: string; description: string };
  /** Without `echo`: the energy guard (true) or nothing (false). */
  echoGuard: boolean;
  /** The echo path (canceller, guard or nothing) the call runs with; see audio/echo/path.ts. */
  echo?: EchoPath;
  /**
   * No output device could be opened (the player plays into a stand-in that discards it): the
   * agent meter reads silence, as nothing is heard (`Snapshot.outputLost`).
   */
  outputLost?: boolean;
  /** The output WAV could not be written from the start (its disk full): `Snapshot.outputStopped`. */
  outputStopped?: FileStop;
  ptt: boolean;
  /** The user's mute from the start: a redial keeps the mute of the call before it. */
  muted?: boolean;
  recorder?: CallRecorderLike;
  /** The recorder's file, as the user named it (`Snapshot.recordingPath`). */
  recordingPath?: string;
  /** Writes the transcript on demand (the `s` key); resolves to the path. */
  saveTranscript?: () => Promise<string>;
  transcriptPath?: string;
  /** Secrets that must never appear in events (the API key). */
  secrets?: readonly string[];
  /** What the call is with, for headers and files. */
  label?: CallLabel;
  /** Answers client tools locally (`--tools`); without it every tool is refused at once. */
  clientTools?: ClientToolRunner;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /**
   * The player's queue cap and how much agent audio it has dropped to stay under it, so a
   * server that floods audio far faster than real time shows up in the events.
   */
  queueOverflow?: { readonly capMs: number; droppedMs(): number };
}

type Listener = () => void;

/**
 * Said when the echo canceller held back the user's voice while the agent talked (see
 * `EchoFigures.heldSpeechMs`): what happened, and how to avoid it. The screen's is shorter.
 */
export const HELD_SPEECH_WARNING =
  'your speech was held back while the agent talked: the echo canceller keeps the mic closed over the agent until it hears the agent in the mic (up to 3 s of agent speech with no echo, and talking starts that again); with headphones use --echo off, or --echo guard to let a voice louder than the agent through';
const HELD_SPEECH_SCREEN =
  'your speech is held back while the agent talks: with headphones use --echo off';

/**
 * The session store: owns the call connection, the mic source and the player. Everything else
 * (Ink UI, plain mode, transcript writers, serial) reads immutable snapshots and calls actions.
 */
/** An `error` message this close before a normal close (1000) is taken for why the call ended. */
export const ERROR_BEFORE_CLOSE_MS = 5_000;

export class SessionStore implements Store {
  readonly actions: StoreActions;
  private snapshot: Snapshot;
  private readonly listeners = new Set<Listener>();
  private readonly connection: CallConnection;
  private readonly micMeter = new LevelMeter();
  private echo: EchoPath;
  /** The echo line of the call's start has been said (a later change is said on its own). */
  private echoSaid = false;
  /** The user has been told their speech was held back by the echo canceller. */
  private heldSpeechSaid = false;
  private echoDelayMs: number | undefined;
  private echoConvergences = 0;
  private echoLosses = 0;
  /** Say "cancelling" the first time and after a loss, not after every pause of the agent. */
  private echoSayConverged = true;
  private nextEventId = 1;
  private gapEvents = 0;
  /** The last mic frame over the speech threshold (ms, wall clock). */
  private lastSpeechAt = Number.NEGATIVE_INFINITY;
  /** When the user's latest utterance began, until a spoken user turn takes it. */
  private utteranceAt: number | undefined;
  /** When the agent's audio last began to be heard after silence (ms, wall clock). */
  private replyHeardAt = Number.NEGATIVE_INFINITY;
  /**
   * When each agent turn's audio was first heard (ms, wall clock): kept, never moved by a later
   * start of the same turn (a late frame makes the player write silence, then start again).
   * Bounded: only the latest turns matter to a cut.
   */
  private readonly firstHeardAt = new Map<number, number>();
  /** Some agent audio has been written to the device in this call. */
  private agentAudioStarted = false;
  /** Server barge-ins within {@link QUICK_CUT_MS} of the agent's audio starting. */
  private quickCuts = 0;
  private notifyQueued = false;
  private stopLevelTicks: (() => void) | undefined;
  private silentFrame = Buffer.alloc(0);
  /** After a local interrupt, audio of the interrupted agent turn that still arrives is dropped. */
  private discardingAgentAudio = false;
  private pendingSeq = 0;
  /** The turns' array while only the store holds it (see {@link SessionStore.draftTurns}). */
  private turnsDraft: Turn[] | undefined;
  private interruptedOrdinal = -1;
  /** Which start of agent audio answers the user: see response-latency.ts. */
  private readonly latency = new ResponseLatency();
  /** The agent turn whose audio was last queued as starting a reply (see `replyStarting`). */
  private queuedReply: number | undefined;
  private endedResolvers: Array<(s: Snapshot) => void> = [];
  private hangUpPromise: Promise<void> | undefined;
  private stopped = false;
  private hangUpReason = 'you hung up';
  private reportedOverflowMs = 0;
  private sourceFailed = false;
  private fallbackSource: AudioSource | undefined;
  private overflowReportedAt = 0;
  private agentHungUp = false;
  private hangupTimer: NodeJS.Timeout | undefined;
  /** Aborted when the call ends: tools still running are stopped. */
  private readonly toolsAbort = new AbortController();
  /** A reply cut by the call's end was marked (`markCutByHangUp`). */
  private cutMarked = false;
  /** The server's last `error` message, and when it came. */
  private lastServerError: { readonly message: string; readonly at: number } | undefined;

  constructor(private readonly options: SessionStoreOptions) {
    const now = Date.now();
    this.echo = options.echo ?? (options.echoGuard ? new GuardedEcho() : new NoEcho());
    this.snapshot = blankSnapshot({
      phase: 'connecting',
      agentStateSince: now,
      callId: options.callId,
      agentId: options.agentId,
      local: options.local,
      ...(options.label ? { label: options.label } : {}),
      muted: options.ptt || options.muted === true,
      userMuted: options.muted === true,
      ptt: options.ptt,
      echoGuard: { enabled: this.echo.guards, active: false },
      echo: { mode: this.echo.mode, ...(this.echo.reason ? { reason: this.echo.reason } : {}) },
      input: { ...options.input, sampleRate: options.inputSampleRate },
      output: { ...options.output, sampleRate: options.outputSampleRate },
      transcriptPath: options.transcriptPath,
      ...(options.recordingPath === undefined ? {} : { recordingPath: options.recordingPath }),
      ...(options.outputLost ? { outputLost: true } : {}),
      ...(options.outputStopped ? { outputStopped: options.outputStopped } : {}),
    });
    this.connection = new CallConnection(options.websocketUrl, {
      pingIntervalMs: options.pingIntervalMs,
      pongTimeoutMs: options.pongTimeoutMs,
    });
    this.actions = {
      mute: (on) => this.setUserMuted(on ?? !this.snapshot.userMuted),
      setPtt: (down) => this.setPttDown(down),
      interrupt: () => this.interrupt('local'),
      sendText: (text, urgency) => this.sendText(text, urgency),
      setOutputMedium: (medium) => this.setOutputMedium(medium),
      saveTranscript: () => this.saveTranscript(),
      hangUp: (reason) => this.hangUp(reason),
    };
    this.wireConnection();
    this.wirePlayer();
  }

  getSnapshot = (): Snapshot => {
    // Whoever reads the turns from outside keeps that array as it is.
    this.turnsDraft = undefined;
    return this.snapshot;
  };

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Resolves with the final snapshot once the call has ended, whoever ended it. */
  whenEnded(): Promise<Snapshot> {
    const s = this.getSnapshot();
    if (s.phase === 'ended' || s.phase === 'error') return Promise.resolve(s);
    return new Promise((resolve) => this.endedResolvers.push(resolve));
  }

  /** Open the socket, then start the mic and the playback pump. */
  async start(): Promise<void> {
    try {
      await this.connection.connect();
    } catch (error) {
      // Hung up while connecting (Ctrl+C, a signal, --duration): the hang-up ends the call, as
      // asked, not as a failure to connect.
      if (this.hangUpPromise) return;
      this.fail(`could not connect to the call: ${errorText(error)}`);
      return;
    }
    this.update({ phase: 'live', startedAt: Date.now() });
    this.addEvent('info', 'connected');
    // The recording and the output device start their clocks together: the files line up.
    this.options.recorder?.start?.();
    this.options.player.start();
    // Levels are folded every LEVEL_TICK_EVERY-th tick of the shared clock: ticks the pump wakes
    // for anyway, and the ones the UI's clocks step on (source/ui/clock.ts).
    this.stopLevelTicks = audioTicker.subscribe(() => this.tickLevels(), LEVEL_TICK_EVERY);
    try {
      await this.options.source.start(
        (frame) => {
          if (!this.sourceFailed) this.onMicFrame(frame);
        },
        (message) => this.onSourceFailed(message),
      );
    } catch (error) {
      this.onSourceFailed(errorText(error));
    }
    // Said once the mic has started or failed: a mic that could not start (sox missing) makes it
    // `echo: off (no microphone)`, never a line claiming to cancel on a mic there is not.
    this.echoSaid = true;
    // A canceller that was asked for and could not load is worth a warning, not a footnote.
    this.addEvent(
      this.echo.mode === 'guard' && this.echo.reason ? 'warning' : 'info',
      this.echo.description,
    );
  }

  /**
   * The mic or the output is gone: nothing can echo any more, and the echo handling says so
   * (`echo: off (no microphone)`) instead of claiming to cancel while silence is sent. The
   * canceller stops learning and its memory goes.
   */
  private echoOff(reason: string): void {
    if (this.echo.mode === 'off') return;
    const old = this.echo;
    const player = this.options.player;
    player.onWrite = undefined;
    player.onRanDry = undefined;
    this.echo = new NoEcho(reason);
    old.close();
    this.update({
      echo: { mode: 'off', reason },
      echoGuard: { enabled: false, active: false },
    });
    if (this.echoSaid) this.addEvent('info', this.echo.description);
  }

  /**
   * The output device failed mid-call (unplugged, its process killed, a WAV file's disk full):
   * one sentence on screen (`message`, and that the call goes on, while it does), what the device said in the events; the agent's meter reads silence
   * from now on (nothing is heard) and nothing can echo. `failure`, what the player knew then:
   * where it stopped (for the summary), and whether a reply was still to be heard, which is
   * then marked cut, as a hang-up marks it: the rest of it never was.
   */
  reportOutputLost(message: string, detail?: string, failure?: OutputFailure): void {
    // At the call's end (the last write of an output WAV) there is no call to go on.
    const goesOn = this.stopped || this.isOver() ? '' : '; the call goes on without sound';
    if (failure && !this.snapshot.outputStopped) {
      this.update({
        outputStopped: {
          atMs: failure.atMs,
          ...(failure.reason ? { reason: failure.reason } : {}),
        },
      });
    }
    this.reportError(`${message}${goesOn}`);
    if (detail) this.reportDetail(detail);
    if (this.stopped) return;
    if (failure) this.markCutByOutputLoss(failure);
    this.update({ outputLost: true, agentLevel: SILENT_LEVEL });
    this.echoOff('no audio output');
  }

  /**
   * The output stopped while the agent's reply played: the rest of it is heard by no one, and
   * the reply is marked interrupted (on its line and in the files), as the call's end marks a
   * reply it cut, and not counted as an interruption (nobody barged in). A reply still to be
   * heard: audio queued or in the device ({@link CUT_BY_HANGUP_MS} or more of it), or audio
   * being heard of an agent turn still open (its rest still to come from the server).
   */
  private markCutByOutputLoss(failure: OutputFailure): void {
    const unplayedMs = Math.round(failure.unplayedMs);
    const open = failure.audible && this.openAgentTurn() !== undefined;
    if (unplayedMs < CUT_BY_HANGUP_MS && !open) return;
    const turns = markInterrupted(this.snapshot.turns, Date.now(), { evenIfFinal: true });
    if (turns === this.snapshot.turns) return;
    this.update({ turns, replyCutByOutput: true });
    this.addEvent(
      'info',
      `the audio output stopped with ${unplayedMs} ms of the agent's reply not played${open ? ', and more of it to come' : ''}: the reply is marked interrupted`,
    );
  }

  /**
   * The recording (`--record`) stopped: a write to its file failed (a full disk, an I/O error,
   * the file removed). Said once, as an error (the banner; `[error]` in plain mode), with why;
   * the call goes on, and the summary names the file as stopped (`Snapshot.recordingStopped`).
   */
  reportRecordingStopped(stop: RecordingStop): void {
    this.update({ recordingStopped: { atMs: stop.atMs, reason: stop.reason } });
    const goesOn = this.stopped || this.isOver() ? '' : '; the call goes on unrecorded';
    this.reportError(`recording stopped at ${formatClock(stop.atMs)}: ${stop.message}${goesOn}`);
  }

  /**
   * Serial control went off ({@link Snapshot.serialOff}), kept for the summary: the device
   * would not open (`lost` false), or went away now. The message itself is the caller's to say.
   */
  noteSerialOff(path: string, reason: string, lost: boolean): void {
    // Unplugged on the ended screen: the call had its serial control to its end.
    if (lost && (this.snapshot.phase === 'ended' || this.snapshot.phase === 'error')) return;
    const startedAt = this.snapshot.startedAt;
    const lostAtMs = startedAt === undefined ? 0 : Math.max(0, Date.now() - startedAt);
    this.update({ serialOff: { path, reason, ...(lost ? { lostAtMs } : {}) } });
  }

  /**
   * The mic (or file) source died: say so, and send digital silence from then on. The server
   * ends a call whose audio stops, so losing the mic must not lose the call (typing still works).
   */
  private onSourceFailed(message: string): void {
    this.reportError(message);
    if (this.sourceFailed || this.stopped) return;
    this.sourceFailed = true;
    this.update({ micLost: true });
    this.echoOff('no microphone');
    const fallback = new SilenceSource(this.options.inputSampleRate);
    this.fallbackSource = fallback;
    void fallback.start(
      (frame) => this.onMicFrame(frame),
      () => undefined,
    );
    this.addEvent('info', 'sending silence instead of the mic');
  }

  // ---- inbound ----------------------------------------------------------------------------

  private wireConnection(): void {
    const c = this.connection;
    c.on('message', (msg: ServerMessage) => this.onMessage(msg));
    c.on('unknown', (type: string) => this.addEvent('unknown', `unknown message type: ${type}`));
    c.on('invalid', (reason, tool) => {
      this.addEvent('invalid', `invalid message: ${reason}`);
      if (tool?.invocationId !== undefined)
        this.onUnreadToolCall(reason, tool.invocationId, tool.toolName);
    });
    c.on('audio', (pcm: Buffer) => this.onAgentAudio(pcm));
    c.on('rtt', (ms: number) => this.update({ rttMs: ms }));
    c.on('quiet', (idleMs: number) => this.onServerQuiet(idleMs));
    c.on('answering', (silentMs: number) => this.onServerAnswering(silentMs));
    c.on('error', (message: string) => this.addEvent('warning', message));
    c.on('close', (code: number, reason: string, byUs: boolean) =>
      this.onClose(code, reason, byUs),
    );
  }

  private wirePlayer(): void {
    const player = this.options.player;
    const recorder = this.options.recorder;
    if (recorder) {
      player.onBlock = (pcm, atMs) => recorder.pushAgent(pcm, atMs);
      recorder.onStop = (stop) => this.reportRecordingStopped(stop);
    }
    if (this.echo.mode === 'cancel') {
      player.onWrite = (pcm, at) => this.echo.onPlayed(pcm, at);
      player.onRanDry = (ms) => this.echo.onOutputGap?.(ms);
      this.echo.setOutputKeptRunning?.(player.keepsRunning === true);
    }
    // Whoever made the player may count its gaps too (the stats file); the events say them.
    const countGap = player.onGap;
    player.onGap = (ms, cause) => {
      countGap?.(ms, cause);
      this.onAgentGap(ms, cause);
    };
    player.onPlaybackStop = (heardInMs) => this.latency.playbackStopped(Date.now() + heardInMs);
    player.onPlaybackStart = (heardInMs, reply) => {
      // The audio is the turn it was queued as starting, if it was; else the open agent turn's;
      // with none open, a new turn's not in the transcript yet.
      const owner = reply !== undefined ? { ordinal: reply } : this.openAgentTurn();
      this.replyHeardAt = Date.now() + heardInMs;
      this.noteFirstHeard(owner?.ordinal, this.replyHeardAt);
      this.agentAudioStarted = true;
      // The player writes ahead of the device by its lead: the user hears it that much later.
      this.recordLatency(this.latency.playbackStarted(Date.now() + heardInMs, owner));
    };
  }

  /**
   * A response latency settled (the first audio of an agent turn that answers the user). Not
   * once we hang up: what the agent says then answers the hang-up (the local agent's `Goodbye!`,
   * a text turn), yet it was taken for the answer to a message whose reply had not been
   * measured, from that message: a `q` 7 s after a typed message read 7 s.
   */
  private recordLatency(latency: number | undefined): void {
    if (latency === undefined || this.hangUpPromise) return;
    const all = [...this.snapshot.responseLatenciesMs, latency].slice(-MAX_LATENCIES);
    // Kept on the reply it was measured for too, so a transcript says which turn was slow.
    const ordinal = this.latency.answerOrdinal;
    const index = findTurnIndex(this.snapshot.turns, ordinal);
    const turns =
      index < 0
        ? this.snapshot.turns
        : this.snapshot.turns.map((turn, i) =>
            i === index ? { ...turn, latencyMs: latency } : turn,
          );
    this.update({ responseLatencyMs: latency, responseLatenciesMs: all, turns });
    this.addEvent('info', `reply latency ${latency} ms (turn ${ordinal})`);
  }

  /** A gap in the agent's audio as heard: in the events, the first MAX_GAP_EVENTS of them. */
  private onAgentGap(ms: number, cause: GapCause): void {
    // With --output none nothing is heard: a gap in nothing is no news.
    if (ms < MIN_GAP_EVENT_MS || this.snapshot.output.kind === 'none') return;
    this.gapEvents++;
    if (this.gapEvents > MAX_GAP_EVENTS) return;
    const margin = this.options.player.replyMarginMs;
    const what =
      cause === 'late'
        ? `agent audio came late: a ${Math.round(ms)} ms gap as heard` +
          (margin === undefined ? '' : `; replies now start with ${Math.round(margin)} ms in hand`)
        : `a ${Math.round(ms)} ms gap in the agent's audio as heard: this app was too busy to play it in time`;
    this.addEvent(
      'info',
      this.gapEvents === MAX_GAP_EVENTS ? `${what} (further gaps not listed)` : what,
    );
  }

  /**
   * Nothing from the server for a while, a ping unanswered: said once (a warning), shown until
   * it answers again or the call is lost at the pong timeout.
   */
  private onServerQuiet(idleMs: number): void {
    if (this.snapshot.phase !== 'live' || this.stopped || this.snapshot.serverQuiet) return;
    const eventId = this.nextEventId;
    this.addEvent('warning', noAnswerFromServer(idleMs));
    this.update({ serverQuiet: { since: Date.now() - idleMs, eventId } });
  }

  /** The server answered again after being quiet: said once, and the warning is over. */
  private onServerAnswering(silentMs: number): void {
    const quiet = this.snapshot.serverQuiet;
    if (!quiet || this.isOver()) return;
    const id = this.nextEventId;
    const text = `the server answers again after ${wholeSecondsText(silentMs)}`;
    this.addEvent('info', text, { clears: quiet.eventId });
    this.update({ serverQuiet: undefined, serverBack: { id, text } });
  }

  private onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'call_started': {
        // The call's id is the one it was created with (its record is fetched by it), or the
        // first the socket said: a later, different one does not relabel the call.
        const said = msg.callId ? this.clean(msg.callId) : undefined;
        const known = this.snapshot.callId;
        if (said !== undefined && known === undefined) this.update({ callId: said });
        const kept = said !== undefined && known !== undefined && said !== known;
        this.addEvent(
          'protocol',
          `call started${said === undefined ? '' : ` (${said})`}${kept ? `; the call stays ${known}` : ''}`,
        );
        break;
      }
      case 'state':
        this.onAgentState(msg.state);
        break;
      case 'transcript': {
        // The call went on after an error: that error is not why it ends.
        this.lastServerError = undefined;
        const isNew = findTurnIndex(this.snapshot.turns, msg.ordinal) < 0;
        const newUserTurn = msg.role === 'user' && this.snapshot.pendingTexts.length > 0 && isNew;
        const now = Date.now();
        // A user's spoken turn began when the mic heard it start, not when its words came.
        // A message typed may come back without a medium: with one pending, only a turn marked
        // spoken is taken for one.
        const medium = msg.medium ?? (this.snapshot.pendingTexts.length > 0 ? undefined : 'voice');
        const spoken = msg.role === 'user' && medium === 'voice' && isNew;
        const utterance =
          spoken && this.utteranceAt !== undefined && now - this.utteranceAt <= UTTERANCE_MAX_MS
            ? this.utteranceAt
            : undefined;
        if (spoken) this.utteranceAt = undefined;
        const result = applyTranscript(this.draftTurns(), msg, now, {
          inPlace: true,
          ...(utterance === undefined ? {} : { startedAt: utterance }),
        });
        if (result.problem) this.addEvent('warning', result.problem);
        // A delta can only have brought a secret into the turn's end: look there, not at all of
        // a long turn for every delta.
        const fresh =
          msg.text === undefined && msg.delta !== undefined ? msg.delta.length : undefined;
        const turns = this.redactTurn(result.turns, result.changed, fresh);
        if (
          this.discardingAgentAudio &&
          msg.role === 'agent' &&
          msg.ordinal > this.interruptedOrdinal
        ) {
          this.stopDiscarding();
        }
        if (result.changed) {
          this.update({ turns });
          this.recordLatency(
            msg.role === 'agent'
              ? this.latency.agentTurn(msg.ordinal)
              : this.latency.userTurn(msg.ordinal),
          );
          // A text answer has no audio: its latency is taken when its first words are shown.
          if (msg.role === 'agent' && msg.medium === 'text' && isNew) {
            this.recordLatency(this.latency.playbackStarted(Date.now(), { ordinal: msg.ordinal }));
          }
        }
        if (newUserTurn && result.changed) {
          this.settlePending(result.changed.text, msg.medium === 'text');
        }
        break;
      }
      case 'playback_clear_buffer':
        this.interrupt('server');
        break;
      case 'pong':
        break;
      case 'client_tool_invocation':
        this.onToolInvocation(msg);
        break;
      case 'debug':
        this.addEvent('debug', msg.message);
        break;
      case 'error':
        this.addEvent('error', `server error: ${msg.message}`);
        this.update({ error: this.clean(`server error: ${msg.message}`) });
        this.lastServerError = { message: msg.message, at: Date.now() };
        break;
      case 'hangup':
        this.onAgentHangup(msg.reason ?? msg.message);
        break;
      default:
        break;
    }
  }

  /**
   * A server that echoes the key into a transcript must not put it on screen or in a file.
   * Checked on the whole turn, so a key split across two deltas is caught too.
   */
  private redactTurn(
    turns: readonly Turn[],
    changed: Turn | undefined,
    freshChars?: number,
  ): readonly Turn[] {
    const secrets = this.options.secrets ?? [];
    if (!changed) return turns;
    const longest = secrets.reduce((n, secret) => Math.max(n, secret.length), 0);
    // Twice the longest secret back: one with invisible characters between its letters is longer.
    const region =
      freshChars === undefined ? changed.text : changed.text.slice(-(freshChars + 2 * longest));
    if (blankSecrets(region, secrets) === region) return turns;
    const text = blankSecrets(changed.text, secrets);
    const index = findTurnIndex(turns, changed.ordinal);
    if (index < 0) return turns;
    const next = turns.slice();
    next[index] = { ...changed, text };
    return next;
  }

  private onAgentState(state: AgentState): void {
    if (state !== 'speaking') this.stopDiscarding();
    if (state === this.snapshot.agentState) return;
    this.update({ agentState: state, agentStateSince: Date.now() });
    this.addEvent('protocol', `state ${state}`);
  }

  private onAgentAudio(pcm: Buffer): void {
    if (this.discardingAgentAudio || this.stopped) return;
    this.options.player.enqueue(pcm, this.replyStarting());
  }

  /** The latest agent turn while it is open (not final): the agent audio coming now is its. */
  private openAgentTurn(): { readonly ordinal: number } | undefined {
    const last = this.snapshot.turns.findLast((t) => t.role === 'agent');
    return last && !last.final ? { ordinal: last.ordinal } : undefined;
  }

  /**
   * The agent turn that audio arriving now starts, if it starts one: the open agent turn, when
   * it is not the turn queued last. The player reports its start where it is heard, even right
   * behind the audio before it: a reply that came while a turn still played (a client that
   * plays behind the agent's clock: the greeting held while the UI loaded) starts with no
   * silence before it, and was never measured. Audio with no turn open (a turn not named yet,
   * or the end of one already final) starts nothing here: after silence the player reports it.
   */
  private replyStarting(): number | undefined {
    const open = this.openAgentTurn()?.ordinal;
    if (open === undefined || open === this.queuedReply) return undefined;
    this.queuedReply = open;
    return open;
  }

  /**
   * A client tool: run by `--tools` when it has it (in the background: the audio goes on), else
   * refused at once. Either way the agent gets an answer, or it would stall mid-sentence.
   */
  private onToolInvocation(msg: ClientToolInvocationMessage): void {
    const clean = this.toolCleaners;
    const afterOrdinal = this.snapshot.turns.at(-1)?.ordinal ?? -1;
    const call = startToolCall(msg, Date.now(), afterOrdinal, clean);
    const runner = this.options.clientTools;
    if (!runner?.has(msg.toolName)) {
      // The agent is told the reason the user's line gives: the two said different things
      // (`omnia-voice has no client tool named …` to the agent, `no --tools file …` here), and
      // the agent repeated one the user never saw.
      const error = missingTool(runner);
      this.connection.send(toolFailure(msg.invocationId, error, 'undefined'));
      this.putTool(finishToolCall(call, { ok: false, error }, Date.now(), clean));
      return;
    }
    this.putTool(call);
    const invocation = { invocationId: msg.invocationId, parameters: msg.parameters };
    void runner.run(msg.toolName, invocation, this.toolsAbort.signal).then((outcome) => {
      this.connection.send(
        outcome.ok
          ? toolSuccess(msg.invocationId, outcome.result)
          : toolFailure(msg.invocationId, outcome.error),
      );
      this.putTool(finishToolCall(call, outcome, Date.now(), clean));
    });
  }

  /**
   * A tool call whose message could not be read (its parameters not an object, the frame too
   * large) but which names its invocation: answered with an error, or the agent would wait for
   * it forever, and kept as a failed call, so the screen, plain mode and the files show it.
   */
  private onUnreadToolCall(
    reason: string,
    invocationId: string,
    toolName = '(unknown tool)',
  ): void {
    const error = `omnia-voice could not read this tool call: ${reason}`;
    this.connection.send(toolFailure(invocationId, error));
    const clean = this.toolCleaners;
    const afterOrdinal = this.snapshot.turns.at(-1)?.ordinal ?? -1;
    const now = Date.now();
    const call = startToolCall(
      { invocationId, toolName, parameters: {} },
      now,
      afterOrdinal,
      clean,
    );
    this.putTool(finishToolCall(call, { ok: false, error }, now, clean));
  }

  /** How a tool call's names, parameters and result are made safe to keep. */
  private readonly toolCleaners = {
    line: (text: string) => this.clean(text),
    redact: (text: string) => this.redact(text),
  };

  private putTool(call: ToolCall): void {
    this.update({ toolCalls: putToolCall(this.snapshot.toolCalls ?? [], call) });
    this.addEvent('tool', describeToolCall(call), { toolCall: call.invocationId });
  }

  /** The agent hung up (`hangup`): the socket closes next, and the call ends normally. */
  private onAgentHangup(reason: string | undefined): void {
    if (this.agentHungUp) return;
    this.agentHungUp = true;
    // Cleaned before it is put in brackets: an escape sequence at its end left `(agent_hangup )`.
    const why = reason ? this.clean(reason).trim() : '';
    // The server ends calls with `hangup` too (`max_duration`, `inactivity`): said as what
    // ended it, as the record's end reason is, not as the agent's doing.
    const known = why !== '' && KNOWN_END_REASONS.includes(why.toLowerCase());
    const said =
      known && !['agent_hangup', 'hangup'].includes(why.toLowerCase())
        ? describeEndReason(why)
        : why
          ? `the agent hung up (${why})`
          : 'the agent hung up';
    this.addEvent('info', said);
    // Whoever hung up first ended the call: after our hang_up, the call stays ours.
    if (!this.hangUpPromise) this.hangUpReason = said;
    this.hangupTimer = setTimeout(() => this.connection.close(), HANGUP_CLOSE_GRACE_MS);
    this.hangupTimer.unref();
  }

  /** Ends the call once the agent's last words have played (bounded), as a phone would. */
  private finishWhenPlayed(reason: string): void {
    this.update({ phase: 'ending' });
    const deadline = Date.now() + HANGUP_DRAIN_MAX_MS;
    const check = (): void => {
      if (this.options.player.queuedMs > 0 && Date.now() < deadline && !this.stopped) {
        setTimeout(check, DRAIN_CHECK_MS).unref();
        return;
      }
      this.finish('ended', reason, 0);
    };
    check();
  }

  private onClose(code: number, reason: string, byUs: boolean): void {
    if (this.snapshot.phase === 'ended' || this.snapshot.phase === 'error') return;
    if (this.agentHungUp) {
      this.finishWhenPlayed(this.hangUpReason);
      return;
    }
    const why = reason ? `: ${reason}` : '';
    // An `error` as the server's last word before a normal close (no turn since, within a few
    // seconds) is why the call ended (`Insufficient credits: call terminated`, then 1000): the
    // call failed, and says so.
    const error = this.lastServerError;
    if (!byUs && code === 1000 && error && Date.now() - error.at <= ERROR_BEFORE_CLOSE_MS) {
      // Out of credits: what to do, as the REST answer's 402 says it, after the server's words.
      const said = this.clean(`the server ended the call after an error: ${error.message}`);
      const hint = saysOutOfCredits(error.message)
        ? `${/[.!?]$/.test(said) ? ' ' : '. '}${TOP_UP_HINT}`
        : '';
      this.finish('error', `${said}${hint}`, 1);
      return;
    }
    if (byUs || code === 1000) {
      this.finish('ended', byUs ? this.hangUpReason : `the server ended the call${why}`, 0);
    } else {
      if (this.connection.lostToSilence) this.update({ serverLost: true });
      // Words for the code (1009 "message too big", 1011 "server error", …), not just a number.
      this.finish('error', describeClose(code, reason, false).endReason, 1);
    }
  }

  // ---- outbound ---------------------------------------------------------------------------

  private onMicFrame(frame: Buffer): void {
    if (this.stopped) return;
    const s = this.snapshot;
    const player = this.options.player;
    // Before mute: the canceller keeps learning the room while the user is muted.
    const echo = this.echo.process(frame, {
      playing: player.playing,
      audible: player.audible,
      levelDb: player.level().rmsDb,
      muted: s.muted,
      // Held talk (push-to-talk, the talk control) is the user asking to be heard.
      talking: s.pttDown && !s.muted,
    });
    let out = echo.frame;
    if (s.muted) out = this.silence(frame.length);
    // Held back by the echo path: said only while the mic would be heard. Muted (push-to-talk
    // up) it is the user's mute that holds it, and a `MIC HELD` from before stayed beside it.
    const held = echo.guarding && !s.muted;
    if (held !== s.echoGuard.active) {
      this.update({ echoGuard: { enabled: s.echoGuard.enabled, active: held } });
    }
    this.micMeter.push(out);
    if (echo.guarding || this.snapshot.muted) {
      // silence: nothing to learn about the user's speech
    } else if (this.micMeter.level().rmsDb > SPEECH_DB) {
      const now = Date.now();
      if (now - this.lastSpeechAt >= UTTERANCE_GAP_MS) this.utteranceAt = now;
      this.lastSpeechAt = now;
      this.latency.userSpoke(now);
    }
    this.connection.sendAudio(out);
    this.options.recorder?.pushUser(out);
  }

  private silence(bytes: number): Buffer {
    if (this.silentFrame.length !== bytes) this.silentFrame = Buffer.alloc(bytes);
    return this.silentFrame;
  }

  /** Show an audio or device problem (one line) without ending the call. */
  reportError(message: string): void {
    const line = this.clean(message);
    this.addEvent('error', line);
    this.update({ error: line });
  }

  /**
   * Let no agent reply start playing until the returned function is called: for a stretch
   * that holds the event loop longer than the output's lead (loading the full-screen UI), so a
   * reply that arrives meanwhile (the greeting) plays whole afterwards, not with holes.
   */
  holdPlayback(): () => void {
    return this.options.player.hold?.() ?? (() => undefined);
  }

  /** Keep something the app did for the call in the events (the picked agent kept, say). */
  reportInfo(message: string): void {
    this.addEvent('info', message);
  }

  /** Show a problem that does not stop anything important (serial gone, disk full). */
  reportWarning(message: string): void {
    this.addEvent('warning', message);
  }

  /**
   * A warning the user should see, not only find in the events: a condition that lasts the call
   * (the output fell back to sox play). In the events, and on screen (`Snapshot.warning`).
   */
  reportScreenWarning(message: string, more: { screen?: string; detail?: string } = {}): void {
    const id = this.nextEventId;
    this.addEvent('warning', message);
    if (more.detail) this.reportDetail(more.detail);
    // The screen may say it shorter: the events (and plain mode) have the whole of it.
    const text = this.clean(more.screen ?? message);
    this.update({ warning: { id, text, more: Boolean(more.detail || more.screen) } });
  }

  /** What a library said behind a problem shown in one sentence: the events pane, `--verbose`. */
  reportDetail(message: string): void {
    this.addEvent('debug', message);
  }

  private setUserMuted(userMuted: boolean): void {
    if (userMuted === this.snapshot.userMuted) return;
    // Over, the call has no mic: the mute is kept (the call `r` makes starts with it) and shown,
    // but nothing is said of a mic that no longer sends (no `mic muted` after `call ended`).
    if (this.isOver()) {
      this.update({ userMuted, muted: this.mutedFor({ ...this.snapshot, userMuted }) });
      return;
    }
    this.update({ userMuted });
    if (!this.applyMute('mute') && this.snapshot.ptt) {
      // Push-to-talk mode with the talk control up: the mic stays closed either way.
      this.addEvent(
        'info',
        userMuted
          ? 'mic muted: push-to-talk will not open it'
          : 'mute off: the mic opens while the talk control is held',
      );
    }
  }

  private setPttDown(down: boolean): void {
    // Over, a talk control opens no mic: nothing changes, and no false `mic live` is logged.
    if (this.isOver()) return;
    // Not live yet (or hanging up): pressed now, it would open the mic whenever the call came
    // up, a moment nobody chose. Pressed again once live, it talks.
    if (down && this.snapshot.phase !== 'live') return;
    if (down === this.snapshot.pttDown) return;
    this.update({ pttDown: down });
    this.applyMute('talk');
  }

  /**
   * Whether the mic sends what it hears. In --ptt mode only while the talk control is held, and
   * not while the user muted it. Without --ptt the control is a momentary "talk" button: it
   * opens a muted mic while held, and the mute is back after. Returns whether that changed.
   */
  private applyMute(cause: 'mute' | 'talk'): boolean {
    const muted = this.mutedFor(this.snapshot);
    if (muted === this.snapshot.muted) return false;
    this.update({ muted });
    // Said as the control that did it: the talk control is not the user's mute (`m`).
    const said =
      cause === 'mute'
        ? muted
          ? 'mic muted'
          : 'mic live'
        : this.snapshot.ptt
          ? muted
            ? 'push-to-talk off: mic closed'
            : 'push-to-talk: mic live'
          : muted
            ? 'talk released: mic muted again'
            : 'talk held: mic live';
    this.addEvent('info', said);
    return true;
  }

  /** Whether the mic is silenced, for these controls (see {@link SessionStore.applyMute}). */
  private mutedFor({ ptt, pttDown, userMuted }: Snapshot): boolean {
    return ptt ? !pttDown || userMuted : userMuted && !pttDown;
  }

  private isOver(): boolean {
    return this.snapshot.phase === 'ended' || this.snapshot.phase === 'error';
  }

  private interrupt(by: 'local' | 'server'): void {
    // A finished call stays as it ended: the audio left in the queue was never going to play.
    if (by === 'local' && (this.snapshot.phase === 'ended' || this.snapshot.phase === 'error')) {
      this.addEvent('info', 'nothing to interrupt: the call is over');
      return;
    }
    // Read before the clear: the audio written to the device ahead of its play position is cut
    // too, and not counted in what clear() says it dropped from the queue.
    const unplayed = this.options.player.unplayedMs;
    const dropped = this.options.player.clear();
    const unheard = unplayed > 0 && this.replyUnheard(this.lastAgentOrdinal());
    // What was still to play is not heard: the agent stopped talking now.
    if (dropped > 0) this.latency.playbackStopped(Date.now());
    if (by === 'local' && dropped <= 0 && this.snapshot.agentState !== 'speaking') {
      this.addEvent('info', 'nothing to interrupt: the agent is not speaking');
      return;
    }
    // Interrupted already: the server still streams the turn, and none of it plays. Another
    // press is not another interruption.
    if (by === 'local' && dropped <= 0 && this.discardingAgentAudio) {
      this.addEvent('info', 'nothing more to interrupt: the rest of this reply is not played');
      return;
    }
    // The server stopping the reply the user already cut (a message typed after `i` goes with
    // `urgency: immediate`, and the server clears its playback for it): the same interruption,
    // not a second one, and nobody barged in.
    if (by === 'server' && this.discardingAgentAudio) {
      this.addEvent(
        'info',
        `the server stopped the reply you interrupted (${Math.round(dropped)} ms of agent audio dropped)`,
      );
      return;
    }
    const live = this.snapshot.turns.findLast((t) => t.role === 'agent' && !t.final);
    if (by === 'local' && this.snapshot.agentState === 'speaking') {
      // The server keeps streaming the rest of this turn: do not play it.
      this.discardingAgentAudio = true;
      this.interruptedOrdinal = live?.ordinal ?? this.lastAgentOrdinal();
      // A state of its own (`interrupted, rest not played`): its clock starts now, not when the
      // agent began the turn (it read as "interrupted 10 s ago" the moment `i` was pressed).
      this.update({ agentCutOff: true, agentStateSince: Date.now() });
    }
    // The agent's text is often final long before its audio has played: if audio was cut,
    // the latest agent turn was interrupted even when its transcript is complete.
    const turns = markInterrupted(this.snapshot.turns, Date.now(), {
      evenIfFinal: dropped > 0,
      unheard,
    });
    this.update({ turns, interruptions: this.snapshot.interruptions + 1 });
    const what = by === 'server' ? 'barge-in: server cleared playback' : 'interrupted the agent';
    this.addEvent(
      'info',
      `${what} (${Math.round(dropped)} ms of agent audio dropped${unheard ? ': none of the reply was heard yet' : ''})`,
    );
    if (by === 'server' && dropped > 0) this.countQuickCut();
  }

  /**
   * With no canceller on open speakers (`--echo off` chosen, or the guard, whose tail can be
   * shorter than a room's or a Bluetooth speaker's echo) the agent may hear itself: its every
   * reply is then cut within a moment of starting. Said on screen, with the way out, and again
   * every few cuts while it goes on (a warning on screen lasts seconds, the loop does not); the
   * user talking over the agent that soon, three times, is told the same, which does no harm.
   */
  private countQuickCut(): void {
    const echo = this.echo;
    const chosenOff = echo.mode === 'off' && (echo.reason ?? '').startsWith('turned off');
    if (echo.mode !== 'guard' && !chosenOff) return;
    if (Date.now() - this.replyHeardAt > QUICK_CUT_MS) return;
    // Each reply counts once, however many clears its start brings.
    this.replyHeardAt = Number.NEGATIVE_INFINITY;
    this.quickCuts++;
    const beyond = this.quickCuts - QUICK_CUTS_TO_WARN;
    if (beyond < 0 || beyond % QUICK_CUTS_TO_WARN_AGAIN !== 0) return;
    // The guard in place of a canceller that could not load (its reason says why): asking for
    // the canceller would bring the guard again.
    const mode = echo.mode === 'guard' ? 'the echo guard' : 'echo off';
    const way =
      echo.mode === 'guard' && echo.reason ? 'use headphones' : 'use headphones, or --echo cancel';
    this.reportScreenWarning(
      `the agent was cut off within a second of starting to speak ${this.quickCuts} times: it may be hearing itself through the loudspeaker (${mode}); ${way}`,
    );
  }

  /**
   * The server put a typed message in the transcript: the pending line it stood for goes (the
   * one with the same text, else the oldest: a server may reword it).
   */
  private settlePending(text: string, typed: boolean): void {
    const pending = this.snapshot.pendingTexts;
    const same = pending.findIndex((p) => p.text === text.trim());
    // A user turn with the same text is the message, however the server marked it; a typed
    // turn with other words is the oldest one, reworded.
    const index = same >= 0 ? same : typed ? 0 : -1;
    if (index < 0) return;
    this.update({ pendingTexts: pending.filter((_, i) => i !== index) });
  }

  /** The interrupted turn is over (the agent stopped, or a new turn began): play audio again. */
  private stopDiscarding(): void {
    if (!this.discardingAgentAudio) return;
    this.discardingAgentAudio = false;
    this.update({ agentCutOff: false });
  }

  /**
   * Agent audio began to be heard at `at`: the first time for its turn is kept. Audio with no
   * turn open (Omnia sends a reply's final text before its audio) is the latest agent turn's
   * when that one was never heard; else it is a turn not in the transcript yet, and nothing is
   * noted.
   */
  private noteFirstHeard(ordinal: number | undefined, at: number): void {
    const latest = this.lastAgentOrdinal();
    const turn = ordinal ?? (latest >= 0 && !this.firstHeardAt.has(latest) ? latest : undefined);
    if (turn === undefined || this.firstHeardAt.has(turn)) return;
    this.firstHeardAt.set(turn, at);
    if (this.firstHeardAt.size > 8) {
      this.firstHeardAt.delete(this.firstHeardAt.keys().next().value as number);
    }
  }

  /**
   * Audio is being cut, and none of agent turn `ordinal` (the latest) had reached the user: its
   * text, the server's guess of what was heard by its own clock, was not heard. Said only when
   * known, as a false "not heard" would go into every transcript:
   * - its audio was first heard less than {@link UNHEARD_MS} ago, or is not heard yet (written
   *   into the player's lead);
   * - its start was queued as starting a reply and not written yet (a reply starts with some
   *   audio in hand; or it waits behind another reply still playing);
   * - no agent audio at all has been heard in this call yet (the greeting, its final text first).
   * Anything else (audio right behind other audio with no turn open) is said heard.
   */
  private replyUnheard(ordinal: number): boolean {
    const heard = this.firstHeardAt.get(ordinal);
    if (heard !== undefined) return Date.now() < heard + UNHEARD_MS;
    if (this.queuedReply === ordinal) return true;
    return !this.agentAudioStarted;
  }

  private lastAgentOrdinal(): number {
    return this.snapshot.turns.findLast((t) => t.role === 'agent')?.ordinal ?? -1;
  }

  private sendText(text: string, urgency?: 'immediate' | 'soon' | 'later'): void {
    const trimmed = text.trim();
    if (!trimmed) return;
    if (urgency === 'immediate') this.interrupt('local');
    // Typed after `i` while the server still streams the interrupted turn: the agent is to stop
    // and answer now, not after the turn nobody hears (the protocol's note on a local interrupt).
    const sent = urgency ?? (this.discardingAgentAudio ? 'immediate' : undefined);
    const delivered = this.connection.send({
      type: 'user_text_message',
      text: trimmed,
      ...(sent ? { urgency: sent } : {}),
    });
    if (!delivered) {
      this.addEvent(
        'warning',
        `message not sent (${trimmed.length} chars): the call is not connected`,
      );
      return;
    }
    const sentAt = Date.now();
    this.latency.userSpoke(sentAt);
    this.update({
      pendingTexts: [
        ...this.snapshot.pendingTexts,
        {
          id: ++this.pendingSeq,
          text: trimmed,
          at: sentAt,
          afterOrdinal: this.snapshot.turns.at(-1)?.ordinal ?? -1,
        },
      ],
    });
    const how = sent === 'immediate' && !urgency ? ', immediate: you interrupted the agent' : '';
    // Characters as a person counts them (a flag or an emoji with its tone is one).
    const chars = [...graphemes().segment(trimmed)].length;
    this.addEvent('info', `sent text (${chars} chars${how})`);
  }

  private setOutputMedium(medium: Medium): void {
    if (this.snapshot.phase !== 'live') {
      this.addEvent('warning', `not asked to answer in ${medium}: the call is not connected`);
      return;
    }
    this.connection.send({ type: 'set_output_medium', medium });
    this.update({ outputMedium: medium });
    this.addEvent('info', `asked the agent to answer in ${medium}`);
  }

  private async saveTranscript(): Promise<string> {
    const save = this.options.saveTranscript;
    if (!save) throw new Error('no transcript destination configured');
    const path = await save();
    this.update({ transcriptPath: path });
    this.addEvent('info', `transcript saved to ${path}`);
    return path;
  }

  private hangUp(reason = 'you hung up'): Promise<void> {
    if (this.hangUpPromise) return this.hangUpPromise;
    // The agent hung up first: the call is over, and ends once its last words have played
    // (played behind the agent's clock, they can take seconds more). Leaving now cuts them
    // short, and the call stays the one the agent ended: a `q` during them read `you hung up`.
    const agentFirst = this.agentHungUp;
    if (!agentFirst) this.hangUpReason = reason;
    this.hangUpPromise = (async () => {
      if (agentFirst && !this.stopped) this.markCutByHangUp('left the call');
      if (this.snapshot.phase === 'live' || this.snapshot.phase === 'connecting') {
        this.markCutByHangUp();
        this.update({ phase: 'ending' });
        await this.connection.hangUp().catch(() => undefined);
      }
      this.finish('ended', this.hangUpReason, this.snapshot.exitCode);
      await this.stopAudio();
    })();
    return this.hangUpPromise;
  }

  /**
   * The process is leaving (a second Ctrl+C, a fatal error): the call ends here, without
   * waiting for the server's close, so its transcript gets its final form and summary (not
   * `in progress`). The end reason is the hang-up's when one was under way, the agent's when it
   * hung up first (its last words still playing). Idempotent.
   */
  endNow(): void {
    this.finish(
      'ended',
      this.hangUpPromise || this.agentHungUp ? this.hangUpReason : 'the app was stopped',
      this.snapshot.exitCode,
    );
  }

  /**
   * Hanging up while the agent's reply is still queued cuts it off: its text may be whole, but
   * the user never heard the rest. The turn is marked interrupted (not counted as a barge-in)
   * and an event says how much went unplayed. A short tail (often silence) is not a cut.
   */
  private markCutByHangUp(how = 'hung up'): void {
    // Once: a hang-up marks the cut, and the call's end then finds the same queue.
    if (this.cutMarked) return;
    // With no audio output (`--output none`) too: the reply plays to nothing in real time, its
    // line waits as long, and a hang-up cuts it there (the server's text with it): unmarked, a
    // reply cut to `You typed:` read as whole.
    const unplayedMs = Math.round(this.options.player.unplayedMs);
    if (unplayedMs < CUT_BY_HANGUP_MS) return;
    this.cutMarked = true;
    const turns = markInterrupted(this.snapshot.turns, Date.now(), { evenIfFinal: true });
    if (turns !== this.snapshot.turns) this.update({ turns, replyCutByEnd: true });
    this.addEvent('info', `${how} with ${unplayedMs} ms of the agent's reply not played`);
  }

  // ---- lifecycle --------------------------------------------------------------------------

  private fail(message: string): void {
    this.finish('error', message, 1);
  }

  private finish(phase: 'ended' | 'error', reason: string, exitCode: number): void {
    if (this.snapshot.phase === 'ended' || this.snapshot.phase === 'error') return;
    clearTimeout(this.hangupTimer);
    this.toolsAbort.abort();
    // However the call ends (the server closed, the socket dropped, the agent's last words
    // outlasted their wait), a reply still queued was never heard whole: marked as a hang-up
    // marks it, not printed and saved as if heard.
    if (!this.stopped) this.markCutByHangUp('the call ended');
    const line = this.clean(reason);
    this.update({
      phase,
      endedAt: Date.now(),
      endReason: line,
      exitCode,
      // Lost or not, the server is no longer waited for: the warning ends with the call, and
      // a round trip measured before the silence is not shown as the last word on the link.
      serverQuiet: undefined,
      ...(this.snapshot.serverQuiet ? { rttMs: undefined } : {}),
      ...(phase === 'error' ? { error: line } : {}),
    });
    this.addEvent(phase === 'error' ? 'error' : 'info', `call ended: ${line}`);
    void this.stopAudio();
    this.connection.close();
    this.flushNotify();
    const resolvers = this.endedResolvers;
    this.endedResolvers = [];
    for (const resolve of resolvers) resolve(this.getSnapshot());
  }

  private stopAudioPromise: Promise<void> | undefined;
  /** Stop the mic (sox exits), the player (sink closed) and the recorder. Idempotent. */
  stopAudio(): Promise<void> {
    if (this.stopAudioPromise) return this.stopAudioPromise;
    this.stopped = true;
    this.stopLevelTicks?.();
    this.stopLevelTicks = undefined;
    // Nothing sounds or waits any more: the meters and the queue say so, not their last reading.
    this.update({ micLevel: SILENT_LEVEL, agentLevel: SILENT_LEVEL, queuedMs: 0 });
    // The recorder closes after the player: the output's last blocks reach it, and both files
    // end at (nearly) the same moment of the call.
    this.stopAudioPromise = Promise.allSettled([
      this.options.source.stop(),
      this.fallbackSource?.stop(),
      this.options.player.stop(),
    ])
      .then(() => this.options.recorder?.close())
      .catch(() => undefined)
      .then(() => this.echo.close());
    return this.stopAudioPromise;
  }

  private tickLevels(): void {
    const now = Date.now();
    this.checkOverflow(now);
    const micLevel = this.micMeter.level(now);
    // With no output device the agent is heard by no one: its meter shows that, not its audio.
    const agentLevel = this.snapshot.outputLost ? SILENT_LEVEL : this.options.player.level(now);
    const queuedMs = Math.round(this.options.player.queuedMs);
    const echo = this.echoSnapshot();
    const s = this.snapshot;
    if (
      sameLevel(s.micLevel, micLevel) &&
      sameLevel(s.agentLevel, agentLevel) &&
      s.queuedMs === queuedMs &&
      echo === s.echo
    ) {
      return;
    }
    this.update({ micLevel, agentLevel, queuedMs, echo });
    // Told now, not in a microtask: the UI's clocks step in this same tick, and readers told
    // in one turn of the event loop make one frame of it, not two (source/ui/clock.ts).
    this.flushNotify();
  }

  /** The echo field with the canceller's latest figures (the same object when unchanged). */
  private echoSnapshot(): Snapshot['echo'] {
    const figures = this.echo.figures();
    const current = this.snapshot.echo;
    if (!figures) return current;
    if (figures.delayMs !== undefined && figures.delayMs !== this.echoDelayMs) {
      this.echoDelayMs = figures.delayMs;
      this.addEvent(
        'info',
        `echo canceller: the mic hears the loudspeaker ${figures.delayMs} ms late`,
      );
    }
    if (figures.losses !== this.echoLosses) {
      this.echoLosses = figures.losses;
      this.echoSayConverged = true;
      // Said with what it costs: until the filter has learnt the moved echo, talking over the
      // agent is held back (the mic flags say MIC HELD meanwhile).
      this.addEvent(
        'info',
        'echo canceller: the echo moved; learning it again (the mic is held while the agent talks until then)',
      );
    }
    if (figures.convergences !== this.echoConvergences) {
      this.echoConvergences = figures.convergences;
      if (this.echoSayConverged)
        this.addEvent('info', 'echo canceller: cancelling; you can talk over the agent');
      this.echoSayConverged = false;
    }
    // The agent has talked a while to a mic that holds none of it (headphones the sound server
    // did not name): the canceller lets the mic through while the agent talks, until it finds an
    // echo. Said when it starts, in the events and the facts.
    const unheard = figures.noEchoHeard;
    if (unheard && !current.unheard) {
      this.addEvent(
        'info',
        'echo canceller: the mic does not hear the agent (headphones?): you can talk over it; should an echo show up, the mic waits again until it is cancelled',
      );
    }
    // The user talked into the canceller's hold long enough to notice the loss: said once, with
    // the way out, where they look (the screen) and in plain mode.
    if (!this.heldSpeechSaid && figures.heldSpeechMs >= HELD_SPEECH_NOTICE_MS) {
      this.heldSpeechSaid = true;
      this.reportScreenWarning(HELD_SPEECH_WARNING, { screen: HELD_SPEECH_SCREEN });
    }
    // Whole dB: the figure is for people, and a steadier value repaints less.
    const erleDb = figures.erleDb === undefined ? undefined : Math.round(figures.erleDb);
    if (erleDb === current.erleDb && unheard === (current.unheard === true)) return current;
    const { erleDb: _old, unheard: _was, ...rest } = current;
    return {
      ...rest,
      ...(erleDb === undefined ? {} : { erleDb }),
      ...(unheard ? { unheard: true } : {}),
    };
  }

  private checkOverflow(now: number): void {
    const overflow = this.options.queueOverflow;
    if (!overflow) return;
    const droppedMs = overflow.droppedMs();
    if (
      droppedMs <= this.reportedOverflowMs ||
      now - this.overflowReportedAt < OVERFLOW_REPORT_MS
    ) {
      return;
    }
    this.reportedOverflowMs = droppedMs;
    this.overflowReportedAt = now;
    const capS = Math.round(overflow.capMs / 1000);
    this.addEvent(
      'warning',
      `agent audio arrives far faster than it plays: queue capped at ${capS} s, ` +
        `${(droppedMs / 1000).toFixed(1)} s of the oldest audio dropped so far`,
    );
  }

  // ---- snapshot plumbing ------------------------------------------------------------------

  private clean(text: string): string {
    // Redacted before it is cut (a key across the cut would leave its first part standing),
    // but only as far as a key reaching past the cut: a flood of huge lines stays cheap.
    const line = sanitizeLine(text, Number.MAX_SAFE_INTEGER);
    const reach = 500 + Math.max(0, ...(this.options.secrets ?? []).map((s) => s.length));
    return truncate(this.redact(line.slice(0, reach)), 500);
  }

  /** `text` with every secret (the API key) replaced. */
  private redact(text: string): string {
    return blankSecrets(text, this.options.secrets ?? []);
  }

  private addEvent(
    kind: EventKind,
    message: string,
    { toolCall, clears }: { toolCall?: string; clears?: number } = {},
  ): void {
    const event: CallEvent = {
      id: this.nextEventId++,
      at: Date.now(),
      kind,
      message: this.clean(message),
      ...(toolCall === undefined ? {} : { toolCall }),
      ...(clears === undefined ? {} : { clears }),
    };
    const events = this.snapshot.events;
    if (events.length < MAX_EVENTS) {
      this.update({ events: [...events, event] });
      return;
    }
    const dropped = events.length - (MAX_EVENTS - 1);
    this.update({
      events: [...events.slice(dropped), event],
      eventsDropped: this.snapshot.eventsDropped + dropped,
    });
  }

  /**
   * The turns as a mutable array of the store's own, for a transcript message to change in
   * place: a burst of messages (one read of the socket) costs one copy of the turns, not one
   * per message (past about 16,000 turns each copy is a large-object allocation: a flood of
   * 30,000 turns took 28 s). The copy is made again once anything outside has read the turns
   * (`getSnapshot`, a notification), so an array handed out never changes.
   */
  private draftTurns(): Turn[] {
    this.turnsDraft ??= this.snapshot.turns.slice();
    return this.turnsDraft;
  }

  private update(patch: Partial<Snapshot>): void {
    if (patch.turns !== undefined && patch.turns !== this.turnsDraft) this.turnsDraft = undefined;
    this.snapshot = { ...this.snapshot, ...patch };
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => this.flushNotify());
  }

  private flushNotify(): void {
    if (!this.notifyQueued) return;
    this.notifyQueued = false;
    this.turnsDraft = undefined;
    for (const listener of this.listeners) listener();
  }
}

function sameLevel(a: Snapshot['micLevel'], b: Snapshot['micLevel']): boolean {
  return a.rmsDb === b.rmsDb && a.peakDb === b.peakDb && a.peakHoldDb === b.peakHoldDb;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Tool names listed in {@link missingTool}'s line, at most. */
const LISTED_TOOLS = 5;

/**
 * Why a client tool the agent called got a failure at once, in the user's terms: no `--tools`
 * file, or one without that tool (and the ones it has). It said `no such tool here`, which left
 * the user to guess whether the file was read at all.
 */
export function missingTool(runner: ClientToolRunner | undefined): string {
  if (!runner) return 'no --tools file given to answer it';
  const names = runner.names ?? [];
  const listed = names.slice(0, LISTED_TOOLS).join(', ');
  const more = names.length > LISTED_TOOLS ? ` and ${names.length - LISTED_TOOLS} more` : '';
  const where =
    runner.file !== undefined
      ? `the tools file ${sanitizeLine(runner.file, 120)}`
      : 'the tools file';
  return names.length > 0 ? `not in ${where} (it has ${listed}${more})` : `not in ${where}`;
}
