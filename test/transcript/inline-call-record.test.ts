/**
 * `calls show` for a call made with `--prompt` (an inline call, no saved agent): the record names
 * no agent, and every format says so rather than "unknown". Through the built CLI against the
 * built-in local agent, which keeps call logs as Omnia does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalAgent, startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

const agents: LocalAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
});

describe('calls show for an inline prompt call', () => {
  it('names it an inline prompt in md, txt and json', async () => {
    const agent = await startLocalAgent({ voice: 'tone', recordDelayMs: 0 });
    agents.push(agent);
    const home = tempDir('omnia-inline-record-');
    const env = cliEnv(home);
    const call = await runCli(
      [
        '--plain',
        '--input',
        'none',
        '--output',
        'none',
        '--api-base',
        agent.baseUrl,
        '--prompt',
        'Greet the caller, then hang up.',
        '--voice',
        'Alicia',
        '--language',
        'en-us',
        '--greeting',
        'Hi.',
        '--no-call-record',
      ],
      { env, timeoutMs: 40_000 },
    );
    expect(call.code, call.stderr).toBe(0);
    const id = agent.calls[0]?.id ?? '';
    expect(id).not.toBe('');

    const show = (format: string) =>
      runCli(['calls', 'show', id, '--api-base', agent.baseUrl, '--format', format], { env });
    const md = await show('md');
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('- **Agent:** none (inline prompt)');
    expect(md.stdout).not.toContain('unknown');
    const txt = await show('txt');
    expect(txt.stdout.split('\n')[0]).toMatch(
      new RegExp(`^=== Call · none \\(inline prompt\\) · call ${id} · \\S+ ===$`),
    );
    const json = await show('json');
    expect(JSON.parse(json.stdout).call).toMatchObject({
      callId: id,
      label: 'none (inline prompt)',
    });
  }, 60_000);
});
