/**
 * A HOME that cannot be written (a new-user trial: mode 555, no `.config` in it), through the
 * built CLI run as a user held to its mode (nobody, when the tests run as root). Reading the
 * settings needs no writing: `config get` and `config list` read the file as a call reads it,
 * a missing file being no settings; only `config set` writes, and says why it cannot.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cliEnv } from '../helpers/cli.js';
import { skipWhenMissing } from '../helpers/requires.js';
import { readOnlyDir, runCliUnprivileged, unprivilegedMissing } from '../helpers/unprivileged.js';

beforeEach((ctx) => {
  skipWhenMissing(ctx, unprivilegedMissing());
});

/** A read-only HOME without `.config`, as the trial had it (XDG_* unset: the defaults apply). */
function readOnlyHome(): { home: string; env: NodeJS.ProcessEnv; file: string } {
  const home = readOnlyDir('omnia-rohome-');
  const env = cliEnv(home);
  delete env.XDG_CONFIG_HOME;
  delete env.XDG_DATA_HOME;
  return { home, env, file: join(home, '.config', 'omnia-voice', 'config.json') };
}

const run = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  runCliUnprivileged(args, { env, timeoutMs: 15_000 });

describe('config in a HOME that cannot be written', () => {
  it('get and list read as a call reads: no file is no settings, exit 0, nothing made', async () => {
    const { home, env, file } = readOnlyHome();
    const get = await run(env, 'config', 'get', 'leadMs');
    expect(get.stderr).toBe('');
    expect(get.code).toBe(0);
    expect(get.stdout).toBe('60\n');
    const list = await run(env, 'config', 'list');
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^leadMs +60 {2}\(default\)$/m);
    expect(list.stdout.trimEnd().split('\n').at(-1)).toBe(`File: ${file}`);
    // A setting with no default and nothing saved: said so, as with a file that is there.
    const unsaved = await run(env, 'config', 'get', 'agentId');
    expect(unsaved.code).toBe(1);
    expect(unsaved.stderr).toBe(`agentId is not set in ${file}, and has no default.\n`);
    // Nothing to remove is nothing to write.
    const unset = await run(env, 'config', 'unset', 'leadMs');
    expect(unset.stderr).toBe('');
    expect(unset.code).toBe(0);
    expect(unset.stdout).toBe(`leadMs was not set in ${file}: nothing to remove.\n`);
    expect(existsSync(join(home, '.config'))).toBe(false);
  }, 30_000);

  it('set, which must write, says why it cannot, naming the folder that refused', async () => {
    const { home, env, file } = readOnlyHome();
    const set = await run(env, 'config', 'set', 'leadMs', '80');
    expect(set.code).toBe(1);
    expect(set.stdout).toBe('');
    // Not "permission denied on …/.config/omnia-voice": that folder is not there to be owned.
    expect(set.stderr).toBe(
      `error: Cannot use the config file ${file}: permission denied: its folder ${join(home, '.config', 'omnia-voice')} cannot be made in ${home} (EACCES). Check that you own ${home} and may write in it, or use a config directory you may write in (on Linux, set XDG_CONFIG_HOME).\n`,
    );
  }, 30_000);
});
