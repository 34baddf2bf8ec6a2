/**
 * A checkout whose path has a space in it (`~/My Projects/omnia-voice`): the build finds its
 * sources there and the bundle runs. The build used a URL's pathname as the project root, which
 * is percent-encoded (`/tmp/omnia%20two/`), so esbuild found no cli.tsx and set-up failed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/cli.js';
import { checkoutCopy, ROOT } from './checkout.js';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

describe('a checkout under a path with a space', () => {
  it('builds dist/ there, and the bundle runs', async () => {
    const dir = checkoutCopy();
    const built = await runProcess(process.execPath, ['scripts/build.mjs'], {
      cwd: dir,
      env: process.env,
      timeoutMs: 60_000,
    });
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    const ran = await runProcess(process.execPath, [join(dir, 'dist', 'cli.js'), '--version'], {
      cwd: dir,
      env: process.env,
    });
    expect(ran.stdout.trim()).toBe(VERSION);
    expect(ran.code).toBe(0);
  }, 60_000);

  it('no code takes a path from a file URL as its pathname (percent-encoded)', () => {
    const offenders: string[] = [];
    const visit = (path: string): void => {
      if (statSync(path).isDirectory()) {
        for (const entry of readdirSync(path)) visit(join(path, entry));
      } else if (/\.(ts|tsx|mjs|js)$/.test(path)) {
        const text = readFileSync(path, 'utf8');
        if (/import\.meta\.url\)\.pathname/.test(text)) offenders.push(path.slice(ROOT.length));
      }
    };
    for (const entry of ['cli.tsx', 'source', 'scripts', 'bench', 'test']) visit(join(ROOT, entry));
    expect(offenders).toEqual([]);
  });
});
