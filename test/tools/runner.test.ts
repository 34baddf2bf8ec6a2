/** Client tools run by `--tools`: bounded in time and size, stopped when the call ends. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadToolsFile, MAX_TOOL_TIMEOUT_MS } from '../../source/tools/config.js';
import { createToolRunner, MAX_TOOL_OUTPUT_BYTES } from '../../source/tools/runner.js';
import { tempDir, waitFor } from '../helpers/cli.js';

const invocation = { invocationId: 'i1', parameters: { a: 1 } };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('command tools', () => {
  it('run in the directory of the tools file, with the invocation in the environment', async () => {
    const dir = tempDir('omnia-tools-');
    writeFileSync(
      join(dir, 'answer.sh'),
      'cat >/dev/null; echo "$OMNIA_TOOL_NAME $OMNIA_INVOCATION_ID"',
    );
    const file = join(dir, 'tools.json');
    writeFileSync(file, JSON.stringify({ tools: { whoami: { command: 'sh ./answer.sh' } } }));
    const runner = createToolRunner(loadToolsFile(file));
    expect(runner.has('whoami')).toBe(true);
    expect(runner.has('other')).toBe(false);
    expect(await runner.run('whoami', invocation, new AbortController().signal)).toEqual({
      ok: true,
      result: 'whoami i1',
    });
  });

  it('the end of the call kills the tool and everything it started', async () => {
    const dir = tempDir('omnia-tools-');
    const pidFile = join(dir, 'pid');
    const runner = createToolRunner([
      {
        kind: 'command',
        name: 'hang',
        command: `sleep 30 & echo $! > ${pidFile}; wait`,
        timeoutMs: 60_000,
        cwd: dir,
      },
    ]);
    const ended = new AbortController();
    const running = runner.run('hang', invocation, ended.signal);
    const pid = Number(
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), {
        what: 'the pid',
      }),
    );
    expect(alive(pid)).toBe(true);
    ended.abort();
    expect(await running).toEqual({ ok: false, error: 'the call ended before the tool finished' });
    await waitFor(() => !alive(pid), { what: 'the grandchild to die' });
  });

  it('output beyond the limit is a failure, not a result', async () => {
    const runner = createToolRunner([
      { kind: 'command', name: 'flood', command: 'yes omnia', timeoutMs: 10_000, cwd: tempDir() },
    ]);
    expect(await runner.run('flood', invocation, new AbortController().signal)).toEqual({
      ok: false,
      error: `printed more than ${MAX_TOOL_OUTPUT_BYTES / 1024} KiB`,
    });
  });
});

describe('tools files', () => {
  it('refuse YAML, bad JSON and timeouts beyond the limit, each in one line naming the file', () => {
    const dir = tempDir('omnia-tools-');
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    expect(() => loadToolsFile(write('t.yaml', 'tools: {}'))).toThrow(
      'The tools file t.yaml is YAML; write it as JSON',
    );
    expect(() => loadToolsFile(write('t.json', '{"tools": '))).toThrow(
      /^The tools file t\.json is not valid JSON \(/,
    );
    expect(() =>
      loadToolsFile(
        write(
          'slow.json',
          JSON.stringify({ tools: { x: { command: 'true', timeoutMs: MAX_TOOL_TIMEOUT_MS + 1 } } }),
        ),
      ),
    ).toThrow(/^The tools file slow\.json has a problem at "tools\.x\.timeoutMs": /);
    expect(() => loadToolsFile(join(dir, 'missing.json'))).toThrow(
      `Cannot read the tools file ${join(dir, 'missing.json')} (ENOENT).`,
    );
  });
});
