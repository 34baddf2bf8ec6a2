/**
 * `voices` lists names as a person looks them up: a new-user trial saw `Zac` before `anika`
 * (upper case first) and a tail in no order at all (`male8, female1, croak, male1, grandma`).
 * Case aside, numbers by value. Against the built-in local agent, through the built CLI.
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

describe('voices', () => {
  it('sorted by name, any case, numbers in numeric order', async () => {
    const env = cliEnv(tempDir('omnia-voices-order-'), { OMNIA_API_KEY: 'x' });
    const run = await runCli(['voices', '--api-base', agent.baseUrl], { env });
    expect(run.code, run.stderr).toBe(0);
    const names = run.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((row) => row.split(/ {2,}/)[0] ?? '');
    expect(names.length).toBeGreaterThan(1);
    const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
    expect(names).toEqual([...names].sort(collator.compare));
    const at = (name: string) => names.indexOf(name);
    // espeak-ng's variants, where it is installed (the small built-in list otherwise).
    if (at('Zac') >= 0 && at('anika') >= 0) expect(at('anika')).toBeLessThan(at('Zac'));
    if (at('male1') >= 0 && at('male8') >= 0) {
      expect(at('male1')).toBeLessThan(at('male2'));
      expect(at('male8')).toBeLessThan(at('Marcelo'));
      expect(at('female1')).toBeLessThan(at('female2'));
      expect(at('croak')).toBeLessThan(at('David'));
    }
  }, 30_000);
});
