import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** How long `sox --version` may take before we call sox unusable. */
const VERSION_TIMEOUT_MS = 5_000;

/** A sox binary found on PATH. */
export interface SoxInfo {
  /** Absolute path of the executable. */
  path: string;
  /** Version as sox prints it, e.g. "14.4.2"; "unknown" if it did not say. */
  version: string;
}

/**
 * Finds an executable on PATH the way a shell would (first match wins), without spawning a
 * shell. Returns undefined when it is not there, so callers can say what to install.
 */
export async function findExecutable(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  const names =
    process.platform === 'win32'
      ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((ext) => name + ext.toLowerCase())
      : [name];
  for (const dir of dirs) {
    for (const candidate of names) {
      const full = join(dir, candidate);
      try {
        await access(full, constants.X_OK);
        return full;
      } catch {
        // not here; keep looking
      }
    }
  }
  return undefined;
}

/** Locates sox and asks it for its version; undefined when sox is missing or broken. */
export async function findSox(env: NodeJS.ProcessEnv = process.env): Promise<SoxInfo | undefined> {
  const path = await findExecutable('sox', env);
  if (path === undefined) return undefined;
  return new Promise((resolve) => {
    execFile(
      path,
      ['--version'],
      { timeout: VERSION_TIMEOUT_MS, env },
      (error, stdout: string, stderr: string) => {
        if (error) {
          resolve(undefined);
          return;
        }
        const match = /v?(\d+\.\d+(?:\.\d+)?)/.exec(`${stdout} ${stderr}`);
        resolve({ path, version: match?.[1] ?? 'unknown' });
      },
    );
  });
}

/** What {@link soxInstallHint} reads of the machine: the platform and, on Linux, its distribution. */
export interface SoxHintHost {
  readonly platform: NodeJS.Platform;
  /** `/etc/os-release` (Linux): its `ID` and `ID_LIKE` name the package manager. */
  readonly osRelease?: string;
}

let osReleaseRead: string | undefined;

/** `/etc/os-release` (or `/usr/lib/os-release`), read once; empty when there is none. */
function readOsRelease(): string {
  if (osReleaseRead !== undefined) return osReleaseRead;
  osReleaseRead = '';
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      osReleaseRead = readFileSync(path, 'utf8');
      break;
    } catch {
      // not this one
    }
  }
  return osReleaseRead;
}

/** Package managers by the distribution ids that use them (os-release's `ID`, `ID_LIKE`). */
const LINUX_INSTALLS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(debian|ubuntu|linuxmint|raspbian|pop|elementary|kali|neon|zorin)$/, 'sudo apt install sox'],
  [/^(fedora|rhel|centos|rocky|almalinux|ol|amzn|nobara)$/, 'sudo dnf install sox'],
  [/^(arch|manjaro|endeavouros|garuda|artix)$/, 'sudo pacman -S sox'],
  [/^(opensuse|opensuse-leap|opensuse-tumbleweed|suse|sles)$/, 'sudo zypper install sox'],
  [/^alpine$/, 'sudo apk add sox'],
  [/^(gentoo)$/, 'sudo emerge media-sound/sox'],
  [/^(void)$/, 'sudo xbps-install sox'],
];

/** The distribution's ids, its own first, then the ones it is like. Pure. */
function distroIds(osRelease: string): string[] {
  const field = (name: string) =>
    new RegExp(`^${name}=(["']?)([^"'\\n]*)\\1\\s*$`, 'm').exec(osRelease)?.[2] ?? '';
  return [field('ID'), ...field('ID_LIKE').split(/\s+/)]
    .map((id) => id.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * How to install sox here, as one command (`sudo apt install sox`) or, where the package manager
 * is not known, one short instruction. The one hint every place that finds sox missing gives
 * (the mic, `--output sox` and the speaker's fallback, `omnia-voice devices`): for the platform
 * the app runs on, and on Linux for its distribution (`/etc/os-release`), not a list of them all.
 */
export function soxInstallHint(host: SoxHintHost = { platform: process.platform }): string {
  switch (host.platform) {
    case 'darwin':
      return 'brew install sox';
    case 'win32':
      return 'install SoX from https://sourceforge.net/projects/sox/ and add it to PATH';
    case 'freebsd':
      return 'sudo pkg install sox';
    case 'openbsd':
      return 'doas pkg_add sox';
    case 'linux': {
      const ids = distroIds(host.osRelease ?? readOsRelease());
      for (const id of ids) {
        const found = LINUX_INSTALLS.find(([re]) => re.test(id));
        if (found) return found[1];
      }
      return "install the sox package with your distribution's package manager";
    }
    default:
      return 'install sox and put it on PATH';
  }
}

/**
 * sox missing, said the same way by every part that needs it: `sox is not installed (sudo apt
 * install sox)`.
 */
export function soxNotInstalled(host?: SoxHintHost): string {
  return `sox is not installed (${soxInstallHint(host)})`;
}

/** The mic's message for a missing sox: what failed, how to fix it, what still works. */
export function soxMissingMessage(host?: SoxHintHost): string {
  return `${soxNotInstalled(host)}; the call continues with text input`;
}

/** sox is not on PATH: thrown by the sox sinks, so callers tell it from a device sox cannot open. */
export class SoxMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoxMissingError';
  }
}
