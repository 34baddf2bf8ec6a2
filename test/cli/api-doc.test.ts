/**
 * docs/omnia-api.md says what the commands print and what the files hold: the key order of
 * `agents --json` as the command prints it, and a tool's result in the transcript files as
 * docs/transcripts.md describes it (escape sequences stripped, not kept "whole").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliEnv, runCli, tempDir } from '../helpers/cli.js';

const PAGE = readFileSync(new URL('../../docs/omnia-api.md', import.meta.url), 'utf8');
/** The page's text with its line breaks as spaces: its sentences wrap anywhere. */
const FLAT = PAGE.replace(/\s+/g, ' ');

describe('docs/omnia-api.md', () => {
  it('gives the keys of agents --json in the order the command prints them', async () => {
    const documented = /Agents come as `\{([^}]+)\}`/.exec(FLAT)?.[1]?.split(/,\s*/);
    expect(documented).toBeDefined();
    // The built-in local agent's demo agents have every field.
    const run = await runCli(['agents', '--json'], { env: cliEnv(tempDir('omnia-doc-')) });
    expect(run.code, run.stderr).toBe(0);
    const [first] = JSON.parse(run.stdout) as Array<Record<string, unknown>>;
    expect(Object.keys(first ?? {})).toEqual(documented);
  });

  it('says a tool result in the files has its escape sequences stripped, as docs/transcripts.md does', () => {
    const sentence =
      /The files have what the agent was given.*?(?= A call keeps)/.exec(FLAT)?.[0] ?? '';
    expect(sentence).not.toBe('');
    expect(sentence).toMatch(/escape sequences .*stripped/);
  });
});
