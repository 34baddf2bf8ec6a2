/**
 * Settings as a new user meets them, through the built CLI with a temporary HOME: the place a
 * value comes from is the one that wins (flags > environment > .env > config file), and what
 * `config` says of a value is what a call does with it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import { monoWav, silence } from '../helpers/signal.js';
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

describe('config get and list say what a call does with the environment and .env', () => {
  it('a .env or environment value a call refuses is said to be invalid, in the words of the call', async () => {
    const home = tempDir();
    writeFileSync(join(home, '.env'), 'OMNIA_LEAD_MS=lots\n');
    const call = await runCli(
      ['--plain', '--input', 'none', '--output', 'none', '--duration', '1'],
      {
        env: cliEnv(home),
        timeoutMs: 15_000,
      },
    );
    expect(call.code).toBe(2);
    const refusal = /^error: (Invalid value for OMNIA_LEAD_MS in .*)$/m.exec(call.stderr)?.[1];
    expect(refusal).toBe(
      `Invalid value for OMNIA_LEAD_MS in ${join(home, '.env')}: "lots". Allowed: an integer from 25 to 500.`,
    );
    for (const args of [['get', 'leadMs'], ['list']]) {
      const run = await config(home, ...args);
      expect(run.stderr).toContain(`warning: ${refusal} Calls and commands refuse it`);
      expect(run.stderr).not.toContain('sets leadMs to');
    }
    const fromEnv = await runCli(['config', 'get', 'leadMs'], {
      env: cliEnv(tempDir(), { OMNIA_LEAD_MS: 'lots' }),
      timeoutMs: 15_000,
    });
    expect(fromEnv.stderr).toContain(
      'warning: Invalid value for OMNIA_LEAD_MS in the environment: "lots". Allowed: an integer from 25 to 500.',
    );
  });

  it('config get echo says OMNIA_ECHO_GUARD=false turns a saved echo off, as a call does', async () => {
    const home = tempDir();
    expect((await config(home, 'set', 'echo', 'guard')).code).toBe(0);
    const run = await runCli(['config', 'get', 'echo'], {
      env: cliEnv(home, { OMNIA_ECHO_GUARD: 'false' }),
      timeoutMs: 15_000,
    });
    expect(run.stdout.trim()).toBe('guard');
    expect(run.stderr).toContain(
      'note: OMNIA_ECHO_GUARD in the environment sets echoGuard to false for calls and commands, over the config file, so echo is off.',
    );
    // true changes nothing: no note.
    const kept = await runCli(['config', 'get', 'echo'], {
      env: cliEnv(home, { OMNIA_ECHO_GUARD: 'true' }),
      timeoutMs: 15_000,
    });
    expect(kept.stderr).not.toContain('note:');
  });

  it('config get echo and list say echo is off where echoGuard false turns it off, and why', async () => {
    const home = tempDir();
    expect((await config(home, 'set', 'echoGuard', 'no')).code).toBe(0);
    const file = join(home, '.config', 'omnia-voice', 'config.json');
    // The file alone turns echo off: its value is off, not the default a call does not use.
    const get = await config(home, 'get', 'echo');
    expect(get.stdout).toBe('off\n');
    expect(get.stderr).toContain(`note: echo is off because echoGuard is false in ${file}.`);
    const list = await config(home, 'list');
    expect(list.stdout).toMatch(/^echo {2,}off {2}\(echoGuard false\)$/m);
    expect(list.stdout).not.toMatch(/^echo .*cancel/m);
    // OMNIA_ECHO_GUARD=true or OMNIA_ECHO over it: stdout stays the file's, and one note says
    // why it is off there and what calls use instead.
    const undone = await runCli(['config', 'get', 'echo'], {
      env: cliEnv(home, { OMNIA_ECHO_GUARD: 'true' }),
      timeoutMs: 15_000,
    });
    expect(undone.stdout).toBe('off\n');
    expect(undone.stderr).toBe(
      `note: echo is off in ${file} because echoGuard is false there; for calls and commands, OMNIA_ECHO_GUARD in the environment sets echoGuard to true over it, so they use echo cancel.\n`,
    );
    const guarded = await runCli(['config', 'get', 'echo'], {
      env: cliEnv(home, { OMNIA_ECHO: 'guard' }),
      timeoutMs: 15_000,
    });
    expect(guarded.stdout).toBe('off\n');
    expect(guarded.stderr).toBe(
      `note: echo is off in ${file} because echoGuard is false there; for calls and commands, OMNIA_ECHO in the environment sets echo to guard over it.\n`,
    );
    // From the environment over an empty file: the file says cancel, calls have off, and why.
    const fresh = tempDir();
    for (const args of [['get', 'echo'], ['list']]) {
      const run = await runCli(['config', ...args], {
        env: cliEnv(fresh, { OMNIA_ECHO_GUARD: 'false' }),
        timeoutMs: 15_000,
      });
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(
        'note: OMNIA_ECHO_GUARD in the environment sets echoGuard to false for calls and commands, over the config file, so echo is off.',
      );
    }
  });

  it('a misspelled variable, in the environment or .env, gets the did-you-mean a call gives', async () => {
    const home = tempDir();
    const run = await runCli(['config', 'list'], {
      env: cliEnv(home, { OMNIA_LEADMS: '5' }),
      timeoutMs: 15_000,
    });
    expect(run.stderr).toContain(
      'warning: Ignoring OMNIA_LEADMS in the environment: did you mean OMNIA_LEAD_MS?',
    );
    writeFileSync(join(home, '.env'), 'OMNIA_LEADMS=5\n');
    expect((await config(home, 'get', 'leadMs')).stderr).toContain(
      `warning: Ignoring OMNIA_LEADMS in ${join(home, '.env')}: did you mean OMNIA_LEAD_MS?`,
    );
    // A call a refused value stops still says it: the misspelling may be the cause.
    writeFileSync(join(home, '.env'), 'OMNIA_AGENTID=demo\nOMNIA_LEAD_MS=lots\n');
    const call = await runCli(['--plain', '--input', 'none', '--output', 'none'], {
      env: cliEnv(home),
      timeoutMs: 15_000,
    });
    expect(call.code).toBe(2);
    expect(call.stderr).toContain(
      `warning: Ignoring OMNIA_AGENTID in ${join(home, '.env')}: did you mean OMNIA_AGENT_ID?`,
    );
    expect(call.stderr).toMatch(/^error: Invalid value for OMNIA_LEAD_MS/m);
  });
});

describe('--save-transcripts with a transcript folder that cannot be used', () => {
  it('is refused before the call (exit 2), naming where the folder was set and why', async () => {
    const home = tempDir();
    const file = join(home, 'env.sh');
    // Set while nothing was there (config set refuses a file), a file there since.
    expect((await config(home, 'set', 'transcriptDir', file)).code).toBe(0);
    writeFileSync(file, 'export A=1\n');
    const save = ['--plain', '--input', 'none', '--output', 'none', '--duration', '1'];
    const run = await runCli([...save, '--save-transcripts'], {
      env: cliEnv(home),
      timeoutMs: 15_000,
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const configFile = join(home, '.config', 'omnia-voice', 'config.json');
    expect(run.stderr.trim()).toBe(
      `error: --save-transcripts cannot save in ${file} (transcriptDir in ${configFile}): it is a file, not a folder; set another folder (omnia-voice config set transcriptDir <folder>, or OMNIA_TRANSCRIPT_DIR)`,
    );
    // A folder that cannot be made is said so, not "does not exist" (the app makes folders).
    const proc = await runCli([...save, '--save-transcripts'], {
      env: cliEnv(home, { OMNIA_TRANSCRIPT_DIR: '/proc/omnia-nope' }),
      timeoutMs: 15_000,
    });
    expect(proc.code).toBe(2);
    expect(proc.stderr).toContain(
      '(OMNIA_TRANSCRIPT_DIR in the environment): the folder /proc/omnia-nope cannot be made there (/proc takes no new folders)',
    );
    // A folder that is there but takes no files is said so, not "does not exist" either.
    const proc1 = await runCli([...save, '--save-transcripts'], {
      env: cliEnv(home, { OMNIA_TRANSCRIPT_DIR: '/proc/1' }),
      timeoutMs: 15_000,
    });
    expect(proc1.code).toBe(2);
    expect(proc1.stderr).toMatch(
      /\(OMNIA_TRANSCRIPT_DIR in the environment\): (the folder \/proc\/1 takes no new files|permission denied)/,
    );
    expect(proc1.stderr).not.toContain('does not exist');
    // Without --save-transcripts nothing is saved there, and nothing is refused.
    expect((await runCli(save, { env: cliEnv(home), timeoutMs: 15_000 })).code).toBe(0);
    // A folder that is missing is made, as the save makes it, and the transcript lands in it.
    const made = join(home, 'calls', 'new');
    const saved = await runCli([...save, '--save-transcripts'], {
      env: cliEnv(home, { OMNIA_TRANSCRIPT_DIR: made }),
      timeoutMs: 15_000,
    });
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout + saved.stderr).toContain(`Transcript: ${made}/`);
    expect(existsSync(made)).toBe(true);
  });
});

describe('~ in path settings from the environment, .env and the config file', () => {
  it('is the home folder for every path setting, as after a path flag', async () => {
    const home = tempDir();
    writeFileSync(join(home, 'hello.wav'), monoWav(silence(500, 16_000), 16_000));
    // The input from the environment, the output from .env, the transcript folder from the file.
    writeFileSync(join(home, '.env'), 'OMNIA_OUTPUT=~/out.wav\n');
    const configDir = join(home, '.config', 'omnia-voice');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'config.json'), '{"transcriptDir": "~/calls"}');
    const run = await runCli(
      ['--plain', '--duration', '1', '--save-transcripts', '--sample-rate', '16000'],
      {
        env: cliEnv(home, { OMNIA_INPUT: '~/hello.wav', OMNIA_SERIAL: '~/ttyQ' }),
        timeoutMs: 30_000,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(join(home, 'out.wav')).size).toBeGreaterThan(44);
    expect(run.stdout + run.stderr).toContain(`Transcript: ${join(home, 'calls')}/`);
    expect(run.stdout).toContain(`serial device ${join(home, 'ttyQ')} does not exist`);
    expect(existsSync(join(home, '~'))).toBe(false);
  });
});

describe('a config file holding the API key that other users can read', () => {
  it('gets the chmod 600 warning a .env gets, without the key', async () => {
    const server = await double({ agents: AGENTS });
    const home = tempDir();
    const file = (await config(home, 'path')).stdout.trim();
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, '{"apiKey": "sk-test-readable-by-all-0042"}');
    chmodSync(file, 0o644);
    const run = await runCli(['agents', '--api-base', server.baseUrl], {
      env: cliEnv(home),
      timeoutMs: 15_000,
    });
    expect(run.stderr).toContain(
      `warning: ${file} holds the API key and other users can read it: run chmod 600 ${file}.`,
    );
    expect(run.stdout + run.stderr).not.toContain('sk-test-readable-by-all-0042');
    chmodSync(file, 0o600);
    const private_ = await runCli(['agents', '--api-base', server.baseUrl], {
      env: cliEnv(home),
      timeoutMs: 15_000,
    });
    expect(private_.stderr).not.toContain('other users can read it');
  });
});

describe('config unset and set say what happened', () => {
  it('a relative transcriptDir is saved as the folder it names where config set ran', async () => {
    const home = tempDir();
    const run = await runCli(['config', 'set', 'transcriptDir', 'notes/calls'], {
      env: cliEnv(home),
      cwd: home,
      timeoutMs: 15_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`Saved transcriptDir = ${join(home, 'notes', 'calls')}`);
    expect((await config(home, 'get', 'transcriptDir')).stdout.trim()).toBe(
      join(home, 'notes', 'calls'),
    );
  });

  it('config set refuses a transcript folder that is a file and a WAV path that is a folder or missing, and saves WAV paths whole', async () => {
    const home = tempDir();
    const file = join(home, 'notes.txt');
    writeFileSync(file, 'mine\n');
    const dir = await config(home, 'set', 'transcriptDir', file);
    expect(dir.code).toBe(2);
    expect(dir.stderr.trim()).toBe(
      `error: Invalid value for transcriptDir: ${file} is a file, not a folder.`,
    );
    const folderIn = await config(home, 'set', 'input', '~');
    expect(folderIn.code).toBe(2);
    expect(folderIn.stderr.trim()).toBe(
      `error: Invalid value for input: ${home} is a folder, not a WAV file.`,
    );
    const missing = await config(home, 'set', 'input', '~/nothere.wav');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(
      `error: Invalid value for input: ${join(home, 'nothere.wav')} does not exist.`,
    );
    const folderOut = join(home, 'out.wav');
    mkdirSync(folderOut);
    const out = await config(home, 'set', 'output', folderOut);
    expect(out.code).toBe(2);
    expect(out.stderr.trim()).toBe(
      `error: Invalid value for output: ${folderOut} is a folder, not a WAV file.`,
    );
    const listed = (await config(home, 'list')).stdout;
    for (const key of ['input', 'output', 'transcriptDir']) {
      expect(listed).toMatch(new RegExp(`^${key} .*\\(default\\)$`, 'm'));
    }
    writeFileSync(join(home, 'voice.wav'), monoWav(silence(100, 16000), 16000));
    const run = await runCli(['config', 'set', 'input', 'voice.wav'], {
      env: cliEnv(home),
      cwd: home,
      timeoutMs: 15_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`Saved input = ${join(home, 'voice.wav')}`);
    const heard = await runCli(['config', 'set', 'output', 'heard.wav'], {
      env: cliEnv(home),
      cwd: home,
      timeoutMs: 15_000,
    });
    expect(heard.stdout.trim()).toBe(`Saved output = ${join(home, 'heard.wav')}`);
  });

  it('unset of a setting not saved says so; set of an empty value says it is empty, not masked', async () => {
    const home = tempDir();
    expect((await config(home, 'set', 'leadMs', '100')).code).toBe(0);
    expect((await config(home, 'unset', 'leadMs')).stdout).toBe(
      'Removed leadMs; it is now the default, 60.\n',
    );
    const file = (await config(home, 'path')).stdout.trim();
    const again = await config(home, 'unset', 'leadMs');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`leadMs was not set in ${file}: nothing to remove.\n`);
    const empty = await config(home, 'set', 'apiKey', '');
    expect(empty.code).toBe(2);
    expect(empty.stderr.trim()).toBe(
      'error: Invalid value for apiKey: it is empty. Give a value, or remove a saved one with: omnia-voice config unset apiKey.',
    );
  });
});

/**
 * A config file a new user got wrong, as a call and `config list` say it: a quoted number is
 * text, a directory in the file's place is one, and every line says `error:` or `warning:`.
 */
describe('a bad config file, through the CLI', () => {
  const callArgs = ['--plain', '--input', 'none', '--output', 'none', '--duration', '1'];
  const fileIn = (home: string) => join(home, '.config', 'omnia-voice', 'config.json');

  it('values saved in quotes: each is an error line saying it is text, for a call and config list', async () => {
    const home = tempDir();
    const file = fileIn(home);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, '{"sampleRate": "16000", "echoGuard": "true", "bogusKey": 1}');
    const sampleRate = `error: Invalid value for sampleRate in ${file}: "16000" is text (in quotes), but sampleRate is a number: write "sampleRate": 16000, without quotes (or run: omnia-voice config set sampleRate 16000).`;
    const echoGuard = `error: Invalid value for echoGuard in ${file}: "true" is text (in quotes), but echoGuard is true or false: write "echoGuard": true, without quotes (or run: omnia-voice config set echoGuard true).`;
    const ignored = `warning: Ignoring "bogusKey" in ${file}: not a setting. Remove it with: omnia-voice config unset bogusKey`;
    const call = await runCli(callArgs, { env: cliEnv(home), timeoutMs: 15_000 });
    expect(call.code).toBe(2);
    expect(call.stderr).toBe(`${ignored}\n${sampleRate}\n${echoGuard}\n`);
    const list = await config(home, 'list');
    expect(list.code).toBe(1);
    // Every setting listed, the two in quotes marked where they are, with what to write.
    expect(list.stdout).toMatch(
      /^sampleRate +invalid: "16000" is text \(in quotes\), but sampleRate is a number: write "sampleRate": 16000, without quotes\.$/m,
    );
    expect(list.stdout).toMatch(/^echoGuard +invalid: "true" is text \(in quotes\)/m);
    expect(list.stdout).toMatch(/^leadMs +60 {2}\(default\)$/m);
    expect(list.stderr).toBe(`${ignored}\n${sampleRate}\n${echoGuard}\n`);
  });

  it('HOME or XDG_CONFIG_HOME naming a file: the variable is what to change, not the file', async () => {
    const dir = tempDir();
    const notAFolder = join(dir, 'voice.wav');
    writeFileSync(notAFolder, 'RIFF');
    const home = { ...cliEnv(notAFolder) };
    delete home.XDG_CONFIG_HOME;
    const call = await runCli(callArgs, { env: home, cwd: dir, timeoutMs: 15_000 });
    expect(call.code).toBe(2);
    expect(call.stderr).toBe(
      `error: Cannot use the config file ${notAFolder}/.config/omnia-voice/config.json: HOME is ${notAFolder}, a file, not a directory (ENOTDIR), so the config file cannot be under it. Set HOME to your home folder (or XDG_CONFIG_HOME to a folder for settings).\n`,
    );
    const xdg = await runCli(['config', 'list'], {
      env: cliEnv(dir, { XDG_CONFIG_HOME: notAFolder }),
      cwd: dir,
      timeoutMs: 15_000,
    });
    expect(xdg.stderr).toContain(
      `XDG_CONFIG_HOME is ${notAFolder}, a file, not a directory (ENOTDIR), so the config file cannot be under it. Set XDG_CONFIG_HOME to a folder, or unset it.`,
    );
    expect(readFileSync(notAFolder, 'utf8')).toBe('RIFF');
  });

  it('a directory named config.json: it is a directory, remove or rename it', async () => {
    const home = tempDir();
    const file = fileIn(home);
    mkdirSync(file, { recursive: true });
    const said = `error: Cannot use the config file ${file}: it is a directory, not a file (EISDIR). Remove or rename that directory: "omnia-voice config set" then saves settings in a new file.\n`;
    const call = await runCli(callArgs, { env: cliEnv(home), timeoutMs: 15_000 });
    expect(call.stderr).toBe(said);
    for (const args of [['list'], ['set', 'leadMs', '80']]) {
      const run = await config(home, ...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(said);
    }
  });
});
