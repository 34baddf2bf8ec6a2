/**
 * `--record` checked channel by channel through the built CLI (issue 13, item 6): the user on
 * the left as sent, the agent on the right as played, both on the call's timeline. The mic is a
 * WAV (a faint hum, then a tone at 2.0 s); a scripted Omnia double answers with a tone of its
 * own the moment it hears the user's, so in the recording the agent's tone must follow the
 * user's closely, each in its own channel only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWav } from '../../source/audio/wav.js';
import { runCli, tempDir, writeTemp } from '../helpers/cli.js';
import { goertzel, monoWav, tone } from '../helpers/signal.js';
import { hostileEnv } from '../hostile/helpers.js';
import { type HostileServer, startHostileServer } from '../hostile/server.js';

const RATE = 16_000;
const HUM_HZ = 200;
const USER_HZ = 600;
const AGENT_HZ = 1_500;
/** Where the user's tone starts in the mic's WAV. */
const USER_AT_MS = 2_000;
const TONE_MS = 1_000;
/** 10 ms windows: each tone above falls on a whole Goertzel bin at 16 kHz. */
const WINDOW = RATE / 100;

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A faint hum (so the start of the mic is visible), the user's tone at 2.0 s, more hum. */
function micWav(): Buffer {
  const hum = (ms: number) => tone(HUM_HZ, ms, RATE, 0.02);
  return monoWav(
    Buffer.concat([hum(USER_AT_MS), tone(USER_HZ, TONE_MS, RATE, 0.4), hum(6_000)]),
    RATE,
  );
}

/** One channel of interleaved stereo s16le. */
function channel(stereo: Buffer, index: 0 | 1): Buffer {
  const frames = stereo.length >> 2;
  const out = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) out.writeInt16LE(stereo.readInt16LE(i * 4 + index * 2), i * 2);
  return out;
}

/** For each 10 ms window: is `hz` clearly there? */
function present(pcm: Buffer, hz: number): boolean[] {
  const out: boolean[] = [];
  for (let at = 0; at + WINDOW * 2 <= pcm.length; at += WINDOW * 2) {
    out.push(goertzel(pcm.subarray(at, at + WINDOW * 2), hz, RATE) > 0.1);
  }
  return out;
}

const msOf = (windows: boolean[]) => windows.filter(Boolean).length * 10;
/** Start (ms into the recording) of the first window where `hz` is there, -1 when never. */
const onsetMs = (windows: boolean[]) => {
  const at = windows.indexOf(true);
  return at < 0 ? -1 : at * 10;
};

/** The first sample that is not digital silence, in ms. */
function firstSoundMs(pcm: Buffer): number {
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    if (Math.abs(pcm.readInt16LE(i)) > 100) return (i / 2 / RATE) * 1000;
  }
  return -1;
}

describe('--record (built CLI)', () => {
  it('puts the user on the left and the agent on the right, in step with the call', async () => {
    let heardUserAt: number | undefined;
    server = await startHostileServer({
      call: (call) => {
        call.json({ type: 'call_started', callId: 'record-call' });
        call.json({ type: 'state', state: 'listening' });
        // Answer the moment the user's tone arrives (a whole 10 ms window of it), not on a poll.
        let tail = Buffer.alloc(0);
        call.ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (!isBinary || heardUserAt !== undefined) return;
          tail = Buffer.concat([tail, data]).subarray(-WINDOW * 2);
          if (tail.length < WINDOW * 2 || goertzel(tail, USER_HZ, RATE) < 0.2) return;
          heardUserAt = Date.now();
          call.json({ type: 'state', state: 'speaking' });
          call.json({ type: 'transcript', role: 'agent', ordinal: 1, text: 'beep', final: true });
          call.audio(tone(AGENT_HZ, TONE_MS, RATE, 0.4));
          call.json({ type: 'state', state: 'listening' });
        });
      },
    });
    const home = tempDir('omnia-record-');
    const record = join(home, 'call.wav');
    const run = await runCli(
      [
        '--plain',
        '--agent',
        'x',
        '--api-base',
        server.baseUrl,
        '--input',
        writeTemp(home, 'mic.wav', micWav()),
        '--output',
        join(home, 'heard.wav'),
        '--sample-rate',
        String(RATE),
        '--record',
        record,
        '--duration',
        '6',
      ],
      { env: hostileEnv(home), timeoutMs: 40_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(heardUserAt, 'the server heard the user tone').toBeDefined();
    // The summary names the file the call recorded into.
    expect(run.stderr).toContain(`Recording: ${record}`);

    const wav = parseWav(readFileSync(record));
    expect(wav.channels).toBe(2);
    expect(wav.sampleRate).toBe(RATE);
    const left = channel(wav.data, 0);
    const right = channel(wav.data, 1);
    // The recording covers the call (6 s), not only the stretches where someone spoke.
    expect(left.length / 2 / RATE).toBeGreaterThan(5);

    // Each side in its own channel, whole, and nothing of it in the other.
    const userLeft = present(left, USER_HZ);
    const agentRight = present(right, AGENT_HZ);
    expect(msOf(userLeft)).toBeGreaterThanOrEqual(TONE_MS - 20);
    expect(msOf(agentRight)).toBeGreaterThanOrEqual(TONE_MS - 20);
    expect(msOf(present(left, AGENT_HZ))).toBe(0);
    expect(msOf(present(right, USER_HZ))).toBe(0);
    expect(msOf(present(right, HUM_HZ))).toBe(0);

    // The left channel is the mic's timeline: the user's tone 2.0 s after the mic started
    // (a late start or a gap in the sent audio would move it).
    const micStart = firstSoundMs(left);
    expect(micStart).toBeGreaterThanOrEqual(0);
    expect(onsetMs(userLeft) - micStart).toBeGreaterThanOrEqual(USER_AT_MS - 10);
    expect(onsetMs(userLeft) - micStart).toBeLessThanOrEqual(USER_AT_MS + 30);
    // The agent answered what it heard: its tone follows the user's on the same timeline, by
    // one round trip and the player's lead, not seconds (nor before it).
    const answerMs = onsetMs(agentRight) - onsetMs(userLeft);
    expect(answerMs).toBeGreaterThan(0);
    expect(answerMs).toBeLessThan(750);
  }, 60_000);
});
