/**
 * Mistakes a new user makes with settings, as the built CLI says them (a new-user trial): a key
 * of the config file that is no setting is named beside the value that stops the run, a name
 * one letter off gets the "did you mean" a variable gets, and `config` alone is a mistake.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

const CALL = ['--plain', '--input', 'none', '--output', 'none', '--duration', '1'];

/** A HOME whose config file holds `text`; the file's path. */
function homeWithConfig(text: string): { home: string; file: string } {
  const home = tempDir();
  const file = join(home, '.config', 'omnia-voice', 'config.json');
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return { home, file };
}

function run(home: string, args: string[], env: Record<string, string> = {}) {
  return runCli(args, { env: cliEnv(home, env), timeoutMs: 15_000 });
}

describe('a key of the config file that is no setting, beside a value that stops the run', () => {
  it('is warned about before the error by a call, the API commands and config get, as config list does', async () => {
    const { home, file } = homeWithConfig('{"sampleRat": 16000, "leadMs": 5}');
    const ignored = `warning: Ignoring "sampleRat" in ${file}: not a setting`;
    const refused = `error: Invalid value for leadMs in ${file}: 5. Allowed: an integer from 25 to 500.`;
    for (const args of [CALL, ['agents'], ['config', 'get', 'leadMs'], ['config', 'list']]) {
      const result = await run(home, args);
      expect(result.code, args.join(' ')).toBe(args[0] === 'config' ? 1 : 2);
      const lines = result.stderr.split('\n');
      const warned = lines.findIndex((line) => line.startsWith(ignored));
      const stopped = lines.findIndex((line) => line.startsWith(refused));
      expect(warned, `${args.join(' ')}:\n${result.stderr}`).toBeGreaterThanOrEqual(0);
      expect(stopped, `${args.join(' ')}:\n${result.stderr}`).toBeGreaterThan(warned);
    }
  });

  it('a misspelled variable is still named when the bad value is in the config file', async () => {
    const { home } = homeWithConfig('{"leadMs": 5}');
    for (const args of [CALL, ['agents']]) {
      const result = await run(home, args, { OMNIA_SAMPLE_RAT: '1' });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^warning: Ignoring OMNIA_SAMPLE_RAT in the environment: did you mean OMNIA_SAMPLE_RATE\?\n[\s\S]*^error: Invalid value for leadMs in /m,
      );
    }
  });
});

describe('a setting name one or two letters off', () => {
  it('gets "did you mean" in the config file, by the rule variables follow', async () => {
    const { home, file } = homeWithConfig(
      JSON.stringify({ sampleRat: 1, serialBau: 1, inputSampleRat: 1, outptu: 1, leadM: 1 }),
    );
    const meant = {
      sampleRat: 'sampleRate',
      serialBau: 'serialBaud',
      inputSampleRat: 'inputSampleRate',
      outptu: 'output',
      leadM: 'leadMs',
    };
    const warnings = Object.entries(meant).map(
      ([typed, key]) =>
        `warning: Ignoring "${typed}" in ${file}: not a setting (did you mean ${key}?). Remove it with: omnia-voice config unset ${typed}`,
    );
    const list = await run(home, ['config', 'list']);
    expect(list.code).toBe(0);
    expect(list.stderr).toBe(`${warnings.join('\n')}\n`);
    const call = await run(home, CALL);
    expect(call.code, call.stderr).toBe(0);
    for (const warning of warnings) expect(call.stderr).toContain(warning);
    // Nothing close: no guess.
    const far = homeWithConfig('{"volume": 3}');
    expect((await run(far.home, ['config', 'list'])).stderr).toBe(
      `warning: Ignoring "volume" in ${far.file}: not a setting. Remove it with: omnia-voice config unset volume\n`,
    );
  });

  it('gets "did you mean" from config set, get and unset', async () => {
    const home = tempDir();
    const cases: Array<[string[], string, string]> = [
      [['set', 'sampleRat', '1'], 'sampleRat', 'sampleRate'],
      [['get', 'serialBau'], 'serialBau', 'serialBaud'],
      [['unset', 'leadM'], 'leadM', 'leadMs'],
      [['get', 'outptu'], 'outptu', 'output'],
    ];
    for (const [args, typed, key] of cases) {
      const result = await run(home, ['config', ...args]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^error: Unknown setting "${typed}"\\. Did you mean ${key}\\? Known settings: `),
      );
    }
    const far = await run(home, ['config', 'get', 'volume']);
    expect(far.stderr).toMatch(/^error: Unknown setting "volume"\. Known settings: /);
    // Too far for a typo, but its words are in one setting, or in a few.
    const words: Array<[string, string]> = [
      ['inputRate', 'inputSampleRate'],
      ['output-rate', 'outputSampleRate'],
      ['baud', 'serialBaud'],
      ['rate', 'sampleRate, inputSampleRate or outputSampleRate'],
      ['serial', 'serialPath or serialBaud'],
    ];
    for (const [typed, meant] of words) {
      const result = await run(home, ['config', 'set', typed, '8000']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`error: Unknown setting "${typed}". Did you mean ${meant}? `);
    }
  });
});

describe('a key of the config file that is no setting, removed as its warning says', () => {
  it('config unset takes it out of the file, leaving the setting it was near, and the warning stops', async () => {
    const { home, file } = homeWithConfig('{"leadMS": 80, "leadMs": 90, "volume": 3}');
    const before = await run(home, ['config', 'list']);
    expect(before.stderr).toContain(
      `warning: Ignoring "leadMS" in ${file}: not a setting (did you mean leadMs?). Remove it with: omnia-voice config unset leadMS\n`,
    );
    const removed = await run(home, ['config', 'unset', 'leadMS']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(`Removed "leadMS" from ${file}: it was not a setting.\n`);
    // The setting a letter away is kept; the other stray one is still warned about.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ leadMs: 90, volume: 3 });
    const after = await run(home, ['config', 'list']);
    expect(after.stderr).not.toContain('leadMS');
    expect(after.stderr).toContain('Ignoring "volume"');
    expect(after.stdout).toMatch(/^leadMs +90$/m);
    // The setting's own name still unsets the setting.
    const setting = await run(home, ['config', 'unset', 'lead-ms']);
    expect(setting.stdout).toMatch(/^Removed leadMs; it is now the default/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ volume: 3 });
  });
});

describe('config with no command', () => {
  it('is a mistake: said on stderr with the usage, nothing on stdout, exit 2', async () => {
    const result = await run(tempDir(), ['config']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe(
      'error: config needs a command: omnia-voice config <command> (the commands are below).',
    );
    expect(lines[1]).toBe('Usage: omnia-voice config <command>');
  });
});
