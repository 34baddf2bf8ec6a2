/**
 * `--language` in any case, as BCP 47 codes are (`EN-US` is `en-us`), and a code the server does
 * not have alone suggests its own region codes first: a new-user trial's `voices --language EN`
 * offered `qya (Quenya)` and `bn (Bengali)` beside English. Against the built-in local agent
 * (whose languages are `en-gb`, `en-us`, … and no `en`), through the built CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

let agent: LocalAgent;
beforeAll(async () => {
  agent = await startLocalAgent({ port: 0, voice: 'tone' });
});
afterAll(async () => {
  await agent.close();
});

const voices = (language: string) =>
  runCli(['voices', '--language', language, '--api-base', agent.baseUrl], {
    env: cliEnv(tempDir('omnia-language-'), { OMNIA_API_KEY: 'x' }),
  });

describe('voices --language', () => {
  it('EN: the English codes the server has, and nothing else', async () => {
    const run = await voices('EN');
    expect(run.code).toBe(2);
    const closest = /Closest: (.*)\. See them all/.exec(run.stderr)?.[1] ?? '';
    const codes = closest.split(/, (?=[a-z]{2,3}[-a-z0-9]* \()/).map((c) => c.split(' ')[0]);
    expect(codes.length, run.stderr).toBeGreaterThan(1);
    for (const code of codes) expect(code, run.stderr).toMatch(/^en-/);
    expect(codes.slice(0, 2).sort()).toEqual(['en-gb', 'en-us']);
    expect(run.stderr).not.toMatch(/Quenya|Bengali/);
  }, 30_000);

  it('fr: only the French codes, not codes spelt alike (af, lfn) after them', async () => {
    const run = await voices('fr');
    expect(run.code).toBe(2);
    const closest = /Closest: (.*)\. See them all/.exec(run.stderr)?.[1] ?? '';
    const codes = closest.split(/, (?=[a-z]{2,3}[-a-z0-9]* \()/).map((c) => c.split(' ')[0]);
    expect(codes.sort(), run.stderr).toEqual(['fr-be', 'fr-ch', 'fr-fr']);
  }, 30_000);

  it('EN-US and En-Gb are en-us and en-gb, in any case', async () => {
    for (const [given, code] of [
      ['EN-US', 'en-us'],
      ['En-Gb', 'en-gb'],
    ]) {
      const run = await voices(given ?? '');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(` for ${code}. Use one with --voice.`);
    }
  }, 30_000);
});
