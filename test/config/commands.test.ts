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
    expect(lines[0]).toMatch(/^Warning: .*OMNIA_API_KEY in the environment or a \.env file/);
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

  it('get of a setting with no value and no default prints nothing and exits 1', () => {
    expect(run(['get', 'agentId'])).toMatchObject({ code: 1, lines: [] });
  });

  it('get of a setting with a default prints the default', () => {
    expect(run(['get', 'transcriptFormat'])).toMatchObject({ code: 0, lines: ['md'] });
  });

  it('refuses invalid values and unknown keys with exit code 2', () => {
    expect(run(['set', 'sampleRate', 'abc'])).toMatchObject({
      code: 2,
      lines: ['Invalid value for sampleRate: "abc". Allowed: an integer from 8000 to 48000.'],
    });
    const unknown = run(['get', 'volume']);
    expect(unknown.code).toBe(2);
    expect(unknown.lines[0]).toMatch(/^Unknown setting "volume"\. Known settings: agentId, /);
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
    expect(lines).toEqual([
      expect.stringContaining(`The config file ${store.path} is not valid JSON`),
    ]);
  });
});
