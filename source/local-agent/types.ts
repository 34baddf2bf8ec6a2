/**
 * Public shapes of the built-in local agent: an Omnia-compatible server on 127.0.0.1 used for
 * demos (`omnia-voice serve`, `--local`) and for integration tests, with no account or network.
 */

/** Which audio the demo agent answers with. */
export type LocalVoice = 'espeak' | 'echo' | 'tone';

export interface LocalAgentOptions {
  /** Interface to bind. Default '127.0.0.1'. */
  host?: string;
  /** Port to bind. Default 0 (ephemeral). */
  port?: number;
  /**
   * Reply voice: 'espeak' (espeak-ng when installed, else falls back to 'echo'), 'echo' (plays
   * the user's own utterance back), 'tone' (a short beep per word). Default 'espeak'.
   */
  voice?: LocalVoice;
  /**
   * Speed at which agent audio is sent, as a multiple of real time (default 4: faster than real
   * time, as real servers may).
   */
  sendSpeed?: number;
  /** Optional log sink for one-line server events (never the API key). */
  log?: (line: string) => void;
  /** When set, call creation requires this X-API-Key (for testing 401s). */
  requireApiKey?: string;
  /**
   * How long a created call waits to be joined before it is dropped. Default 30 000 ms, as the
   * real service; tests shorten it to see expiry without waiting half a minute.
   */
  joinTimeoutMs?: number;
  /**
   * How long after a call ends its record stays incomplete (`endTime` null), as Omnia's does for
   * a few seconds. Default 0.
   */
  recordDelayMs?: number;
}

/** What the server saw of one call. Live: fields change while the call runs. */
export interface LocalCallRecord {
  readonly id: string;
  readonly agentId: string;
  readonly inputSampleRate: number;
  readonly outputSampleRate: number;
  /** Epoch ms of the REST call creation. */
  readonly createdAt: number;
  /** Epoch ms when the WebSocket was opened, if it was. */
  readonly joinedAt: number | undefined;
  /** Epoch ms when the call ended (socket closed or call expired unjoined). */
  readonly endedAt: number | undefined;
  /** Total bytes of user audio received (not capped). */
  readonly bytesReceived: number;
  /** The most recent user audio received (capped at AUDIO_KEEP_MS), raw s16le at inputSampleRate. */
  readonly audio: Buffer;
  /** Every JSON object the client sent, parsed, in order. */
  readonly clientMessages: ReadonlyArray<Record<string, unknown>>;
  /** Text frames that were not a JSON object with a string `type` (junk, tolerated). */
  readonly invalidMessages: number;
  /** Every JSON message the server sent, in order. */
  readonly serverMessages: ReadonlyArray<Record<string, unknown>>;
  /** Total bytes of agent audio sent. */
  readonly bytesSent: number;
  /** The client sent `hang_up`. */
  readonly hungUp: boolean;
  /** WebSocket close code, once closed. */
  readonly closeCode: number | undefined;
  /** Why the call ended, in Omnia's words (`agent_hangup`, `user_hangup`, …), once it has. */
  readonly endReason: string | undefined;
}

export interface LocalAgent {
  /** e.g. http://127.0.0.1:43123 (the apiBase for the client). */
  readonly baseUrl: string;
  readonly port: number;
  /** Calls seen so far, for tests: per call the audio bytes received, messages received, etc. */
  readonly calls: ReadonlyArray<LocalCallRecord>;
  /** End every call (close 1001) and stop the HTTP server. */
  close(): Promise<void>;
}
