import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toConfigError } from '../../source/config/errors.js';
import { readConfig } from '../../source/config/read.js';
import { ConfigError, openConfig } from '../../source/config/store.js';
import { tempDir } from './helpers.js';

const KEY = 'sk_live_VERYSECRET_1234abcd';

describe('openConfig', () => {
  it('saves typed values that survive reopening', () => {
    const dir = tempDir();
    const store = openConfig({ cwd: dir });
    expect(store.set('sampleRate', '16000')).toEqual({ key: 'sampleRate', value: 16_000 });
    store.set('echo-guard', 'off');
    store.set('transcript_format', 'JSONL');
    const reopened = openConfig({ cwd: dir });
    expect(reopened.get('sampleRate')).toBe(16_000);
    expect(reopened.get('echoGuard')).toBe(false);
    expect(reopened.get('transcriptFormat')).toBe('jsonl');
    expect(reopened.path).toBe(path.join(dir, 'config.json'));
  });

  it('writes the file readable by its owner only', () => {
    const store = openConfig({ cwd: tempDir() });
    store.set('apiKey', KEY);
    expect(fs.statSync(store.path).mode & 0o777).toBe(0o600);
  });

  it('refuses invalid values naming the key and the allowed values', () => {
    const store = openConfig({ cwd: tempDir() });
    expect(() => store.set('sampleRate', 'abc')).toThrow(
      new ConfigError(
        'Invalid value for sampleRate: "abc". Allowed: an integer from 8000 to 48000.',
      ),
    );
    expect(() => store.set('leadMs', '5')).toThrow(
      /leadMs: "5"\. Allowed: an integer from 25 to 500/,
    );
    expect(() => store.set('transcriptFormat', 'pdf')).toThrow(/Allowed: md, txt, json, jsonl\./);
    expect(() => store.set('apiBase', 'dashboard.omnia-voice.com')).toThrow(
      /Allowed: an http:\/\/ or https:\/\/ URL/,
    );
    expect(store.get('sampleRate')).toBeUndefined();
  });

  it('never repeats an invalid API key in the error', () => {
    const store = openConfig({ cwd: tempDir() });
    const bad = 'sk live with spaces 9876';
    let message = '';
    try {
      store.set('apiKey', bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Invalid value for apiKey');
    expect(message).not.toContain(bad);
  });

  it('refuses unknown keys with the list of known ones', () => {
    const store = openConfig({ cwd: tempDir() });
    expect(() => store.set('colour', 'blue')).toThrow(
      /Unknown setting "colour"\. Known settings: agentId, apiBase, apiKey, sampleRate/,
    );
    expect(() => store.unset('colour')).toThrow(ConfigError);
  });

  it('unset removes a saved value', () => {
    const store = openConfig({ cwd: tempDir() });
    store.set('agentId', 'agent-1');
    expect(store.unset('agentId')).toBe('agentId');
    expect(store.get('agentId')).toBeUndefined();
  });

  it('list shows saved values with the API key masked', () => {
    const store = openConfig({ cwd: tempDir() });
    store.set('apiKey', KEY);
    store.set('agentId', 'agent-1');
    const listed = store.list();
    expect(listed).toEqual([
      { key: 'agentId', value: 'agent-1' },
      { key: 'apiKey', value: '…abcd' },
    ]);
    expect(JSON.stringify(listed)).not.toContain(KEY);
    expect(store.values().apiKey).toBe(KEY);
  });

  it('explains a corrupt file with its path and how to fix it, without a stack trace', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), `{\n  "apiKey": "${KEY}",\n  oops\n}`);
    let caught: unknown;
    try {
      openConfig({ cwd: dir });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.message).toContain(path.join(dir, 'config.json'));
    expect(error.message).toContain('not valid JSON (line 3, column 3)');
    expect(error.message).toContain('delete it');
    expect(error.message).not.toContain(KEY);
    expect(error.stack).not.toMatch(/\n\s+at /);
  });

  it('an unquoted value, which V8 names no place for, is found by line and column', () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, `{\n  "leadMs": 60,\n  "echo": cancel,\n  "apiKey": "${KEY}"\n}\n`);
    let message = '';
    try {
      openConfig({ cwd: dir });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('not valid JSON (line 3, column 11)');
    expect(message).not.toContain(KEY);
    // Other faults the reader finds where V8 would: a missing comma, a bad escape, text after.
    for (const [text, where] of [
      ['{"a": 1 "b": 2}', '(line 1, column 9)'],
      ['{"a": "x\\q"}', '(line 1, column 10)'],
      ['{"a": 1}\n]', '(line 2, column 1)'],
      ['{"a": [1, 2,\n  tru]}', '(line 2, column 3)'],
    ]) {
      fs.writeFileSync(file, text as string);
      expect(() => openConfig({ cwd: dir }), text).toThrow(`not valid JSON ${where}`);
    }
  });

  it('a file cut off mid-value says where it ends and what is missing (V8 gives no position)', () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      `{\n  "apiKey": "${KEY}",\n  "sampleRate":\n\n`,
    );
    expect(() => openConfig({ cwd: dir })).toThrow(
      'not valid JSON (it ends too soon, at line 3: a closing } or " is missing)',
    );
  });

  it('explains a hand-edited value of the wrong type, naming the file and the key', () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, '{"sampleRate": "fast"}');
    expect(() => openConfig({ cwd: dir }).list()).toThrow(
      `Invalid value for sampleRate in ${file}: "fast" is text (in quotes), but sampleRate is a number: write an integer from 8000 to 48000, without quotes.`,
    );
  });
});

/**
 * A number or boolean saved as text (`"16000"`, `"true"`): a new-user trial was told 16000 is
 * not "an integer from 8000 to 48000". It is said to be text, with what to write instead, by a
 * call (`readConfig`) and `config` (conf) alike.
 */
describe('a value saved as the wrong JSON type says so, and what to write', () => {
  it.each([
    [
      '{"sampleRate": "16000"}',
      '"16000" is text (in quotes), but sampleRate is a number: write "sampleRate": 16000, without quotes (or run: omnia-voice config set sampleRate 16000).',
    ],
    [
      '{"echoGuard": "true"}',
      '"true" is text (in quotes), but echoGuard is true or false: write "echoGuard": true, without quotes (or run: omnia-voice config set echoGuard true).',
    ],
    [
      // The words of variables and flags are not the file's: what they mean is.
      '{"echoGuard": "no"}',
      '"no" is text (in quotes), but echoGuard is true or false: write "echoGuard": false, without quotes (or run: omnia-voice config set echoGuard false).',
    ],
    [
      '{"leadMs": " 80 "}',
      '"80" is text (in quotes), but leadMs is a number: write "leadMs": 80, without quotes (or run: omnia-voice config set leadMs 80).',
    ],
    [
      // Quoted and out of range: both are said, not "Allowed: …" alone.
      '{"serialBaud": "9"}',
      '"9" is text (in quotes), but serialBaud is a number: write an integer from 50 to 4000000, without quotes. Fix it with: omnia-voice config set serialBaud <value> (or config unset serialBaud).',
    ],
    [
      '{"echoGuard": 0}',
      '0 is a number, but echoGuard is true or false: write "echoGuard": false, without quotes (or run: omnia-voice config set echoGuard false).',
    ],
    [
      '{"agentId": 123}',
      '123 is a number, but agentId is text: write "agentId": "123", in quotes (or run: omnia-voice config set agentId 123).',
    ],
  ])('%s', (text, said) => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, text);
    const key = Object.keys(JSON.parse(text))[0];
    const expected = `Invalid value for ${key} in ${file}: ${said}`;
    expect(() => readConfig({ cwd: dir }).values()).toThrow(expected);
    expect(() => openConfig({ cwd: dir }).list()).toThrow(expected);
    expect(() => openConfig({ cwd: dir }).get('leadMs')).toThrow(expected);
  });

  it('a number saved as text in the key is not shown, whatever its type', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{"apiKey": 12345678901234}');
    expect(() => readConfig({ cwd: dir }).values()).toThrow(/apiKey in .*: a non-string value\./);
  });
});

/**
 * The config file as a call reads it (`readConfig`, without conf) and as `config list` reads it
 * (conf): the same file is refused by both with the same message, or used by both.
 */
describe('a call and the config command read the file alike', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['a number saved as a string', '{"sampleRate": "16000"}', 'Invalid value for sampleRate in'],
    ['an empty agent id', '{"agentId": ""}', 'Invalid value for agentId in'],
    ['a word for a boolean', '{"echoGuard": "no"}', 'Invalid value for echoGuard in'],
    [
      'a key with a space',
      '{"apiKey": "sk_live_BAD with space 9876"}',
      'Invalid value for apiKey in',
    ],
    ['an array', '[1, 2]', 'holds an array, not an object of settings'],
    ['null', 'null', 'holds null, not an object of settings'],
    ['a blank file', '  \n', undefined],
    ['good values', '{"sampleRate": 16000, "echoGuard": false}', undefined],
  ];
  it.each(cases)('%s', (_what, text, refusal) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), text);
    const outcome = (read: () => unknown) => {
      try {
        read();
        return 'used';
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
    };
    const byCall = outcome(() => readConfig({ cwd: dir }).values());
    const byCommand = outcome(() => openConfig({ cwd: dir }).list());
    expect(byCommand).toBe(byCall);
    if (refusal === undefined) expect(byCall).toBe('used');
    else expect(byCall).toContain(refusal);
    expect(byCall).not.toContain('BAD with space');
  });

  it('a value of the wrong type can be unset, and set right, through the command', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{"leadMs": "70", "sampleRate": "16000"}');
    const store = openConfig({ cwd: dir });
    store.unset('leadMs');
    store.set('sampleRate', '16000');
    expect(readConfig({ cwd: dir }).values()).toEqual({ sampleRate: 16_000 });
  });

  it('a file that is no object of settings is not overwritten by a set', () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, '[1, 2]');
    expect(() => openConfig({ cwd: dir }).set('leadMs', '70')).toThrow(/holds an array/);
    expect(fs.readFileSync(file, 'utf8')).toBe('[1, 2]');
  });
});

/**
 * A config file that cannot be opened says why in words, and what to do: a new-user trial with
 * a directory named config.json was told `(EISDIR). Check that you own it and its directory.`
 */
describe('a config file that cannot be opened says why in words', () => {
  /** What a call (`readConfig`) and `config` (conf) say of the file in `dir`: the same. */
  function refusal(dir: string): string {
    const said = (read: () => unknown) => {
      try {
        read();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error('the file was used');
    };
    const byCall = said(() => readConfig({ cwd: dir }).values());
    expect(said(() => openConfig({ cwd: dir }).list())).toBe(byCall);
    return byCall;
  }

  it('a directory where the file should be: it is one, remove or rename it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.mkdirSync(file);
    expect(refusal(dir)).toBe(
      `Cannot use the config file ${file}: it is a directory, not a file (EISDIR). Remove or rename that directory: "omnia-voice config set" then saves settings in a new file.`,
    );
  });

  it('a file where its directory should be: that file is named', () => {
    const top = tempDir();
    const dir = path.join(top, 'omnia-voice');
    fs.writeFileSync(dir, '');
    expect(refusal(dir)).toBe(
      `Cannot use the config file ${path.join(dir, 'config.json')}: ${dir} is a file, not a directory (ENOTDIR), so the config file cannot be inside it. Remove or rename ${dir}: "omnia-voice config set" then saves settings in a new file.`,
    );
  });

  it('a link in a loop', () => {
    const dir = tempDir();
    fs.symlinkSync('config.json', path.join(dir, 'config.json'));
    expect(refusal(dir)).toMatch(
      /: it, or a link on its path, is a loop of symbolic links \(ELOOP\)\. Remove the link, or point it at a file\.$/,
    );
  });

  it.each([
    ['EACCES', undefined, 'permission denied (EACCES). Check that you own it and its directory'],
    ['EPERM', '/c/config.json', 'permission denied (EPERM). Check that you own it'],
    ['EACCES', '/c/config.json.tmp-1', 'permission denied in its directory, /c (EACCES).'],
    ['EACCES', '/', 'permission denied on / (EACCES).'],
    ['EROFS', undefined, 'it is on a read-only file system (EROFS), where no setting can be saved'],
    ['ENOSPC', undefined, 'the disk is full (ENOSPC). Free some space, then try again.'],
    ['EDQUOT', undefined, 'the disk quota is exceeded (EDQUOT). Free some space'],
    ['ENAMETOOLONG', `/${'n'.repeat(300)}/config.json`, 'a folder name in the path is longer than'],
  ])('%s on %s', (code, where, said) => {
    const error = Object.assign(new Error(`${code}: x, open 'y'`), { code, path: where });
    const message = toConfigError(error, '/c/config.json').message;
    expect(message).toContain(`Cannot use the config file /c/config.json: ${said}`);
    expect(message).not.toMatch(/config\.json \(E/);
  });

  it('EACCES making its folder: the folder that refused is named, not the one not made', () => {
    const home = tempDir();
    const folder = path.join(home, '.config', 'omnia-voice');
    const error = Object.assign(new Error(`EACCES: permission denied, mkdir '${folder}'`), {
      code: 'EACCES',
      syscall: 'mkdir',
      path: folder,
    });
    expect(toConfigError(error, path.join(folder, 'config.json')).message).toBe(
      `Cannot use the config file ${path.join(folder, 'config.json')}: permission denied: its folder ${folder} cannot be made in ${home} (EACCES). Check that you own ${home} and may write in it, or use a config directory you may write in (on Linux, set XDG_CONFIG_HOME).`,
    );
  });

  it('another code: the system words, not the code alone', () => {
    const error = Object.assign(new Error("EIO: i/o error, open '/c/config.json'"), {
      code: 'EIO',
    });
    expect(toConfigError(error, '/c/config.json').message).toBe(
      'Cannot use the config file /c/config.json: i/o error (EIO). Check the file and its directory.',
    );
  });
});
