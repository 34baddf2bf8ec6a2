/**
 * `--prompt`'s source: a pipe (`--prompt <(…)`, a FIFO) is read once, when the flag is read, and
 * named as such; a file that is not text is refused; a long file name gives way in its middle in
 * the label, so the hash that tells two edits apart stays.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCallFiles } from '../../source/app/preflight.js';
import { loadPrompt, promptHash, promptSource } from '../../source/app/prompt.js';
import { tempDir } from '../helpers/cli.js';

describe('--prompt from a pipe', () => {
  it('is read once, when the flag is read: every call gets that text, labelled "piped prompt"', async () => {
    const dir = tempDir('omnia-prompt-pipe-');
    const fifo = join(dir, 'prompt-pipe');
    spawnSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `printf 'You are a pirate.\\n' > ${fifo}`]);
    const source = promptSource(fifo);
    await new Promise((resolve) => writer.on('close', resolve));
    expect(source.kind).toBe('pipe');
    // A redial reads nothing again (the pipe is empty now): the same text, the same hash.
    for (let call = 0; call < 2; call++) {
      const { text, label } = loadPrompt(source);
      expect(text).toBe('You are a pirate.');
      expect(label.text).toBe(`piped prompt · ${promptHash('You are a pirate.')}`);
    }
  });
});

describe('a pipe that gives no usable prompt', () => {
  /** A FIFO fed `bytes` by another process, given to promptSource. */
  async function fromPipe(bytes: Buffer): Promise<() => unknown> {
    const dir = tempDir('omnia-prompt-pipe-');
    const fifo = join(dir, 'prompt-pipe');
    const data = join(dir, 'data');
    writeFileSync(data, bytes);
    spawnSync('mkfifo', [fifo]);
    // `cat` into the pipe: a reader that stops early leaves it a broken pipe, not a hang.
    spawn('sh', ['-c', `cat ${data} > ${fifo} 2>/dev/null`]);
    return () => promptSource(fifo);
  }

  it('says what is wrong with it, not "No prompt file"; a flood is cut at the limit', async () => {
    expect(await fromPipe(Buffer.alloc(0))).toThrow(/^The prompt file .*prompt-pipe is empty\.$/);
    expect(await fromPipe(Buffer.from('ab\0cd'))).toThrow(/is not text \(UTF-8\)/);
    // Read no further than a prompt may be: `--prompt <(yes)` filled the memory.
    expect(await fromPipe(Buffer.alloc(300 * 1024, 'a'))).toThrow(
      /^The prompt from .*prompt-pipe is over 256 KiB; is it the right one\?$/,
    );
  });
});

describe('prompt text with a slash in it', () => {
  it('is text when it reads as a sentence; a few words ending in a prompt file name are a path', () => {
    expect(promptSource('Answer yes/no questions about Node v20.11')).toEqual({
      kind: 'text',
      text: 'Answer yes/no questions about Node v20.11',
    });
    expect(() => promptSource('my prompts/florist.md')).toThrow(/^No prompt file /);
  });
});

describe('a prompt file that is not text', () => {
  it('is refused in one line (a WAV picked by tab completion, invalid UTF-8)', () => {
    const dir = tempDir('omnia-prompt-binary-');
    const wav = join(dir, 'take.wav');
    writeFileSync(wav, Buffer.from([0x52, 0x49, 0x46, 0x46, 0x00, 0x10, 0x00, 0x00]));
    expect(() => loadPrompt(promptSource(wav))).toThrow(
      `The prompt file ${wav} is not text (UTF-8); is it the right file?`,
    );
    const latin1 = join(dir, 'old.txt');
    writeFileSync(latin1, Buffer.from('Caf\xe9 prompt', 'latin1'));
    expect(() => loadPrompt(promptSource(latin1))).toThrow(/is not text \(UTF-8\)/);
  });
});

describe('the label of a prompt file with a long name', () => {
  it('cuts the name in its middle and keeps the hash whole', () => {
    const dir = tempDir('omnia-prompt-long-');
    const file = join(dir, 'a-really-long-prompt-file-name-for-the-customer-support-team.md');
    writeFileSync(file, 'Be kind.\n');
    const { label } = loadPrompt(promptSource(file));
    expect(label.text).toBe(`a-really-long-pr…support-team.md · ${promptHash('Be kind.')}`);
    // The file's own name is kept whole where it is a fact of its own.
    expect(label.promptFile).toBe(
      'a-really-long-prompt-file-name-for-the-customer-support-team.md',
    );
  });
});

describe('two flags naming one file the run only reads', () => {
  it('is no "written over" error: nothing is written', () => {
    const dir = tempDir('omnia-prompt-reads-');
    const file = join(dir, 't.json');
    writeFileSync(file, '{"tools": {"x": {"command": "true"}}}');
    expect(() =>
      checkCallFiles({ input: 'none', output: 'none', promptPath: file, toolsPath: file }, 1),
    ).not.toThrow();
    // A write onto it still is.
    expect(() =>
      checkCallFiles({ input: 'none', output: 'none', toolsPath: file, transcriptPath: file }, 1),
    ).toThrow(/--transcript names the tools file/);
  });
});

describe('a redial whose files meet an earlier call’s', () => {
  it('names each file by its call: call 1’s --record and call 2’s --output', () => {
    const dir = tempDir('omnia-redial-names-');
    const o = {
      input: 'none',
      output: join(dir, 'o.wav'),
      recordPath: join(dir, 'o-2.wav'),
    };
    expect(() => checkCallFiles(o, 1)).not.toThrow();
    expect(() => checkCallFiles(o, 2)).toThrow(
      `--record of call 1 (o-2.wav) and --output of call 2 (o-2.wav) name the same file (${join(dir, 'o-2.wav')})`,
    );
  });
});
