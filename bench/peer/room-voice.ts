/**
 * A voice in the room of a private sound server: someone says a 1 s utterance (`voice.ts`) every
 * 2 s, and every client's mic hears it. The room stream is written continuously (silence between
 * utterances) a fixed lead ahead of real time: a stream that runs dry and restarts makes the
 * server rewind, and the mic then delivers a burst of hundreds of ms at once, which no sound
 * card's capture does. The stream asks for a long latency, so the room never decides how often
 * the mic delivers (see `test/helpers/sound-server.ts`).
 *
 * How long an utterance takes from being written to being heard varies from run to run (by
 * hundreds of ms: how far ahead the server renders the room), so mic latency is measured against
 * a reader of the mic in the same run (`analysis.ts`), not against these write times.
 */
import { performance } from 'node:perf_hooks';
import type { SoundServer } from '../../test/helpers/sound-server.js';
import { utterance } from './voice.js';

const ROOM_STREAM_LATENCY_MS = 200;
/** How far ahead of real time the room is written: more than a late timer on a busy machine. */
const WRITE_LEAD_MS = 150;
const WRITE_EVERY_MS = 20;
/**
 * Each utterance starts up to this much after its slot, at random: the mic delivers on a grid of
 * its own, and utterances on an exact grid would meet it at the same phase every time, so every
 * latency of a run would be the same sample of a spread.
 */
const JITTER_MS = 50;

export class RoomVoice {
  private readonly stream;
  private readonly clip: Buffer;
  private readonly rate: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    server: SoundServer,
    readonly everyMs = 2_000,
    readonly utteranceMs = 1_000,
  ) {
    this.rate = server.rate;
    this.stream = server.playIntoRoom({ latencyMs: ROOM_STREAM_LATENCY_MS });
    this.clip = utterance(utteranceMs, server.rate);
  }

  start(): void {
    const perf0 = performance.now();
    const bytesAt = (ms: number) => Math.round((ms * this.rate) / 1000) * 2;
    const jittered = (k: number) => k * this.everyMs + Math.random() * JITTER_MS;
    let writtenMs = 0;
    let k = 0;
    let kStartMs = jittered(0);
    const tick = () => {
      const untilMs = performance.now() - perf0 + WRITE_LEAD_MS;
      const from = bytesAt(writtenMs);
      const to = bytesAt(untilMs);
      if (to > from) {
        const out = Buffer.alloc(to - from);
        while (kStartMs < untilMs) {
          const at = bytesAt(kStartMs);
          const end = at + this.clip.length;
          const lo = Math.max(at, from);
          const hi = Math.min(end, to);
          if (lo < hi) this.clip.copy(out, lo - from, lo - at, hi - at);
          if (end > to) break;
          k++;
          kStartMs = jittered(k);
        }
        this.stream.stdin.write(out);
        writtenMs = untilMs;
      }
      this.timer = setTimeout(tick, WRITE_EVERY_MS);
    };
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.stream.close();
  }
}
