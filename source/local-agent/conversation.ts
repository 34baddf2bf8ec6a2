import { randomUUID } from 'node:crypto';
import { BYTES_PER_SAMPLE } from '../audio/constants.js';
import { cutAtGrapheme } from '../text/graphemes.js';
import { splitIntoFrames } from './audio.js';
import {
  type AgentTurnState,
  type ClientMessage,
  oneLine,
  type ServerMessage,
  type TranscriptMedium,
} from './messages.js';
import {
  AGENT_FAREWELL_TEXT,
  CLIENT_TOOL_NAME,
  clientToolAnswer,
  GREETING_TEXT,
  planTypedReply,
  spokenReply,
  spokenTranscript,
  TIME_UP_TEXT,
  wordDeltas,
} from './script.js';
import type { LocalVoice } from './types.js';
import { SpeechDetector } from './vad.js';
import { synthesizeReply } from './voices.js';
import { wordsStartedBy } from './word-timing.js';

/** A pause before answering, so clients see (and can show) the thinking state. */
export const THINK_MS = 300;
/** Time a server-side tool "runs" between its debug call and result lines. */
export const SERVER_TOOL_MS = 150;
/** How long the agent waits for a client tool result before answering without one. */
export const CLIENT_TOOL_TIMEOUT_MS = 15_000;
/** Pacing tick for agent audio; each tick sends tick × sendSpeed worth of audio. */
const SEND_TICK_MS = 20;
/** Pace of words in text-only replies, where there is no audio to follow. */
const TEXT_WORD_MS = 40;
/** Longest typed text the agent repeats back in a user transcript. */
const MAX_TYPED_CHARS = 4_000;

/** How the conversation reaches the socket. The server wires it to `ws`; nothing else is I/O. */
export interface CallTransport {
  sendJson(message: ServerMessage): void;
  sendAudio(frame: Buffer): void;
  close(code: number, reason: string): void;
}

export interface ConversationOptions {
  readonly callId: string;
  readonly voice: LocalVoice;
  readonly sendSpeed: number;
  readonly inputSampleRate: number;
  readonly outputSampleRate: number;
  readonly log: (line: string) => void;
  /** What the agent says first (default: the demo greeting); `null`: the caller speaks first. */
  readonly greeting?: string | null;
  /** espeak-ng's `-v` argument (`en-us+Alex`) for the espeak voice; default espeak-ng's own. */
  readonly espeakVoice?: string;
  /** The agent hangs up (`max_duration`) after this long. */
  readonly maxDurationMs?: number;
  /**
   * What a prompt asked the agent to do after its first turn: call a client tool (and say what
   * it returned), then say goodbye and hang up. Real agents do this with their LLM and tools.
   */
  readonly afterFirstTurn?: { readonly toolName?: string; readonly hangUp?: boolean };
  /** The agent ended the call with `hangup` and this reason (`agent_hangup`, `max_duration`). */
  readonly onAgentHangup?: (reason: string) => void;
}

/** The agent's turn in progress, as far as barge-in needs to know. */
interface ReplyInFlight {
  readonly ordinal: number;
  readonly medium: TranscriptMedium;
  spoken: string;
  /** Deltas sent so far, in order. */
  readonly sentWords: string[];
  /** Wall-clock ms when the reply audio started, and its length; 0 for text-only replies. */
  audioStartedAt: number;
  audioMs: number;
  /** Where each word starts in the reply audio (ms); empty for text-only replies. */
  wordStartsMs: readonly number[];
  final: boolean;
  /** Wall-clock ms when the audio sent so far would finish playing at real time. */
  playingUntil: number;
  sending: boolean;
}

type Task = (signal: AbortSignal) => Promise<void>;

/**
 * What the user actually heard of an interrupted reply: the words whose audio had started
 * playing by the real-time clock. Words are sent ahead with the audio, so this is usually less
 * than what was sent, and the final `text` replaces the longer streamed deltas.
 */
function heardText(reply: ReplyInFlight, now: number): string {
  if (reply.audioMs <= 0) return reply.spoken;
  const playedMs = Math.min(reply.audioMs, Math.max(0, now - reply.audioStartedAt));
  const heard = Math.min(reply.sentWords.length, wordsStartedBy(reply.wordStartsMs, playedMs));
  return reply.sentWords.slice(0, heard).join('');
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function delay(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The demo agent for one call: listens by energy, answers typed and spoken turns, streams
 * transcripts and paced audio, handles barge-in, tools, medium changes and hang-up. Replies run
 * one at a time from a queue; barge-in aborts the running one.
 */
export class DemoConversation {
  private readonly detector: SpeechDetector;
  private readonly queue: Task[] = [];
  private running = false;
  private current: AbortController | undefined;
  private reply: ReplyInFlight | undefined;
  private pendingTool:
    | {
        id: string;
        resolve: (outcome: Extract<ClientMessage, { type: 'client_tool_result' }>) => void;
      }
    | undefined;
  private nextOrdinal = 0;
  private state: AgentTurnState | undefined;
  private outputMedium: TranscriptMedium = 'voice';
  private lastUtterance: Buffer | undefined;
  private ended = false;
  private maxDurationTimer: NodeJS.Timeout | undefined;
  private firstTurnDone = false;

  constructor(
    private readonly transport: CallTransport,
    private readonly options: ConversationOptions,
  ) {
    this.detector = new SpeechDetector(options.inputSampleRate);
  }

  /** The call is joined: announce it and greet (unless the caller speaks first). */
  start(): void {
    this.send({ type: 'call_started', callId: this.options.callId });
    this.setState('listening');
    const greeting = this.options.greeting === undefined ? GREETING_TEXT : this.options.greeting;
    if (greeting !== null) this.enqueue((signal) => this.speak(signal, greeting, { thinkMs: 0 }));
    const maxMs = this.options.maxDurationMs;
    if (maxMs !== undefined) {
      this.maxDurationTimer = setTimeout(() => this.timeUp(), maxMs);
      this.maxDurationTimer.unref();
    }
  }

  /** Once, after the agent's first turn: what the prompt asked for (a tool, a hang-up). */
  private afterFirstTurn(): void {
    const plan = this.options.afterFirstTurn;
    if (this.firstTurnDone || !plan) return;
    this.firstTurnDone = true;
    const { toolName, hangUp } = plan;
    if (toolName !== undefined) {
      this.enqueue(async (signal) => {
        this.setState('thinking');
        const parameters = { asked: 'by the prompt', callId: this.options.callId };
        const outcome = await this.invokeClientTool(signal, toolName, parameters);
        if (!signal.aborted)
          await this.speak(signal, clientToolAnswer(toolName, outcome), { thinkMs: 0 });
      });
    }
    if (hangUp) {
      this.enqueue(async (signal) => {
        await this.speak(signal, AGENT_FAREWELL_TEXT, { thinkMs: THINK_MS });
        if (!signal.aborted) this.agentHangUp('agent_hangup');
      });
    }
  }

  /** The maximum duration is reached: say so over whatever is running, then hang up. */
  private timeUp(): void {
    if (this.ended) return;
    this.queue.length = 0;
    if (this.running) this.bargeIn('maximum duration');
    this.enqueue(async (signal) => {
      await this.speak(signal, TIME_UP_TEXT, { thinkMs: 0 });
      if (!signal.aborted) this.agentHangUp('max_duration');
    });
  }

  /**
   * The agent ends the call (Omnia's `hangup`), as when its hangUp tool runs: the message, then
   * a normal close.
   */
  private agentHangUp(reason: string): void {
    if (this.ended) return;
    this.send({ type: 'hangup', reason });
    this.options.log(`call ${this.options.callId}: the agent hung up (${reason})`);
    this.options.onAgentHangup?.(reason);
    this.end();
    this.transport.close(1000, 'agent hung up');
  }

  /** User audio from the socket (any byte length). */
  onAudio(chunk: Buffer): void {
    if (this.ended) return;
    for (const event of this.detector.push(chunk)) {
      if (event.kind === 'start') {
        this.options.log(`call ${this.options.callId}: user speech started`);
        if (this.running) this.bargeIn('user speech');
      } else {
        const { speechMs, utterance } = event;
        this.options.log(`call ${this.options.callId}: user speech ended (${speechMs} ms)`);
        this.enqueue((signal) => this.answerSpeech(signal, speechMs, utterance));
      }
    }
  }

  /** A parsed client message the agent acts on. */
  onMessage(message: ClientMessage): void {
    if (this.ended) return;
    switch (message.type) {
      case 'ping':
        this.send({ type: 'pong', timestamp: message.timestamp });
        return;
      case 'user_text_message': {
        const { text, urgency } = message;
        const task: Task = (signal) => this.answerTyped(signal, text);
        if (urgency === 'immediate') {
          if (this.running) this.bargeIn('immediate text');
          this.queue.unshift(task);
          this.pump();
        } else {
          this.enqueue(task);
        }
        return;
      }
      case 'set_output_medium':
        this.outputMedium = message.medium;
        this.options.log(`call ${this.options.callId}: output medium ${message.medium}`);
        return;
      case 'client_tool_result':
        if (this.pendingTool?.id === message.invocationId) {
          this.pendingTool.resolve(message);
        } else {
          this.options.log(
            `call ${this.options.callId}: client_tool_result for unknown invocation`,
          );
        }
        return;
      case 'forced_agent_message': {
        const content = oneLine(message.content, 500);
        this.enqueue((signal) => this.speak(signal, content, { thinkMs: 0 }));
        return;
      }
      case 'hang_up':
        this.hangUp(message.message);
        return;
    }
  }

  /** The socket closed or the server is shutting down: stop everything, send nothing more. */
  end(): void {
    this.ended = true;
    clearTimeout(this.maxDurationTimer);
    this.queue.length = 0;
    this.current?.abort();
  }

  /**
   * The caller hung up (`hang_up`). Without a `message` that ends the call, and nothing more is
   * said: the caller has gone and hears nothing after it (a `Goodbye!` sent here stood in every
   * transcript as a turn the caller heard). With one (Omnia: "a farewell for the agent to say"),
   * the agent says it, as one final text turn (the socket closes at once, so there is no time
   * for audio), and then the call ends.
   */
  private hangUp(message: string | undefined): void {
    this.queue.length = 0;
    // The turn cut short keeps the words that were heard, in the transcript and the record.
    this.closeReply();
    this.current?.abort();
    const farewell = message === undefined ? '' : oneLine(message, 500);
    if (farewell) {
      this.send({
        type: 'transcript',
        role: 'agent',
        medium: 'text',
        text: farewell,
        final: true,
        ordinal: this.nextOrdinal++,
      });
    }
    this.ended = true;
    this.transport.close(1000, 'hang up');
  }

  /**
   * Stops the agent mid-turn: clears the client's playback buffer when reply audio would still
   * be playing, closes the open agent turn and returns to listening.
   */
  private bargeIn(why: string): void {
    const reply = this.reply;
    if (reply && (reply.sending || Date.now() < reply.playingUntil)) {
      this.send({ type: 'playback_clear_buffer' });
    }
    this.closeReply();
    this.current?.abort();
    this.options.log(`call ${this.options.callId}: barge-in (${why})`);
    this.setState('listening');
  }

  /** Ends the agent's turn in progress with the words heard so far. */
  private closeReply(): void {
    const reply = this.reply;
    if (reply && !reply.final) {
      reply.final = true;
      this.send({
        type: 'transcript',
        role: 'agent',
        medium: reply.medium,
        text: heardText(reply, Date.now()),
        final: true,
        ordinal: reply.ordinal,
      });
    }
    this.reply = undefined;
  }

  private enqueue(task: Task): void {
    this.queue.push(task);
    this.pump();
  }

  private pump(): void {
    if (this.running || this.ended) return;
    const task = this.queue.shift();
    if (!task) return;
    this.running = true;
    const controller = new AbortController();
    this.current = controller;
    task(controller.signal)
      .catch((error: unknown) => {
        if (this.ended) return;
        const message = error instanceof Error ? error.message : String(error);
        this.send({ type: 'error', message: `local agent: ${oneLine(message, 200)}` });
        this.setState('listening');
      })
      .finally(() => {
        if (this.current === controller) this.current = undefined;
        this.running = false;
        this.pump();
      });
  }

  private async answerSpeech(
    signal: AbortSignal,
    speechMs: number,
    utterance: Buffer,
  ): Promise<void> {
    this.lastUtterance = utterance;
    this.send({
      type: 'transcript',
      role: 'user',
      medium: 'voice',
      text: spokenTranscript(speechMs),
      final: true,
      ordinal: this.nextOrdinal++,
    });
    await this.speak(signal, spokenReply(speechMs), { thinkMs: THINK_MS, echo: true });
  }

  private async answerTyped(signal: AbortSignal, rawText: string): Promise<void> {
    this.send({
      type: 'transcript',
      role: 'user',
      medium: 'text',
      text: cutAtGrapheme(rawText, MAX_TYPED_CHARS),
      final: true,
      ordinal: this.nextOrdinal++,
    });
    const plan = planTypedReply(rawText);
    if (plan.kind === 'say') {
      await this.speak(signal, plan.text, { thinkMs: THINK_MS });
      return;
    }
    if (plan.kind === 'hangup') {
      // The farewell plays to its end (speak waits for real time) before the line goes dead.
      await this.speak(signal, plan.text, { thinkMs: THINK_MS });
      if (!signal.aborted) this.agentHangUp('agent_hangup');
      return;
    }
    this.setState('thinking');
    if (plan.kind === 'server_tool') {
      this.send({
        type: 'debug',
        message: `Tool call: ${plan.toolName}(${JSON.stringify(plan.args)})`,
      });
      if (!(await delay(SERVER_TOOL_MS, signal))) return;
      this.send({
        type: 'debug',
        message: `Tool result: ${plan.toolName} -> ${JSON.stringify(plan.result)}`,
      });
      await this.speak(signal, plan.answer, { thinkMs: 0 });
      return;
    }
    const outcome = await this.invokeClientTool(signal, plan.toolName, plan.parameters);
    if (signal.aborted) return;
    await this.speak(signal, clientToolAnswer(CLIENT_TOOL_NAME, outcome), { thinkMs: 0 });
  }

  private invokeClientTool(
    signal: AbortSignal,
    toolName: string,
    parameters: Record<string, unknown>,
  ): Promise<Extract<ClientMessage, { type: 'client_tool_result' }> | undefined> {
    const invocationId = randomUUID();
    this.send({ type: 'client_tool_invocation', toolName, invocationId, parameters });
    return new Promise((resolve) => {
      const done = (
        outcome: Extract<ClientMessage, { type: 'client_tool_result' }> | undefined,
      ): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.pendingTool?.id === invocationId) this.pendingTool = undefined;
        resolve(outcome);
      };
      const onAbort = (): void => done(undefined);
      const timer = setTimeout(() => done(undefined), CLIENT_TOOL_TIMEOUT_MS);
      signal.addEventListener('abort', onAbort, { once: true });
      this.pendingTool = { id: invocationId, resolve: done };
    });
  }

  /** One agent turn: think, then stream the words, with paced audio unless the medium is text. */
  private async speak(
    signal: AbortSignal,
    text: string,
    how: { thinkMs: number; echo?: boolean },
  ): Promise<void> {
    const medium = this.outputMedium;
    if (how.thinkMs > 0) this.setState('thinking');
    // Synthesis overlaps the think pause, as a real agent's TTS overlaps its LLM.
    const audio =
      medium === 'voice'
        ? synthesizeReply({
            voice: this.options.voice,
            text,
            sampleRate: this.options.outputSampleRate,
            utterance: how.echo ? this.lastUtterance : undefined,
            utteranceRate: this.options.inputSampleRate,
            espeakVoice: this.options.espeakVoice,
          })
        : undefined;
    if (how.thinkMs > 0 && !(await delay(how.thinkMs, signal))) return;
    const voiced = audio ? await audio : undefined;
    if (signal.aborted || this.ended) return;
    if (voiced?.warning) this.send({ type: 'error', message: voiced.warning });

    const words = wordDeltas(text);
    const reply: ReplyInFlight = {
      ordinal: this.nextOrdinal++,
      medium,
      spoken: '',
      sentWords: [],
      audioStartedAt: 0,
      audioMs: 0,
      wordStartsMs: [],
      final: false,
      playingUntil: 0,
      sending: voiced !== undefined,
    };
    this.reply = reply;
    this.setState('speaking');
    const sendWord = (index: number): void => {
      const delta = words[index];
      if (delta === undefined) return;
      reply.spoken += delta;
      reply.sentWords.push(delta);
      this.send({
        type: 'transcript',
        role: 'agent',
        medium,
        delta,
        final: false,
        ordinal: reply.ordinal,
      });
    };

    if (voiced) {
      const { pcm, wordStartsMs } = voiced;
      if (!(await this.streamAudio(signal, pcm, wordStartsMs, reply, sendWord))) return;
    } else {
      for (let i = 0; i < words.length; i++) {
        sendWord(i);
        if (i < words.length - 1 && !(await delay(TEXT_WORD_MS, signal))) return;
      }
    }
    // The turn stays open until its audio would have finished playing, so a barge-in before then
    // can still close it with only the words the user heard.
    const untilPlayed = reply.playingUntil - Date.now();
    if (untilPlayed > 0 && !(await delay(untilPlayed, signal))) return;
    reply.final = true;
    this.send({
      type: 'transcript',
      role: 'agent',
      medium,
      text: reply.spoken,
      final: true,
      ordinal: reply.ordinal,
    });
    if (this.reply === reply) this.reply = undefined;
    this.setState('listening');
    this.afterFirstTurn();
  }

  /**
   * Sends `pcm` at sendSpeed × real time in frames of varying (sometimes odd) sizes, with each
   * word's delta sent as the audio reaches the word's start. False when aborted.
   */
  private async streamAudio(
    signal: AbortSignal,
    pcm: Buffer,
    wordStartsMs: readonly number[],
    reply: ReplyInFlight,
    sendWord: (index: number) => void,
  ): Promise<boolean> {
    const rate = this.options.outputSampleRate;
    const bytesPerMs = (rate * BYTES_PER_SAMPLE) / 1000;
    const frames = splitIntoFrames(pcm, rate);
    const started = Date.now();
    reply.audioStartedAt = started;
    reply.audioMs = pcm.length / bytesPerMs;
    reply.playingUntil = started + reply.audioMs;
    reply.wordStartsMs = wordStartsMs;
    const wordCount = wordStartsMs.length;
    let sent = 0;
    let nextWord = 0;
    let nextFrame = 0;
    const wordsDue = (): void => {
      while (nextWord < wordCount && wordStartsMs[nextWord]! * bytesPerMs <= sent)
        sendWord(nextWord++);
    };
    wordsDue();
    while (nextFrame < frames.length) {
      const target = (Date.now() - started + SEND_TICK_MS) * this.options.sendSpeed * bytesPerMs;
      while (nextFrame < frames.length && sent < target) {
        const frame = frames[nextFrame++]!;
        this.transport.sendAudio(frame);
        sent += frame.length;
        wordsDue();
      }
      if (nextFrame < frames.length && !(await delay(SEND_TICK_MS, signal))) return false;
    }
    while (nextWord < wordCount) sendWord(nextWord++);
    reply.sending = false;
    return !signal.aborted;
  }

  private setState(state: AgentTurnState): void {
    if (this.state === state) return;
    this.state = state;
    this.send({ type: 'state', state });
  }

  private send(message: ServerMessage): void {
    this.transport.sendJson(message);
  }
}
