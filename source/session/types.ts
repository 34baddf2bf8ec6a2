/**
 * The shapes shared by the session store and everything that reads it (Ink UI, plain mode,
 * transcript writers, serial control). The store publishes an immutable {@link Snapshot};
 * readers never mutate it and never touch the socket or audio devices directly.
 */

import type { FileStop } from '../audio/types.js';

/** Why serial control was off ({@link Snapshot.serialOff}). */
export interface SerialOff {
  /** The device as it was given. */
  readonly path: string;
  /** In words: `it went away (unplugged, or reset)`, or why it would not open. */
  readonly reason: string;
  /** How far into the call the device went away; absent when it never opened. */
  readonly lostAtMs?: number;
}

/** The agent's turn state as the server reports it. */
export type AgentState = 'idle' | 'listening' | 'thinking' | 'speaking';

/** The life of the call itself, independent of the agent's turn state. */
export type CallPhase = 'creating' | 'connecting' | 'live' | 'ending' | 'ended' | 'error';

export type Role = 'user' | 'agent';
export type Medium = 'voice' | 'text';

/** One transcript turn, keyed by the server's `ordinal`. */
export interface Turn {
  readonly ordinal: number;
  readonly role: Role;
  readonly medium: Medium;
  /** Text so far (sanitised: no control characters or escape sequences). */
  readonly text: string;
  /** True once the server sent `final: true` for this ordinal. */
  readonly final: boolean;
  /** The agent was cut off (barge-in or local interrupt) before the turn finished. */
  readonly interrupted: boolean;
  /**
   * Cut off before any of its audio was heard (it was still in the player's lead): its text is
   * what the agent meant to say, none of which the user heard. Only with `interrupted`.
   */
  readonly unheard?: boolean;
  /** The user typed this turn (`user_text_message`) rather than speaking it. */
  readonly typed: boolean;
  /** Epoch ms when the first message of this turn arrived. */
  readonly startedAt: number;
  /** Epoch ms when the turn became final, if it has. */
  readonly endedAt?: number;
  /**
   * An agent turn that answers the user: its response latency, ms (the user's last speech to
   * its first audio heard; docs/architecture.md, "Response latency").
   */
  readonly latencyMs?: number;
}

export type EventKind =
  | 'info'
  | 'warning'
  | 'error'
  | 'debug'
  | 'tool'
  | 'protocol'
  | 'unknown'
  | 'invalid';

/** An entry in the events log (events/debug pane, `--verbose`, jsonl transcripts). */
export interface CallEvent {
  readonly id: number;
  readonly at: number;
  readonly kind: EventKind;
  /** One line, sanitised, never containing the API key. */
  readonly message: string;
  /**
   * A tool call's line (`running`, then how it ended): the call's invocation id, the same on
   * each, so the screen can show one line per call that changes as it ends.
   */
  readonly toolCall?: string;
  /**
   * The id of the warning this line ends (`the server answers again after 8 s` ends `no answer
   * from the server for 6 s`): plain mode prints it without `--verbose`, as it printed the warning.
   */
  readonly clears?: number;
}

/** Audio levels in dBFS (-Infinity for digital silence is clamped to LEVEL_FLOOR_DB). */
export interface Level {
  readonly rmsDb: number;
  readonly peakDb: number;
  /** Peak held for a short while, for meters. */
  readonly peakHoldDb: number;
}

/** What a call is with: a saved agent, or a prompt tried inline. Named in headers and files. */
export interface CallLabel {
  readonly kind: 'agent' | 'prompt';
  /** One line: `Front desk (agt_1)`, `prompt.md · 3f2a9c1b`, `inline prompt · 3f2a9c1b`. */
  readonly text: string;
  /** Prompt calls: the prompt file's name (absent for prompt text given on the command line). */
  readonly promptFile?: string;
  /** Prompt calls: the first 8 hex digits of the SHA-256 of the prompt text as sent. */
  readonly promptHash?: string;
  /** Prompt calls: the prompt text as sent (kept in the md and json transcripts). */
  readonly promptText?: string;
  /** Agent calls: the agent's id, and its name when known. */
  readonly agentId?: string;
  readonly agentName?: string;
}

/**
 * A `client_tool_invocation` and its answer: run by `--tools`, or refused at once when the tool
 * is not there. Shown in the transcript after the turn `afterOrdinal`.
 */
export interface ToolCall {
  readonly invocationId: string;
  readonly name: string;
  /** The parameters as JSON, sanitised and kept whole (see session/tool-calls.ts for the bounds). */
  readonly parameters: string;
  /** `running` until answered; `ok` sent a result; `error` sent a failure. */
  readonly status: 'running' | 'ok' | 'error';
  /** The result sent, sanitised and kept whole (its lines too), when `ok`. */
  readonly result?: string;
  /** Why it failed (non-zero exit, timeout, HTTP error, no such tool), when `error`. */
  readonly error?: string;
  /** Epoch ms of the invocation, and of the answer. */
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly durationMs?: number;
  /** Ordinal of the latest transcript turn when the agent asked (-1 before any). */
  readonly afterOrdinal: number;
}

/** A message you typed and sent that the server has not yet put in the transcript. */
export interface PendingText {
  readonly id: number;
  readonly text: string;
  /** Epoch ms when it was sent. */
  readonly at: number;
  /**
   * Ordinal of the latest transcript turn when it was sent (-1 before any): where a transcript
   * file puts it should the call end before the server confirms it.
   */
  readonly afterOrdinal?: number;
}

export interface Snapshot {
  readonly phase: CallPhase;
  readonly agentState: AgentState;
  /**
   * Epoch ms when `agentState` last changed, or the turn was cut (`agentCutOff`): the state shown
   * (`interrupted, rest not played`) counts from the interrupt.
   */
  readonly agentStateSince: number;
  /**
   * You interrupted the agent (`i`) while the server still streams its turn: the rest of that
   * turn is not played, though the server says the agent is speaking.
   */
  readonly agentCutOff: boolean;
  /**
   * Messages you typed that the server has not echoed as a transcript turn yet (it may hold a
   * message until the agent's turn ends): shown at once, marked sent, until their turn comes.
   */
  readonly pendingTexts: readonly PendingText[];
  readonly callId?: string;
  readonly agentId?: string;
  /** True when talking to the built-in local agent. */
  readonly local: boolean;
  /** What the call is with (the agent, or the prompt file and its hash). */
  readonly label?: CallLabel;
  /** Client tool invocations, in the order asked; absent until the first. */
  readonly toolCalls?: readonly ToolCall[];
  /** Epoch ms when the socket opened. */
  readonly startedAt?: number;
  readonly endedAt?: number;
  /** Turns ordered by ordinal. */
  readonly turns: readonly Turn[];
  readonly events: readonly CallEvent[];
  /** Events dropped from the front of `events` to keep it at its cap (the pane says so). */
  readonly eventsDropped: number;
  /** The mic is closed: digital silence is sent (the user's mute, or push-to-talk not held). */
  readonly muted: boolean;
  /**
   * The user's mute (`m`, serial `MUTE`): with `--ptt` it keeps the mic closed even while the
   * talk control is held; without, a held talk control opens the mic for as long as it is held.
   */
  readonly userMuted: boolean;
  /** The mic (or input file) failed mid-call: digital silence is sent instead. */
  readonly micLost?: boolean;
  /**
   * No output device plays the agent: none could be opened, or it failed mid-call. Its audio is
   * heard by no one, so `agentLevel` reads silence (not `--output none`, which was asked for).
   */
  readonly outputLost?: boolean;
  /**
   * The output failed mid-call (a WAV file on a full disk, the speaker's process killed): where
   * on the call's audio, and why when the device said (`the disk is full`). The summary's
   * `Agent audio:` line says it for an output WAV.
   */
  readonly outputStopped?: FileStop;
  /**
   * The file the call is recorded to (`--record`; numbered from a redial's second call on,
   * `rec-2.wav`): the info pane says so for as long as the call is on screen.
   */
  readonly recordingPath?: string;
  /** The recording (`--record`) stopped before the call's end: a write to it failed. */
  readonly recordingStopped?: FileStop;
  /**
   * Serial control (`--serial`) was off for some or all of the call: the device would not open
   * (no `lostAtMs`), or went away `lostAtMs` into the call. The summary's `Serial:` line.
   */
  readonly serialOff?: SerialOff;
  /** Push-to-talk mode is on (mic muted unless the PTT control is held). */
  readonly ptt: boolean;
  readonly pttDown: boolean;
  /** Echo guard is enabled and currently replacing mic frames with silence. */
  readonly echoGuard: { readonly enabled: boolean; readonly active: boolean };
  /**
   * How the agent's voice is kept out of the mic: `cancel` (speexdsp's echo canceller), `guard`
   * (the energy guard above) or `off`. `reason`: why it is not the mode asked for, or why it is
   * off. `erleDb`: echo return loss enhancement measured while the agent is audible (whole dB,
   * updated at most every 100 ms), undefined otherwise and outside `cancel`.
   */
  readonly echo: {
    readonly mode: 'cancel' | 'guard' | 'off';
    readonly reason?: string;
    readonly erleDb?: number;
    /**
     * `cancel` only: the agent has talked for 3 s to a mic too quiet to hold its echo, and no
     * echo has been found since (headphones, most likely): the mic is let through while the
     * agent talks (`NO_ECHO_HEARD_MS`).
     */
    readonly unheard?: boolean;
  };
  readonly outputMedium: Medium;
  readonly micLevel: Level;
  readonly agentLevel: Level;
  /** Last measured WebSocket round-trip time in ms. */
  readonly rttMs?: number;
  /**
   * The server has sent nothing (no answer to the pings, no audio, no message) for the ping
   * interval and a second (`CallConnection.quietAfterMs`): since when (epoch ms of its last sign
   * of life), and the warning event that said so. The rtt shown is stale meanwhile. Cleared when
   * it answers again, and when the call ends (lost at the pong timeout, or otherwise).
   */
  readonly serverQuiet?: { readonly since: number; readonly eventId: number };
  /**
   * The call ended because the server stopped answering: the keep-alive gave it up (`call
   * socket lost (code 1006): no answer from the server for 10 s`). Its call record is then asked
   * for once, briefly, not waited for, when its REST API is on the same host.
   */
  readonly serverLost?: true;
  /** The last time the server answered again after being quiet: the info event that said so. */
  readonly serverBack?: { readonly id: number; readonly text: string };
  /** End of user speech to first agent audio, last turn, ms. */
  readonly responseLatencyMs?: number;
  readonly responseLatenciesMs: readonly number[];
  readonly interruptions: number;
  /**
   * The call's end (a hang-up, the socket lost, the server's close) cut off a reply still
   * playing: its turn is marked interrupted, and it is not one of `interruptions`.
   */
  readonly replyCutByEnd?: boolean;
  /**
   * The audio output stopped mid-call while a reply played (`outputStopped`): its turn is
   * marked interrupted (the rest was heard by no one), and it is not one of `interruptions`.
   */
  readonly replyCutByOutput?: boolean;
  /** Milliseconds of agent audio queued but not yet played. */
  readonly queuedMs: number;
  readonly input: {
    readonly kind: string;
    readonly description: string;
    readonly sampleRate: number;
  };
  readonly output: {
    readonly kind: string;
    readonly description: string;
    readonly sampleRate: number;
  };
  /** The last error shown to the user, one line. */
  readonly error?: string;
  /**
   * The last warning for the screen as well as the events: a condition the call keeps (playing
   * through sox play because the speaker would not load). `id` is its event's.
   */
  readonly warning?: {
    readonly id: number;
    readonly text: string;
    /** The events say more (a library's detail, or the warning at length). */
    readonly more: boolean;
  };
  /** Where the transcript is being written or was last saved. */
  readonly transcriptPath?: string;
  /** Why the call ended, one line, when it has. */
  readonly endReason?: string;
  /** Exit code the app should use when it ends now (0 normal, 1 error). */
  readonly exitCode: number;
}

/** What the UI, plain mode and serial control may ask of a running call. */
export interface StoreActions {
  /** Mute or unmute the mic (muted = digital silence is sent). Toggles when `on` is omitted. */
  mute(on?: boolean): void;
  /** Push-to-talk control pressed (true) or released (false). */
  setPtt(down: boolean): void;
  /** Drop all queued agent audio now; marks the agent's live turn interrupted. */
  interrupt(): void;
  /** Send a typed message (`user_text_message`); `immediate` also interrupts the agent. */
  sendText(text: string, urgency?: 'immediate' | 'soon' | 'later'): void;
  /** Ask the agent to answer in voice or text only. */
  setOutputMedium(medium: Medium): void;
  /** Save the transcript now; resolves to the path written. */
  saveTranscript(): Promise<string>;
  /** Send `hang_up`, close the socket, stop audio. Resolves when the call has ended. */
  hangUp(reason?: string): Promise<void>;
}

/** The read side of the store, as `useSyncExternalStore` wants it. */
export interface StoreReader {
  getSnapshot(): Snapshot;
  subscribe(listener: () => void): () => void;
}

export type Store = StoreReader & { readonly actions: StoreActions };
