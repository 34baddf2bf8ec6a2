import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDevices } from '../../source/audio/devices.js';
import { SoxPlaySink } from '../../source/audio/sinks/sox-play-sink.js';
import { MicSource } from '../../source/audio/sources/mic-source.js';
import {
  findExecutable,
  findSox,
  soxInstallHint,
  soxMissingMessage,
} from '../../source/audio/sox.js';

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';
const MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=41\n';
const ROCKY = 'ID="rocky"\nID_LIKE="rhel centos fedora"\n';
const ARCH = 'NAME="Arch Linux"\nID=arch\n';
const MANJARO = "ID='manjaro'\nID_LIKE=arch\n";
const TUMBLEWEED = 'ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n';
const ALPINE = 'ID=alpine\nVERSION_ID=3.20.0\n';

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

  it('gives one install command for the platform, and on Linux for its distribution', () => {
    const linux = (osRelease: string) => soxInstallHint({ platform: 'linux', osRelease });
    expect(soxInstallHint({ platform: 'darwin' })).toBe('brew install sox');
    expect(linux(DEBIAN)).toBe('sudo apt install sox');
    expect(linux(MINT)).toBe('sudo apt install sox');
    expect(linux(FEDORA)).toBe('sudo dnf install sox');
    expect(linux(ROCKY)).toBe('sudo dnf install sox');
    expect(linux(ARCH)).toBe('sudo pacman -S sox');
    expect(linux(MANJARO)).toBe('sudo pacman -S sox');
    expect(linux(TUMBLEWEED)).toBe('sudo zypper install sox');
    expect(linux(ALPINE)).toBe('sudo apk add sox');
    // A distribution it does not know: no guess at another one's package manager.
    expect(linux('ID=someos\n')).toBe(
      "install the sox package with your distribution's package manager",
    );
    expect(linux('')).not.toMatch(/apt|dnf|pacman|brew/);
    expect(soxInstallHint({ platform: 'win32' })).toMatch(/PATH/);
    // Linux gets no macOS advice, and the reverse.
    expect(soxMissingMessage({ platform: 'linux', osRelease: DEBIAN })).toBe(
      'sox is not installed (sudo apt install sox); the call continues with text input',
    );
    expect(soxMissingMessage({ platform: 'darwin' })).not.toMatch(/apt/);
  });

  it('every part that finds sox missing gives the same hint: the mic, the output, devices', async () => {
    const hint = soxInstallHint();
    const noSox = { ...process.env, PATH: join('/nonexistent', 'bin') };
    const errors: string[] = [];
    const mic = new MicSource(48_000, { env: noSox });
    await mic.start(
      () => {},
      (message) => errors.push(message),
    );
    await mic.stop();
    const output = await new SoxPlaySink(48_000, { soxPath: '/nonexistent/sox' }).open().then(
      () => 'opened',
      (error: Error) => error.message,
    );
    const devices = await listDevices({ env: noSox });
    const said = [errors[0] ?? 'no mic error', output, devices.notes.join('\n')];
    for (const text of said) expect(text).toContain(`sox is not installed (${hint})`);
  });
});
