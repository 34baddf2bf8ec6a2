/** Running the built CLI against the hostile double, and what every run must satisfy. */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type ParsedWav, parseWav } from '../../source/audio/wav.js';
import { type CliResult, cliEnv, runCli, startCli, tempDir } from '../helpers/cli.js';
import { tone } from '../helpers/signal.js';
import type { HostileServer } from './server.js';

/** A key no test output may ever contain (its last 4 characters, "…7e1d", may appear). */
export const KEY = 'sk_live_HOSTILE_KEY_4c1b9a0f2d7e1d';
/** Sample rate of every hostile call: small, so floods and WAVs stay cheap. */
export const RATE = 16_000;

/** Files one run may write, in a fresh temporary HOME. */
export interface RunFiles {
  readonly home: string;
  readonly transcript: string;
  readonly wav: string;
}

export function runFiles(prefix = 'omnia-hostile-'): RunFiles {
  const home = tempDir(prefix);
  return { home, transcript: join(home, 'call.txt'), wav: join(home, 'out.wav') };
}

/** Arguments for a plain call against the double: no mic, agent audio into a WAV, transcript. */
export function callArgs(server: HostileServer, files: RunFiles, extra: string[] = []): string[] {
  return [
    '--plain',
    '-v',
    '--agent',
    'x',
    '--api-base',
    server.baseUrl,
    '--input',
    'none',
    '--output',
    files.wav,
    '--sample-rate',
    String(RATE),
    ...(files.transcript ? ['--transcript', files.transcript] : []),
    ...extra,
  ];
}

/** The CLI's environment: a temporary HOME, the distinctive key, test-only knobs. */
export function hostileEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cliEnv(home, { OMNIA_API_KEY: KEY, ...extra });
}

export interface HostileRun extends CliResult {
  /** The transcript file's text ('' when missing). */
  transcript: string;
  /** The output WAV, parsed (undefined when missing or unreadable). */
  wav: ParsedWav | undefined;
}

/** Run one call against the double and collect everything it wrote. */
export async function runCall(
  server: HostileServer,
  files: RunFiles,
  options: { extra?: string[]; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HostileRun> {
  const result = await runCli(callArgs(server, files, options.extra), {
    env: hostileEnv(files.home, options.env),
    timeoutMs: options.timeoutMs ?? 40_000,
  });
  return { ...result, ...readOutputs(files) };
}

/** Start one call against the double (for signals and mid-call faults). */
export function startCall(
  server: HostileServer,
  files: RunFiles,
  options: { extra?: string[]; env?: Record<string, string> } = {},
) {
  return startCli(callArgs(server, files, options.extra), {
    env: hostileEnv(files.home, options.env),
  });
}

export function readOutputs(files: RunFiles): { transcript: string; wav: ParsedWav | undefined } {
  const transcript =
    files.transcript && existsSync(files.transcript) ? readFileSync(files.transcript, 'utf8') : '';
  let wav: ParsedWav | undefined;
  try {
    wav = parseWav(readFileSync(files.wav));
  } catch {
    wav = undefined;
  }
  return { transcript, wav };
}

/** C0 controls (but newline and tab), DEL, C1 controls: what must never reach a terminal. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** The text holds no escape sequence or control character a terminal would act on. */
export function expectTerminalSafe(text: string, what: string): void {
  const match = CONTROL.exec(text);
  expect(
    match,
    `${what} contains U+${match?.[0].codePointAt(0)?.toString(16)} near ${JSON.stringify(text.slice(Math.max(0, (match?.index ?? 0) - 40), (match?.index ?? 0) + 40))}`,
  ).toBeNull();
}

/** The key is in none of the outputs, and in no file under HOME (config, transcripts, logs). */
export function expectNoKey(texts: string[], home?: string): void {
  for (const text of texts) expect(text.includes(KEY), 'the API key leaked').toBe(false);
  if (!home) return;
  for (const file of filesUnder(home)) {
    const data = readFileSync(file);
    expect(data.includes(KEY), `the API key leaked into ${file}`).toBe(false);
  }
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...filesUnder(path));
    else if (st.isFile()) out.push(path);
  }
  return out;
}

/** What every hostile run must end with: the server got a polite `hang_up` when we ended. */
export function hangUps(server: HostileServer): number {
  return server.calls.filter((c) => c.got('hang_up')).length;
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A HOME whose ALSA default devices are files: capture reads `inRaw` (30 s of a 440 Hz tone, so
 * `--input mic` runs a real sox), playback writes `outRaw` (so `--output speaker` plays into it).
 */
export function alsaHome(home: string): { inRaw: string; outRaw: string } {
  const inRaw = join(home, 'in.raw');
  const outRaw = join(home, 'out.raw');
  // The file plugin captures at the device default, 2 channels at 48 kHz: a 440 Hz tone.
  const mono = tone(440, 30_000, 48_000, 0.3);
  const stereo = Buffer.alloc(mono.length * 2);
  for (let i = 0; i < mono.length; i += 2) {
    stereo.writeInt16LE(mono.readInt16LE(i), i * 2);
    stereo.writeInt16LE(mono.readInt16LE(i), i * 2 + 2);
  }
  writeFileSync(inRaw, stereo);
  writeFileSync(
    join(home, '.asoundrc'),
    `pcm.!default {
  type asym
  playback.pcm "outfile"
  capture.pcm "infile"
}
pcm.outfile {
  type file
  slave.pcm "null"
  file "${outRaw}"
  format "raw"
}
pcm.infile {
  type file
  slave.pcm "null"
  file "/dev/null"
  infile "${inRaw}"
  format "raw"
}
`,
  );
  return { inRaw, outRaw };
}
