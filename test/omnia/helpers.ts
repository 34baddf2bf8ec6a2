/** Running the built CLI against the Omnia double or the local agent, and what no run may leak. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { type CliResult, cliEnv, runCli, tempDir } from '../helpers/cli.js';
import { type OmniaDouble, type OmniaDoubleOptions, startOmniaDouble } from './double.js';

/** A key no output or file may ever contain (its last four characters may appear). */
export const KEY = 'ck_prod_DOUBLE_KEY_8f2c41d0e9b7';

const doubles: OmniaDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
});

/** A double for this test, closed after it. */
export async function double(options: Partial<OmniaDoubleOptions> = {}): Promise<OmniaDouble> {
  const started = await startOmniaDouble({ apiKey: KEY, ...options });
  doubles.push(started);
  return started;
}

/** The environment of a run: a temporary HOME, the key, quick record polling. */
export function omniaEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cliEnv(home, { OMNIA_API_KEY: KEY, OMNIA_RECORD_POLL_MS: '200', ...extra });
}

/** Runs the CLI against the double: `args` then `--api-base`. */
export async function runAgainst(
  server: OmniaDouble,
  args: string[],
  options: { home?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult & { home: string }> {
  const home = options.home ?? tempDir('omnia-console-');
  const result = await runCli([...args, '--api-base', server.baseUrl], {
    env: omniaEnv(home, options.env),
    timeoutMs: options.timeoutMs ?? 40_000,
  });
  return { ...result, home };
}

/** Plain call arguments: no devices, nothing heard. */
export const QUIET_CALL = ['--plain', '--input', 'none', '--output', 'none'];

/** Neither the key nor the socket's token is in the outputs or in any file under `home`. */
export function expectNoSecrets(texts: string[], home: string, socketToken?: string): void {
  const secrets = [KEY, ...(socketToken ? [socketToken] : [])];
  for (const text of texts) {
    for (const secret of secrets) expect(text.includes(secret), `${secret} leaked`).toBe(false);
  }
  for (const file of filesUnder(home)) {
    const data = readFileSync(file);
    for (const secret of secrets)
      expect(data.includes(secret), `${secret} leaked into ${file}`).toBe(false);
  }
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) out.push(...filesUnder(path));
    else if (st?.isFile()) out.push(path);
  }
  return out;
}

/** The requests the double saw to a path. */
export function requestsTo(server: OmniaDouble, method: string, path: RegExp) {
  return server.requests.filter((r) => r.method === method && path.test(r.path));
}

/**
 * A finished call log as Omnia documents it (`GET /calls/{id}`): Front Desk, 65 s, the agent
 * hung up, a two-turn transcript; `extra` replaces any field.
 */
export function pastCall(
  id: string,
  startIso: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const start = Date.parse(startIso);
  return {
    id,
    agentId: 'agt_front',
    agent: { id: 'agt_front', name: 'Front Desk' },
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + 65_000).toISOString(),
    durationMs: 65_000,
    durationSeconds: 65,
    status: 'agent_hangup',
    summary: 'The caller ordered roses.',
    shortSummary: 'Roses',
    transcript: [
      { role: 'agent', text: 'Front desk, hello.' },
      { role: 'user', text: 'Roses, please.' },
    ],
    billing: {
      durationMinutes: 2,
      costCents: 14,
      costDollars: 0.14,
      pricePerMinuteCents: 7,
      currency: 'USD',
    },
    ...extra,
  };
}
