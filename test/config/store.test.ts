import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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

  it('explains a hand-edited value of the wrong type', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{"sampleRate": "fast"}');
    expect(() => openConfig({ cwd: dir })).toThrow(
      /has an invalid value \(`sampleRate` must be integer\)/,
    );
  });
});
