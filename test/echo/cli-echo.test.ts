import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

describe('--echo on the command line', () => {
  it('refuses an unknown mode in one line that names the allowed ones', async () => {
    const home = tempDir();
    const r = await runCli(['--plain', '--local', '--echo', 'loud'], {
      env: cliEnv(home),
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--echo.*loud.*cancel, guard, off/);
  });

  it('refuses --echo together with its alias --no-echo-guard', async () => {
    const home = tempDir();
    const r = await runCli(['--plain', '--local', '--echo', 'cancel', '--no-echo-guard'], {
      env: cliEnv(home),
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'error: --no-echo-guard is the same as --echo off: give only one of them',
    );
  });

  it('OMNIA_ECHO is read, and a bad value is named with where it came from', async () => {
    const home = tempDir();
    const r = await runCli(['--plain', '--local'], {
      env: cliEnv(home, { OMNIA_ECHO: 'maybe' }),
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/OMNIA_ECHO.*maybe/);
  });
});
