/**
 * Settings as a new user meets them, through the built CLI with a temporary HOME: the place a
 * value comes from is the one that wins (flags > environment > .env > config file), and what
 * `config` says of a value is what a call does with it.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import {
  type SoundServer,
  soundServerAvailable,
  startSoundServer,
} from '../helpers/sound-server.js';
import { double, QUIET_CALL, requestsTo, runAgainst } from '../omnia/helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];

/** `omnia-voice config ARGS` in `home`. */
function config(home: string, ...args: string[]) {
  return runCli(['config', ...args], { env: cliEnv(home), timeoutMs: 15_000 });
}

/** A one-second call to the local agent with `-v`: its `echo:` line. */
async function echoLine(
  home: string,
  env: Record<string, string>,
  devices = ['--input', 'none', '--output', 'none'],
): Promise<string | undefined> {
  const run = await runCli(['--plain', ...devices, '--duration', '1', '-v'], {
    env: cliEnv(home, env),
    timeoutMs: 30_000,
  });
  expect(run.code, run.stderr).toBe(0);
  return /^\[info\] (echo: .*)$/m.exec(run.stdout)?.[1];
}

describe('a general flag over a saved specific setting', () => {
  it('--sample-rate sets both directions over a saved inputSampleRate; --input-rate still beats it', async () => {
    const server = await double({ agents: AGENTS });
    const home = tempDir();
    expect((await config(home, 'set', 'inputSampleRate', '48000')).code).toBe(0);
    const call = ['--agent', 'agt_front', ...QUIET_CALL, '--duration', '1', '--no-call-record'];
    const first = await runAgainst(server, [...call, '--sample-rate', '16000'], { home });
    expect(first.code, first.stderr).toBe(0);
    const second = await runAgainst(
      server,
      [...call, '--sample-rate', '16000', '--input-rate', '24000'],
      { home },
    );
    expect(second.code, second.stderr).toBe(0);
    const rates = requestsTo(server, 'POST', /\/calls\/create$/).map((r) => {
      const { inputSampleRate, outputSampleRate } = JSON.parse(r.body).websocket;
      return [inputSampleRate, outputSampleRate];
    });
    expect(rates).toEqual([
      [16_000, 16_000],
      [24_000, 16_000],
    ]);
  });
});

describe('why echo is off', () => {
  it('with no microphone, whatever turned it off: the input is not a microphone', async () => {
    const home = tempDir();
    const none = 'echo: off (the input is not a microphone)';
    expect(await echoLine(home, { OMNIA_ECHO: 'off' })).toBe(none);
    expect(await echoLine(home, { OMNIA_ECHO_GUARD: 'false' })).toBe(none);
    expect((await config(home, 'set', 'echoGuard', 'no')).code).toBe(0);
    expect(await echoLine(home, {})).toBe(none);
  });

  describe.skipIf(!soundServerAvailable())('with a microphone and a loudspeaker', () => {
    let sound: SoundServer | undefined;
    afterAll(async () => {
      await sound?.close();
    });

    it('names the variable, or the config file, that turned it off, never a flag not given', async () => {
      sound = await startSoundServer();
      const home = sound.env.HOME ?? tempDir();
      const devices = ['--input', 'mic', '--output', 'speaker'];
      expect(await echoLine(home, { ...sound.env, OMNIA_ECHO: 'off' }, devices)).toBe(
        'echo: off (turned off by OMNIA_ECHO in the environment)',
      );
      const set = await runCli(['config', 'set', 'echoGuard', 'no'], {
        env: cliEnv(home, sound.env),
      });
      expect(set.code, set.stderr).toBe(0);
      const file = join(home, '.config', 'omnia-voice', 'config.json');
      expect(await echoLine(home, sound.env, devices)).toBe(
        `echo: off (turned off by echoGuard in ${file})`,
      );
    });
  });
});
