import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findExecutable,
  findSox,
  soxInstallHint,
  soxMissingMessage,
} from '../../source/audio/sox.js';

describe('sox detection', () => {
  it('finds the installed sox and its version', async () => {
    const sox = await findSox();
    expect(sox?.path).toMatch(/\/sox$/);
    expect(sox?.version).toMatch(/^\d+\.\d+/);
  });

  it('reports sox missing when it is not on PATH', async () => {
    expect(await findSox({ ...process.env, PATH: join('/nonexistent', 'bin') })).toBeUndefined();
    expect(await findExecutable('sox', { PATH: '' })).toBeUndefined();
  });

  it('gives an install hint per platform', () => {
    expect(soxInstallHint('darwin')).toBe('brew install sox');
    expect(soxInstallHint('linux')).toMatch(/apt install sox/);
    expect(soxInstallHint('win32')).toMatch(/PATH/);
    expect(soxMissingMessage('linux')).toMatch(
      /^sox is not installed: apt install sox \(Debian\/Ubuntu\).*brew install sox \(macOS\); the call continues with text input$/,
    );
  });
});
