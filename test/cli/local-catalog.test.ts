/**
 * The built-in local agent answers as Omnia's docs say: an agent's language is one of the codes
 * `GET /languages` lists (what `/calls/inline` accepts), and its voice one of `GET /voices`. So
 * what `agents` shows for an agent can be given to `voices --language` and to a `--prompt` call
 * as it is: `tutor-fr` said `fr`, which its own catalogue did not have (`fr-be`, `fr-ch`,
 * `fr-fr`). With espeak-ng as installed here, and without it (the small built-in list). Through
 * the built CLI.
 */
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

interface ListedAgent {
  id: string;
  status: string;
  language: string;
  voice: string;
}

const SETUPS: Array<[string, Record<string, string>]> = [
  ['with espeak-ng as installed', {}],
  ['without espeak-ng', { PATH: tempDir('omnia-no-espeak-') }],
];

describe.each(SETUPS)('the local agent’s agents speak its own languages, %s', (_name, extra) => {
  const env = () => cliEnv(tempDir('omnia-local-catalog-'), extra);

  it('each active agent’s language lists its voice, and a --prompt call takes both', async () => {
    const listed = await runCli(['agents', '--json'], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    const agents = (JSON.parse(listed.stdout) as ListedAgent[]).filter(
      (a) => a.status === 'ACTIVE',
    );
    expect(agents.map((a) => a.id)).toContain('tutor-fr');
    await Promise.all(
      agents.map(async (agent) => {
        const voices = await runCli(['voices', '--language', agent.language, '--json'], {
          env: env(),
        });
        expect(voices.code, `${agent.id}: ${voices.stderr}`).toBe(0);
        const names = (JSON.parse(voices.stdout) as Array<{ name: string; id: string }>).flatMap(
          (v) => [v.name.toLowerCase(), v.id.toLowerCase()],
        );
        expect(names, agent.id).toContain(agent.voice.toLowerCase());
        const call = await runCli(
          [
            ...['--plain', '--input', 'none', '--output', 'none', '--duration', '1'],
            ...['--no-call-record', '--prompt', 'Parle avec moi.'],
            ...['--voice', agent.voice, '--language', agent.language],
          ],
          { env: env(), timeoutMs: 30_000 },
        );
        expect(call.code, `${agent.id}: ${call.stderr}`).toBe(0);
        expect(call.stdout, agent.id).toContain('[call] connected');
      }),
    );
  }, 60_000);
});
