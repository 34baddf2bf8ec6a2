/**
 * A new-user trial's echo loop, reproduced: the built app (`--input mic --output speaker`, the
 * default `--echo cancel`) against the local agent with a long greeting, on a private PulseAudio
 * whose mic is a plain null sink's monitor (`room2.monitor`, as in ../shared/alsa/sound-server.md)
 * fed by `parec speaker.monitor | sox vol | pacat room2`. That loop's delay moves: pacat
 * underruns in it, the mic hears a moment of nothing, and the echo comes later from then on (steps
 * of 5-35 ms every second or two, docs/audio-capture.md). Per call: how often the agent heard
 * itself (the local agent detected speech; nobody else talks), how often the canceller lost the
 * echo, and the loop's delay over the call, measured by cross-correlating what `speaker.monitor`
 * played with what the mic heard.
 *
 * Run alone after `npm run build`: `npx tsx bench/echo-trial-loop.ts [calls=3] [seconds=30]
 * [loopLatencyMs=20]` (`default` for parec's and pacat's own latency: seconds, and steady).
 */
import { execFileSync, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { startLocalAgent } from '../source/local-agent/index.js';
import { cliEnv, startCli, tempDir } from '../test/helpers/cli.js';
import {
  type Recording,
  rawStreamArgs,
  soundServerAvailable,
  startSoundServer,
} from '../test/helpers/sound-server.js';

const RATE = 48_000;
/** Decimation for the cross-correlation: 4 kHz is plenty for a 2.5 ms resolution. */
const DECIMATE = 12;
const GREETING =
  'Hello! I am the Omnia local demo agent, and this is a long greeting, so that the echo canceller has plenty to learn from. ' +
  'I will count slowly now: one, two, three, four, five, six, seven, eight, nine, ten. ' +
  'The quick brown fox jumps over the lazy dog, and the lazy dog does not seem to mind at all. ' +
  'Eleven, twelve, thirteen, fourteen, fifteen, sixteen, seventeen, eighteen, nineteen, twenty. ' +
  'That is all for now. Twenty one, twenty two, twenty three, twenty four, twenty five.';

/** When sample 0 of a recording was played (performance.now()): its least late chunk. */
function origin(rec: Recording): number {
  let best = Number.POSITIVE_INFINITY;
  for (const a of rec.arrivals()) best = Math.min(best, a.at - (a.end / 2 / RATE) * 1000);
  return best;
}

function decimate(pcm: Buffer): Float64Array {
  const n = Math.floor(pcm.length / 2 / DECIMATE);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < DECIMATE; k++) s += pcm.readInt16LE((i * DECIMATE + k) * 2);
    out[i] = s / DECIMATE;
  }
  return out;
}

/**
 * The mic's lag behind the loudspeaker (ms) in each 300 ms window of agent audio, where the
 * correlation is clear (≥ 0.7), with the window's time from `from` (s).
 */
export function loopLags(
  speaker: Buffer,
  speakerAt: number,
  mic: Buffer,
  micAt: number,
  from: number,
): Array<{ atS: number; lagMs: number }> {
  const r = decimate(speaker);
  const m = decimate(mic);
  const fs = RATE / DECIMATE;
  const win = Math.round(0.3 * fs);
  const step = Math.round(0.25 * fs);
  const maxLag = Math.round(0.6 * fs);
  const shift = ((speakerAt - micAt) * fs) / 1000;
  const out: Array<{ atS: number; lagMs: number }> = [];
  for (let i0 = 0; i0 + win <= r.length; i0 += step) {
    let rr = 0;
    for (let i = i0; i < i0 + win; i++) rr += r[i]! * r[i]!;
    if (rr / win < (32_768 * 10 ** (-45 / 20)) ** 2) continue;
    let best = 0.7;
    let bestLag = -1;
    for (let lag = 0; lag <= maxLag; lag++) {
      const j0 = Math.round(i0 + shift + lag);
      if (j0 < 0 || j0 + win > m.length) continue;
      let xy = 0;
      let yy = 0;
      for (let k = 0; k < win; k++) {
        xy += r[i0 + k]! * m[j0 + k]!;
        yy += m[j0 + k]! ** 2;
      }
      const c = yy > 0 ? xy / Math.sqrt(rr * yy) : 0;
      if (c > best) {
        best = c;
        bestLag = lag;
      }
    }
    if (bestLag >= 0)
      out.push({
        atS: (speakerAt + (i0 / fs) * 1000 - from) / 1000,
        lagMs: (bestLag / fs) * 1000,
      });
  }
  return out;
}

async function oneCall(seconds: number, latency: string) {
  const server = await startSoundServer({ rate: RATE });
  const env = { ...process.env, ...server.env };
  execFileSync(
    'pactl',
    ['load-module', 'module-null-sink', 'sink_name=room2', `rate=${RATE}`, 'channels=1'],
    { env },
  );
  execFileSync('pactl', ['set-default-source', 'room2.monitor'], { env });
  const raw = rawStreamArgs(RATE).join(' ');
  const lat = latency === 'default' ? '' : ` --latency-msec=${latency}`;
  const soxRaw = `-t raw -r ${RATE} -e signed -b 16 -c 1`;
  const loop = spawn(
    'sh',
    [
      '-c',
      `parec --device=speaker.monitor ${raw}${lat} | sox -q ${soxRaw} - ${soxRaw} - vol 0.3 | pacat --playback --device=room2 ${raw}${lat}`,
    ],
    { env, stdio: 'ignore', detached: true },
  );
  const speaker = server.recordSpeaker();
  const mic = server.record('room2.monitor');
  const log: Array<{ at: number; line: string }> = [];
  const agent = await startLocalAgent({
    voice: 'espeak',
    log: (line) => log.push({ at: performance.now(), line }),
  });
  try {
    // The readers settle (sound-server.ts, READER_SETTLE_MS).
    await new Promise((r) => setTimeout(r, 3_000));
    const start = performance.now();
    const app = startCli(
      [
        '--plain',
        '-v',
        '--api-base',
        agent.baseUrl,
        '--prompt',
        'You are a test agent.',
        '--greeting',
        GREETING,
        '--voice',
        'Alex',
        '--language',
        'en-us',
        '--input',
        'mic',
        '--output',
        'speaker',
        '--duration',
        String(seconds),
      ],
      { env: { ...cliEnv(tempDir('omnia-trial-loop-'), { OMNIA_API_KEY: 'k' }), ...server.env } },
    );
    await new Promise((r) => app.child.once('exit', r));
    const stdout = app.output().stdout;
    const heard = log
      .filter((l) => /user speech started/.test(l.line))
      .map((l) => Math.round((l.at - start) / 100) / 10);
    const lags = loopLags(
      await speaker.stop(),
      origin(speaker),
      await mic.stop(),
      origin(mic),
      start,
    );
    return {
      heard,
      losses: (stdout.match(/the echo moved/g) ?? []).length,
      lags,
    };
  } finally {
    if (loop.pid) process.kill(-loop.pid, 'SIGTERM');
    await agent.close();
    await server.close();
  }
}

async function main(): Promise<void> {
  if (!soundServerAvailable()) throw new Error('needs pulseaudio, pactl, parec and pacat');
  const calls = Number(process.argv[2] ?? 3);
  const seconds = Number(process.argv[3] ?? 30);
  const latency = process.argv[4] ?? '20';
  let heardCalls = 0;
  for (let i = 1; i <= calls; i++) {
    const r = await oneCall(seconds, latency);
    if (r.heard.length > 0) heardCalls++;
    const lags = r.lags.map((l) => l.lagMs);
    // The steps: each change of the lag by 5 ms or more, in order.
    const steps: string[] = [];
    let last: number | undefined;
    for (const l of r.lags) {
      if (last === undefined || Math.abs(l.lagMs - last) >= 5) {
        steps.push(`${l.atS.toFixed(1)} s ${Math.round(l.lagMs)}`);
        last = l.lagMs;
      }
    }
    console.log(
      `call ${i}: the agent heard itself ${r.heard.length} times${r.heard.length ? ` (at ${r.heard.join(', ')} s)` : ''}; echo lost ${r.losses} times; loop delay ${Math.round(Math.min(...lags))}-${Math.round(Math.max(...lags))} ms: ${steps.join(', ')}`,
    );
  }
  console.log(`the agent heard itself in ${heardCalls} of ${calls} calls`);
}

await main();
process.exit(0);
