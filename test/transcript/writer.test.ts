import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFolders } from '../../source/transcript/atomic.js';
import { summarize } from '../../source/transcript/summary.js';
import { TranscriptWriter } from '../../source/transcript/writer.js';
import { mknodMissing, skipWhenMissing } from '../helpers/requires.js';
import { FakeStore, T0, turn, waitFor } from './fake-store.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-transcript-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const read = (p: string) => (fs.existsSync(p) ? fs.readFileSync(p, 'utf8') : '');
const tempFiles = () => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

describe('makeFolders', () => {
  it('makes the folders the kernel will open, through a symlink and `..`', () => {
    const base = fs.mkdtempSync(path.join(dir, 'folders-'));
    fs.mkdirSync(path.join(base, 'x', 'y'), { recursive: true });
    fs.symlinkSync(path.join(base, 'x', 'y'), path.join(base, 'link'));
    // link/.. is x (the kernel follows the link first), not base.
    const made = makeFolders(`${base}/link/../t/u`);
    expect(fs.statSync(path.join(base, 'x', 't', 'u')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(base, 't'))).toBe(false);
    expect(made).toHaveLength(2);
    // Under a folder that takes no entries it fails at once (a recursive mkdir spins there).
    expect(() => makeFolders('/proc/omnia-no-such-dir/x')).toThrow(/ENOENT/);
  });
});

describe('append formats', () => {
  it('.txt gets each turn once, when it becomes final, and the final form on close', async () => {
    const file = path.join(dir, 'live.txt');
    fs.writeFileSync(file, 'an older call\n');
    const store = new FakeStore();
    const writer = new TranscriptWriter(file, { reader: store });
    expect(read(file)).toBe('');

    store.putTurn(turn(0, 'agent', 'Hel', { final: false }));
    expect(read(file)).toBe('');
    store.putTurn(turn(0, 'agent', 'Hello there'));
    store.update({ micLevel: { rmsDb: -20, peakDb: -10, peakHoldDb: -10 } });
    store.putTurn(turn(1, 'user', 'Hi', { typed: true }));
    store.putTurn(turn(2, 'agent', 'Let me', { final: false }));
    expect(read(file)).toBe('Agent: Hello there\nUser (typed): Hi\n');

    await writer.close(summarize({ ...store.getSnapshot(), responseLatenciesMs: [500] }));
    const lines = read(file).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'Agent: Hello there',
      'User (typed): Hi',
      'Agent: Let me [in progress]',
    ]);
    expect(lines).toContain('Response latency: median 500 ms, worst 500 ms (1 turn)');
    expect(store.listenerCount).toBe(0);
  });

  it('.txt that could not be opened: flush says so, and once it can, writes every turn', async () => {
    const blocker = path.join(dir, 'blocker');
    fs.writeFileSync(blocker, 'a file where the folder should be');
    const file = path.join(blocker, 'late.txt');
    const store = new FakeStore();
    const writer = new TranscriptWriter(file, { reader: store });
    store.putTurn(turn(0, 'agent', 'Hello there'));
    await writer.flush();
    // The `s` key asks this: the file lags the call, so nothing may claim it saved.
    expect(writer.problem).toMatch(/^could not write transcript .*late\.txt/);
    fs.rmSync(blocker);
    await writer.flush();
    expect(writer.problem).toBeUndefined();
    expect(read(file)).toBe('Agent: Hello there\n');
    // And it goes on appending from there.
    store.putTurn(turn(1, 'user', 'Hi'));
    expect(read(file)).toBe('Agent: Hello there\nUser: Hi\n');
    await writer.close();
  });

  it('.jsonl appends the call line once the call is known, then events and turns', async () => {
    const file = path.join(dir, 'live.jsonl');
    const store = new FakeStore({ phase: 'connecting', callId: undefined });
    const writer = new TranscriptWriter(file, { reader: store });
    store.update({ events: [{ id: 1, at: 1, kind: 'info', message: 'connecting' }] });
    expect(read(file)).toBe('');
    store.update({ phase: 'live', callId: 'call-42' });
    store.putTurn(turn(0, 'agent', 'Welcome'));
    store.update({
      events: [
        { id: 1, at: 1, kind: 'info', message: 'connecting' },
        { id: 2, at: 2, kind: 'debug', message: 'tool ran' },
      ],
    });
    const records = read(file)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.map((r) => r.type)).toEqual(['call', 'event', 'turn', 'event']);
    expect(records[0].callId).toBe('call-42');
    expect(records[2]).toMatchObject({ text: 'Welcome', final: true });
    expect(records[3]).toMatchObject({ id: 2, message: 'tool ran' });
    await writer.close();
    const final = read(file)
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(final.filter((r) => r.type === 'event')).toHaveLength(2);
  });
});

describe('rewrite formats', () => {
  it('.md is rewritten when a turn becomes final, even inside the throttle window', async () => {
    const file = path.join(dir, 'live.md');
    const store = new FakeStore();
    const writer = new TranscriptWriter(file, { reader: store, throttleMs: 300 });
    expect(read(file)).toContain('_(nothing said yet)_');
    store.putTurn(turn(0, 'agent', 'First words'));
    expect(read(file)).toContain('**Agent** (+0:00): First words');
    // Within the throttle window: not at once, but by a trailing write.
    store.putTurn(turn(1, 'user', 'Second words'));
    await waitFor(() => read(file).includes('Second words'), 'the trailing rewrite');
    store.putTurn(turn(2, 'agent', 'Unfinished', { final: false }));
    await writer.flush();
    expect(read(file)).not.toContain('Unfinished');
    await writer.close(summarize(store.getSnapshot()));
    expect(read(file)).toContain('**Agent** (+0:04): Unfinished _(in progress)_');
    expect(read(file)).toContain('## Summary');
  });

  it('a folder gone mid-call is made again, and one that cannot be made says why', async () => {
    const folder = path.join(dir, 'gone');
    const file = path.join(folder, 'call.md');
    const store = new FakeStore();
    const writer = new TranscriptWriter(file, { reader: store, throttleMs: 0 });
    store.putTurn(turn(0, 'agent', 'Before the folder went'));
    fs.rmSync(folder, { recursive: true });
    store.putTurn(turn(1, 'user', 'After it went'));
    await writer.close(summarize(store.getSnapshot()));
    expect(writer.problem).toBeUndefined();
    expect(read(file)).toContain('Before the folder went');
    expect(read(file)).toContain('After it went');

    // Under /sys nothing can be made: the reason is that, not "the directory does not exist".
    const nowhere = new TranscriptWriter('/sys/omnia-no-such-folder/call.md', {
      reader: new FakeStore(),
      throttleMs: 0,
    });
    await nowhere.flush();
    expect(nowhere.problem).toMatch(/permission denied/);
    await nowhere.close();
  });

  it('many atomic rewrites of .json leave valid JSON and no temp files', async () => {
    const file = path.join(dir, 'many.json');
    const store = new FakeStore();
    const writer = new TranscriptWriter(file, { reader: store, throttleMs: 0 });
    for (let i = 0; i < 60; i++) {
      store.putTurn(turn(i, i % 2 ? 'user' : 'agent', `line ${i}`));
      expect(JSON.parse(read(file)).turns).toHaveLength(i + 1);
    }
    await writer.close();
    expect(tempFiles()).toEqual([]);
    expect(await writer.saveTo(path.join(dir, 'copy.md'))).toBe(path.join(dir, 'copy.md'));
    expect(read(path.join(dir, 'copy.md'))).toContain('line 59');
    expect(tempFiles()).toEqual([]);
  });

  it('follows a symlink instead of replacing it', async () => {
    const target = path.join(dir, 'target.json');
    const link = path.join(dir, 'link.json');
    fs.writeFileSync(target, '{}');
    fs.symlinkSync(target, link);
    const store = new FakeStore({ turns: [turn(0, 'user', 'through the link')] });
    const writer = new TranscriptWriter(link, { reader: store });
    await writer.close();
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(read(target)).turns[0].text).toBe('through the link');
  });
});

describe('when the call ends', () => {
  for (const ext of ['txt', 'jsonl', 'md', 'json'] as const) {
    it(`.${ext} holds the final form at once; flush keeps it, close adds the record`, async () => {
      const file = path.join(dir, `ended.${ext}`);
      const store = new FakeStore({ phase: 'live' });
      const writer = new TranscriptWriter(file, { reader: store, throttleMs: 0 });
      store.putTurn(turn(0, 'agent', 'Hello there'));
      store.putTurn(turn(1, 'agent', 'Let me', { final: false }));
      store.update({
        pendingTexts: [{ id: 1, text: 'one more thing', at: T0 + 2_500, afterOrdinal: 1 }],
      });
      expect(read(file)).not.toContain('one more thing');
      // The call ends; nothing closes the writer yet (the screen stays up).
      store.update({ phase: 'ended', endedAt: T0 + 4_000, endReason: 'the test ended it' });
      const ended = read(file);
      // The summary (its end reason), the turn still open, the message never confirmed.
      expect(ended).toContain('the test ended it');
      expect(ended).toContain('Let me');
      expect(ended).toContain('one more thing');
      expect(store.listenerCount).toBe(0);
      // `s` on the ended screen: the same final form, not one without the summary.
      await writer.flush();
      expect(read(file)).toBe(ended);
      const record = { callId: 'c0ffee12', complete: true, endReason: 'agent_hangup' };
      await writer.close({ ...summarize(store.getSnapshot()), record });
      const closed = read(file);
      expect(closed).toContain('agent_hangup');
      expect(closed.split('the test ended it')).toHaveLength(2);
      expect(closed.split('one more thing')).toHaveLength(2);
      expect(closed.split('Hello there')).toHaveLength(2);
    });
  }

  it('a writer made after the end (`s` on the ended screen) writes the final form', async () => {
    const file = path.join(dir, 'late.md');
    const store = new FakeStore({
      phase: 'ended',
      endedAt: T0 + 4_000,
      endReason: 'you hung up',
      turns: [turn(0, 'agent', 'Hello there')],
    });
    const writer = new TranscriptWriter(file, { reader: store });
    await writer.flush();
    expect(read(file)).toContain('## Summary');
    expect(read(file)).toContain('Ended: you hung up');
    await writer.close();
    expect(read(file)).toContain('Ended: you hung up');
  });
});

describe('redact', () => {
  it('keeps a secret out of every format, wherever it appears', async () => {
    const secret = 'ov_live_9f8e7d6c5b4a';
    for (const ext of ['md', 'txt', 'json', 'jsonl']) {
      const file = path.join(dir, `secret.${ext}`);
      const store = new FakeStore({ agentId: `agent-${secret}` });
      const writer = new TranscriptWriter(file, { reader: store, redact: [secret] });
      store.putTurn(turn(0, 'user', `my key is ${secret}, ok?`));
      store.update({ events: [{ id: 1, at: 1, kind: 'error', message: `bad key ${secret}` }] });
      await writer.close();
      const text = read(file);
      expect(text, ext).toContain('my key is [redacted], ok?');
      expect(text, ext).not.toContain(secret);
      const copy = path.join(dir, `secret-copy.${ext}`);
      await writer.saveTo(copy);
      expect(read(copy), ext).not.toContain(secret);
    }
  });
});

describe('errors', () => {
  it('reports an unwritable path through onError, naming it, without throwing', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    const file = path.join(blocker, 'call.md');
    const errors: string[] = [];
    const store = new FakeStore();
    const writer = new TranscriptWriter(file, { reader: store, onError: (m) => errors.push(m) });
    expect(() => store.putTurn(turn(0, 'user', 'hello'))).not.toThrow();
    await writer.close();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toContain(file);
    expect(errors[0]).toMatch(/not a directory/);
    await expect(writer.saveTo(file)).rejects.toThrow(file);
  });

  it('a full disk is reported once and the device node is left alone', async (ctx) => {
    skipWhenMissing(ctx, mknodMissing(), { installable: false });
    // A private "full" device (like /dev/full): every write fails with ENOSPC.
    const full = path.join(dir, 'full.txt');
    expect(spawnSync('mknod', [full, 'c', '1', '7']).status).toBe(0);
    const errors: string[] = [];
    const store = new FakeStore();
    const writer = new TranscriptWriter(full, { reader: store, onError: (m) => errors.push(m) });
    store.putTurn(turn(0, 'user', 'one'));
    store.putTurn(turn(1, 'agent', 'two'));
    await writer.close();
    expect(errors[0]).toBe(`could not write transcript ${full}: the disk is full`);
    expect(new Set(errors).size).toBe(errors.length);
    expect(fs.statSync(full).isCharacterDevice()).toBe(true);
    fs.rmSync(full);
  });
});

describe('kill -9 in the middle of a call', () => {
  const feeder = path.join(import.meta.dirname, 'fixtures', 'feeder.ts');

  for (const ext of ['txt', 'md', 'json', 'jsonl'] as const) {
    it(`.${ext} keeps every finished turn`, async () => {
      const file = path.join(dir, `killed.${ext}`);
      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', feeder, file, '5'], {
        cwd: path.join(import.meta.dirname, '..', '..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout?.on('data', (d) => {
        out += d;
      });
      child.stderr?.on('data', (d) => {
        err += d;
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        await waitFor(() => out.includes('STREAMING'), `the feeder to stream (${err})`, 20_000);
        // Turn 4 was final just before streaming started; the throttled rewrite follows.
        await waitFor(() => read(file).includes('turn number 4'), 'the last final turn on disk');
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      const text = read(file);
      const expected = [0, 1, 2, 3, 4].map((i) => `turn number ${i} from the`);
      if (ext === 'json') {
        const doc = JSON.parse(text);
        expect(doc.turns.map((t: { text: string }) => t.text.slice(0, 22))).toEqual(expected);
      } else if (ext === 'jsonl') {
        // Every line whole JSON (no half-written line), the call first, each finished turn once,
        // in order, as a turn line a reader of the format can use.
        expect(text.endsWith('\n')).toBe(true);
        const records = text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as { type: string; text?: string; final?: boolean });
        expect(records[0]?.type).toBe('call');
        const turns = records.filter((r) => r.type === 'turn');
        expect(turns.map((t) => t.text?.slice(0, 22))).toEqual(expected);
        expect(turns.every((t) => t.final === true)).toBe(true);
      } else {
        const lines = text.split('\n').filter((l) => /turn number/.test(l));
        expect(lines).toHaveLength(5);
        for (const [i, prefix] of expected.entries()) expect(lines[i]).toContain(prefix);
      }
      expect(text).not.toContain('never finished');
      expect(tempFiles()).toEqual([]);
    });
  }
});
