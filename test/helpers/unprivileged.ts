/**
 * The built CLI run by a user the file system holds to its modes: a folder of mode 555 is
 * read-only for them. Root is not held to them, so as root the CLI runs as nobody (uid and gid
 * 65534, through `setpriv`); anyone else runs it as themselves, who are held to them already.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { CLI_PATH, type CliResult, runProcess, tempDir } from './cli.js';
import { commandMissing } from './requires.js';

const NOBODY = 65_534;

const isRoot = () => process.getuid?.() === 0;

/**
 * Why the CLI cannot be run held to the file system's modes here, or undefined when it can:
 * root needs `setpriv` (util-linux) to drop to nobody. For `skipWhenMissing`.
 */
export function unprivilegedMissing(): string | undefined {
  if (!isRoot()) return undefined;
  const setpriv = commandMissing('setpriv', ['--version']);
  if (setpriv !== undefined) return setpriv;
  // Nobody must reach node, the build and its modules: a checkout under /root (mode 700), or a
  // node there, fails every such test with EACCES, for a reason none of them would say.
  probed ??= reachable();
  return probed || undefined;
}

let probed: string | undefined;

/** '' when nobody can run the built CLI, else why not. */
function reachable(): string {
  const [command, args] = unprivilegedCommand(['--version']);
  const run = spawnSync(command, args, { encoding: 'utf8', timeout: 15_000 });
  if (run.status === 0) return '';
  const why = (run.stderr || run.error?.message || `exit ${run.status}`).trim().split('\n')[0];
  return `nobody (uid ${NOBODY}) cannot run the built CLI here (${why}): put the checkout and node where others may read them`;
}

/**
 * A temporary folder of mode 555: nothing can be made in it by whoever runs the CLI through
 * {@link runCliUnprivileged}, though they may read it. Everything in it is made before this
 * is called (`fill`).
 */
export function readOnlyDir(prefix: string, fill?: (dir: string) => void): string {
  const dir = tempDir(prefix);
  fill?.(dir);
  chmodSync(dir, 0o555);
  return dir;
}

/** The command line that runs `args` as nobody when the tests run as root. */
export function unprivilegedCommand(args: readonly string[]): [string, string[]] {
  const node = [process.execPath, CLI_PATH, ...args];
  if (!isRoot()) return [node[0]!, node.slice(1)];
  return ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node]];
}

/**
 * What goes before a command in a shell line to run it held to the file system's modes (a tmux
 * pane's `shell`): `setpriv …` as root, nothing for anyone else. The shell's redirections are
 * still made by the shell, so stderr can go to a file the command could not make.
 */
export function unprivilegedShellPrefix(): string {
  return isRoot() ? `setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups ` : '';
}

/** {@link runCli}, held to the file system's modes (see the module's comment). */
export function runCliUnprivileged(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<CliResult> {
  const [command, rest] = unprivilegedCommand(args);
  return runProcess(command, rest, options);
}
