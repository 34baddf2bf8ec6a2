/**
 * Barge-in through the whole app: a scripted server sends 3 s of agent audio in one burst and
 * `playback_clear_buffer` 1 s after it; the built CLI plays into a paced WAV sink. The WAV is
 * the device timeline: sample i is heard i/rate seconds after the player started. The app
 * starts the mic source (here: silence) right after the player, and its first frame leaves at
 * once, so its arrival marks the player's start on the server's clock. The agent audio heard
 * after the clear is the audio in the WAV beyond (clear sent − first user frame arrived). The
 * clear's own delivery time (under a millisecond on 127.0.0.1) counts against the app.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '../source/audio/wav.js';
import { type BenchResult, CLI_PATH, printWhenMain, round } from './result.js';
import { startScriptedAgent } from './scripted-agent.js';

const RUNS = 5;
const RATE = 48_000;

/** Index just past the last non-zero sample (the bench tone has no zero samples). */
function audioEnd(data: Buffer): number {
  for (let i = (data.length >> 1) - 1; i >= 0; i--) if (data.readInt16LE(i * 2) !== 0) return i + 1;
  return 0;
}

async function oneRun(dir: string, run: number): Promise<number> {
  const agent = await startScriptedAgent({
    kind: 'burst-clear',
    burstMs: 3_000,
    clearAfterMs: 1_000,
  });
  const wavPath = join(dir, `barge-in-${run}.wav`);
  try {
    const child = spawn(
      process.execPath,
      [
        CLI_PATH,
        '--plain',
        '--api-base',
        agent.baseUrl,
        '--agent',
        'demo',
        '--input',
        'none',
        '--output',
        wavPath,
        '--sample-rate',
        String(RATE),
      ],
      { env: { ...process.env, OMNIA_API_KEY: 'bench-key-1f0e' }, stdio: 'ignore' },
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const call = agent.calls[0];
    if (code !== 0 || !call?.firstClientAudioAt || !call.clearAt) {
      throw new Error(`barge-in run failed (exit ${code})`);
    }
    const wav = parseWav(readFileSync(wavPath));
    const endMs = (audioEnd(wav.data) / RATE) * 1000;
    return endMs - (call.clearAt - call.firstClientAudioAt);
  } finally {
    await agent.close();
  }
}

export async function benchBargeIn(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'omnia-bench-barge-'));
  try {
    const runs: number[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await oneRun(dir, run));
    const worst = Math.max(...runs);
    return [
      {
        figure: `barge-in cut-off through the app (burst 3 s, clear at 1 s, WAV sink, worst of ${RUNS})`,
        target: '≤ 30 ms',
        measured: round(worst),
        unit: 'ms',
        pass: worst <= 30,
        note: `agent audio heard after the clear: ${runs.map((r) => round(r)).join(', ')} ms`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await printWhenMain(import.meta.url, benchBargeIn);
