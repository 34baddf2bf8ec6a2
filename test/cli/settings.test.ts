/**
 * Settings as a new user meets them, through the built CLI with a temporary HOME: the place a
 * value comes from is the one that wins (flags > environment > .env > config file), and what
 * `config` says of a value is what a call does with it.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import { double, QUIET_CALL, requestsTo, runAgainst } from '../omnia/helpers.js';

const AGENTS = [{ id: 'agt_front', name: 'Front Desk' }];

/** `omnia-voice config ARGS` in `home`. */
function config(home: string, ...args: string[]) {
  return runCli(['config', ...args], { env: cliEnv(home), timeoutMs: 15_000 });
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
