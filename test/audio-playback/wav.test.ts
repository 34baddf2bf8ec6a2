import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWav, toMonoS16, wavHeader } from '../../source/audio/wav.js';
import { samples, tempDir, tone, toneShare } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Make a WAV with real sox, so the parser is checked against files users actually have. */
function soxWav(name: string, args: string[]): Buffer {
  const path = join(tmp.dir, name);
  execFileSync('sox', ['-n', ...args, path, 'synth', '0.1', 'sine', '440', 'vol', '0.5']);
  return readFileSync(path);
}

describe('parseWav + toMonoS16 on files made by sox', () => {
  const cases: Array<[string, string[], number, number]> = [
    ['s16 mono', ['-r', '16000', '-b', '16', '-c', '1', '-e', 'signed'], 16, 1],
    ['u8 mono', ['-r', '16000', '-b', '8', '-c', '1', '-e', 'unsigned'], 8, 1],
    ['s24 stereo', ['-r', '16000', '-b', '24', '-c', '2', '-e', 'signed'], 24, 2],
    ['s32 mono', ['-r', '16000', '-b', '32', '-c', '1', '-e', 'signed'], 32, 1],
    ['float stereo', ['-r', '16000', '-b', '32', '-c', '2', '-e', 'floating-point'], 32, 2],
  ];
  for (const [name, args, bits, channels] of cases) {
    it(`reads ${name} as a 440 Hz tone at half scale`, () => {
      const wav = parseWav(soxWav(`${name.replace(' ', '-')}.wav`, args));
      expect(wav.sampleRate).toBe(16_000);
      expect(wav.channels).toBe(channels);
      expect(wav.bitsPerSample).toBe(bits);
      const mono = samples(toMonoS16(wav));
      expect(mono.length).toBe(1600);
      expect(toneShare(mono, 440, 16_000)).toBeGreaterThan(0.9);
      const peak = Math.max(...mono.map(Math.abs));
      expect(peak).toBeGreaterThan(15_000);
      expect(peak).toBeLessThan(17_500);
    });
  }
});

function withChunks(fmt: Buffer, chunks: Array<[string, Buffer, number?]>): Buffer {
  const parts: Buffer[] = [Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')];
  for (const [id, body, size] of [['fmt ', fmt] as [string, Buffer], ...chunks]) {
    const head = Buffer.alloc(8);
    head.write(id, 0, 'ascii');
    head.writeUInt32LE(size ?? body.length, 4);
    parts.push(head, body);
    if (body.length & 1) parts.push(Buffer.alloc(1));
  }
  return Buffer.concat(parts);
}

function pcmFmt(channels: number, bits: number, format = 1): Buffer {
  const f = Buffer.alloc(16);
  f.writeUInt16LE(format, 0);
  f.writeUInt16LE(channels, 2);
  f.writeUInt32LE(8000, 4);
  f.writeUInt32LE(8000 * channels * (bits / 8), 8);
  f.writeUInt16LE(channels * (bits / 8), 12);
  f.writeUInt16LE(bits, 14);
  return f;
}

describe('parseWav on unusual layouts', () => {
  const data = tone(10, 1000, 10_000, 8000);

  it('skips LIST and odd-sized unknown chunks before the data', () => {
    const wav = parseWav(
      withChunks(pcmFmt(1, 16), [
        ['LIST', Buffer.from('INFOabc')],
        ['data', data],
      ]),
    );
    expect(wav.data.equals(data)).toBe(true);
  });

  it('takes the rest of the file when the data size is 0 or 0xFFFFFFFF (streamed WAV)', () => {
    // 0x7ffff000 is what espeak-ng writes when it streams to stdout (the local agent's voice).
    for (const size of [0, 0xffffffff, 0x7ffff000]) {
      const wav = parseWav(withChunks(pcmFmt(1, 16), [['data', data, size]]));
      expect(wav.data.equals(data)).toBe(true);
    }
  });

  it('resolves WAVE_FORMAT_EXTENSIBLE to the PCM sub-format', () => {
    const ext = Buffer.alloc(40);
    pcmFmt(1, 16).copy(ext);
    ext.writeUInt16LE(0xfffe, 0);
    ext.writeUInt16LE(22, 16);
    ext.writeUInt16LE(16, 18);
    ext.writeUInt16LE(1, 24);
    const wav = parseWav(withChunks(ext, [['data', data]]));
    expect(wav.format).toBe(1);
    expect(toMonoS16(wav).equals(data)).toBe(true);
  });

  it('round-trips its own header, mono and stereo', () => {
    const file = Buffer.concat([
      wavHeader({ sampleRate: 24_000, channels: 2, dataBytes: data.length }),
      data,
    ]);
    expect(file.length).toBe(44 + data.length);
    const wav = parseWav(file);
    expect(wav).toMatchObject({ sampleRate: 24_000, channels: 2, bitsPerSample: 16, format: 1 });
    expect(wav.data.equals(data)).toBe(true);
  });

  it('downmixes stereo by averaging the channels', () => {
    const frames = Buffer.alloc(8);
    frames.writeInt16LE(1000, 0);
    frames.writeInt16LE(3000, 2);
    frames.writeInt16LE(-32768, 4);
    frames.writeInt16LE(-32768, 6);
    const mono = samples(toMonoS16(parseWav(withChunks(pcmFmt(2, 16), [['data', frames]]))));
    expect([...mono]).toEqual([2000, -32768]);
  });

  it('rejects other files with one line saying why', () => {
    const bad: Array<[Buffer, RegExp]> = [
      [Buffer.from('hello world, not a wav at all'), /RIFF\/WAVE/],
      [Buffer.alloc(4), /too short/],
      [withChunks(pcmFmt(1, 16, 2), [['data', data]]), /format 2/],
      [withChunks(pcmFmt(1, 12), [['data', data]]), /12-bit/],
      [withChunks(pcmFmt(1, 16), []), /no data chunk/],
    ];
    for (const [buf, why] of bad) {
      let message = '';
      try {
        parseWav(buf);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(why);
      expect(message).not.toContain('\n');
    }
  });
});
