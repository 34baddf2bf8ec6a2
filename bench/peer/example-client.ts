/**
 * The vendor's Python example client as a peer for the benchmarks. Its code is taken from the
 * vendor's guide at bench time (the guide is read where it lies, never copied into the project)
 * and run unchanged by Debian's python3; only its `sounddevice` module is replaced, by one of the
 * stand-ins next to this file, put first on PYTHONPATH:
 *
 * - `file-device/`: paced file devices (a thread per stream calls the callback every 10 ms on a
 *   real-time clock, reading a WAV, writing raw PCM);
 * - `portaudio/`: the system's PortAudio (libportaudio2) through ctypes, as sounddevice does
 *   through cffi.
 *
 * The example imports `websockets.asyncio` (websockets ≥ 13); Debian 12 ships 10.4, so
 * `scripts/install-system-deps.sh --bench` unpacks Debian 13's python3-websockets into
 * `.tools/python` (pure Python, runs on 3.11), which is put on PYTHONPATH after the stand-in.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const GUIDE_NAME = join('shared', 'seed', 'omnia-websocket-guide.txt');
/** Where install-system-deps.sh --bench unpacks a newer python3-websockets. */
export const BENCH_PYTHON_PATH = join(
  REPO,
  '.tools',
  'python',
  'usr',
  'lib',
  'python3',
  'dist-packages',
);
/** Debian's interpreter, whose python3-* packages the example needs (not a pyenv one on PATH). */
export const PYTHON = process.env.OMNIA_BENCH_PYTHON ?? '/usr/bin/python3';

export type ExampleDevice = 'file-device' | 'portaudio';

/** The guide: OMNIA_EXAMPLE_GUIDE, else `shared/seed/…` beside the checkout or above it. */
export function findGuide(): string {
  const fromEnv = process.env.OMNIA_EXAMPLE_GUIDE;
  if (fromEnv) return fromEnv;
  for (let dir = dirname(REPO); ; dir = dirname(dir)) {
    const candidate = join(dir, GUIDE_NAME);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`the vendor's guide (${GUIDE_NAME}) was not found: set OMNIA_EXAMPLE_GUIDE`);
}

/** The example's Python source, exactly as the guide prints it. */
export function extractExample(guide: string): string {
  const start = guide.indexOf('#!/usr/bin/env python3');
  const endMarker = 'asyncio.run(main())';
  const end = guide.indexOf(endMarker, start);
  if (start < 0 || end < 0) throw new Error("no Python client found in the vendor's guide");
  return `${guide.slice(start, end + endMarker.length)}\n`;
}

export interface ExampleClient {
  /** Path of the extracted script. */
  readonly script: string;
  /** sha256 of the script (first 12 hex digits), to show it is the guide's code. */
  readonly sha: string;
  /** argv to run it. */
  readonly argv: readonly string[];
  /** Environment for it: PYTHONPATH with the stand-in, plus what the caller adds. */
  env(device: ExampleDevice, extra: Record<string, string>): Record<string, string>;
}

/** Extract the example into `dir` and check that its imports resolve with the bench's paths. */
export function prepareExample(dir: string): ExampleClient {
  const code = extractExample(readFileSync(findGuide(), 'utf8'));
  const script = join(dir, 'omnia_websocket_client.py');
  writeFileSync(script, code);
  const env = (device: ExampleDevice, extra: Record<string, string>) => ({
    PYTHONPATH: [join(HERE, device), BENCH_PYTHON_PATH].join(':'),
    // Unbuffered, as on a terminal: what it prints appears when printed.
    PYTHONUNBUFFERED: '1',
    ...extra,
  });
  try {
    execFileSync(PYTHON, ['-c', 'import aiohttp, numpy, pyee.asyncio, websockets.asyncio.client'], {
      env: { ...process.env, ...env('file-device', {}) },
      stdio: 'pipe',
    });
  } catch (error) {
    const said = String((error as { stderr?: Buffer }).stderr ?? error)
      .trim()
      .split('\n')
      .at(-1);
    throw new Error(
      `the example client's modules do not import (${said}): run scripts/install-system-deps.sh --bench`,
    );
  }
  return {
    script,
    sha: createHash('sha256').update(code).digest('hex').slice(0, 12),
    argv: [PYTHON, script],
    env,
  };
}
