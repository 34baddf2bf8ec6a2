/**
 * Issue 12, item 3: `--prompt FILE|TEXT` with `--voice`, `--language` and the optional settings
 * makes an inline call; `voices` and `languages` list what is accepted; a wrong voice or
 * language is caught before the call with the closest valid names. Through the built CLI
 * against the Omnia double and the built-in local agent.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalAgent } from '../../source/local-agent/index.js';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';
import { double, expectNoSecrets, QUIET_CALL, requestsTo, runAgainst } from './helpers.js';

const sha8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

describe('--prompt against the Omnia double', () => {
  it('posts /calls/inline with the file as the system prompt and every setting; the header names the file and hash', async () => {
    const server = await double();
    const home = tempDir('omnia-prompt-');
    const prompt = 'You are a florist. Take orders for bouquets.\n';
    const file = join(home, 'florist.md');
    writeFileSync(file, prompt);
    const transcript = join(home, 'call.md');
    const run = await runAgainst(
      server,
      [
        ...QUIET_CALL,
        '--prompt',
        file,
        '--voice',
        'jenny',
        '--language',
        'en-us',
        '--model',
        'gemma',
        '--greeting',
        'Flowers!',
        '--first-speaker',
        'agent',
        '--temperature',
        '0.3',
        '--max-duration',
        '120',
        '--duration',
        '1',
        '--no-call-record',
        '--transcript',
        transcript,
        '--sample-rate',
        '16000',
      ],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);
    // The catalog was checked first, then exactly one inline call was made.
    expect(requestsTo(server, 'GET', /\/voices$/)).toHaveLength(1);
    expect(requestsTo(server, 'GET', /\/languages$/)).toHaveLength(1);
    const [inline] = requestsTo(server, 'POST', /\/calls\/inline$/);
    expect(JSON.parse(inline?.body ?? '')).toEqual({
      systemPrompt: prompt.trim(),
      // Typed in any case, sent as the catalog spells them.
      voice: 'Jenny',
      language: 'en-US',
      model: 'gemma',
      temperature: 0.3,
      greeting: 'Flowers!',
      firstSpeaker: 'agent',
      maxDuration: 120,
      connectionType: 'websocket',
      websocket: { inputSampleRate: 16_000, outputSampleRate: 16_000, codec: 'pcm' },
    });
    const md = readFileSync(transcript, 'utf8');
    expect(md).toContain(`- **Prompt:** florist.md · ${sha8(prompt.trim())}`);
    // The words that gave these answers, for the next edit of the file.
    expect(md).toContain(`## Prompt\n\n\`\`\`\n${prompt.trim()}\n\`\`\`\n`);
    expect(md).toContain('**Agent** (+0:00): Hello from the Omnia double.');
    expectNoSecrets([run.stdout, run.stderr], home, server.socketToken);
  }, 40_000);

  it('--save-transcripts names the file after the prompt file, as s does; prompt text gives "prompt"', async () => {
    const server = await double();
    const home = tempDir('omnia-prompt-save-');
    const file = join(home, 'florist.md');
    writeFileSync(file, 'You are a florist.\n');
    const dir = join(home, 'saved');
    for (const prompt of [file, 'You are a baker.']) {
      const run = await runAgainst(
        server,
        [
          ...QUIET_CALL,
          '--prompt',
          prompt,
          '--voice',
          'jenny',
          '--language',
          'en-us',
          '--duration',
          '1',
          '--no-call-record',
          '--save-transcripts',
        ],
        { home, env: { OMNIA_TRANSCRIPT_DIR: dir } },
      );
      expect(run.code, run.stderr).toBe(0);
    }
    const names = readdirSync(dir).sort();
    expect(names, names.join(' ')).toHaveLength(2);
    expect(
      names.filter((n) => /_florist-md_call-/.test(n)),
      names.join(' '),
    ).toHaveLength(1);
    expect(
      names.filter((n) => /_prompt_call-/.test(n)),
      names.join(' '),
    ).toHaveLength(1);
  }, 40_000);

  it('a voice or language that Omnia lacks is one line with the closest names, and no call', async () => {
    const server = await double();
    const voice = await runAgainst(server, [
      ...QUIET_CALL,
      '--prompt',
      'Be brief.',
      '--voice',
      'Jeny',
      '--language',
      'en-US',
    ]);
    expect(voice.code).toBe(2);
    // The command asks the server the call asked (run as printed, it asked Omnia).
    expect(voice.stderr.trim().split('\n').at(-1)).toBe(
      `error: Could not create the call: Omnia has no voice "Jeny" for en-US. Closest: Jenny, Jenna. See them with: omnia-voice voices --language en-US --api-base ${server.baseUrl}`,
    );
    const language = await runAgainst(server, [
      ...QUIET_CALL,
      '--prompt',
      'Be brief.',
      '--voice',
      'Jenny',
      '--language',
      'fr-CA',
    ]);
    expect(language.code).toBe(2);
    expect(language.stderr).toContain('Omnia has no language "fr-CA". Closest: fr-FR (French).');
    const wrongPair = await runAgainst(server, [
      ...QUIET_CALL,
      '--prompt',
      'Be brief.',
      '--voice',
      'Denise',
      '--language',
      'en-US',
    ]);
    expect(wrongPair.stderr).toContain(
      'The voice "Denise" speaks fr-FR, not en-US. Voices for en-US: Jenny, Jenna, Guy.',
    );
    expect(requestsTo(server, 'POST', /\/calls\/inline$/)).toHaveLength(0);
  });

  it('refuses flag mistakes before any request: a missing file, --voice without --prompt, --agent with --prompt', async () => {
    const server = await double();
    const missing = await runAgainst(server, [
      ...QUIET_CALL,
      '--prompt',
      'prompts/florist.md',
      '--voice',
      'Jenny',
      '--language',
      'en-US',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'No prompt file "prompts/florist.md": with no spaces and a slash, --prompt takes it for a file name. Give an existing file, or, for the prompt text itself, words with spaces (quotes alone do not make it text).',
    );
    const stray = await runAgainst(server, [...QUIET_CALL, '--agent', 'a', '--voice', 'Jenny']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--voice goes with --prompt.');
    const both = await runAgainst(server, [
      ...QUIET_CALL,
      '--agent',
      'a',
      '--prompt',
      'x y',
      '--voice',
      'Jenny',
      '--language',
      'en-US',
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--agent and --prompt do not go together');
    const noVoice = await runAgainst(server, [...QUIET_CALL, '--prompt', 'x y']);
    expect(noVoice.stderr).toContain('--prompt needs --voice and --language');
    const temperature = await runAgainst(server, [
      ...QUIET_CALL,
      '--prompt',
      'x y',
      '--temperature',
      '1.5',
    ]);
    expect(temperature.code).toBe(2);
    expect(temperature.stderr).toContain('Allowed: a number from 0 to 1.');
    expect(server.requests).toHaveLength(0);
  });

  it('voices and languages list what the double offers', async () => {
    const server = await double();
    const voices = await runAgainst(server, ['voices', '--language', 'en-US']);
    expect(voices.code, voices.stderr).toBe(0);
    expect(voices.stdout).toMatch(/^NAME\s+LANGUAGE\s+GENDER\s+ID$/m);
    expect(voices.stdout).toMatch(/^Jenny\s+en-US\s+female\s+v-jenny$/m);
    expect(voices.stdout).not.toContain('Denise');
    expect(requestsTo(server, 'GET', /\/voices$/)[0]?.query.get('languageCode')).toBe('en-US');
    // A language Omnia does not have is named as a mistake, not listed as every voice or none.
    const unknown = await runAgainst(server, ['voices', '--language', 'xx']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      `Omnia has no language "xx". See them all with: omnia-voice languages --api-base ${server.baseUrl}`,
    );
    // Said before any request: the commands name the --api-base given.
    const noVoice = await runAgainst(server, ['--prompt', 'Be brief.', '--language', 'en-US']);
    expect(noVoice.code).toBe(2);
    expect(noVoice.stderr.trim()).toBe(
      `error: --prompt needs --voice and --language (omnia-voice voices --api-base ${server.baseUrl} and omnia-voice languages --api-base ${server.baseUrl} list them).`,
    );
    expect(unknown.stdout).toBe('');
    const languages = await runAgainst(server, ['languages', '--json']);
    expect(JSON.parse(languages.stdout)).toEqual([
      { code: 'en-US', id: 'l-en', name: 'English (US)' },
      { code: 'fr-FR', id: 'l-fr', name: 'French' },
    ]);
  });
});

describe('--prompt against the built-in local agent', () => {
  it('the greeting flag and the prompt shape what the demo agent says; espeak-ng voices are accepted', async () => {
    const home = tempDir('omnia-prompt-');
    const greeted = await runCli(
      [
        ...QUIET_CALL,
        '--prompt',
        'You sell tea.',
        '--voice',
        'alicia',
        '--language',
        'en-us',
        '--greeting',
        'Tea time!',
        '--duration',
        '4',
        '--no-call-record',
      ],
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    expect(greeted.code, greeted.stderr).toBe(0);
    expect(greeted.stdout).toMatch(/^Agent: Tea time!$/m);

    const fromPrompt = await runCli(
      [
        ...QUIET_CALL,
        '--prompt',
        'You sell tea. Be kind.',
        '--voice',
        'Alicia',
        '--language',
        'en-us',
        '--duration',
        '6',
        '--no-call-record',
      ],
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    expect(fromPrompt.stdout).toMatch(/^Agent: Hello! I am trying your prompt: You sell tea\.$/m);

    const userFirst = await runCli(
      [
        ...QUIET_CALL,
        '--prompt',
        'You sell tea.',
        '--voice',
        'Alicia',
        '--language',
        'en-us',
        '--first-speaker',
        'user',
        '--duration',
        '3',
        '--no-call-record',
      ],
      { env: cliEnv(home), timeoutMs: 40_000 },
    );
    expect(userFirst.code, userFirst.stderr).toBe(0);
    // No greeting, and no goodbye to our hang_up: nothing from the agent.
    expect(userFirst.stdout).not.toMatch(/^Agent: /m);
  }, 90_000);

  it('a short key a local agent takes (OMNIA_API_KEY=local) is no secret: the word stays in the text', async () => {
    const agent = await startLocalAgent({ voice: 'tone' });
    try {
      const home = tempDir('omnia-short-key-');
      const transcript = join(home, 'call.txt');
      const run = await runCli(
        [
          ...QUIET_CALL,
          ...['--api-base', agent.baseUrl, '--prompt', 'You are a local florist.'],
          ...['--voice', 'Alex', '--language', 'en-us', '--duration', '3'],
          ...['--no-call-record', '--transcript', transcript],
        ],
        { env: cliEnv(home, { OMNIA_API_KEY: 'local' }), timeoutMs: 40_000 },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /^Agent: Hello! I am trying your prompt: You are a local florist\.$/m,
      );
      expect(readFileSync(transcript, 'utf8')).toContain('You are a local florist.');
      expect(run.stdout + run.stderr).not.toContain('[redacted]');
    } finally {
      await agent.close();
    }
  }, 60_000);

  it("voices and languages list espeak-ng's variants and languages", async () => {
    const home = tempDir('omnia-prompt-');
    const voices = await runCli(['voices', '--json'], { env: cliEnv(home) });
    expect(voices.code, voices.stderr).toBe(0);
    expect(JSON.parse(voices.stdout)).toContainEqual({
      id: 'Alicia',
      name: 'Alicia',
      gender: 'female',
    });
    // espeak-ng's variants speak every language: listed for any language there is, marked so.
    const forLanguage = await runCli(['voices', '--language', 'en-gb'], { env: cliEnv(home) });
    expect(forLanguage.code, forLanguage.stderr).toBe(0);
    expect(forLanguage.stdout).toMatch(/^Alicia\s+any\s+female\s+Alicia$/m);
    expect(forLanguage.stderr).toMatch(
      /voices for en-gb\. .*Those marked "any" speak every language\./,
    );
    const languages = await runCli(['languages'], { env: cliEnv(home) });
    expect(languages.stdout).toMatch(/^en-gb\s+English \(Great Britain\)$/m);
    expect(languages.stderr).toMatch(/^\d+ languages\. Use a code with --language\.$/m);
  });

  it('a voice espeak-ng does not have is caught before the call', async () => {
    const home = tempDir('omnia-prompt-');
    const run = await runCli(
      [...QUIET_CALL, '--prompt', 'You sell tea.', '--voice', 'Alicai', '--language', 'en-us'],
      {
        env: cliEnv(home),
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /The local agent has no voice "Alicai" for en-us\. Closest: Alicia\b/,
    );
  });
});
