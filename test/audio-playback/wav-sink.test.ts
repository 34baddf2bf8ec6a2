import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesForMs } from '../../source/audio/constants.js';
import { WavFileSink } from '../../source/audio/sinks/wav-sink.js';
import { parseWav } from '../../source/audio/wav.js';
import { RATE, samples, tempDir, tone, waitFor } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const fixture = join(import.meta.dirname, 'fixtures', 'write-wav.ts');

describe('WavFileSink', () => {
  it('writes a valid mono WAV holding exactly what was written', async () => {
    const path = join(tmp.dir, 'plain.wav');
    const sink = new WavFileSink(path, RATE);
    await sink.open();
    const pcm = tone(2500, 440);
    for (let at = 0; at < pcm.length; at += 960) sink.write(pcm.subarray(at, at + 960));
    await sink.close();
    const file = readFileSync(path);
    expect(file.readUInt32LE(40)).toBe(pcm.length);
    expect(file.readUInt32LE(4)).toBe(36 + pcm.length);
    const wav = parseWav(file);
    expect(wav).toMatchObject({ sampleRate: RATE, channels: 1, bitsPerSample: 16 });
    expect(wav.data.equals(pcm)).toBe(true);
  });

  it('refuses an unwritable path at open with one line naming the file', async () => {
    const sink = new WavFileSink(join(tmp.dir, 'no-such-dir', 'x.wav'), RATE);
    await expect(sink.open()).rejects.toThrow(
      /^cannot write .*x\.wav: the directory does not exist$/,
    );
  });

  it('its file removed mid-call: the device is lost once, with why; nothing thrown', async () => {
    const dir = join(tmp.dir, 'removed');
    mkdirSync(dir);
    const path = join(dir, 'out.wav');
    let now = 0;
    const sink = new WavFileSink(path, RATE, { now: () => now });
    const errors: Array<[string, string | undefined]> = [];
    sink.onError((message, reason) => errors.push([message, reason]));
    await sink.open();
    sink.startClock();
    rmSync(dir, { recursive: true });
    // Past a header refresh (a second of audio), where the writer looks for its file.
    for (now = 20; now <= 2_500; now += 20) sink.write(tone(20, 440));
    await sink.close();
    expect(errors).toEqual([
      [`cannot write ${path}: the file was removed`, 'the file was removed'],
    ]);
  });

  it('leaves a parseable file when the writing process is killed with SIGKILL', async () => {
    const path = join(tmp.dir, 'killed.wav');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, path], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const size = () => {
      try {
        return statSync(path).size;
      } catch {
        return 0;
      }
    };
    // 2.5 s of audio written, so at least two header refreshes happened.
    await waitFor(() => size() > 44 + 2.5 * RATE * 2, 20_000, `child writing (${stderr})`);
    child.kill('SIGKILL');
    await exited;

    const file = readFileSync(path);
    const declared = file.readUInt32LE(40);
    const actual = file.length - 44;
    expect(declared).toBeGreaterThan(0);
    // At most the audio since the last header refresh (once a second of audio) and one 100 ms
    // batch, with a little room for a loaded machine where the kill comes late.
    expect(actual - declared).toBeLessThanOrEqual(RATE * 2 * 1.25);
    const wav = parseWav(file);
    expect(wav.data.length).toBe(declared);
    // What it holds is the tone the child played, in order, from its first sample: silence
    // before it (the pump started before the queue) and, on a loaded machine where the child's
    // device ran dry for a moment, short gaps of silence inside it; nothing else.
    const heard = samples(wav.data).filter((v) => v !== 0);
    const played = samples(tone(60_000, 1000)).filter((v) => v !== 0);
    // More than a second of it (2.5 s were written, the first of them silence; with both cores
    // busy the child's device ran dry for a while: 1.8 s of tone seen under stress-ng).
    expect(heard.length).toBeGreaterThan(RATE);
    expect(Buffer.from(heard.buffer).equals(Buffer.from(played.buffer, 0, heard.byteLength))).toBe(
      true,
    );
  });
});

describe('WavFileSink as a sound card (its own clock)', () => {
  const ms = (n: number) => bytesForMs(n, RATE);
  /** A sink on a clock the test moves by hand. */
  async function deviceAt(name: string): Promise<{ sink: WavFileSink; clock: { t: number } }> {
    const clock = { t: 1_000 };
    const sink = new WavFileSink(join(tmp.dir, name), RATE, { now: () => clock.t });
    await sink.open();
    return { sink, clock };
  }
  const fileData = (name: string) => parseWav(readFileSync(join(tmp.dir, name))).data;

  it('holds what has not played yet; the file gets audio as its time comes', async () => {
    const { sink, clock } = await deviceAt('clock.wav');
    const pcm = tone(100, 440);
    sink.write(pcm.subarray(0, ms(60)));
    expect(sink.bufferedBytes).toBe(ms(60));
    clock.t += 40;
    sink.write(pcm.subarray(ms(60)));
    // 40 ms played, 60 ms held.
    expect(sink.bufferedBytes).toBe(ms(60));
    expect(sink.timelineBytes).toBe(ms(100));
    await sink.close();
    expect(fileData('clock.wav').equals(pcm)).toBe(true);
  });

  it('drop(keep) discards what it holds beyond keep; later writes continue from there', async () => {
    const { sink, clock } = await deviceAt('drop.wav');
    const a = tone(60, 440);
    const b = tone(30, 700);
    sink.write(a);
    clock.t += 20;
    // Keep what plays until 25 ms: 5 ms of the held audio survives the drop.
    sink.drop(ms(25));
    expect(sink.timelineBytes).toBe(ms(25));
    expect(sink.bufferedBytes).toBe(ms(5));
    sink.write(b);
    await sink.close();
    expect(fileData('drop.wav').equals(Buffer.concat([a.subarray(0, ms(25)), b]))).toBe(true);
  });

  it('drop before the play position discards everything held, never what has played', async () => {
    const { sink, clock } = await deviceAt('late-drop.wav');
    const a = tone(60, 440);
    sink.write(a);
    clock.t += 30;
    sink.drop(ms(10));
    expect(sink.timelineBytes).toBe(ms(30));
    expect(sink.bufferedBytes).toBe(0);
    await sink.close();
    expect(fileData('late-drop.wav').equals(a.subarray(0, ms(30)))).toBe(true);
  });

  it('close() plays out everything it holds', async () => {
    const { sink } = await deviceAt('playout.wav');
    const a = tone(500, 440);
    sink.write(a);
    expect(sink.bufferedBytes).toBe(a.length);
    await sink.close();
    expect(fileData('playout.wav').equals(a)).toBe(true);
  });

  it('an underrun is heard as silence: the gap is in the file, later audio after it', async () => {
    const { sink, clock } = await deviceAt('underrun.wav');
    const a = tone(20, 440);
    const b = tone(20, 700);
    sink.write(a);
    clock.t += 50; // the writer was 30 ms late
    sink.write(b);
    await sink.close();
    expect(fileData('underrun.wav').equals(Buffer.concat([a, Buffer.alloc(ms(30)), b]))).toBe(true);
  });
});
