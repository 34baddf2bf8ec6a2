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

  it('kept in the config file and refused: the error says how to pick again', async () => {
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
    expect(run.stderr).toContain(HINT);
    // One sentence after another: the command that ends the first is followed by a full stop.
    expect(run.stderr).toMatch(/omnia-voice agents --api-base \S+\. That agent id is kept/);
    // Given with --agent, it is not the config file's: no such hint.
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
    expect(flagged.stderr).not.toContain('config unset');
  }, 60_000);
});
