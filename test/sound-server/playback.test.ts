import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Player } from '../../source/audio/player.js';
import { SpeakerSink } from '../../source/audio/sinks/speaker-sink.js';
import { heardTurns, lastLoudPlayedAt } from '../helpers/heard.js';
import { tone } from '../helpers/signal.js';
import { READER_SETTLE_MS, type SoundServer, startSoundServer } from '../helpers/sound-server.js';

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
    // A short read-back: with a long one the sink renders ahead, and the start of a stream is
    // lost from the monitor's view when the server rewinds (what is heard is not).
    const heard = server.recordSpeaker({ latencyMs: 5 });
    await sleep(READER_SETTLE_MS);
    const sink = new SpeakerSink(RATE);
    await sink.open();
    const player = new Player(sink);
    player.start();
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
    for (const ms of turns.turnsMs) {
      expect(ms).toBeGreaterThan(1_400);
      expect(ms).toBeLessThan(1_700);
    }
    // A dropout a user would hear as a stutter: none longer than a frame or two.
    expect(Math.max(0, ...turns.gapsMs)).toBeLessThan(50);
  }, 30_000);

  it('stops on the sink at once when the server clears the buffer (barge-in)', async () => {
    const heard = server.recordSpeaker({ latencyMs: 5 });
    await sleep(READER_SETTLE_MS);
    const sink = new SpeakerSink(RATE);
    await sink.open();
    const player = new Player(sink);
    player.start();
    // Three seconds arrive at once, as a server sends ahead; the user barges in a second later.
    player.enqueue(tone(440, 3_000, RATE, 0.3));
    await sleep(1_000);
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
    // The 2 s still queued are never heard: the sound stops within a few ms of the clear (the
    // bench's figure, ≤ 30 ms), here with room for a loaded machine.
    expect(stoppedAt! - clearAt).toBeLessThan(150);
  }, 30_000);
});
