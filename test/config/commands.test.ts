import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runConfigCommand } from '../../source/config/commands.js';
import { openConfig } from '../../source/config/store.js';
import { tempDir } from './helpers.js';

const KEY = 'sk_live_COMMANDSECRET_1234abcd';

function run(args: string[], store = openConfig({ cwd: tempDir() })) {
  const lines: string[] = [];
  const code = runConfigCommand(args, (line) => lines.push(line), store);
  return { code, lines, store };
}

/**
 * A config command runner for `store` that keeps stdout in `lines` and stderr in `errs`, with
 * the environment's `overrides` (as a call's settings give them).
 */
function speaker(
  store: ReturnType<typeof openConfig>,
  overrides?: Parameters<typeof runConfigCommand>[4],
): { lines: string[]; errs: string[]; say: (args: string[]) => number } {
  const lines: string[] = [];
  const errs: string[] = [];
  const say = (args: string[]) =>
    runConfigCommand(
      args,
      (l) => lines.push(l),
      store,
      (l) => errs.push(l),
      overrides,
    );
  return { lines, errs, say };
}

describe('config command', () => {
  it('set then get round-trips a value', () => {
    const { code, lines, store } = run(['set', 'sample-rate', '16000']);
    expect(code).toBe(0);
    expect(lines).toEqual(['Saved sampleRate = 16000']);
    expect(run(['get', 'sampleRate'], store)).toMatchObject({ code: 0, lines: ['16000'] });
    // The per-direction rates follow it.
    expect(run(['get', 'inputSampleRate'], store).lines).toEqual(['16000']);
  });

  it('set apiKey warns that the environment is recommended and never echoes the key', () => {
    const { code, lines, store } = run(['set', 'apiKey', KEY]);
    expect(code).toBe(0);
    // As every other warning line is written: `warning:`.
    expect(lines[0]).toMatch(/^warning: .*OMNIA_API_KEY in the environment or a \.env file/);
    expect(lines[1]).toBe('Saved apiKey = …abcd');
    expect(run(['get', 'apiKey'], store).lines).toEqual(['…abcd']);
    const listed = run(['list'], store).lines.join('\n');
    expect(listed).toContain('…abcd');
    expect(listed).not.toContain(KEY);
    expect(lines.join('\n')).not.toContain(KEY);
  });

  it('list shows saved values, defaults and the file', () => {
    const { store } = run(['set', 'agentId', 'agent-9']);
    const { code, lines } = run(['list'], store);
    expect(code).toBe(0);
    expect(lines).toContainEqual(expect.stringMatching(/^agentId\s+agent-9$/));
    expect(lines).toContainEqual(expect.stringMatching(/^leadMs\s+60 {2}\(default\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^serialPath\s+\(not set\)$/));
    expect(lines.at(-1)).toBe(`File: ${store.path}`);
  });

  // `config set output speakers` said only `Allowed: speaker, …`, while an unknown setting got
  // "did you mean": a setting with a fixed set of values names the closest one.
  it('a value close to an allowed one is named: did you mean speaker?', () => {
    const refused = (key: string, value: string) => {
      const { code, lines } = run(['set', key, value]);
      expect(code).toBe(2);
      return lines[0];
    };
    expect(refused('output', 'speakers')).toBe(
      'error: Invalid value for output: "speakers". Did you mean speaker? Allowed: speaker, speaker:<device>, sox, sox:<device>, none or a file ending in .wav.',
    );
    expect(refused('output', 'speakr:USB Audio')).toContain(
      '"speakr:USB Audio". Did you mean speaker:USB Audio? Allowed:',
    );
    expect(refused('input', 'mik')).toContain('"mik". Did you mean mic? Allowed:');
    expect(refused('echo', 'gaurd')).toBe(
      'error: Invalid value for echo: "gaurd". Did you mean guard? Allowed: cancel, guard, off.',
    );
    expect(refused('transcriptFormat', 'markdown')).toContain('Did you mean md?');
    expect(refused('transcriptFormat', 'jsnl')).toContain('Did you mean jsonl?');
    expect(refused('echoGuard', 'ture')).toContain('Did you mean true?');
    // Nothing close, or a file name: no guess.
    expect(refused('output', 'foo')).toBe(
      'error: Invalid value for output: "foo". Allowed: speaker, speaker:<device>, sox, sox:<device>, none or a file ending in .wav.',
    );
    expect(refused('input', 'mic.wv')).not.toContain('Did you mean');
  });

  it('get of a setting with a default prints the default', () => {
    expect(run(['get', 'transcriptFormat'])).toMatchObject({ code: 0, lines: ['md'] });
  });

  it('refuses invalid values and unknown keys with exit code 2', () => {
    expect(run(['set', 'sampleRate', 'abc'])).toMatchObject({
      code: 2,
      lines: [
        'error: Invalid value for sampleRate: "abc". Allowed: an integer from 8000 to 48000.',
      ],
    });
    const unknown = run(['get', 'volume']);
    expect(unknown.code).toBe(2);
    expect(unknown.lines[0]).toMatch(
      /^error: Unknown setting "volume"\. Known settings: agentId, /,
    );
  });

  it('unset goes back to the default', () => {
    const { store } = run(['set', 'leadMs', '80']);
    expect(run(['unset', 'leadMs'], store)).toMatchObject({
      code: 0,
      lines: ['Removed leadMs; it is now the default, 60.'],
    });
    expect(run(['get', 'leadMs'], store).lines).toEqual(['60']);
  });

  it('path prints the config file location', () => {
    const { code, lines, store } = run(['path']);
    expect(code).toBe(0);
    expect(lines).toEqual([store.path]);
  });

  it('bad usage prints the usage and exits 2', () => {
    for (const args of [[], ['frobnicate'], ['set', 'agentId'], ['get', 'a', 'b']]) {
      const { code, lines } = run(args);
      expect(code).toBe(2);
      expect(lines.join('\n')).toContain('Usage: omnia-voice config');
    }
    expect(run(['help']).code).toBe(0);
  });

  it('reports a config file corrupted after opening and exits 1', () => {
    const { store } = run(['set', 'agentId', 'agent-1']);
    fs.writeFileSync(store.path, '{ not json');
    const { code, lines } = run(['list'], store);
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(/^error: The config file .* is not valid JSON/)]);
  });

  it('get says on stderr when nothing is set, and what the environment sets over the file', () => {
    const store = openConfig({ cwd: tempDir() });
    const overrides = [
      {
        key: 'sampleRate' as const,
        source: 'env' as const,
        where: 'OMNIA_SAMPLE_RATE in the environment',
        raw: '8000',
      },
      {
        key: 'apiKey' as const,
        source: 'dotenv' as const,
        where: 'OMNIA_API_KEY in /x/.env',
        raw: KEY,
      },
      {
        key: 'serialPath' as const,
        source: 'dotenv' as const,
        where: 'OMNIA_SERIAL_PATH in /x/.env',
        raw: 'a\u001b]0;T\u0007\nb',
      },
    ];
    const { lines, errs, say } = speaker(store, overrides);
    expect(say(['get', 'agentId'])).toBe(1);
    expect(lines).toEqual([]);
    expect(errs).toEqual([`agentId is not set in ${store.path}, and has no default.`]);
    errs.length = 0;
    expect(say(['get', 'sampleRate'])).toBe(0);
    expect(lines).toEqual(['48000']);
    expect(errs).toEqual([
      'note: OMNIA_SAMPLE_RATE in the environment sets sampleRate to 8000 for calls and commands, over the config file.',
    ]);
    errs.length = 0;
    // A per-direction rate follows sampleRate: the override of sampleRate is its own.
    expect(say(['get', 'inputSampleRate'])).toBe(0);
    expect(errs).toEqual([expect.stringContaining('sets sampleRate to 8000')]);
    errs.length = 0;
    expect(say(['list'])).toBe(0);
    expect(errs.join('\n')).toContain('OMNIA_API_KEY in /x/.env sets apiKey to …abcd');
    expect(errs.join('\n')).toContain('OMNIA_SERIAL_PATH in /x/.env sets serialPath to "a b" for');
    expect(errs.join('\n')).not.toContain(KEY);
  });

  it('says error: and warning: on every line, as a call does (a new-user trial saw neither)', () => {
    const store = openConfig({ cwd: tempDir() });
    fs.writeFileSync(store.path, '{"bogusKey": 1, "leadMs": 9, "sampleRate": "16000"}');
    const { lines, errs, say } = speaker(store);
    expect(say(['list'])).toBe(1);
    expect(lines).toContain('leadMs            invalid: 9. Allowed: an integer from 25 to 500.');
    expect(errs).toEqual([
      `warning: Ignoring "bogusKey" in ${store.path}: not a setting. Remove it with: omnia-voice config unset bogusKey`,
      expect.stringMatching(/^error: Invalid value for sampleRate in /),
      expect.stringMatching(/^error: Invalid value for leadMs in /),
    ]);
    errs.length = 0;
    lines.length = 0;
    expect(say(['get', 'echo'])).toBe(1);
    // The key that is no setting first, as a call says it: it may be why a value is refused.
    expect(errs).toHaveLength(3);
    expect(errs[0]).toBe(
      `warning: Ignoring "bogusKey" in ${store.path}: not a setting. Remove it with: omnia-voice config unset bogusKey`,
    );
    for (const line of errs.slice(1)) expect(line).toMatch(/^error: Invalid value for /);
    errs.length = 0;
    // The usage that follows a mistake is no message of its own.
    expect(say(['frobnicate'])).toBe(2);
    expect(errs[0]).toBe('error: Unknown config command "frobnicate".');
    expect(errs[1]).toBe('Usage: omnia-voice config <command>');
    errs.length = 0;
    // No command at all is a mistake too: on stderr, nothing on stdout.
    lines.length = 0;
    expect(say([])).toBe(2);
    expect(lines).toEqual([]);
    expect(errs[0]).toMatch(/^error: config needs a command: /);
    expect(errs[1]).toBe('Usage: omnia-voice config <command>');
    errs.length = 0;
    expect(say(['set', 'leadMs'])).toBe(2);
    expect(errs[0]).toMatch(/^error: config set leadMs needs a value: /);
  });

  it('a saved value of the wrong type: list shows every setting, the bad one marked, exits 1 saying how to fix it, and unset fixes it', () => {
    const { store } = run(['set', 'agentId', 'agent-1']);
    fs.writeFileSync(store.path, '{"agentId": "agent-1", "leadMs": "70"}');
    const { lines, errs, say } = speaker(store);
    expect(say(['list'])).toBe(1);
    // Every setting, as a good file lists them: the valid saved one, defaults, the bad one marked.
    expect(lines).toHaveLength(16);
    expect(lines[0]).toBe('agentId           agent-1');
    expect(lines).toContainEqual(expect.stringMatching(/^sampleRate +\d+ {2}\(default\)$/));
    expect(lines).toContain(
      'leadMs            invalid: "70" is text (in quotes), but leadMs is a number: write "leadMs": 70, without quotes.',
    );
    expect(lines.at(-1)).toBe(`File: ${store.path}`);
    expect(errs).toEqual([
      `error: Invalid value for leadMs in ${store.path}: "70" is text (in quotes), but leadMs is a number: write "leadMs": 70, without quotes (or run: omnia-voice config set leadMs 70).`,
    ]);
    expect(run(['unset', 'leadMs'], store).code).toBe(0);
    expect(run(['list'], store).code).toBe(0);
    expect(run(['get', 'agentId'], store).lines).toEqual(['agent-1']);
  });
});
