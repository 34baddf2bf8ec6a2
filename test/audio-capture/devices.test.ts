import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DeviceList,
  formatDevices,
  listDevices,
  parseAlsaCards,
  parseAlsaNames,
  parseSystemProfiler,
} from '../../source/audio/devices.js';
import { soxInstallHint } from '../../source/audio/sox.js';
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
