/**
 * Start to connected: the built CLI spawned against a local server, from spawn to the moment
 * the server accepts its WebSocket. The CLI runs as a user would start it (`node dist/cli.js`,
 * plain mode, no audio devices) so the figure includes node's own start-up.
 */
import { spawn } from 'node:child_process';
import { type BenchResult, CLI_PATH, median, round, until } from './result.js';
import { epochMs, startScriptedAgent } from './scripted-agent.js';

const RUNS = 9;
/** Devices are not part of this figure (the sink opens while the call is created anyway). */
const NO_DEVICES = ['--input', 'none', '--output', 'none'];

export async function benchStart(): Promise<BenchResult[]> {
  const agent = await startScriptedAgent({ kind: 'idle' });
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const t0 = epochMs();
      const child = spawn(
        process.execPath,
        [CLI_PATH, '--plain', '--api-base', agent.baseUrl, '--agent', 'demo', ...NO_DEVICES],
        {
          env: {
            ...process.env,
            OMNIA_API_KEY: 'bench-key-1f0e',
            HOME: process.env.HOME ?? '/tmp',
          },
          stdio: 'ignore',
        },
      );
      await until(() => agent.calls[i]?.joinedAt !== undefined, 10_000);
      times.push((agent.calls[i]?.joinedAt ?? Number.NaN) - t0);
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    await agent.close();
  }
  const mid = median(times);
  return [
    {
      figure: `start to connected (spawn → WebSocket open, median of ${RUNS})`,
      target: '≤ 350 ms',
      measured: round(mid),
      unit: 'ms',
      pass: mid <= 350,
      note: `runs ${times.map((t) => Math.round(t)).join(', ')} ms`,
    },
  ];
}
