import { describe, expect, it } from 'vitest';
import {
  createSource,
  MicSource,
  SilenceSource,
  WavFileSource,
} from '../../source/audio/sources/index.js';
import { waitFor } from './helpers.js';

describe('createSource', () => {
  it('maps each input spec to the right source', () => {
    const mic = createSource('mic', 48_000);
    expect(mic).toBeInstanceOf(MicSource);
    expect(mic.description).toBe('mic (default)');
    expect(mic.sampleRate).toBe(48_000);

    const usb = createSource('mic:plughw:CARD=USB,DEV=0', 16_000);
    expect(usb).toBeInstanceOf(MicSource);
    expect(usb.description).toBe('mic plughw:CARD=USB,DEV=0');

    expect(createSource('none', 48_000)).toBeInstanceOf(SilenceSource);
    const file = createSource('greeting.WAV', 24_000);
    expect(file).toBeInstanceOf(WavFileSource);
    expect(file.description).toBe('file greeting.WAV');
    expect(createSource('./recordings/take1', 48_000)).toBeInstanceOf(WavFileSource);
  });

  it('rejects a typo instead of treating it as a file', () => {
    expect(() => createSource('mick', 48_000)).toThrow(
      'unknown input "mick": use mic, mic:<device>, none, or a path to a .wav file',
    );
  });
});

describe('SilenceSource', () => {
  it('sends digital silence in exact 20 ms frames at real-time pace', async () => {
    const source = new SilenceSource(48_000);
    const frames: Buffer[] = [];
    const started = performance.now();
    await source.start(
      (f) => frames.push(f),
      () => {},
    );
    await waitFor(() => frames.length >= 25, 10_000, '25 frames');
    const wallMs = performance.now() - started;
    await source.stop();
    const count = frames.length;
    expect(frames.every((f) => f.length === 1920 && f.every((b) => b === 0))).toBe(true);
    // 25 frames are 500 ms of audio: paced, never much faster than that.
    expect(wallMs).toBeGreaterThanOrEqual(450);
    await new Promise((r) => setTimeout(r, 60));
    expect(frames.length).toBe(count);
  });
});
