import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Player } from '../../source/audio/player.js';
import { SpeakerSink } from '../../source/audio/sinks/speaker-sink.js';
import { heardTurns, lastLoudPlayedAt } from '../helpers/heard.js';
import { tone } from '../helpers/signal.js';
import {
  READER_SETTLE_MS,
  type Recording,
  type SoundServer,
  startSoundServer,
} from '../helpers/sound-server.js';

/**
 * The agent's side on a sound server that keeps real time (PulseAudio through ALSA's pulse
 * plugin, as on a Linux desktop), read back from `speaker.monitor`: what a user hears. WAV sinks
 * model a sound card; these check the real path, where the device has a will of its own.
 * Timing bounds are loose enough for a loaded two-core machine; `bench/pulse.ts` has the targets.
 */
const RATE = 48_000;
const LOUD = 1_500;

let server: SoundServer;
const savedEnv = { ...process.env };

beforeAll(async () => {
  server = await startSoundServer({ rate: RATE });
  // The speaker's child process takes the environment it is spawned with: this server's.
  Object.assign(process.env, server.env);
});
afterAll(async () => {
  for (const key of Object.keys(server?.env ?? {})) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  await server?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A read-back of the speaker, settled, then the speaker child and a player started on it. The
 * read-back is short: with a long one the sink renders ahead, and the start of a stream is lost
 * from the monitor's view when the server rewinds (what is heard is not).
 */
async function openPlayback(): Promise<{ heard: Recording; player: Player }> {
  const heard = server.recordSpeaker({ latencyMs: 5 });
  await sleep(READER_SETTLE_MS);
  const sink = new SpeakerSink(RATE);
  await sink.open();
  const player = new Player(sink);
  player.start();
  return { heard, player };
}

/** Sample index of the first loud sample, or undefined. */
function firstLoud(pcm: Buffer): number | undefined {
  for (let i = 0; i + 1 < pcm.length; i += 2) if (Math.abs(pcm.readInt16LE(i)) > LOUD) return i / 2;
  return undefined;
}

async function until<T>(get: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined || performance.now() > deadline) return value;
    await sleep(20);
  }
}

/** Feed `ms` of a 440 Hz tone in 20 ms frames at real-time pace, as a server streams a reply. */
async function streamTone(player: Player, ms: number): Promise<void> {
  const frame = tone(440, 20, RATE, 0.3);
  const started = performance.now();
  let sent = 0;
  while (sent * 20 < ms) {
    const due = Math.min(Math.floor((performance.now() - started) / 20) + 1, ms / 20);
    for (; sent < due; sent++) player.enqueue(frame);
    await sleep(10);
  }
}

describe('agent audio through the speaker on a real-time sound server', () => {
  it('is heard whole, reply after reply, with the pauses between them silent', async () => {
    const { heard, player } = await openPlayback();
    for (let reply = 0; reply < 3; reply++) {
      await streamTone(player, 1_500);
      // A pause between replies long enough that a pump letting the device run dry would have
      // stopped it: through PulseAudio the next reply then lost most of its audio.
      await sleep(1_500);
    }
    await player.stop();
    const turns = heardTurns(await heard.stop(), RATE, {
      loudPeak: LOUD,
      turnBreakMs: 500,
      minTurnMs: 100,
    });
    expect(turns.turnsMs).toHaveLength(3);
    // Every reply is heard whole: 1.5 s of tone each, nothing lost and nothing twice. (On a loaded
    // machine the pump can run late and the device play a short silence inside a reply: it
    // stretches the reply, it does not lose any of it; the bench counts such gaps.)
    turns.turnsMs.forEach((ms, i) => {
      const toneMs = ms - (turns.gapsByTurn[i] ?? []).reduce((a, b) => a + b, 0);
      expect(toneMs).toBeGreaterThan(1_450);
      expect(toneMs).toBeLessThan(1_550);
    });
  }, 30_000);

  it('stops on the sink at once when the server clears the buffer (barge-in)', async () => {
    const { heard, player } = await openPlayback();
    // Three seconds arrive at once, as a server sends ahead; the user barges in once the agent
    // has been heard for a while.
    player.enqueue(tone(440, 3_000, RATE, 0.3));
    const heardAt = await until(() => firstLoud(heard.pcm()), 10_000);
    expect(heardAt).toBeDefined();
    await sleep(500);
    const clearAt = performance.now();
    player.clear();
    await sleep(800);
    await player.stop();
    const pcm = await heard.stop();
    const stoppedAt = lastLoudPlayedAt(pcm, heard.arrivals(), RATE, {
      fromPerf: clearAt - 300,
      toPerf: clearAt + 800,
      loudPeak: LOUD,
    });
    expect(stoppedAt).toBeDefined();
    // The 2 s still queued are never heard: the sound stops within a few ms of the clear on a
    // quiet machine (the bench's figure, ≤ 30 ms); here with room for a loaded one.
    expect(stoppedAt! - clearAt).toBeLessThan(500);
  }, 30_000);
});
