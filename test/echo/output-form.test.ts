import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideEcho } from '../../source/audio/echo/mode.js';
import {
  classifySink,
  detectOutputForm,
  formOfDefaultSink,
} from '../../source/audio/output-form.js';
import { type SoundServer, startSoundServer } from '../helpers/sound-server.js';

/** A laptop's card as `pactl -f json list sinks` (LC_ALL=C) shows it, with `active` playing. */
function laptopSink(active: string) {
  return {
    name: 'alsa_output.pci-0000_00_1f.3.analog-stereo',
    description: 'Built-in Audio Analog Stereo',
    properties: { 'device.form_factor': 'internal' },
    ports: [
      { name: 'analog-output-speaker', description: 'Speakers', type: 'Speaker' },
      { name: 'analog-output-headphones', description: 'Headphones', type: 'Headphones' },
    ],
    active_port: active,
  };
}

describe('headphones or a loudspeaker, from the sink that plays', () => {
  it('goes by the active port when the sink has ports', () => {
    expect(classifySink(laptopSink('analog-output-headphones'))).toEqual({
      kind: 'headphones',
      what: 'Built-in Audio Analog Stereo (port analog-output-headphones)',
    });
    expect(classifySink(laptopSink('analog-output-speaker')).kind).toBe('loudspeaker');
    // A port whose type is not given, by its name.
    expect(classifySink({ ...laptopSink('analog-output-headphones'), ports: [] }).kind).toBe(
      'headphones',
    );
  });

  it('then by the form factor (Bluetooth and USB headsets), else unknown', () => {
    const bluetooth = {
      name: 'bluez_output.00_11_22_33_44_55.1',
      description: 'WH-1000XM4',
      properties: { 'device.bus': 'bluetooth', 'device.form_factor': 'headphone' },
      ports: [{ name: 'headphone-output', type: 'Unknown' }],
      active_port: 'headphone-output',
    };
    expect(classifySink(bluetooth)).toEqual({
      kind: 'headphones',
      what: 'WH-1000XM4 (port headphone-output)',
    });
    expect(
      classifySink({ name: 'usb', properties: { 'device.form_factor': 'headset' } }).kind,
    ).toBe('headphones');
    expect(
      classifySink({ name: 'usb', properties: { 'device.form_factor': 'speaker' } }).kind,
    ).toBe('loudspeaker');
    expect(classifySink({ name: 'hdmi' }).kind).toBe('unknown');
  });

  it('picks the default sink from the listing; a broken listing is unknown', () => {
    const listing = JSON.stringify([laptopSink('analog-output-speaker'), { name: 'other' }]);
    expect(formOfDefaultSink(listing, 'alsa_output.pci-0000_00_1f.3.analog-stereo\n').kind).toBe(
      'loudspeaker',
    );
    expect(formOfDefaultSink(listing, 'other').kind).toBe('unknown');
    expect(formOfDefaultSink('not json', 'other').kind).toBe('unknown');
    // Fields of other types than PulseAudio's: unknown, not a failed call.
    const odd = JSON.stringify([{ name: 'odd', ports: { a: 1 }, active_port: 7 }]);
    expect(formOfDefaultSink(odd, 'odd').kind).toBe('unknown');
  });

  it('headphones turn the default cancel into off; asked for, cancel stays', () => {
    const devices = {
      inputKind: 'mic',
      loudspeaker: true,
      outputForm: { kind: 'headphones', what: 'WH-1000XM4 (port headphone-output)' },
    } as const;
    expect(decideEcho('cancel', devices, undefined, false)).toEqual({
      mode: 'off',
      reason:
        'the output is headphones: WH-1000XM4 (port headphone-output); --echo cancel if the mic hears it',
      degraded: false,
    });
    expect(decideEcho('cancel', devices, undefined, true).mode).toBe('cancel');
    expect(decideEcho('guard', devices, undefined, true).mode).toBe('guard');
    expect(
      decideEcho('cancel', { ...devices, outputForm: { kind: 'unknown' } }, undefined, false).mode,
    ).toBe('cancel');
  });
});

describe('asking a real sound server', () => {
  let plain: SoundServer;
  let headset: SoundServer;
  beforeAll(async () => {
    [plain, headset] = await Promise.all([
      startSoundServer(),
      startSoundServer({ speakerProperties: 'device.form_factor=headset' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain?.close(), headset?.close()]);
  });

  it('names a sink that says it is a headset, and knows nothing of one that says nothing', async () => {
    expect(
      await detectOutputForm(undefined, { ...process.env, ...headset.env, PULSE_SINK: '' }),
    ).toEqual({
      kind: 'headphones',
      what: 'Null Output (device.form_factor headset)',
    });
    expect(
      await detectOutputForm(undefined, { ...process.env, ...plain.env, PULSE_SINK: '' }),
    ).toEqual({
      kind: 'unknown',
      what: 'Null Output',
    });
  });

  it('PULSE_SINK is the sink that plays', async () => {
    const env = { ...process.env, ...headset.env, PULSE_SINK: 'no-such-sink' };
    expect((await detectOutputForm(undefined, env)).kind).toBe('unknown');
  });

  it('a pulse:<sink> device, as devices lists them, is asked about that sink', async () => {
    const env = { ...process.env, ...headset.env, PULSE_SINK: '' };
    expect(await detectOutputForm('pulse:speaker', env)).toEqual({
      kind: 'headphones',
      what: 'Null Output (device.form_factor headset)',
    });
    expect((await detectOutputForm('pulse:no-such-sink', env)).kind).toBe('unknown');
  });

  it('a named device, no server to ask, or no pactl: unknown', async () => {
    const env = { ...process.env, ...headset.env, PULSE_SINK: '' };
    expect((await detectOutputForm('hw:1,0', env)).kind).toBe('unknown');
    expect((await detectOutputForm(undefined, { ...env, PATH: '/nonexistent' })).kind).toBe(
      'unknown',
    );
  });

  it('never runs pactl without a server answering on its socket (pactl would start one)', async () => {
    // A pactl that only records that it ran.
    const dir = mkdtempSync(join(tmpdir(), 'omnia-pactl-'));
    const ran = join(dir, 'ran');
    writeFileSync(join(dir, 'pactl'), `#!/bin/sh\necho "$@" >> ${ran}\nexit 1\n`, { mode: 0o755 });
    const base: NodeJS.ProcessEnv = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    delete base.PULSE_SERVER;
    delete base.PULSE_RUNTIME_PATH;
    delete base.PULSE_SINK;
    try {
      // No socket at all.
      expect((await detectOutputForm(undefined, { ...base, XDG_RUNTIME_DIR: dir })).kind).toBe(
        'unknown',
      );
      // A socket file a crashed server left behind: bound, then nobody listening.
      mkdirSync(join(dir, 'pulse'));
      const socket = join(dir, 'pulse', 'native');
      execFileSync('python3', [
        '-c',
        'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])',
        socket,
      ]);
      expect(existsSync(socket)).toBe(true);
      expect((await detectOutputForm(undefined, { ...base, XDG_RUNTIME_DIR: dir })).kind).toBe(
        'unknown',
      );
      expect(existsSync(ran)).toBe(false);
      // A server answering there: pactl is asked (and this one fails: unknown).
      const server = createServer(() => undefined);
      await new Promise<void>((resolve) => {
        rmSync(socket);
        server.listen(socket, resolve);
      });
      try {
        expect((await detectOutputForm(undefined, { ...base, XDG_RUNTIME_DIR: dir })).kind).toBe(
          'unknown',
        );
      } finally {
        server.close();
      }
      expect(readFileSync(ran, 'utf8')).toContain('list sinks');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
