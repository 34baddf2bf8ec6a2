import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSink,
  type NoAudioOutputError,
  parseSinkSpec,
} from '../../source/audio/sinks/index.js';
import { NullSink } from '../../source/audio/sinks/null-sink.js';
import { SoxPlaySink } from '../../source/audio/sinks/sox-play-sink.js';
import { DISABLE_SPEAKER_ENV, SpeakerSink } from '../../source/audio/sinks/speaker-sink.js';
import { WavFileSink } from '../../source/audio/sinks/wav-sink.js';
import { soxInstallHint } from '../../source/audio/sox.js';
import { parseWav } from '../../source/audio/wav.js';
import { alsaFileHome, RATE, tempDir, tone } from './helpers.js';

const tmp = tempDir();
const alsa = alsaFileHome(tmp.dir);
const saved = {
  HOME: process.env.HOME,
  PATH: process.env.PATH,
  PULSE_SERVER: process.env.PULSE_SERVER,
};
beforeAll(() => {
  process.env.HOME = alsa.home;
});
afterEach(() => {
  delete process.env[DISABLE_SPEAKER_ENV];
  process.env.PATH = saved.PATH;
  process.env.HOME = alsa.home;
  if (saved.PULSE_SERVER === undefined) delete process.env.PULSE_SERVER;
  else process.env.PULSE_SERVER = saved.PULSE_SERVER;
});
afterAll(() => {
  process.env.HOME = saved.HOME;
  tmp.cleanup();
});

/** A HOME whose ALSA default device is a card that does not exist (HOME is set to it). */
function homeWithNoCard(name: string): string {
  const home = join(tmp.dir, name);
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.asoundrc'), 'pcm.!default { type hw card 99 }\n');
  process.env.HOME = home;
  return home;
}

/**
 * The installed `speaker` package as a failed build leaves it (README: "speaker failed to
 * build"): its JavaScript and dependencies, no `build/`. Returns its entry file.
 */
function unbuiltSpeaker(): string {
  const installed = dirname(createRequire(import.meta.url).resolve('speaker/package.json'));
  const root = join(tmp.dir, 'unbuilt', 'node_modules');
  const dir = join(root, 'speaker');
  mkdirSync(dir, { recursive: true });
  for (const file of ['index.js', 'package.json'])
    copyFileSync(join(installed, file), join(dir, file));
  symlinkSync(join(installed, 'node_modules'), join(dir, 'node_modules'));
  const outer = dirname(installed);
  for (const dep of [
    'bindings',
    'buffer-alloc',
    'buffer-alloc-unsafe',
    'buffer-fill',
    'file-uri-to-path',
  ])
    symlinkSync(join(outer, dep), join(root, dep));
  return join(dir, 'index.js');
}

/** Why `spec` would not open (undefined, and the sink closed again, when it did). */
function openingError(spec: string): Promise<NoAudioOutputError | undefined> {
  return createSink(spec, RATE, () => {}).then(
    async (sink) => {
      await sink.close();
      return undefined;
    },
    (e: NoAudioOutputError) => e,
  );
}

describe('createSink', () => {
  it('opens the speaker when it loads, without a notice', async () => {
    const notices: unknown[] = [];
    const sink = await createSink('speaker', RATE, (m) => notices.push(m));
    expect(sink).toBeInstanceOf(SpeakerSink);
    await sink.close();
    expect(notices).toEqual([]);
  });

  it('falls back to sox play, saying why once, when the speaker module will not load', async () => {
    process.env[DISABLE_SPEAKER_ENV] = '1';
    const notices: unknown[] = [];
    const sink = await createSink('speaker', RATE, (m) => notices.push(m));
    expect(sink).toBeInstanceOf(SoxPlaySink);
    expect(notices).toEqual([
      {
        message: 'playing through sox play: the speaker module is unavailable',
        detail: `speaker: disabled by ${DISABLE_SPEAKER_ENV}=1`,
      },
    ]);
    // And it really plays.
    const pcm = tone(100, 1000, 10_000, RATE, 1);
    sink.write(pcm);
    await sink.close();
    expect(readFileSync(alsa.out).equals(pcm)).toBe(true);
  });

  it('falls back to sox play when the speaker module loads but cannot use the device: the device is named, not the module', async () => {
    // A plain ALSA file PCM, no plug: the speaker's child fails on it (an ALSA assertion), sox
    // plays into it.
    const home = join(tmp.dir, 'file-pcm');
    mkdirSync(home, { recursive: true });
    const out = join(home, 'fileout.raw');
    writeFileSync(
      join(home, '.asoundrc'),
      `pcm.fileout {\n type file\n slave.pcm "null"\n file "${out}"\n format "raw"\n}\n`,
    );
    process.env.HOME = home;
    const notices: Array<{ message: string }> = [];
    const sink = await createSink('speaker:fileout', RATE, (m) => notices.push(m));
    expect(sink).toBeInstanceOf(SoxPlaySink);
    expect(notices.map((n) => n.message)).toEqual([
      'playing through sox play: the speaker module could not open "fileout"',
    ]);
    const pcm = tone(100, 1000, 10_000, RATE, 1);
    sink.write(pcm);
    await sink.close();
    expect(readFileSync(out).length).toBeGreaterThan(0);
  });

  it('rejects with one line saying what to install when neither speaker nor sox works', async () => {
    process.env[DISABLE_SPEAKER_ENV] = '1';
    process.env.PATH = join(tmp.dir, 'empty-bin');
    const notices: unknown[] = [];
    const err = await createSink('speaker', RATE, (m) => notices.push(m)).then(
      () => undefined,
      (e: NoAudioOutputError) => e,
    );
    // One sentence: what is wrong, what still works, what to do; the libraries' words apart.
    expect(err?.message).toMatch(
      /^no audio output: the speaker module is unavailable and sox is not installed; the call goes on without sound \(.+, or use --output none\)$/,
    );
    expect(err?.message).toContain(`(${soxInstallHint()}, or use --output none)`);
    expect(err?.message).not.toContain('\n');
    expect(err?.detail).toMatch(/^speaker: disabled by .*; sox: sox is not installed/);
    expect(notices).toEqual([]);
  });

  it('a speaker whose native part was not built, and no sox: says to install sox, in one line', async () => {
    process.env.PATH = `${dirname(process.execPath)}:${join(tmp.dir, 'empty-bin')}`;
    const entry = unbuiltSpeaker();
    const err = await createSink('speaker', RATE, () => {}, { speakerModulePath: entry }).then(
      () => undefined,
      (e: NoAudioOutputError) => e,
    );
    expect(err, 'an output opened from a speaker with no native part').toBeInstanceOf(Error);
    // The module is at fault, not the device: installing sox gets sound.
    expect(err?.message).toMatch(
      /^no audio output: the speaker module is unavailable and sox is not installed; the call goes on without sound \(.*sox.*, or use --output none\)$/,
    );
    expect(err?.message).not.toMatch(/device/);
    // The detail says what is missing, on one line, not the list's empty first line.
    const speakerPart = err?.detail.split('; sox: ')[0];
    expect(speakerPart).toBe(
      `speaker: its native part was not built (no ${join(dirname(entry), 'build', 'binding.node')})`,
    );
    expect(err?.detail).not.toContain('\n');
  });

  it('a speaker that loads but cannot open its device, and no sox: names the device, not the module', async () => {
    delete process.env[DISABLE_SPEAKER_ENV];
    process.env.PATH = `${dirname(process.execPath)}:${join(tmp.dir, 'empty-bin')}`;
    homeWithNoCard('no-card-home');
    const err = await openingError('speaker:nosuchdev');
    expect(err, 'an output opened although the device does not exist').toBeInstanceOf(Error);
    expect(err?.message).toMatch(
      /^no audio output: "nosuchdev" could not be opened, and sox \(the fallback\) is not installed; .*omnia-voice devices/,
    );
    expect(err?.message).not.toContain('module is unavailable');
  });

  it('with sox installed but no output device, says to check the device, not to install sox', async () => {
    process.env[DISABLE_SPEAKER_ENV] = '1';
    // No output device, whatever this machine has: ALSA's default is a card that does not
    // exist, and PulseAudio (sox's other driver) a server that is not there.
    const home = homeWithNoCard('no-device-home');
    process.env.PULSE_SERVER = `unix:${join(home, 'no-pulse-server')}`;
    const result = await openingError('speaker');
    expect(result, 'an output opened although there is no device').toBeInstanceOf(Error);
    expect(result?.message).toMatch(
      /^no audio output: the default output device could not be opened, by the speaker module nor by sox; .*check the output device/,
    );
    expect(result?.message).not.toMatch(/install|pcm|ALSA/);
    // A device asked for by name is named.
    const named = await openingError('speaker:nosuchdev');
    expect(named?.message).toMatch(/^no audio output: "nosuchdev" could not be opened, by the/);
  });

  it('uses sox directly for "sox" and "sox:<device>"', async () => {
    for (const spec of ['sox', 'sox:default']) {
      const sink = await createSink(spec, RATE, () => {});
      expect(sink).toBeInstanceOf(SoxPlaySink);
      expect(sink.description).toBe(
        spec === 'sox' ? 'sox play (default device)' : 'sox play (default)',
      );
      await sink.close();
    }
  });

  it('writes a WAV for a .wav path and nothing for "none"', async () => {
    const path = join(tmp.dir, 'agent.WAV');
    const wavSink = await createSink(path, 24_000, () => {});
    expect(wavSink).toBeInstanceOf(WavFileSink);
    wavSink.write(tone(50, 440, 5_000, 24_000));
    await wavSink.close();
    expect(parseWav(readFileSync(path))).toMatchObject({ sampleRate: 24_000, channels: 1 });
    const none = await createSink('none', RATE, () => {});
    expect(none).toBeInstanceOf(NullSink);
  });

  it('returns an open sink, and a second open() neither restarts the device nor truncates a file', async () => {
    const sox = (await createSink('sox', RATE, () => {})) as SoxPlaySink;
    const pid = sox.pid;
    expect(pid).toBeGreaterThan(0);
    await sox.open();
    expect(sox.pid).toBe(pid);
    await sox.close();

    const path = join(tmp.dir, 'twice.wav');
    const wavSink = await createSink(path, RATE, () => {});
    const pcm = tone(200, 440);
    wavSink.write(pcm);
    await wavSink.open();
    await wavSink.close();
    expect(parseWav(readFileSync(path)).data.equals(pcm)).toBe(true);
  });

  it('rejects an unknown spec listing the accepted forms', async () => {
    await expect(createSink('speakers', RATE, () => {})).rejects.toThrow(
      'unknown audio output "speakers": use speaker, speaker:<device>, sox, sox:<device>, none or a file ending in .wav',
    );
  });
});

describe('parseSinkSpec', () => {
  it('keeps colons inside device names', () => {
    expect(parseSinkSpec('speaker:hw:1,0')).toEqual({ kind: 'speaker', device: 'hw:1,0' });
    expect(parseSinkSpec('sox')).toEqual({ kind: 'sox' });
    expect(parseSinkSpec('C:\\calls\\out.wav')).toEqual({
      kind: 'wav',
      path: 'C:\\calls\\out.wav',
    });
  });
});
