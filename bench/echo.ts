/**
 * Echo cancellation: ERLE over time, convergence, double-talk and CPU of the canceller alone in
 * a modelled room (test/helpers/echo-rig.ts), then the whole app on open speakers through a
 * private PulseAudio (test/helpers/echo-app.ts). Run alone with `npx tsx bench/echo.ts`
 * (after `npm run build`: the whole-app part runs dist/cli.js).
 */
import { performance } from 'node:perf_hooks';
import { AEC_FRAME_MS, AEC_TAIL_MS, EchoCanceller, int16 } from '../source/audio/echo/canceller.js';
import { loadSpeexDsp, type SpeexDsp } from '../source/audio/echo/speexdsp.js';
import {
  selfInterruptions as heardItself,
  runLoop,
  type Scene,
  userVoices,
} from '../test/helpers/echo-app.js';
import { rigVoices, runCancellerRig } from '../test/helpers/echo-rig.js';
import { Room, toS16 } from '../test/helpers/room.js';
import { soundServerAvailable, startSoundServer } from '../test/helpers/sound-server.js';
import { type BenchResult, printWhenMain, round } from './result.js';

const DELAYS_MS = [20, 80, 200] as const;
/** 1 % of a core. */
const CPU_TARGET_MS_PER_S = 10;

export async function benchEcho(): Promise<BenchResult[]> {
  const dsp = loadSpeexDsp();
  if (typeof dsp === 'string') throw new Error(dsp);
  const results: BenchResult[] = [];
  for (const delayMs of DELAYS_MS) {
    const r = await runCancellerRig(dsp, { delayMs, gain: 0.3 });
    results.push(
      {
        figure: `echo: ERLE from 1 s after the agent starts, room delay ${delayMs} ms`,
        target: '≥ 20 dB',
        measured: round(r.erleAfter1sDb),
        unit: 'dB',
        pass: r.erleAfter1sDb >= 20,
        note: `ERLE per 250 ms from the agent's start: ${r.erleWindowsDb.map((x) => Math.round(x)).join(' ')} dB; delay found ${r.stats.estimatedDelayMs} ms`,
      },
      {
        figure: `echo: convergence (ERLE ≥ 20 dB from then on), room delay ${delayMs} ms`,
        target: '≤ 1000 ms',
        measured: r.convergenceMs,
        unit: 'ms',
        pass: r.convergenceMs <= 1_000,
      },
      {
        figure: `echo: the user's level during double-talk, after vs before the canceller, ${delayMs} ms`,
        target: '±6 dB',
        measured: round(r.doubleTalkDb),
        unit: 'dB',
        pass: Math.abs(r.doubleTalkDb) <= 6,
        note: `the mic itself (user + echo) is ${round(r.doubleTalkUncancelledDb)} dB above the user alone`,
      },
    );
  }
  const jump = await runCancellerRig(dsp, {
    delayMs: 80,
    gain: 0.3,
    jump: { atMs: 2_500, byMs: 100 },
  });
  const after = jump.erleWindowsDb.slice(8);
  const backAt = after.findIndex((x, i) => x >= 20 && after.slice(i).every((y) => y >= 10));
  results.push({
    figure: 'echo: back to ≥ 20 dB after the output latency jumps by 100 ms',
    target: 'information',
    measured: backAt < 0 ? Number.NaN : backAt * 250,
    unit: 'ms',
    pass: backAt >= 0,
    note: `ERLE per 250 ms from the jump: ${after.map((x) => Math.round(x)).join(' ')} dB (PulseAudio raises a stream's latency after an underrun)`,
  });
  results.push(...cpuFigures(dsp, await minuteOfCall()));
  results.push(...(await wholeApp()));
  return results;
}

/** CPU of the whole canceller (resampling, delay search, speexdsp) and of speexdsp alone. */
function cpuFigures(dsp: SpeexDsp, call: { played: Buffer; mic: Buffer }): BenchResult[] {
  const seconds = call.played.length / 2 / 48_000;
  return [
    (() => {
      const ms = cancellerCpuMs(dsp, call);
      const perS = ms / seconds;
      return {
        figure: 'echo: canceller CPU per second of audio (48 kHz call, processed at 16 kHz)',
        target: `< ${CPU_TARGET_MS_PER_S} ms (1 % of a core)`,
        measured: round(perS, 2),
        unit: 'ms',
        pass: perS < CPU_TARGET_MS_PER_S,
      } satisfies BenchResult;
    })(),
    ...[16_000, 48_000].map((rate) => {
      const perS = speexCpuMs(dsp, rate, call) / seconds;
      return {
        figure: `echo: speexdsp alone (filter ${AEC_TAIL_MS} ms + suppressor) at ${rate / 1000} kHz, per second`,
        target: 'information',
        measured: round(perS, 2),
        unit: 'ms',
        pass: true,
      } satisfies BenchResult;
    }),
  ];
}

/** A minute of a 48 kHz call in the modelled room: the agent's speech and its echo, looped. */
async function minuteOfCall(): Promise<{ played: Buffer; mic: Buffer }> {
  const rate = 48_000;
  const { agent } = await rigVoices(rate);
  const played = Buffer.alloc(rate * 2 * 60);
  for (let at = 0; at < played.length; at += agent.length + rate) agent.copy(played, at);
  return { played, mic: toS16(new Room({ rate, delayMs: 80, gain: 0.3 }).process(played)) };
}

function cancellerCpuMs(dsp: SpeexDsp, call: { played: Buffer; mic: Buffer }): number {
  return measureCpu(() => {
    const frameBytes = ((48_000 * AEC_FRAME_MS) / 1000) * 2;
    const c = new EchoCanceller(dsp, { inputRate: 48_000, outputRate: 48_000 });
    for (let at = 0, k = 0; at + frameBytes <= call.played.length; at += frameBytes, k++) {
      c.pushReference(call.played.subarray(at, at + frameBytes), k * AEC_FRAME_MS);
      c.process(call.mic.subarray(at, at + frameBytes), k * AEC_FRAME_MS);
    }
    c.close();
  });
}

/** speexdsp's canceller and suppressor alone at `rate` on the same minute (resampled). */
function speexCpuMs(dsp: SpeexDsp, rate: number, call: { played: Buffer; mic: Buffer }): number {
  const play48 = int16(call.played);
  const mic48 = int16(call.mic);
  const step = 48_000 / rate;
  const play = Int16Array.from(
    { length: Math.floor(play48.length / step) },
    (_, i) => play48[i * step]!,
  );
  const mic = Int16Array.from(
    { length: Math.floor(mic48.length / step) },
    (_, i) => mic48[i * step]!,
  );
  return measureCpu(() => {
    const n = (rate * AEC_FRAME_MS) / 1000;
    const echo = dsp.echoInit(n, (rate * AEC_TAIL_MS) / 1000, rate);
    const pre = dsp.preprocessInit(n, rate, echo, {
      echoSuppressDb: -40,
      echoSuppressActiveDb: -25,
      noiseSuppressDb: -15,
    });
    const out = new Int16Array(n);
    for (let at = 0; at + n <= play.length; at += n) {
      dsp.echoCancel(echo, mic.subarray(at, at + n), play.subarray(at, at + n), out);
      dsp.preprocessRun(pre, out);
    }
    dsp.preprocessDestroy(pre);
    dsp.echoDestroy(echo);
  });
}

function measureCpu(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/**
 * The whole app, the full scene once per room delay: the greeting, the user's first words, the
 * reply, and the user talking over it 3 s in; then again with the user talking 0.7 s into the
 * reply (it follows well over a second of agent silence: the filter must be trusted again).
 */
async function wholeApp(): Promise<BenchResult[]> {
  if (!soundServerAvailable()) throw new Error('pulseaudio, pactl, parec and pacat are needed');
  const scene: Scene = {
    server: await startSoundServer({ rate: 48_000 }),
    ...(await userVoices()),
  };
  const offsets = [3_000, 700] as const;
  const selfInterruptions = [0, 0];
  const bargeIns = [0, 0];
  const notes: string[][] = [[], []];
  try {
    for (const [k, after] of offsets.entries()) {
      for (const delayMs of DELAYS_MS) {
        const started = performance.now();
        const run = await runLoop(scene, delayMs, 'cancel', true, [], after);
        const self = heardItself(run).length;
        selfInterruptions[k]! += self;
        const through = run.bargeInAt !== undefined && run.clearedAt !== undefined;
        if (through) bargeIns[k]!++;
        const erle = [...run.stdout.matchAll(/ERLE (\d+) dB/g)].map((m) => m[1]).join(' ');
        notes[k]!.push(
          `${delayMs} ms: self ${self}, barge-in ${through ? `after ${Math.round(run.clearedAt! - run.bargeInAt!)} ms` : 'missed'}, ERLE lines ${erle || '-'} (${Math.round((performance.now() - started) / 1000)} s)`,
        );
      }
    }
  } finally {
    await scene.server.close();
  }
  // Per offset: the figures' names, as the runs before the 0.7 s scene had them for the first.
  const named = [
    { self: 'times the agent heard itself', through: 'barge-ins over the agent that got through' },
    {
      self: 'times the agent heard itself, the user talking 0.7 s into the reply',
      through: 'barge-ins 0.7 s into a reply after a pause that got through',
    },
  ] as const;
  return named.flatMap((names, k): BenchResult[] => [
    {
      figure: `echo (whole app): ${names.self}`,
      target: '0',
      measured: selfInterruptions[k]!,
      unit: '',
      pass: selfInterruptions[k] === 0,
      note: notes[k]!.join('; '),
    },
    {
      figure: `echo (whole app): ${names.through}`,
      target: `${DELAYS_MS.length} of ${DELAYS_MS.length}`,
      measured: bargeIns[k]!,
      unit: `of ${DELAYS_MS.length}`,
      pass: bargeIns[k] === DELAYS_MS.length,
    },
  ]);
}

await printWhenMain(import.meta.url, benchEcho);
