import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI (npm test builds it first). */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A temporary directory for one test. */
export function tempDir(prefix = 'omnia-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Environment for running the CLI in tests: a temporary HOME and config dir (so the developer's
 * own settings and keys never leak in), no Omnia variables unless given.
 */
export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OMNIA_')) env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    NO_COLOR: '1',
    ...extra,
  };
}

/**
 * Every process these helpers started and that has not ended. A test that vitest times out
 * first (its 30 s come before runProcess's own limit) used to leave its CLI running, a call
 * open and the machine loaded for the files after it: `test/setup.ts` kills what is left after
 * each test file.
 */
const running = new Set<ChildProcess>();
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Kills the processes these helpers started that are still running; returns how many. */
export function killLeftoverProcesses(): number {
  const count = running.size;
  for (const leftover of running) leftover.kill('SIGKILL');
  running.clear();
  return count;
}

/** Run the built CLI to completion. */
export function runCli(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; stdin?: string },
): Promise<CliResult> {
  return runProcess(process.execPath, [CLI_PATH, ...args], options);
}

/**
 * Run a program to completion, collecting its output; killed and rejected past the timeout.
 * `stdin`: written to its standard input, which is then closed (else it has none).
 */
export function runProcess(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; stdin?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd ?? options.env.HOME,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    track(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${args.join(' ')}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Start the CLI and return the child, for tests that signal or talk to it mid-call. */
export function startCli(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: options.env,
    cwd: options.cwd ?? options.env.HOME,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return { child, output: () => ({ stdout, stderr }) };
}

/** Poll until `check` returns a truthy value or the timeout passes. */
export async function waitFor<T>(
  check: () => T | undefined | false | null,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Write a file and return its path. */
export function writeTemp(dir: string, name: string, data: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}
