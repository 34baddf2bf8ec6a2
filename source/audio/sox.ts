import { execFile } from 'node:child_process';
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

/** One line telling the user how to install sox on their platform. */
export function soxInstallHint(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'darwin':
      return 'brew install sox';
    case 'win32':
      return 'install SoX from https://sourceforge.net/projects/sox/ and add it to PATH';
    case 'freebsd':
    case 'openbsd':
      return 'pkg install sox';
    default:
      return 'apt install sox (Debian/Ubuntu), dnf install sox (Fedora), pacman -S sox (Arch)';
  }
}

/** The full user message for a missing sox: what failed, how to fix it, what still works. */
export function soxMissingMessage(platform: NodeJS.Platform = process.platform): string {
  const others =
    platform === 'darwin'
      ? 'brew install sox (macOS), apt install sox (Debian/Ubuntu)'
      : `${soxInstallHint(platform)}, brew install sox (macOS)`;
  return `sox is not installed: ${others}; the call continues with text input`;
}
