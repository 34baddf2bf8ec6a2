/**
 * A device the user names (`mic:<name>`, `speaker:<name>`, `sox:<name>`, from a flag, the
 * environment or the config file) that ALSA does not have is refused before the call is
 * created: one line naming it, where it was set and the way out, exit 2, no call on Omnia. A
 * mistyped name used to be found only once the call was billed, which then went on deaf or
 * silent, exit 0. Devices that are there still work: PCMs of the user's ~/.asoundrc (file
 * devices here, the machine has no sound card), `plug:` in front of one, `default`. The
 * default mic, named by no one, keeps going on without a card as before. Through the built
 * CLI against the Omnia double, and a private PulseAudio for its sources and sinks.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { startSoundServer } from '../helpers/sound-server.js';
import { double, runAgainst } from '../omnia/helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];
const CALL = ['--plain', '--agent', 'agt_front', '--no-call-record', '--duration', '1'];
const LISTS = 'omnia-voice devices lists the ones there are: use one of them, or';

/**
 * A HOME whose ALSA has file devices (`/work/shared/alsa/asoundrc.example`): `outfile` writes
 * out.raw, `infile` reads zeros, `default` is the two of them.
 */
function fileDeviceHome(): string {
  const home = tempDir('omnia-named-dev-');
  writeFileSync(
    join(home, '.asoundrc'),
    [
      'pcm.!default { type asym playback.pcm "outfile" capture.pcm "infile" }',
      `pcm.outfile { type file slave.pcm "null" file "${join(home, 'out.raw')}" format "raw" }`,
      'pcm.infile { type file slave.pcm "null" file "/dev/null" infile "/dev/zero" format "raw" }',
      '',
    ].join('\n'),
  );
  return home;
}

describe('a device spec with nothing after its colon', () => {
  it('is refused, not taken for the default device (an empty variable in mic:$DEV)', async () => {
    const server = await double({ agents: AGENTS });
    const home = fileDeviceHome();
    for (const [flag, spec, allowed] of [
      ['--input', 'mic:', 'mic, mic:<device>, none, or a path to a .wav file'],
      [
        '--output',
        'speaker:',
        'speaker, speaker:<device>, sox, sox:<device>, none or a file ending in .wav',
      ],
      [
        '--output',
        'sox: ',
        'speaker, speaker:<device>, sox, sox:<device>, none or a file ending in .wav',
      ],
    ] as const) {
      const other = flag === '--input' ? ['--output', 'none'] : ['--input', 'none'];
      const run = await runAgainst(server, [...CALL, flag, spec, ...other], { home });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim()).toBe(
        `error: Invalid value for ${flag}: ${JSON.stringify(spec.trim())}. Allowed: ${allowed}.`,
      );
    }
    expect(server.calls).toHaveLength(0);
  });
});

describe('a named audio device that does not exist', () => {
  it('is refused before the call is created, exit 2, naming it and the way out', async () => {
    const server = await double({ agents: AGENTS });
    const home = fileDeviceHome();
    const cases: Array<[string[], string]> = [
      [
        ['--input', 'mic:nosuchdev', '--output', 'none'],
        `error: --input mic:nosuchdev: there is no capture device "nosuchdev" (ALSA knows no device of that name); ${LISTS} --input none for a call without a mic`,
      ],
      [
        ['--input', 'none', '--output', 'speaker:nosuch'],
        `error: --output speaker:nosuch: there is no playback device "nosuch" (ALSA knows no device of that name); ${LISTS} --output none for one without sound`,
      ],
      [
        ['--input', 'none', '--output', 'sox:hw:0,0'],
        `error: --output sox:hw:0,0: cannot use the playback device "hw:0,0" (ALSA cannot use sound card 0: it is not there, or this user may not open it); ${LISTS} --output none for one without sound`,
      ],
      [
        ['--input', 'mic:plughw:CARD=x,DEV=0', '--output', 'speaker:plug:nosuch'],
        `error: --input mic:plughw:CARD=x,DEV=0: cannot use the capture device "plughw:CARD=x,DEV=0" (ALSA cannot use sound card x: it is not there, or this user may not open it), and --output speaker:plug:nosuch: there is no playback device "plug:nosuch" (it leads to "nosuch", which ALSA does not know); ${LISTS} --input none for a call without a mic and --output none for one without sound`,
      ],
    ];
    for (const [args, line] of cases) {
      const run = await runAgainst(server, [...CALL, ...args], { home });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim()).toBe(line);
      expect(run.stdout).toBe('');
    }
    expect(server.calls).toHaveLength(0);
  }, 60_000);

  it('set in the environment or the config file, says where', async () => {
    const server = await double({ agents: AGENTS });
    const home = fileDeviceHome();
    const fromEnv = await runAgainst(server, [...CALL, '--output', 'none'], {
      home,
      env: { OMNIA_INPUT: 'mic:usb-mic' },
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(2);
    expect(fromEnv.stderr.trim()).toBe(
      `error: the input mic:usb-mic (OMNIA_INPUT in the environment): there is no capture device "usb-mic" (ALSA knows no device of that name); ${LISTS} --input none for a call without a mic`,
    );

    const dir = join(home, '.config', 'omnia-voice');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ output: 'speaker:headset' }));
    const fromConfig = await runAgainst(server, [...CALL, '--input', 'none'], { home });
    expect(fromConfig.code, fromConfig.stderr).toBe(2);
    expect(fromConfig.stderr.trim()).toBe(
      `error: the output speaker:headset (output in ${join(dir, 'config.json')}): there is no playback device "headset" (ALSA knows no device of that name); ${LISTS} --output none for one without sound`,
    );
    expect(server.calls).toHaveLength(0);
  }, 60_000);
});

describe('a named audio device that exists', () => {
  it('is called with, the mic and the speaker opened: PCMs of ~/.asoundrc, plug: before one, default', async () => {
    const server = await double({ agents: AGENTS });
    const home = fileDeviceHome();
    const outputs: Array<[string, string]> = [
      ['mic:infile', 'speaker:outfile'],
      ['mic:plug:infile', 'sox:outfile'],
      ['mic:default', 'speaker:default'],
    ];
    for (const [input, output] of outputs) {
      const out = join(home, 'out.raw');
      writeFileSync(out, '');
      const run = await runAgainst(server, [...CALL, '--input', input, '--output', output], {
        home,
      });
      const said = `${input} ${output}: ${run.stdout}${run.stderr}`;
      expect(run.code, said).toBe(0);
      expect(run.stdout, said).toContain('[call] connected');
      expect(run.stdout, said).not.toMatch(/no capture device|no audio output/);
      // The agent's greeting reached the device.
      expect(statSync(out).size, said).toBeGreaterThan(0);
    }
    expect(server.calls).toHaveLength(3);
  }, 90_000);
});

describe('devices named by no one, or that exist but do not answer', () => {
  it('go on as before: the default mic without a sound card, and pulse without its server', async () => {
    const server = await double({ agents: AGENTS });
    // No .asoundrc: ALSA's default is card 0, which this machine does not have.
    const home = tempDir('omnia-no-card-');
    for (const input of ['mic', 'mic:pulse']) {
      const run = await runAgainst(server, [...CALL, '--input', input, '--output', 'none'], {
        home,
        env: { PULSE_SERVER: `unix:${join(home, 'no-server')}` },
      });
      expect(run.code, `${input}: ${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('[call] connected');
      expect(run.stdout).toMatch(/^\[error\] no capture device: /m);
    }
    expect(server.calls).toHaveLength(2);
  }, 60_000);
});

describe('a sound server source or sink named after pulse:', () => {
  it('that the server does not have is refused; those it has are called with', async () => {
    const server = await startSoundServer();
    const omnia = await double({ agents: AGENTS });
    const home = tempDir('omnia-named-pulse-');
    try {
      const refused: Array<[string[], string]> = [
        [
          ['--input', 'mic:pulse:nosuchsrc', '--output', 'none'],
          `error: --input mic:pulse:nosuchsrc: there is no capture device "pulse:nosuchsrc" (the sound server has no source of that name); ${LISTS} --input none for a call without a mic`,
        ],
        [
          ['--input', 'none', '--output', 'speaker:pulse:nosuchsink'],
          `error: --output speaker:pulse:nosuchsink: there is no playback device "pulse:nosuchsink" (the sound server has no sink of that name); ${LISTS} --output none for one without sound`,
        ],
      ];
      for (const [args, line] of refused) {
        const run = await runAgainst(omnia, [...CALL, ...args], { home, env: server.env });
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
        expect(run.stderr.trim()).toBe(line);
      }
      expect(omnia.calls).toHaveLength(0);
      const args = ['--input', 'mic:pulse:mic', '--output', 'speaker:pulse:speaker'];
      const run = await runAgainst(omnia, [...CALL, ...args], { home, env: server.env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('[call] connected');
      expect(run.stdout).not.toMatch(/no capture device|no audio output/);
      expect(omnia.calls).toHaveLength(1);
    } finally {
      await server.close();
    }
  }, 60_000);
});
