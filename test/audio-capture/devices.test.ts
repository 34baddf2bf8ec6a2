import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  absentReason,
  type DeviceList,
  formatDevices,
  listDevices,
  parseAlsaCards,
  parseAlsaNames,
  parsePactlDevices,
  parseSystemProfiler,
  probeReason,
} from '../../source/audio/devices.js';
import { SpeakerSink } from '../../source/audio/sinks/speaker-sink.js';
import { MicSource } from '../../source/audio/sources/mic-source.js';
import { soxInstallHint } from '../../source/audio/sox.js';
import { cliEnv, runCli } from '../helpers/cli.js';
import { startSoundServer } from '../helpers/sound-server.js';
import { alsaFileHome, TEST_MIC_PCM, tempDir } from './helpers.js';

const ALSA_NAMES = `null
    Discard all samples (playback) or generate zero samples (capture)
default
    Default ALSA Output (currently PipeWire Media Server)
sysdefault:CARD=PCH
    HDA Intel PCH, ALC257 Analog
    Default Audio Device
front:CARD=PCH,DEV=0
    HDA Intel PCH, ALC257 Analog
    Front output / input
surround51:CARD=PCH,DEV=0
    HDA Intel PCH, ALC257 Analog
    5.1 Surround output to Front, Center, Rear and Subwoofer speakers
dsnoop:CARD=PCH,DEV=0
    HDA Intel PCH, ALC257 Analog
    Direct sample snooping device
plughw:CARD=Headset,DEV=0
    USB Headset, USB Audio
    Hardware device with all software conversions
`;

const ALSA_CARDS = `**** List of CAPTURE Hardware Devices ****
card 0: PCH [HDA Intel PCH], device 0: ALC257 Analog [ALC257 Analog]
  Subdevices: 1/1
  Subdevice #0: subdevice #0
card 2: Headset [USB Headset], device 0: USB Audio [USB Audio]
  Subdevices: 1/1
  Subdevice #0: subdevice #0
`;

const SYSTEM_PROFILER = `Audio:

    Devices:

        MacBook Pro Microphone:

          Default Input Device: Yes
          Input Channels: 1
          Manufacturer: Apple Inc.
          Current SampleRate: 48000
          Transport: Built-in
          Input Source: MacBook Pro Microphone

        MacBook Pro Speakers:

          Default Output Device: Yes
          Default System Output Device: Yes
          Manufacturer: Apple Inc.
          Output Channels: 2
          Current SampleRate: 48000
          Transport: Built-in
          Output Source: MacBook Pro Speakers

        USB Headset:

          Input Channels: 1
          Output Channels: 2
          Transport: USB
`;

describe('device list parsers', () => {
  it('reads ALSA names with their descriptions and leaves out plugin noise', () => {
    const devices = parseAlsaNames(ALSA_NAMES);
    expect(devices.map((d) => d.id)).toEqual([
      'default',
      'sysdefault:CARD=PCH',
      'plughw:CARD=Headset,DEV=0',
    ]);
    expect(devices[0]).toEqual({
      id: 'default',
      name: 'Default ALSA Output (currently PipeWire Media Server)',
      isDefault: true,
    });
    expect(devices[2]?.name).toBe(
      'USB Headset, USB Audio, Hardware device with all software conversions',
    );
  });

  it('turns hardware cards into plughw ids', () => {
    expect(parseAlsaCards(ALSA_CARDS)).toEqual([
      {
        id: 'plughw:CARD=PCH,DEV=0',
        name: 'HDA Intel PCH (card 0), ALC257 Analog',
        isDefault: false,
      },
      {
        id: 'plughw:CARD=Headset,DEV=0',
        name: 'USB Headset (card 2), USB Audio',
        isDefault: false,
      },
    ]);
  });

  it('reads macOS inputs and outputs with their defaults', () => {
    const { inputs, outputs } = parseSystemProfiler(SYSTEM_PROFILER);
    expect(inputs).toEqual([
      { id: 'MacBook Pro Microphone', name: 'MacBook Pro Microphone', isDefault: true },
      { id: 'USB Headset', name: 'USB Headset', isDefault: false },
    ]);
    expect(outputs.map((d) => [d.id, d.isDefault])).toEqual([
      ['MacBook Pro Speakers', true],
      ['USB Headset', false],
    ]);
  });

  it('strips escape sequences a device name might carry', () => {
    const devices = parseAlsaNames('evil\u001b]0;title\u0007\n    Bad \u001b[31mred\n');
    expect(JSON.stringify(devices)).not.toMatch(/\\u001b/);
  });
});

const PACTL_SOURCES = JSON.stringify([
  {
    index: 0,
    name: 'alsa_output.pci-0000_00_1f.3.analog-stereo.monitor',
    description: 'Monitor of Built-in Audio Analog Stereo',
    monitor_of_sink: 'alsa_output.pci-0000_00_1f.3.analog-stereo',
    properties: { 'device.class': 'monitor' },
  },
  {
    index: 1,
    name: 'alsa_input.pci-0000_00_1f.3.analog-stereo',
    description: 'Built-in Audio Analog Stereo',
    monitor_of_sink: 'n/a',
    properties: { 'device.class': 'sound' },
  },
  { index: 2, name: 'bluez_input.AA_BB', description: 'WH-1000XM4 \u001b[31m' },
]);

describe("the sound server's devices", () => {
  it('lists sources but monitors as pulse:<name>, the server default marked', () => {
    expect(
      parsePactlDevices(PACTL_SOURCES, 'sources', 'alsa_input.pci-0000_00_1f.3.analog-stereo'),
    ).toEqual([
      {
        id: 'pulse:alsa_input.pci-0000_00_1f.3.analog-stereo',
        name: "Built-in Audio Analog Stereo (the sound server's default)",
        isDefault: false,
      },
      { id: 'pulse:bluez_input.AA_BB', name: 'WH-1000XM4', isDefault: false },
    ]);
  });

  it('reads the short listing of a pactl without JSON', () => {
    const short = '0\tspeaker\tmodule-null-sink.c\ts16le 1ch 48000Hz\tIDLE\n';
    expect(parsePactlDevices(short, 'sinks')).toEqual([
      { id: 'pulse:speaker', name: 'speaker', isDefault: false },
    ]);
    expect(parsePactlDevices('0\tspeaker.monitor\tx\n', 'sources')).toEqual([]);
  });

  it("says why a device did not open in the tool's own words, without its prefixes", () => {
    expect(probeReason('aplay: main:831: audio open error: Connection refused\n')).toBe(
      'Connection refused',
    );
    expect(
      probeReason(
        'ALSA lib pcm_oss.c:397:(_snd_pcm_oss_open) Cannot open device /dev/dsp\narecord: main:831: audio open error: No such file or directory\n',
      ),
    ).toBe('No such file or directory');
  });
});

describe('a named device ALSA does not have (the check before a call)', () => {
  const failed = (...lines: string[]) =>
    `${lines.join('\n')}\naplay: main:831: audio open error: No such file or directory\n`;

  it('is told by what ALSA says: no such PCM, card, device on a card, or sound server source', () => {
    expect(
      absentReason(
        'nosuchdev',
        'output',
        failed('ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM nosuchdev'),
      ),
    ).toBe('ALSA knows no device of that name');
    expect(
      absentReason(
        'plug:mymic',
        'output',
        failed('ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM mymic'),
      ),
    ).toBe('it leads to "mymic", which ALSA does not know');
    expect(
      absentReason(
        'hw:0,0',
        'output',
        failed('ALSA lib confmisc.c:165:(snd_config_get_card) Cannot get card index for 0'),
      ),
    ).toBe('ALSA cannot use sound card 0: it is not there, or this user may not open it');
    // `dmix` of a card that is not there: the card is why, not the PCM it could not expand.
    expect(
      absentReason(
        'dmix',
        'output',
        failed(
          "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'",
          'ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM dmix',
        ),
      ),
    ).toBe('ALSA cannot use sound card 0: it is not there, or this user may not open it');
    // The card is there but not that device (its /dev/snd node): only the open's own error.
    expect(absentReason('plughw:1,7', 'output', failed())).toBe(
      'its sound card has no such device',
    );
    // A sound server that answers, without that source or sink (said when the stream is made).
    const noEntity =
      'ALSA lib pcm_pulse.c:758:(pulse_prepare) PulseAudio: Unable to create stream: No such entity\n\narecord: set_params:1416: Unable to install hw params:\n';
    expect(absentReason('pulse:usb-mic', 'input', noEntity)).toBe(
      'the sound server has no source of that name',
    );
  });

  it('is not said of one that is there but does not open now: the call says that, as before', () => {
    const jack = failed('jack server is not running or cannot be started');
    expect(absentReason('jack', 'output', jack)).toBeUndefined();
    expect(
      absentReason(
        'oss',
        'output',
        failed('ALSA lib pcm_oss.c:397:(_snd_pcm_oss_open) Cannot open device /dev/dsp'),
      ),
    ).toBeUndefined();
    expect(
      absentReason(
        'hw:0,0',
        'output',
        'aplay: main:831: audio open error: Device or resource busy\n',
      ),
    ).toBeUndefined();
    expect(
      absentReason(
        'pulse',
        'output',
        'ALSA lib pulse.c:242:(pulse_connect) PulseAudio: Unable to connect: Connection refused\n\narecord: main:831: audio open error: Connection refused\n',
      ),
    ).toBeUndefined();
    expect(
      absentReason('hw:0,0', 'output', 'arecord: main:2219: Channels count non available\n'),
    ).toBeUndefined();
  });
});

describe('devices with a sound server (the private PulseAudio)', () => {
  it("lists the server's sources and sinks by names the app opens; a server gone marks the default", async () => {
    const server = await startSoundServer();
    const env = { ...process.env, ...server.env };
    try {
      const started = performance.now();
      const list = await listDevices({ env });
      expect(performance.now() - started).toBeLessThan(5_000);
      const ids = (devices: readonly { id: string }[]) => devices.map((d) => d.id);
      expect(ids(list.inputs)).toEqual(expect.arrayContaining(['default', 'pulse:mic']));
      expect(ids(list.outputs)).toEqual(expect.arrayContaining(['default', 'pulse:speaker']));
      // A monitor is what a sink plays, not a mic; JACK and OSS have nothing behind them here.
      expect(ids(list.inputs).filter((id) => id.endsWith('.monitor'))).toEqual([]);
      for (const gone of ['jack', 'oss']) {
        expect(ids(list.inputs)).not.toContain(gone);
        expect(ids(list.outputs)).not.toContain(gone);
      }
      expect(list.inputs.find((d) => d.id === 'pulse:mic')?.name).toMatch(
        /\(the sound server's default\)$/,
      );
      expect(list.inputs.find((d) => d.id === 'default')?.unavailable).toBeUndefined();

      // Each name listed opens as the app opens it: mic:<id> and speaker:<id>.
      const saved = { ...process.env };
      Object.assign(process.env, server.env);
      try {
        const mic = new MicSource(48_000, { env, device: 'pulse:mic' });
        const errors: string[] = [];
        let frames = 0;
        await mic.start(
          () => frames++,
          (message) => errors.push(message),
        );
        const until = performance.now() + 5_000;
        while (frames < 5 && errors.length === 0 && performance.now() < until)
          await new Promise((r) => setTimeout(r, 50));
        await mic.stop();
        expect(errors).toEqual([]);
        expect(frames).toBeGreaterThanOrEqual(5);
        const speaker = new SpeakerSink(48_000, { device: 'pulse:speaker' });
        await speaker.open();
        await speaker.close();
      } finally {
        for (const key of Object.keys(server.env)) {
          if (saved[key] === undefined) delete process.env[key];
          else process.env[key] = saved[key];
        }
      }

      // The server stopped, PULSE_SERVER still naming its socket: the default is still what a
      // call opens, so it stays, marked and noted; the server's names go.
      process.kill(server.pid, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      const after = await listDevices({ env });
      const input = after.inputs.find((d) => d.id === 'default');
      expect(input?.isDefault).toBe(true);
      expect(input?.unavailable).toMatch(/refused|No such/i);
      expect(after.notes.join('\n')).toMatch(/the default input cannot be opened now \(.+\)/);
      expect(after.notes.join('\n')).toMatch(/the default output cannot be opened now \(.+\)/);
      expect(ids(after.inputs).filter((id) => id.startsWith('pulse'))).toEqual([]);
      expect(formatDevices(after)).toMatch(/^\* default\s+.*\(cannot be opened now: .+\)$/m);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('devices --json prints the same list as JSON', async () => {
    const server = await startSoundServer();
    const home = await tempDir('omnia-devices-json-');
    try {
      const result = await runCli(['devices', '--json'], {
        env: cliEnv(home.dir, server.env),
        timeoutMs: 20_000,
      });
      expect(result.code, result.stderr).toBe(0);
      const list = JSON.parse(result.stdout) as DeviceList;
      expect(list.outputs).toContainEqual({
        id: 'pulse:speaker',
        name: "Null Output (the sound server's default)",
        isDefault: false,
      });
      expect(Array.isArray(list.inputs)).toBe(true);
      expect(Array.isArray(list.notes)).toBe(true);
    } finally {
      await home.cleanup();
      await server.close();
    }
  }, 30_000);
});

describe('listDevices on this machine', () => {
  let root: { dir: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    root = await tempDir('omnia-devices-');
  });
  afterAll(async () => {
    await root?.cleanup();
  });

  it('lists a capture device defined in ~/.asoundrc through the real arecord', async () => {
    const home = await alsaFileHome(root.dir, {
      inRaw: '/dev/zero',
      outRaw: join(root.dir, 'out.raw'),
      extra: TEST_MIC_PCM,
    });
    const result = await listDevices({ env: { ...process.env, HOME: home } });
    const mic = result.inputs.find((d) => d.id === 'testmic');
    expect(mic?.name).toBe('Omnia test microphone');
    expect(result.outputs.some((d) => d.id === 'testmic')).toBe(true);
    // No sound card in this machine: said, not hidden.
    expect(result.notes.join('\n')).toMatch(/no capture sound cards found/);
  });

  it('says which tools are missing instead of failing', async () => {
    const empty = join(root.dir, 'emptybin');
    const result = await listDevices({ env: { ...process.env, PATH: empty } });
    expect(result.inputs).toEqual([]);
    expect(result.outputs).toEqual([]);
    expect(result.notes).toContain('arecord not found: install alsa-utils to list capture devices');
    expect(result.notes).toContain('aplay not found: install alsa-utils to list playback devices');
    expect(result.notes).toContain(`sox is not installed (${soxInstallHint()}): the mic needs it`);
  });

  it('finds tools through PATH only (a PATH holding just arecord lists inputs, notes aplay)', async () => {
    const bin = join(root.dir, 'bin');
    await mkdir(bin, { recursive: true });
    await symlink('/usr/bin/arecord', join(bin, 'arecord'));
    const result = await listDevices({ env: { ...process.env, PATH: bin } });
    expect(result.notes).toContain('aplay not found: install alsa-utils to list playback devices');
    expect(result.notes.some((n) => n.startsWith('arecord'))).toBe(false);
  });

  it('on an unsupported platform says so', async () => {
    const result = await listDevices({ platform: 'aix' });
    expect(result.notes[0]).toMatch(/not supported on aix/);
  });
});

describe('formatDevices', () => {
  it('marks defaults with * and says how to use an id', () => {
    const list: DeviceList = {
      inputs: [
        { id: 'default', name: 'Default ALSA device', isDefault: true },
        { id: 'plughw:CARD=Headset,DEV=0', name: 'USB Headset', isDefault: false },
      ],
      outputs: [],
      notes: ['aplay not found: install alsa-utils to list playback devices'],
    };
    const text = formatDevices(list);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Input devices (use --input mic:<id>):');
    expect(lines[1]).toMatch(/^\* default\s+Default ALSA device$/);
    expect(lines[2]).toMatch(/^ {2}plughw:CARD=Headset,DEV=0\s+USB Headset$/);
    expect(text).toMatch(/Output devices .*\n {2}\(none found\)/);
    expect(text).toMatch(/\* = default/);
    expect(text).toMatch(/Notes:\n {2}aplay not found/);
  });
});
