/**
 * The native module `speaker`, built as set-up's npm install builds it (node-gyp, against the
 * headers of the Node scripts/node-env.sh names), in a checkout whose path has a space in it.
 * node-gyp's Makefiles split such a path in two (`cc: error: two/.tools/node/include/node:
 * linker input file not found`), and npm dropped the optional module without a word: playback
 * fell back to sox. node-env.sh now names the headers through a link whose path has no space.
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess, tempDir } from '../helpers/cli.js';
import { commandMissing, skipWhenMissing } from '../helpers/requires.js';
import { nodeWithHeaders, provisionedNode, ROOT, scriptEnv } from './checkout.js';

describe('native modules in a checkout under a path with a space', () => {
  it('speaker builds against the Node node-env.sh names', async (ctx) => {
    skipWhenMissing(ctx, commandMissing('cc') ?? commandMissing('make'));
    const node = nodeWithHeaders();
    skipWhenMissing(ctx, node ? undefined : 'no Node with its headers (run scripts/setup.sh)', {
      installable: false,
    });
    const base = tempDir('omnia-native-');
    const dir = join(base, 'omnia two');
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    cpSync(join(ROOT, 'scripts', 'node-env.sh'), join(dir, 'scripts', 'node-env.sh'));
    provisionedNode(dir, node as string);
    const installed = dirname(createRequire(import.meta.url).resolve('speaker/package.json'));
    cpSync(installed, join(dir, 'node_modules', 'speaker'), {
      recursive: true,
      filter: (path) => path !== join(installed, 'build'),
    });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'omnia-native-check',
        private: true,
        dependencies: { speaker: '*' },
        allowScripts: { speaker: true },
      }),
    );
    const env = scriptEnv(join(base, 'home'));
    const built = await runProcess(
      'bash',
      ['-c', '. scripts/node-env.sh && echo "nodedir: $npm_config_nodedir" && npm rebuild speaker'],
      { cwd: dir, env, timeoutMs: 170_000 },
    );
    const output = built.stdout + built.stderr;
    expect(output, output).not.toMatch(/linker input file not found/);
    expect(built.code, output).toBe(0);
    expect(
      existsSync(join(dir, 'node_modules', 'speaker', 'build', 'Release', 'binding.node')),
      output,
    ).toBe(true);
    const nodedir = /^nodedir: (.*)$/m.exec(built.stdout)?.[1] ?? '';
    expect(nodedir).not.toMatch(/\s/);
    expect(existsSync(join(nodedir, 'include', 'node', 'node.h'))).toBe(true);
  }, 180_000);
});
