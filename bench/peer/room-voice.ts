/**
 * A voice in the room of a private sound server: one utterance (`voice.ts`) written whole into
 * the `room` sink every `everyMs`, so every client's mic hears someone talk; when each was
 * written is kept, for mic latency. The stream asks for a long latency: the room never decides
 * how often the mic delivers (see `test/helpers/sound-server.ts`), and between utterances it
 * runs dry, so an utterance starts playing as soon as it is written.
 */
import { performance } from 'node:perf_hooks';
import type { SoundServer } from '../../test/helpers/sound-server.js';
import { epochMs } from '../scripted-agent.js';
import { utterance } from './voice.js';

const ROOM_STREAM_LATENCY_MS = 200;
/**
 * Each utterance starts up to this much after its slot, at random: the mic delivers on a grid of
 * its own, and utterances on an exact grid would meet it at the same phase every time, so every
 * latency of a run would be the same sample of a spread.
 */
const JITTER_MS = 50;

export class RoomVoice {
  /** Epoch ms at which each utterance was written. */
  readonly writes: number[] = [];
  private readonly stream;
  private readonly clip: Buffer;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    server: SoundServer,
    readonly everyMs = 2_000,
    readonly utteranceMs = 1_000,
  ) {
    this.stream = server.playIntoRoom({ latencyMs: ROOM_STREAM_LATENCY_MS });
    this.clip = utterance(utteranceMs, server.rate);
  }

  start(): void {
    const t0 = performance.now();
    let next = 0;
    const tick = () => {
      this.writes.push(epochMs());
      this.stream.stdin.write(this.clip);
      next++;
      // On a grid from the start: a late timer never shifts the utterances after it.
      const at = t0 + next * this.everyMs + Math.random() * JITTER_MS;
      this.timer = setTimeout(tick, Math.max(0, at - performance.now()));
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.stream.close();
  }
}
