/**
 * An agent picked in the full-screen picker that Omnia then refuses (deactivated meanwhile) is
 * not kept as the default; and when a kept agent id is refused, the error says where it comes
 * from and how to get the picker back. Against the Omnia double, in a real terminal (tmux).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import type { DoubleAgent } from '../omnia/double.js';
import { double, omniaEnv, runAgainst } from '../omnia/helpers.js';
import { killAllTuis, startTui } from './tmux.js';

afterEach(async () => {
  await killAllTuis();
});

const HINT =
  'That agent id is kept in the config file: `omnia-voice config unset agentId` lists the agents to pick from again.';

describe('an agent Omnia refuses', () => {
  it('picked, then refused: not kept as the default', async () => {
    const agents: DoubleAgent[] = [
      { id: 'agt_front', name: 'Front Desk' },
      { id: 'agt_gone', name: 'Gone Soon' },
    ];
    const server = await double({ agents });
    const home = tempDir('omnia-picker-refused-');
    const tui = await startTui({
      args: ['--api-base', server.baseUrl, '--input', 'none', '--output', 'none'],
      env: omniaEnv(home, { TERM: 'screen' }),
      cwd: home,
      wrapInShell: true,
    });
    await tui.waitForScreen(
      (s) => s.includes('pick an agent') && s.includes('Gone Soon'),
      'picker',
    );
    // Deactivated between the listing and the choice.
    agents[1]!.status = 'INACTIVE';
    await tui.type('gone');
    await tui.waitForScreen((s) => s.includes('filter: gone'), 'the filter');
    await tui.keys('Enter');
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to end');
    expect(end).toMatch(/^EXITED:1$/m);
    expect(end).toContain('Could not create the call');
    const config = join(home, '.config', 'omnia-voice', 'config.json');
    const kept = existsSync(config) ? JSON.parse(readFileSync(config, 'utf8')) : {};
    expect(kept.agentId).toBeUndefined();
  }, 60_000);

  it('kept in the config file and refused, in plain mode: the error says what to do instead of picking', async () => {
    const server = await double({ agents: [{ id: 'agt_front', name: 'Front Desk' }] });
    const home = tempDir('omnia-kept-refused-');
    const dir = join(home, '.config', 'omnia-voice');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ agentId: 'agt_deleted' }));
    const run = await runAgainst(server, ['--plain', '--input', 'none', '--output', 'none'], {
      home,
    });
    // Asked by id: Omnia lists no such agent (exit 2, a usage error: the id is wrong).
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      'Could not create the call: No active agent has the id or name "agt_deleted"',
    );
    // Plain mode has no picker: it says what to do there instead, with the server's own list.
    expect(run.stderr).toContain(
      `That agent id is kept in the config file: pass another with --agent <id or name> (omnia-voice agents --api-base ${server.baseUrl} lists them), or keep another with \`omnia-voice config set agentId <id>\`.`,
    );
    expect(run.stderr).not.toContain(HINT);
    // One sentence after another: the command that ends the first is followed by a full stop.
    expect(run.stderr).toMatch(/omnia-voice agents --api-base \S+\. That agent id is kept/);
  }, 60_000);

  it('kept in the config file and refused, full-screen: the error says how to get the picker back', async () => {
    const server = await double({ agents: [{ id: 'agt_front', name: 'Front Desk' }] });
    const home = tempDir('omnia-kept-refused-tui-');
    const dir = join(home, '.config', 'omnia-voice');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ agentId: 'agt_deleted' }));
    const tui = await startTui({
      args: ['--api-base', server.baseUrl, '--input', 'none', '--output', 'none'],
      env: omniaEnv(home, { TERM: 'screen' }),
      cwd: home,
      wrapInShell: true,
      width: 400,
    });
    const end = await tui.waitForScreen((s) => /^EXITED:\d+$/m.test(s), 'the app to end');
    expect(end).toMatch(/^EXITED:2$/m);
    expect(end).toContain(HINT);
  }, 60_000);

  it('given with --agent, the id is not the one kept in the config file: no such hint', async () => {
    const server = await double({ agents: [{ id: 'agt_front', name: 'Front Desk' }] });
    const flagged = await runAgainst(server, [
      '--plain',
      '--input',
      'none',
      '--output',
      'none',
      '--agent',
      'agt_deleted',
    ]);
    expect(flagged.code).toBe(2);
    expect(flagged.stderr).not.toContain('kept in the config file');
  }, 60_000);
});
