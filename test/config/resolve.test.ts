import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../source/config/read.js';
import { type ResolveInput, resolveSettings } from '../../source/config/resolve.js';
import { ConfigError, openConfig } from '../../source/config/store.js';
import { tempDir } from './helpers.js';

function setup(dotenv?: string) {
  const cwd = tempDir('omnia-cwd-');
  if (dotenv !== undefined) fs.writeFileSync(path.join(cwd, '.env'), dotenv);
  const config = openConfig({ cwd: tempDir() });
  return { cwd, config };
}

function errorOf(input: ResolveInput): ConfigError {
  try {
    resolveSettings(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected resolveSettings to fail');
}

describe('resolveSettings', () => {
  it('fills every default when nothing is configured', () => {
    const { cwd, config } = setup();
    const { settings, sources, warnings } = resolveSettings({
      flags: {},
      env: { XDG_DATA_HOME: '/data/home' },
      cwd,
      config,
    });
    expect(settings).toEqual({
      apiBase: 'https://api.omnia-voice.com',
      sampleRate: 48_000,
      inputSampleRate: 48_000,
      outputSampleRate: 48_000,
      input: 'mic',
      output: 'speaker',
      transcriptDir: '/data/home/omnia-voice/transcripts',
      transcriptFormat: 'md',
      echo: 'cancel',
      echoGuard: true,
      leadMs: 60,
      serialBaud: 115_200,
    });
    expect(Object.values(sources).every((source) => source === 'default')).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('applies flags > env > .env > config > defaults, each layer overriding the next', () => {
    const { cwd, config } = setup('OMNIA_SAMPLE_RATE=16000\n');
    config.set('sampleRate', '8000');
    const env = { OMNIA_SAMPLE_RATE: '24000' };
    const resolve = (input: Partial<ResolveInput>) =>
      resolveSettings({ flags: {}, env: {}, cwd, config, ...input });

    let result = resolve({ flags: { sampleRate: 32_000 }, env });
    expect([result.settings.sampleRate, result.sources.sampleRate]).toEqual([32_000, 'flag']);
    result = resolve({ env });
    expect([result.settings.sampleRate, result.sources.sampleRate]).toEqual([24_000, 'env']);
    result = resolve({});
    expect([result.settings.sampleRate, result.sources.sampleRate]).toEqual([16_000, 'dotenv']);
    fs.rmSync(path.join(cwd, '.env'));
    result = resolve({});
    expect([result.settings.sampleRate, result.sources.sampleRate]).toEqual([8000, 'config']);
    config.unset('sampleRate');
    result = resolve({});
    expect([result.settings.sampleRate, result.sources.sampleRate]).toEqual([48_000, 'default']);
  });

  it('lets per-direction rates follow sampleRate unless set themselves', () => {
    const { cwd, config } = setup();
    const { settings, sources } = resolveSettings({
      flags: { sampleRate: 16_000, outputSampleRate: 24_000 },
      env: {},
      cwd,
      config,
    });
    expect(settings.inputSampleRate).toBe(16_000);
    expect(sources.inputSampleRate).toBe('flag');
    expect(settings.outputSampleRate).toBe(24_000);
  });

  it('a per-direction rate saved lower than sampleRate follows it; echoGuard false likewise', () => {
    const { cwd, config } = setup();
    config.set('inputSampleRate', '48000');
    config.set('echo', 'guard');
    const { settings, sources } = resolveSettings({
      flags: { sampleRate: '16000' },
      env: { OMNIA_ECHO_GUARD: 'false' },
      cwd,
      config,
    });
    expect([settings.inputSampleRate, sources.inputSampleRate]).toEqual([16_000, 'flag']);
    expect([settings.echo, sources.echo]).toEqual(['off', 'env']);
    const same = resolveSettings({
      flags: {},
      env: { OMNIA_ECHO_GUARD: 'false', OMNIA_ECHO: 'guard' },
      cwd,
      config,
    });
    expect(same.settings.echo).toBe('guard');
  });

  it('treats flags left undefined and empty variables as not given', () => {
    const { cwd, config } = setup('OMNIA_AGENT_ID=\n');
    config.set('agentId', 'from-config');
    const { settings, sources } = resolveSettings({
      flags: { agentId: undefined, echoGuard: undefined },
      env: { OMNIA_AGENT_ID: '' },
      cwd,
      config,
    });
    expect(settings.agentId).toBe('from-config');
    expect(sources.agentId).toBe('config');
    expect(settings.echoGuard).toBe(true);
  });

  it('parses .env from cwd (quotes, comments, export) without touching process.env', () => {
    const { cwd, config } = setup(
      [
        '# Omnia settings',
        'export OMNIA_AGENT_ID="agent with spaces"',
        "OMNIA_API_KEY='sk_live_dotenv_5678wxyz'",
        'OMNIA_ECHO_GUARD=off # noisy room',
        'OMNIA_TRANSCRIPT_FORMAT=jsonl',
      ].join('\n'),
    );
    fs.chmodSync(path.join(cwd, '.env'), 0o600);
    const { settings, sources, warnings } = resolveSettings({ flags: {}, env: {}, cwd, config });
    expect(settings.agentId).toBe('agent with spaces');
    expect(settings.apiKey).toBe('sk_live_dotenv_5678wxyz');
    expect(settings.echoGuard).toBe(false);
    expect(settings.transcriptFormat).toBe('jsonl');
    expect(sources.apiKey).toBe('dotenv');
    expect(warnings).toEqual([]);
    expect(process.env.OMNIA_AGENT_ID).toBeUndefined();
    expect(process.env.OMNIA_API_KEY).toBeUndefined();
  });

  it('names the variable and the environment for an invalid env value', () => {
    const { cwd, config } = setup();
    const error = errorOf({ flags: {}, env: { OMNIA_LEAD_MS: 'lots' }, cwd, config });
    expect(error.message).toBe(
      'Invalid value for OMNIA_LEAD_MS in the environment: "lots". Allowed: an integer from 25 to 500.',
    );
  });

  it('names the .env file for an invalid .env value, and lists every problem', () => {
    const { cwd, config } = setup('OMNIA_TRANSCRIPT_FORMAT=pdf\nOMNIA_API_BASE=omnia.local\n');
    const error = errorOf({ flags: {}, env: {}, cwd, config });
    const dotenvPath = path.join(cwd, '.env');
    expect(error.message.split('\n')).toEqual([
      `Invalid value for OMNIA_API_BASE in ${dotenvPath}: "omnia.local". Allowed: an http:// or https:// URL with no query or fragment (omnia-voice adds its own path and query to it; a "?…" would be dropped).`,
      `Invalid value for OMNIA_TRANSCRIPT_FORMAT in ${dotenvPath}: "pdf". Allowed: md, txt, json, jsonl.`,
    ]);
  });

  it('an API base with a port no server has says the port is out of range, wherever it is set', () => {
    const port = 'has port 99999, out of range (a port is 1-65535).';
    const bad = 'http://127.0.0.1:99999';
    const { cwd, config } = setup(`OMNIA_API_BASE=${bad}\n`);
    expect(errorOf({ flags: { apiBase: bad }, env: {}, cwd, config }).message).toBe(
      `Invalid value for --api-base: "${bad}" ${port}`,
    );
    expect(errorOf({ flags: {}, env: { OMNIA_API_BASE: bad }, cwd, config }).message).toBe(
      `Invalid value for OMNIA_API_BASE in the environment: "${bad}" ${port}`,
    );
    expect(errorOf({ flags: {}, env: {}, cwd, config }).message).toBe(
      `Invalid value for OMNIA_API_BASE in ${path.join(cwd, '.env')}: "${bad}" ${port}`,
    );
    const saved = setup();
    fs.writeFileSync(saved.config.path, JSON.stringify({ apiBase: bad }));
    expect(errorOf({ flags: {}, env: {}, cwd: saved.cwd, config: saved.config }).message).toBe(
      `Invalid value for apiBase in ${saved.config.path}: "${bad}" ${port} Fix it with: omnia-voice config set apiBase <value> (or config unset apiBase).`,
    );
    expect(() => saved.config.set('apiBase', bad)).toThrow(
      `Invalid value for apiBase: "${bad}" ${port}`,
    );
    // Port 0, which a URL may have, connects nowhere; an IPv6 host and a user are no port.
    for (const [base, said] of [
      ['http://localhost:0', 'has port 0, out of range (a port is 1-65535).'],
      ['http://me:pw@[::1]:70000/api', 'has port 70000, out of range (a port is 1-65535).'],
      ['http://host:eighty', 'has a port that is not a number (a port is 1-65535).'],
    ] as const) {
      expect(errorOf({ flags: { apiBase: base }, env: {}, cwd, config }).message).toMatch(
        new RegExp(`^Invalid value for --api-base: ".*" ${said.replace(/[().]/g, '\\$&')}$`),
      );
    }
    for (const base of ['http://[::1]:8080', 'https://h:65535/v1', 'http://me:pw@h:1']) {
      expect(
        resolveSettings({ flags: { apiBase: base }, env: {}, cwd, config }).settings.apiBase,
      ).toBe(base);
    }
  });

  it('names the flag for an invalid flag value', () => {
    const { cwd, config } = setup();
    const error = errorOf({ flags: { sampleRate: 100 }, env: {}, cwd, config });
    expect(error.message).toContain('Invalid value for --sample-rate: 100.');
  });

  it('names the closest allowed value in the environment, .env and the config file alike', () => {
    const { cwd, config } = setup('OMNIA_TRANSCRIPT_FORMAT=jsnl\n');
    const both = errorOf({ flags: {}, env: { OMNIA_OUTPUT: 'speakers' }, cwd, config });
    expect(both.message.split('\n')[0]).toBe(
      'Invalid value for OMNIA_OUTPUT in the environment: "speakers". Did you mean speaker? Allowed: speaker, speaker:<device>, sox, sox:<device>, none or a file ending in .wav.',
    );
    expect(errorOf({ flags: {}, env: {}, cwd, config }).message).toContain(
      `OMNIA_TRANSCRIPT_FORMAT in ${path.join(cwd, '.env')}: "jsnl". Did you mean jsonl?`,
    );
    fs.rmSync(path.join(cwd, '.env'));
    fs.writeFileSync(config.path, JSON.stringify({ echo: 'gard' }));
    expect(errorOf({ flags: {}, env: {}, cwd, config }).message).toContain(
      `echo in ${config.path}: "gard". Did you mean guard? Allowed: cancel, guard, off.`,
    );
  });

  it('names the config file for an invalid saved value', () => {
    const { cwd, config } = setup();
    fs.writeFileSync(config.path, JSON.stringify({ apiBase: 'ftp://files.example' }));
    const error = errorOf({ flags: {}, env: {}, cwd, config });
    expect(error.message).toContain(`apiBase in ${config.path}`);
  });

  it('masks an invalid API key in the error', () => {
    const { cwd, config } = setup();
    const error = errorOf({
      flags: {},
      env: { OMNIA_API_KEY: 'sk_live secret 4321' },
      cwd,
      config,
    });
    expect(error.message).toContain('OMNIA_API_KEY in the environment: "…4321"');
    expect(error.message).not.toContain('secret');
  });

  it('warns when the key comes from the config file, or from a .env others can read', () => {
    const { cwd, config } = setup('OMNIA_API_KEY=sk_live_dotenv_5678wxyz\n');
    fs.chmodSync(path.join(cwd, '.env'), 0o644);
    let { warnings } = resolveSettings({ flags: {}, env: {}, cwd, config });
    expect(warnings).toEqual([expect.stringContaining('run chmod 600')]);
    fs.rmSync(path.join(cwd, '.env'));
    config.set('apiKey', 'sk_live_config_0000aaaa');
    ({ warnings } = resolveSettings({ flags: {}, env: {}, cwd, config }));
    expect(warnings).toEqual([expect.stringContaining('OMNIA_API_KEY in the environment')]);
    expect(warnings.join()).not.toContain('sk_live_config_0000aaaa');
  });

  it('says which .env lines of ours dotenv drops, and quotes it takes as written', () => {
    const { cwd, config } = setup(
      [
        'OMNIA_AGENT_ID concierge',
        'OMNIA_TRANSCRIPT_DIR="/tmp/t',
        'OMNIA_OUTPUT: none',
        'OMNIA_API_BASE="http://127.0.0.1:1" # a comment after the quote is fine',
        "OMNIA_SERIAL_PATH='/dev/tty' 1",
        'NOTES="two',
        'lines, \\" escaped, over two lines is fine"',
        'OTHER_TOOL=\'"quoted"\'',
        "somebody else's junk",
        '  # a comment',
        'OMNIA_INPUT mic',
      ].join('\n'),
    );
    const dotenv = path.join(cwd, '.env');
    const { warnings, settings } = resolveSettings({ flags: {}, env: {}, cwd, config });
    expect(warnings).toEqual([
      `Ignoring line 1 of ${dotenv}: it is not NAME=value.`,
      `OMNIA_TRANSCRIPT_DIR in ${dotenv} opens a quote it never closes: its value is taken as written, with the quote.`,
      `OMNIA_SERIAL_PATH in ${dotenv} has more after its closing quote: its value is taken as written, quotes and all.`,
      `Ignoring line 11 of ${dotenv}: it is not NAME=value.`,
    ]);
    // `NAME: value` is dotenv's too.
    expect(settings.output).toBe('none');
  });

  it('a .env value refused is said with what was noticed on the way', () => {
    const { cwd, config } = setup('OMNIA_INPUT="none\n');
    const error = errorOf({ flags: {}, env: {}, cwd, config });
    expect(error.message).toMatch(/^Invalid value for OMNIA_INPUT in .*: "\\"none"/);
    expect(error.warnings).toEqual([
      `OMNIA_INPUT in ${path.join(cwd, '.env')} opens a quote it never closes: its value is taken as written, with the quote.`,
    ]);
  });

  it('points out a misspelled variable instead of silently ignoring it', () => {
    const { cwd, config } = setup();
    const { warnings } = resolveSettings({
      flags: {},
      env: { OMNIA_AGENTID: 'x', OMNIA_SOMETHING_ELSE: 'y' },
      cwd,
      config,
    });
    expect(warnings).toEqual([
      'Ignoring OMNIA_AGENTID in the environment: did you mean OMNIA_AGENT_ID?',
    ]);
  });

  it('names the one variable holding all the words of one that is none (OMNIA_INPUT_RATE)', () => {
    const { cwd, config } = setup();
    const { warnings, settings } = resolveSettings({
      flags: {},
      // Words in one variable; in three (no guess); in none (another tool's, left alone).
      env: { OMNIA_INPUT_RATE: '8000', OMNIA_RATE: '8000', OMNIA_VOICE_STATS: '1' },
      cwd,
      config,
    });
    expect(warnings).toEqual([
      'Ignoring OMNIA_INPUT_RATE in the environment: did you mean OMNIA_INPUT_SAMPLE_RATE?',
    ]);
    expect(settings.inputSampleRate).not.toBe(8000);
  });

  it('names keys of a hand-edited config file that are no setting, with the likely one', () => {
    const { cwd } = setup();
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ leadMS: 80, sample_rate: 16000, volume: 3, agentId: 'agent-1' }),
    );
    const config = readConfig({ cwd: dir });
    const { settings, warnings } = resolveSettings({ flags: {}, env: {}, cwd, config });
    const file = path.join(dir, 'config.json');
    expect(warnings).toEqual([
      `Ignoring "leadMS" in ${file}: not a setting (did you mean leadMs?). Remove it with: omnia-voice config unset leadMS`,
      `Ignoring "sample_rate" in ${file}: not a setting (did you mean sampleRate?). Remove it with: omnia-voice config unset sample_rate`,
      `Ignoring "volume" in ${file}: not a setting. Remove it with: omnia-voice config unset volume`,
    ]);
    // What it says is what happens: the defaults apply, the real setting is used.
    expect(settings.leadMs).toBe(60);
    expect(settings.sampleRate).toBe(48000);
    expect(settings.agentId).toBe('agent-1');
  });

  it('a bad saved value stops it with the keys that are no setting, and misspelled variables, said first', () => {
    const { cwd } = setup();
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ volume: 3, leadMs: 5 }));
    const error = errorOf({
      flags: {},
      env: { OMNIA_AGENTID: 'x' },
      cwd,
      config: readConfig({ cwd: dir }),
    });
    expect(error.message).toMatch(/^Invalid value for leadMs in /);
    expect(error.warnings).toEqual([
      'Ignoring OMNIA_AGENTID in the environment: did you mean OMNIA_AGENT_ID?',
      `Ignoring "volume" in ${file}: not a setting. Remove it with: omnia-voice config unset volume`,
    ]);
  });

  it('a .env that cannot be read is ignored with why, in words', () => {
    const cwd = tempDir('omnia-cwd-');
    fs.mkdirSync(path.join(cwd, '.env'));
    const { warnings } = resolveSettings({ flags: {}, env: {}, cwd });
    expect(warnings).toEqual([
      `Ignoring ${path.join(cwd, '.env')}: cannot read it: it is a directory (EISDIR).`,
    ]);
  });

  it('works without a config store', () => {
    const { cwd } = setup();
    const { settings } = resolveSettings({
      flags: {},
      env: { OMNIA_INPUT: 'none', OMNIA_SERIAL: '/dev/ttyUSB0', OMNIA_SERIAL_BAUD: '9600' },
      cwd,
    });
    expect(settings.input).toBe('none');
    expect(settings.serialPath).toBe('/dev/ttyUSB0');
    expect(settings.serialBaud).toBe(9600);
  });
});
