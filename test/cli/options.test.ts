/**
 * The command line as a user types it, through the built CLI: each command takes its own
 * options and refuses another command's (exit 2, naming the option), `serve --voice` is serve's,
 * one-option usage errors read as English, and a busy port is said in words.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliEnv, runCli, startCli, tempDir, waitFor } from '../helpers/cli.js';
import { double, pastCall, requestsTo, runAgainst } from '../omnia/helpers.js';

const PAST_CALL = pastCall('call_past_1', '2026-05-09T09:30:00.000Z', {
  transcript: [
    { role: 'agent', text: 'Front desk, hello.' },
    { role: 'user', text: 'A table for two, please.' },
  ],
});

const running: Array<{ kill: () => void }> = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) child.kill();
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

/** `omnia-voice serve ARGS`, until its banner; its stderr (the agent's log) so far. */
async function serveLog(args: string[]): Promise<string> {
  const serve = startCli(['serve', ...args], { env: cliEnv(tempDir()) });
  running.push({ kill: () => serve.child.kill('SIGKILL') });
  await waitFor(() => serve.output().stdout.includes('its agents:'), {
    what: `the serve banner (${serve.output().stderr})`,
  });
  return serve.output().stderr;
}

describe('serve --voice', () => {
  it('is the voice the local agent speaks with', async () => {
    expect(await serveLog(['--voice', 'tone'])).toMatch(/^local agent started: voice tone, /m);
    expect(await serveLog(['--voice', 'echo'])).toMatch(/^local agent started: voice echo, /m);
  });

  it('a voice serve does not have is refused with the choices, exit 2, nothing started', async () => {
    const run = await runCli(['serve', '--voice', 'bogus'], {
      env: cliEnv(tempDir()),
      timeoutMs: 15_000,
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'error: Invalid value for --voice: "bogus". Allowed: espeak, echo or tone.',
    );
    expect(run.stdout).toBe('');
  });

  it('the call option --voice before serve is refused, not taken for the agent voice', async () => {
    const run = await runCli(['--voice', 'tone', 'serve'], {
      env: cliEnv(tempDir()),
      timeoutMs: 15_000,
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'error: --voice goes after serve (omnia-voice serve --voice …): before it, it is an option of a call.',
    );
    expect(run.stdout).toBe('');
  });
});

describe('a command refuses the options of other commands (exit 2, nothing asked)', () => {
  it('agents --voice Alex --duration 5', async () => {
    const server = await double();
    const run = await runAgainst(server, ['agents', '--voice', 'Alex', '--duration', '5']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe("error: unknown option '--voice'");
    expect(server.requests).toHaveLength(0);
  });

  it('calls show ID --limit 1 --since bogus: the options of calls are not those of calls show', async () => {
    const server = await double({ pastCalls: [PAST_CALL] });
    const run = await runAgainst(server, [
      'calls',
      'show',
      'call_past_1',
      '--limit',
      '1',
      '--since',
      'bogus',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe("error: unknown option '--limit'");
    expect(server.requests).toHaveLength(0);
  });

  it('an option of calls, or of a call, put before the subcommand is refused too', async () => {
    const server = await double({ pastCalls: [PAST_CALL] });
    const before = await runAgainst(server, ['calls', '--limit', '1', 'show', 'call_past_1']);
    expect(before.code).toBe(2);
    expect(before.stderr.trim()).toBe(
      'error: --limit is not an option of calls show (omnia-voice calls show --help lists them).',
    );
    const call = await runAgainst(server, ['--duration', '5', 'agents']);
    expect(call.code).toBe(2);
    expect(call.stderr.trim()).toBe(
      'error: --duration is not an option of agents (omnia-voice agents --help lists them).',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('what the docs show still works: --api-base and --local before or after the command', async () => {
    const server = await double({ pastCalls: [PAST_CALL] });
    const home = tempDir();
    const env = { OMNIA_API_KEY: 'ck_prod_DOUBLE_KEY_8f2c41d0e9b7' };
    const first = await runCli(['--api-base', server.baseUrl, 'calls', '--limit', '1'], {
      env: cliEnv(home, env),
    });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('call_past_1');
    const between = await runCli(
      ['calls', '--api-base', server.baseUrl, 'show', 'call_past_1', '--format', 'txt'],
      { env: cliEnv(home, env) },
    );
    expect(between.code, between.stderr).toBe(0);
    expect(between.stdout).toContain('User: A table for two, please.');
    expect(requestsTo(server, 'GET', /\/calls/)).toHaveLength(2);
  });
});

describe('calls show --json', () => {
  it('prints the call as --format json does', async () => {
    const server = await double({ pastCalls: [PAST_CALL] });
    const json = await runAgainst(server, ['calls', 'show', 'call_past_1', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const format = await runAgainst(server, ['calls', 'show', 'call_past_1', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(format.stdout));
    expect(JSON.parse(json.stdout).turns.map((t: { text: string }) => t.text)).toEqual([
      'Front desk, hello.',
      'A table for two, please.',
    ]);
  });

  it('--format jsonl prints one JSON record a line, as a .jsonl --out file holds', async () => {
    const server = await double({ pastCalls: [PAST_CALL] });
    const run = await runAgainst(server, ['calls', 'show', 'call_past_1', '--format', 'jsonl']);
    expect(run.code, run.stderr).toBe(0);
    const records = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; text?: string });
    expect(records[0]?.type).toBe('call');
    expect(records.filter((r) => r.type === 'turn').map((r) => r.text)).toEqual([
      'Front desk, hello.',
      'A table for two, please.',
    ]);
  });

  it('with another --format is a usage error', async () => {
    const server = await double({ pastCalls: [PAST_CALL] });
    const run = await runAgainst(server, [
      'calls',
      'show',
      'call_past_1',
      '--json',
      '--format',
      'md',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'error: --json is the same as --format json: give --format md or --json, not both.',
    );
    expect(server.requests).toHaveLength(0);
  });
});

const QUIET = ['--plain', '--input', 'none', '--output', 'none'];

describe('the options of --prompt without it', () => {
  it('one option: "goes with", in one line, exit 2', async () => {
    const run = await runCli([...QUIET, '--voice', 'Alex'], { env: cliEnv(tempDir()) });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('error: --voice goes with --prompt.');
  });

  it('several: listed as a sentence lists them, "go with"', async () => {
    const two = await runCli([...QUIET, '--voice', 'Alex', '--language', 'en-us'], {
      env: cliEnv(tempDir()),
    });
    expect(two.code).toBe(2);
    expect(two.stderr.trim()).toBe('error: --voice and --language go with --prompt.');
    const three = await runCli(
      [...QUIET, '--voice', 'Alex', '--language', 'en-us', '--model', 'gemma'],
      { env: cliEnv(tempDir()) },
    );
    expect(three.code).toBe(2);
    expect(three.stderr.trim()).toBe('error: --voice, --language and --model go with --prompt.');
  });
});

describe('--ptt where no key is read', () => {
  it('is refused before a call is made: in --plain, and when the output is no terminal (exit 2)', async () => {
    const server = await double();
    const call = ['--agent', 'agt_front', '--input', 'none', '--output', 'none'];
    // runCli's stdin and stdout are pipes: plain without --plain, as a script gets there.
    for (const [args, why, way] of [
      [['--plain', '--ptt'], '--plain reads no keys', 'leave out --plain'],
      [
        ['--ptt'],
        'stdin is not a terminal, so the app runs plain, which reads no keys',
        'run it with stdin on a terminal',
      ],
    ] as const) {
      const run = await runAgainst(server, [...call, ...args, '--duration', '2']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim()).toBe(
        `error: --ptt needs a talk button, and ${why}: the mic would stay shut for the whole call. Give --serial <device> (its PTT button talks), or ${way}.`,
      );
    }
    expect(requestsTo(server, 'POST', /\/calls/)).toHaveLength(0);
  });

  it('with a serial device that is not there is refused too: its button was the only one', async () => {
    const server = await double();
    const run = await runAgainst(server, [
      ...['--agent', 'agt_front', '--input', 'none', '--output', 'none'],
      ...['--plain', '--ptt', '--serial', '/dev/omnia-no-such-tty', '--duration', '2'],
    ]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim()).toBe(
      'error: --serial /dev/omnia-no-such-tty does not exist (is it plugged in?), and with --ptt in plain mode its PTT button is the only talk button: the mic would stay shut for the whole call. Plug it in, or leave out --ptt',
    );
    expect(requestsTo(server, 'POST', /\/calls/)).toHaveLength(0);
  });
});

describe('--greeting given empty', () => {
  it('is refused in one line that says what to give instead, exit 2, no call', async () => {
    const run = await runCli(
      [
        ...QUIET,
        '--prompt',
        'Be brief.',
        '--voice',
        'Alex',
        '--language',
        'en-us',
        '--greeting',
        ' ',
      ],
      { env: cliEnv(tempDir()) },
    );
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'error: --greeting is empty: leave it out for the agent to greet as it chooses, or give --first-speaker user to speak first.',
    );
    expect(run.stdout).not.toMatch(/Agent:/);
  });
});

describe('serve --port on a port in use', () => {
  it('says so in words, with what to do; exit 1', async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const run = await runCli(['serve', '--port', String(port)], {
      env: cliEnv(tempDir()),
      timeoutMs: 15_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `error: port ${port} on 127.0.0.1 is already in use: pick another with --port, or --port 0 for any free one.`,
    );
    expect(run.stdout).toBe('');
  });

  it.each([
    // Said in words, not as getaddrinfo ENOTFOUND.
    [
      'not a host',
      'error: --host "not a host" is no address or host name this machine can find: give one of its own (127.0.0.1, the default, or 0.0.0.0 for all of them).',
    ],
    // 192.0.2.1 is TEST-NET-1: documentation only, never a local address.
    [
      '192.0.2.1',
      'error: 192.0.2.1 is not an address of this machine: give one of its own with --host (127.0.0.1, the default, or 0.0.0.0 for all of them).',
    ],
  ])(
    'a --host %j that is no address of this machine is said in words; exit 1',
    async (host, said) => {
      const run = await runCli(['serve', '--host', host], {
        env: cliEnv(tempDir()),
        timeoutMs: 15_000,
      });
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(said);
    },
  );

  it('--port 0 takes any free port, named once: in the banner, not again in the log', async () => {
    const serve = startCli(['serve', '--port', '0', '--voice', 'tone'], {
      env: cliEnv(tempDir()),
    });
    running.push({ kill: () => serve.child.kill('SIGKILL') });
    await waitFor(() => serve.output().stdout.includes('its agents:'), { what: 'the banner' });
    expect(serve.output().stdout).toMatch(
      /^omnia-voice local agent listening on http:\/\/127\.0\.0\.1:[1-9]\d*$/m,
    );
    expect(serve.output().stderr).not.toContain('http://');
  });
});

describe('an option given an empty value', () => {
  it.each([
    ['--serial'],
    ['--tools'],
    ['--api-base'],
    ['--agent'],
    ['--input'],
    ['--transcript'],
    ['--record'],
  ])('%s "" is refused by name (exit 2), not taken for "not given" or a path', async (flag) => {
    const run = await runCli(['--plain', '--duration', '1', flag, ''], {
      env: cliEnv(tempDir()),
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`error: ${flag} is empty: give it a value, or leave it out.`);
  });

  it('a command\'s own option too: agents --search ""', async () => {
    const run = await runCli(['agents', '--search', ' '], { env: cliEnv(tempDir()) });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('error: --search is empty: give it a value, or leave it out.');
  });
});

describe('a flag given a value it does not take', () => {
  // One form for every flag, as for a setting from the environment or the config file
  // (`--echo`, checked with the settings): before, Commander's own words came for some flags
  // ("option '--duration <seconds>' argument 'abc' is invalid. expected a positive number").
  it.each([
    [
      ['--duration', 'abc'],
      '--duration: "abc". Allowed: a number of seconds above 0, at most 86400 (a day).',
    ],
    // Beyond Node's timer limit it hung up at once: "Call lasted 0s".
    [
      ['--duration', '2592000'],
      '--duration: "2592000". Allowed: a number of seconds above 0, at most 86400 (a day).',
    ],
    [['--sample-rate', '7'], '--sample-rate: "7". Allowed: an integer from 8000 to 48000.'],
    // Omnia's maxDuration is whole seconds: 90.5 was sent as it was (a call, here one second).
    [
      [
        '--prompt',
        'Be kind.',
        '--voice',
        'Alex',
        '--language',
        'en-us',
        '--max-duration',
        '90.5',
      ].concat(['--input', 'none', '--output', 'none', '--duration', '1', '--no-call-record']),
      '--max-duration: "90.5". Allowed: a whole number of seconds from 60 to 7200.',
    ],
    // A setting's flag is checked as its variable is: OMNIA_LEAD_MS=lots says the same.
    [['--lead-ms', 'lots'], '--lead-ms: "lots". Allowed: an integer from 25 to 500.'],
    [['--model', 'gpt'], '--model: "gpt". Allowed: llama, gemma or glm.'],
    [['--first-speaker', 'me'], '--first-speaker: "me". Allowed: agent or user.'],
    [['--echo', 'loud'], '--echo: "loud". Allowed: cancel, guard, off.'],
    [['--echo', 'gaurd'], '--echo: "gaurd". Did you mean guard? Allowed: cancel, guard, off.'],
    [['--model', 'lama'], '--model: "lama". Did you mean llama? Allowed: llama, gemma or glm.'],
    [
      ['calls', 'show', 'c1', '--format', 'jsnl'],
      '--format: "jsnl". Did you mean jsonl? Allowed: md, txt, json or jsonl.',
    ],
    [['calls', '--limit', '0'], '--limit: "0". Allowed: a whole number above 0.'],
    [
      ['calls', 'show', 'c1', '--format', 'pdf'],
      '--format: "pdf". Allowed: md, txt, json or jsonl.',
    ],
    // A port out of range is said to be, not "Allowed: an http:// or https:// URL".
    [
      ['--api-base', 'http://127.0.0.1:99999'],
      '--api-base: "http://127.0.0.1:99999" has port 99999, out of range (a port is 1-65535).',
    ],
    [
      ['serve', '--port', '99999'],
      '--port: "99999". Allowed: a port number from 0 to 65535 (0 for any free one).',
    ],
  ])('%j: "Invalid value for …", exit 2', async (args, said) => {
    const run = await runCli(['--plain', ...args], { env: cliEnv(tempDir()) });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`error: Invalid value for ${said}`);
  });
});

describe('a path flag written --flag=~/…', () => {
  it('is the home folder, as the shell expands a separate ~/…: no folder named ~ is made', async () => {
    const home = tempDir('omnia-tilde-');
    const cwd = join(home, 'work');
    mkdirSync(cwd);
    const run = await runCli(
      [
        ...['--plain', '--input', 'none', '--output', 'none', '--duration', '1'],
        ...['--no-call-record', '--transcript=~/calls/demo.md', '--record=~/calls/demo.wav'],
      ],
      { env: cliEnv(home), cwd, timeoutMs: 30_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(join(home, 'calls')).sort()).toEqual(['demo.md', 'demo.wav']);
    expect(readdirSync(cwd)).toEqual([]);
    expect(run.stderr).toContain(`Transcript: ${join(home, 'calls', 'demo.md')}`);
  }, 40_000);
});

describe('--prompt mistakes said before anything starts (exit 2)', () => {
  it.each([
    [
      ['--prompt', 'Be kind.', '--voice', '', '--language', 'en-us'],
      'error: --voice is empty: a --prompt call needs a voice and a language (omnia-voice voices and omnia-voice languages list them).',
    ],
    [
      ['--prompt', 'Be kind.', '--voice', 'Alex', '--language', 'en-us', '--greeting', 'Hi'].concat(
        ['--first-speaker', 'user'],
      ),
      'error: --greeting and --first-speaker user do not go together: the greeting is what the agent says when it speaks first. Give one of them.',
    ],
    // One word beside a file of that name with an extension: the file was meant.
    [
      ['--prompt', 'florist', '--voice', 'Alex', '--language', 'en-us'],
      'error: No prompt file "florist", but there is florist.md: give --prompt florist.md, or, for the prompt text itself, words with spaces (quotes alone do not make it text).',
    ],
    // A path with a space is still a path.
    [
      ['--prompt', 'my prompts/florist.md', '--voice', 'Alex', '--language', 'en-us'],
      'error: No prompt file "my prompts/florist.md": with a slash and a prompt file\'s extension (".md"), --prompt takes it for a file name. Give an existing file, or, for the prompt text itself, more than three words (quotes alone do not make it text).',
    ],
    // In quotes, and still read as a file name: the message said to put it in quotes.
    [
      ['--prompt', 'v1.2', '--voice', 'Alex', '--language', 'en-us'],
      'error: No prompt file "v1.2": with no spaces and an extension (".2"), --prompt takes it for a file name. Give an existing file, or, for the prompt text itself, words with spaces (quotes alone do not make it text).',
    ],
    [
      ['--prompt', 'prompts/florist', '--voice', 'Alex', '--language', 'en-us'],
      'error: No prompt file "prompts/florist": with no spaces and a slash, --prompt takes it for a file name. Give an existing file, or, for the prompt text itself, words with spaces (quotes alone do not make it text).',
    ],
  ])('%j', async (args, said) => {
    const home = tempDir('omnia-prompt-flags-');
    writeFileSync(join(home, 'florist.md'), 'You are a florist.\n');
    const run = await runCli(['--plain', '--input', 'none', '--output', 'none', ...args], {
      env: cliEnv(home),
      cwd: home,
    });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(said);
  });
});
