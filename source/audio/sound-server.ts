import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** How long the server's socket may take to accept a connection before it counts as stale. */
const SOCKET_CHECK_MS = 300;

/** Runs a helper tool; never rejects: a failure, a time-out or a missing tool is `failed`. */
export function runTool(
  path: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; failed: boolean }> {
  return new Promise((resolve) => {
    execFile(path, args, { timeout: timeoutMs, env }, (error, stdout, stderr) => {
      resolve({ stdout: String(stdout), stderr: String(stderr), failed: error !== null });
    });
  });
}

/** How long `pactl` may take to answer before the server counts as not answering. */
export const PACTL_TIMEOUT_MS = 1_500;

/**
 * `pactl args` against the sound server, its stdout, or undefined when it failed or took too
 * long. Port types are translated: it is asked for the untranslated names (`LC_ALL=C`).
 */
export async function pactl(
  path: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const result = await runTool(path, args, { ...env, LC_ALL: 'C' }, PACTL_TIMEOUT_MS);
  return result.failed ? undefined : result.stdout;
}

/** Whether something accepts a connection on `target` within {@link SOCKET_CHECK_MS}. */
function answers(target: { path: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = connect(target);
    const done = (running: boolean) => {
      connection.destroy();
      resolve(running);
    };
    connection.setTimeout(SOCKET_CHECK_MS, () => done(false));
    connection.once('connect', () => done(true));
    connection.once('error', () => done(false));
  });
}

/**
 * The host and port of a `tcp:`/`tcp6:` server address, as libpulse reads it: `host`,
 * `host:port`, `[v6 address]` or `[v6 address]:port`; a bare IPv6 address (more than one colon)
 * is all host. The port defaults to PulseAudio's 4713.
 */
export function tcpAddress(address: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed?.[1]) return { host: bracketed[1], port: Number(bracketed[2] ?? 4713) };
  const hostPort = /^([^:]+):(\d+)$/.exec(address);
  if (hostPort?.[1]) return { host: hostPort[1], port: Number(hostPort[2]) };
  return { host: address, port: 4713 };
}

/**
 * Whether a PulseAudio server (PulseAudio, or PipeWire's pulse server) answers: the one
 * `PULSE_SERVER` names (a `unix:` socket or `tcp:` address is tried; another form is taken at
 * its word), else the per-user socket both listen on. Checked before pactl is run, because
 * pactl with no server running would start one (PulseAudio's autospawn) as a side effect of
 * asking, and a socket file a crashed or stopped server left behind answers nothing.
 */
export async function soundServerAnswers(env: NodeJS.ProcessEnv): Promise<boolean> {
  const named = env.PULSE_SERVER?.trim();
  if (named) {
    // A list of servers: the first is the one libpulse tries first.
    const first = named.split(/\s+/)[0] ?? '';
    const unix = /^(?:\{[^}]*\})?unix:(.+)$/.exec(first);
    if (unix?.[1]) return answers({ path: unix[1] });
    if (first.startsWith('/')) return answers({ path: first });
    const tcp = /^(?:\{[^}]*\})?tcp6?:(.+)$/.exec(first);
    if (tcp?.[1]) return answers(tcpAddress(tcp[1]));
    // A server named explicitly is never autospawned: pactl just fails if it is not there.
    return true;
  }
  const runtime =
    env.PULSE_RUNTIME_PATH ?? (env.XDG_RUNTIME_DIR && join(env.XDG_RUNTIME_DIR, 'pulse'));
  if (!runtime) return false;
  const socket = join(runtime, 'native');
  if (!existsSync(socket)) return false;
  return answers({ path: socket });
}

/**
 * The ALSA name of a sound server's sink or source, as `mic:`, `speaker:` and `sox:` take it:
 * ALSA's pulse plugin (`libasound2-plugins`) defines `pulse` with one argument, the device,
 * which it passes to the server as the sink (playback) or source (capture) to use. The app
 * opens named devices through ALSA (`MicSource` sets `AUDIODRIVER=alsa`, the speaker's out123
 * and sox's `-t alsa` are ALSA), so this is the name that reaches the server's device.
 */
export function pulsePcmName(device: string): string {
  return `pulse:${device}`;
}

/** The server's device a `pulse:<name>` (or `pulse:DEVICE=<name>`) ALSA name picks. Pure. */
export function pulseDeviceOf(pcm: string): string | undefined {
  const match = /^pulse:(?:DEVICE=)?(.+)$/.exec(pcm);
  return match?.[1]?.replace(/^"(.*)"$/, '$1');
}
