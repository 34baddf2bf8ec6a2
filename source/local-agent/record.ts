import type { CreateCallRequest } from './rest.js';
import type { LocalCallRecord } from './types.js';

/** How much received user audio a record keeps, so long calls do not grow without bound. */
export const AUDIO_KEEP_MS = 60_000;

/** A final transcript turn, as the call log serves it. */
export interface RecordedTurn {
  readonly ordinal: number;
  readonly role: 'user' | 'agent';
  readonly text: string;
  /** Epoch ms when the turn's first transcript message was sent (its start, as heard). */
  readonly at: number;
}

/** The mutable record behind {@link LocalCallRecord}; only the server writes to it. */
export class CallRecord implements LocalCallRecord {
  readonly agentId: string;
  /** The demo agent's name; absent for inline calls. */
  agentName: string | undefined;
  /** `agent`: a saved demo agent; `inline`: a prompt tried with POST /calls/inline. */
  kind: 'agent' | 'inline' = 'agent';
  /** Why the call ended, in Omnia's words (`agent_hangup`, `user_hangup`, …), once it has. */
  endReason: string | undefined;
  /** Final transcript turns in the order sent. */
  readonly turns: RecordedTurn[] = [];
  readonly inputSampleRate: number;
  readonly outputSampleRate: number;
  readonly createdAt = Date.now();
  joinedAt: number | undefined;
  endedAt: number | undefined;
  bytesReceived = 0;
  readonly clientMessages: Record<string, unknown>[] = [];
  invalidMessages = 0;
  readonly serverMessages: Record<string, unknown>[] = [];
  bytesSent = 0;
  hungUp = false;
  closeCode: number | undefined;
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  private readonly keepLimitBytes: number;

  constructor(
    readonly id: string,
    request: CreateCallRequest,
  ) {
    this.agentId = request.agentId;
    this.inputSampleRate = request.inputSampleRate;
    this.outputSampleRate = request.outputSampleRate;
    // Whole samples, so a trimmed buffer never starts in the middle of one.
    this.keepLimitBytes = Math.round((AUDIO_KEEP_MS * request.inputSampleRate) / 1000) * 2;
  }

  get audio(): Buffer {
    const all = Buffer.concat(this.chunks);
    let drop = Math.max(0, all.length - this.keepLimitBytes);
    // Received frames may be odd-sized: start on a sample boundary of the whole stream.
    if ((this.bytesReceived - this.keptBytes + drop) % 2 === 1) drop++;
    return all.subarray(Math.min(drop, all.length));
  }

  addAudio(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    this.chunks.push(Buffer.from(chunk));
    this.keptBytes += chunk.length;
    while (
      this.chunks.length > 1 &&
      this.keptBytes - this.chunks[0]!.length >= this.keepLimitBytes
    ) {
      this.keptBytes -= this.chunks.shift()!.length;
    }
  }
}
