/** Client tools run by `--tools`: bounded in time and size, stopped when the call ends. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadToolsFile, MAX_TOOL_TIMEOUT_MS, type ToolSpec } from '../../source/tools/config.js';
import { createToolRunner, MAX_TOOL_OUTPUT_BYTES } from '../../source/tools/runner.js';
import { cliEnv, runCli, tempDir, waitFor } from '../helpers/cli.js';

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

  it('a command that leaves a process in the background is answered when its shell exits', async () => {
    const dir = tempDir('omnia-tools-');
    const pidFile = join(dir, 'pid');
    const runner = createToolRunner([
      {
        kind: 'command',
        name: 'launch',
        command: `sleep 30 & echo $! > ${pidFile}; echo launched; exit 0`,
        timeoutMs: 5_000,
        cwd: dir,
      },
    ]);
    const started = Date.now();
    const call = new AbortController();
    expect(await runner.run('launch', invocation, call.signal)).toEqual({
      ok: true,
      result: 'launched',
    });
    // Answered on the shell's exit, not at the timeout (it held the output pipe open).
    expect(Date.now() - started).toBeLessThan(4_000);
    // What it left running runs on, and is stopped with the call.
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    call.abort();
    await waitFor(() => !alive(pid), { what: 'the background process to be stopped' });
  });

  it('past 16 calls running at once, a call is answered at once with an error', async () => {
    const dir = tempDir('omnia-tools-');
    const runner = createToolRunner([
      { kind: 'command', name: 'slow', command: 'sleep 2; echo done', timeoutMs: 10_000, cwd: dir },
    ]);
    const signal = new AbortController().signal;
    const calls = Array.from({ length: 20 }, () => runner.run('slow', invocation, signal));
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(16);
    expect(outcomes.slice(16)).toEqual(
      Array(4).fill({
        ok: false,
        error: 'not run: 16 tool calls are running already; try again when they are answered',
      }),
    );
    // Once they are answered, a call runs again.
    expect(await runner.run('slow', invocation, signal)).toEqual({ ok: true, result: 'done' });
  }, 20_000);

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
    // Named as given, the folder too: `a/b/tools.json` was `tools.json`.
    expect(() => loadToolsFile(write('t.yaml', 'tools: {}'))).toThrow(
      `The tools file ${join(dir, 't.yaml')} is YAML; write it as JSON`,
    );
    expect(() => loadToolsFile(write('t.json', '{"tools": '))).toThrow(
      `The tools file ${join(dir, 't.json')} is not valid JSON (it ends too soon, at line 1: a closing } or " is missing).`,
    );
    // An empty file (a `touch`, a redirect that failed) is said to be empty, not cut short.
    expect(() => loadToolsFile(write('e.json', ' \n'))).toThrow(
      `The tools file ${join(dir, 'e.json')} is not valid JSON (it is empty).`,
    );
    // Where it breaks, by line and column, never the text around it: it may hold a token.
    const broken = write(
      'b.json',
      '{"tools": {"w": {"url": "http://x", "headers": {"Authorization": "Bearer TOKSECRET1"} oops}}}',
    );
    expect(() => loadToolsFile(broken)).toThrow(
      `The tools file ${broken} is not valid JSON (line 1, column 87).`,
    );
    const quoted = write('q.json', '{"tools": {"w": {"url": x, "headers": {"k": "TOKSECRET2"}}}}');
    // An unquoted value: V8 names no place for it (and quotes the text), the place is found.
    expect(() => loadToolsFile(quoted)).toThrow(
      `The tools file ${quoted} is not valid JSON (line 1, column 25).`,
    );
    expect(() => loadToolsFile(write('list.json', '[]'))).toThrow(
      `The tools file ${join(dir, 'list.json')} must be a JSON object like {"tools": {"lookup": {"command": "…"}}}.`,
    );
    // No tools: --tools would answer nothing, which is never what was meant.
    expect(() => loadToolsFile(write('none.json', '{"tools": {}}'))).toThrow(
      `The tools file ${join(dir, 'none.json')} has a problem at "tools": at least one tool, like {"lookup": {"command": "…"}} (it is empty).`,
    );
    expect(() =>
      loadToolsFile(
        write(
          'slow.json',
          JSON.stringify({ tools: { x: { command: 'true', timeoutMs: MAX_TOOL_TIMEOUT_MS + 1 } } }),
        ),
      ),
    ).toThrow(/^The tools file \S*slow\.json has a problem at "tools\.x\.timeoutMs": /);
    // In words, and named as given (it said `(ENOENT)`).
    expect(() => loadToolsFile(join(dir, 'missing.json'))).toThrow(
      `Cannot read the tools file ${join(dir, 'missing.json')}: no such file.`,
    );
    mkdirSync(join(dir, 'tools.json'));
    expect(() => loadToolsFile(join(dir, 'tools.json'))).toThrow(
      `Cannot read the tools file ${join(dir, 'tools.json')}: it is a directory.`,
    );
  });
});

/** A real HTTP server on 127.0.0.1 for one test, closed after it. */
async function listen(
  handler: http.RequestListener,
  port = 0,
): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function urlTool(url: string, timeoutMs = 10_000): ToolSpec {
  return { kind: 'url', name: 'web', url, timeoutMs, headers: {} };
}

const run = (spec: ToolSpec) =>
  createToolRunner([spec]).run(spec.name, invocation, new AbortController().signal);

describe('URL tools say in one sentence why they failed', () => {
  it('a redirect names its status and target, and that tool URLs do not follow it', async () => {
    const { base } = await listen((_req, res) => {
      res.writeHead(302, { location: '/v2/weather' }).end();
    });
    expect(await run(urlTool(`${base}/weather`))).toEqual({
      ok: false,
      error: `the URL answered with a redirect (HTTP 302 to ${base}/v2/weather), which tool URLs do not follow: put the final URL in the tools file`,
    });
  });

  it('an answer whose body is slower than timeoutMs is "timed out after …"', async () => {
    const { base } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
      // The rest never comes.
    });
    const started = Date.now();
    expect(await run(urlTool(base, 400))).toEqual({ ok: false, error: 'timed out after 0.4 s' });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('nothing listening is "could not connect …: connection refused"', async () => {
    const { server, base } = await listen(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const host = base.replace('http://', '');
    expect(await run(urlTool(base))).toEqual({
      ok: false,
      error: `could not connect to ${host}: connection refused (is the tool's server running?)`,
    });
  });

  it('a port that browsers and fetch refuse (6000, 6665-6669, 10080) is used like any other', async (ctx) => {
    let bound: { base: string } | undefined;
    for (const port of [6000, 6665, 6666, 6667, 6668, 6669, 10080]) {
      try {
        bound = await listen((req, res) => {
          req.resume();
          req.on('end', () => res.writeHead(200).end('answered'));
        }, port);
        break;
      } catch {
        // Taken on this machine: try the next one.
      }
    }
    if (!bound) {
      ctx.skip('every port fetch calls bad is taken on this machine');
      return;
    }
    expect(await run(urlTool(`${bound.base}/tool`))).toEqual({ ok: true, result: 'answered' });
  });

  it('a server that hangs up without answering, or in the middle of its answer, says so', async () => {
    const { base } = await listen((req, res) => {
      if (req.url === '/hang-up') {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 50);
    });
    const host = base.replace('http://', '');
    expect(await run(urlTool(`${base}/hang-up`))).toEqual({
      ok: false,
      error: `${host} closed the connection without answering (ECONNRESET)`,
    });
    expect(await run(urlTool(`${base}/cut`))).toEqual({
      ok: false,
      error: expect.stringMatching(
        new RegExp(`^the answer from ${host.replace('.', '\\.')} was cut off( \\(ECONNRESET\\))?$`),
      ),
    });
  });

  it('a host that does not exist is named', async () => {
    expect(await run(urlTool('http://no-such-host.invalid/tool'))).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^could not find the host no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\)$/,
      ),
    });
  });
});

describe('tools file problems name the field and what it must be', () => {
  const dir = tempDir('omnia-tools-');
  const write = (name: string, value: unknown) => {
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
    return join(dir, name);
  };

  it('a timeout written as a string, or out of range, says it must be a number of ms', () => {
    expect(() =>
      loadToolsFile(write('s.json', { tools: { a: { command: 'true', timeoutMs: '5000' } } })),
    ).toThrow(
      `The tools file ${join(dir, 's.json')} has a problem at "tools.a.timeoutMs": the timeout must be a whole number of milliseconds from 1 to 120000, written without quotes (not "5000").`,
    );
    expect(() =>
      loadToolsFile(write('big.json', { tools: { a: { url: 'http://x/', timeoutMs: 200000 } } })),
    ).toThrow(
      `The tools file ${join(dir, 'big.json')} has a problem at "tools.a.timeoutMs": the timeout must be a whole number of milliseconds from 1 to 120000 (not 200000).`,
    );
  });

  it('an invalid tool name says which names are allowed', () => {
    expect(() => loadToolsFile(write('n.json', { tools: { 'a b': { command: 'true' } } }))).toThrow(
      `The tools file ${join(dir, 'n.json')} has a problem at "tools.a b": "a b" is not a valid tool name: use 1 to 100 letters, digits, _ . : or - (no spaces).`,
    );
  });

  it('other mistakes in an entry name the field', () => {
    expect(() => loadToolsFile(write('u.json', { tools: { a: { url: 'ftp://x/' } } }))).toThrow(
      `The tools file ${join(dir, 'u.json')} has a problem at "tools.a.url": an http:// or https:// URL (not "ftp://x/").`,
    );
    expect(() =>
      loadToolsFile(write('both.json', { tools: { a: { command: 'true', url: 'http://x/' } } })),
    ).toThrow(
      `The tools file ${join(dir, 'both.json')} has a problem at "tools.a": "command" and "url" both given: a tool is one or the other.`,
    );
    expect(() =>
      loadToolsFile(write('h.json', { tools: { a: { url: 'http://x/', headers: { 'X-N': 1 } } } })),
    ).toThrow(
      `The tools file ${join(dir, 'h.json')} has a problem at "tools.a.headers.X-N": a string.`,
    );
    expect(() => loadToolsFile(write('e.json', { tools: { a: { cmd: 'true' } } }))).toThrow(
      `The tools file ${join(dir, 'e.json')} has a problem at "tools.a": an object with "command" or "url" (and optional "timeoutMs").`,
    );
  });

  it('the CLI prints the problem as one line and exits 2 before any request', async () => {
    const home = tempDir('omnia-tools-');
    const file = write('cli.json', { tools: { lookup: { command: 'true', timeoutMs: '5000' } } });
    const run = await runCli(
      ['--plain', '--input', 'none', '--output', 'none', '--agent', 'agt_1', '--tools', file],
      // A key, so no local agent starts; nothing listens at this base, and nothing is asked.
      {
        env: cliEnv(home, {
          OMNIA_API_KEY: 'ck_test_not_a_real_key_0000',
          OMNIA_API_BASE: 'http://127.0.0.1:9/api/v1',
        }),
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `error: The tools file ${file} has a problem at "tools.lookup.timeoutMs": the timeout must be a whole number of milliseconds from 1 to 120000, written without quotes (not "5000").`,
    );
  });

  it('with no key, a bad tools file stops the run before the local agent starts', async () => {
    const home = tempDir('omnia-tools-');
    const file = write('nokey.json', { tools: { 'a b': { command: 'true' } } });
    const run = await runCli(['--plain', '--input', 'none', '--output', 'none', '--tools', file], {
      env: cliEnv(home),
    });
    expect(run.code).toBe(2);
    // One line: no "talking to the built-in local agent at …" before it.
    expect(run.stderr.trim().split('\n')).toEqual([
      `error: The tools file ${file} has a problem at "tools.a b": "a b" is not a valid tool name: use 1 to 100 letters, digits, _ . : or - (no spaces).`,
    ]);
  });

  it('a UTF-8 byte order mark at the start is accepted', () => {
    const file = write(
      'bom.json',
      `\uFEFF${JSON.stringify({ tools: { a: { command: 'true' } } })}`,
    );
    expect(loadToolsFile(file)).toEqual([
      { kind: 'command', name: 'a', command: 'true', timeoutMs: 10_000, cwd: dir },
    ]);
  });
});
