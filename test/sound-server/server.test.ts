import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SoundServer, startSoundServer } from '../helpers/sound-server.js';

/**
 * The private sound server the timing, barge-in and echo tests run on: its devices keep real
 * time (file devices do not), and what is played into the room reaches a capture of its mic.
 */
describe('private PulseAudio server', () => {
  let server: SoundServer;
  beforeAll(async () => {
    server = await startSoundServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('captures through ALSA (sox) at the pace of a real clock', async () => {
    const started = performance.now();
    const bytes = await new Promise<number>((resolve, reject) => {
      let n = 0;
      const sox = spawn(
        'sox',
        [
          '-q',
          '-t',
          'alsa',
          'default',
          '-t',
          'raw',
          '-r',
          '48000',
          '-b',
          '16',
          '-c',
          '1',
          '-e',
          'signed-integer',
          '-',
          'trim',
          '0',
          '1.5',
        ],
        { env: { ...process.env, ...server.env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      sox.stdout.on('data', (d: Buffer) => {
        n += d.length;
      });
      sox.on('error', reject);
      sox.on('close', () => resolve(n));
    });
    const wallMs = performance.now() - started;
    expect(bytes).toBe(1.5 * 48_000 * 2);
    // 1.5 s of audio take at least 1.5 s of wall time: the device is paced (a file device
    // gives it at once).
    expect(wallMs).toBeGreaterThan(1_400);
  });

  it('hears in the mic what is played into the room', async () => {
    const mic = server.record('mic');
    const room = server.playIntoRoom();
    const tone = Buffer.alloc(48_000 * 2 * 0.5);
    for (let i = 0; i < tone.length / 2; i++) {
      tone.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48_000)), i * 2);
    }
    room.stdin.write(tone);
    await room.close();
    await new Promise((r) => setTimeout(r, 300));
    const pcm = await mic.stop();
    let peak = 0;
    for (let i = 0; i + 1 < pcm.length; i += 2) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
    expect(peak).toBeGreaterThan(7_000);
  });
});
