/**
 * The agent picker against the Omnia double, in a real terminal (tmux), as a new-user trial
 * found it: the notice that keeps the picked agent names the file whole at 100 columns.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { double, omniaEnv } from '../omnia/helpers.js';
import { isLive, killAllTuis, startTui } from './tmux.js';

afterEach(async () => {
  await killAllTuis();
});

describe('the picked agent kept as the default', () => {
  it('at 100 columns the notice names the file whole, on a second row if it needs one', async () => {
    const server = await double({
      agents: [
        { id: 'agt_front', name: 'Front Desk' },
        { id: 'agt_support', name: 'Support Desk' },
      ],
    });
    const home = tempDir('omnia-picker-notice-');
    const tui = await startTui({
      args: ['--api-base', server.baseUrl, '--input', 'none', '--output', 'none'],
      env: omniaEnv(home, { TERM: 'screen' }),
      cwd: home,
      width: 100,
      height: 30,
    });
    await tui.waitForScreen((s) => s.includes('Support Desk'), 'the picker');
    await tui.type('supp');
    await tui.waitForScreen((s) => /1 of 2 agents/.test(s), 'the filtered list');
    await tui.keys('Enter');
    const live = await tui.waitForScreen(
      (s) => isLive(s) && s.includes('your agent from now on'),
      'the call and the notice',
    );
    const rows = live.split('\n');
    const at = rows.findIndex((row) => row.includes('Support Desk is your agent from now on'));
    // The path whole on a row (under the home folder, as ~), and the way back after it.
    const notice = rows.slice(at, at + 2).join('\n');
    expect(notice).toMatch(/\(kept in ~\/\.config\/omnia-voice\/config\.json; /);
    expect(notice.replace(/\s+/g, ' ')).toContain('omnia-voice config unset agentId picks again)');
    expect(notice).not.toContain('…');
  }, 60_000);
});
