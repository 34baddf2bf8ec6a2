import { describe, expect, it } from 'vitest';
import {
  deviceState,
  formatLevelLine,
  formatMutedLine,
  formatPttLine,
  formatStateLine,
  isGarbledDeviceText,
  LineSplitter,
  MAX_LINE_CHARS,
  parseDeviceLine,
  printableDeviceText,
  UnknownLineLimit,
  viewChangeLines,
} from '../../source/serial/protocol.js';

describe('parseDeviceLine', () => {
  it('knows the seven commands, case-insensitive, ignoring CR/LF and spaces', () => {
    expect(parseDeviceLine('MUTE')).toEqual({ kind: 'mute' });
    expect(parseDeviceLine('unmute\r\n')).toEqual({ kind: 'unmute' });
    expect(parseDeviceLine('  Mute_Toggle \r')).toEqual({ kind: 'mute_toggle' });
    expect(parseDeviceLine('ptt_down')).toEqual({ kind: 'ptt_down' });
    expect(parseDeviceLine('PTT_UP\n')).toEqual({ kind: 'ptt_up' });
    expect(parseDeviceLine('interrupt')).toEqual({ kind: 'interrupt' });
    expect(parseDeviceLine('HANGUP')).toEqual({ kind: 'hangup' });
  });

  it('ignores blank lines and keeps anything else as unknown', () => {
    expect(parseDeviceLine(' \r\n')).toEqual({ kind: 'empty' });
    expect(parseDeviceLine('VOLUME 5')).toEqual({ kind: 'unknown', line: 'VOLUME 5' });
    expect(parseDeviceLine('MUTEX')).toEqual({ kind: 'unknown', line: 'MUTEX' });
  });

  it('makes unknown device text safe to show', () => {
    expect(printableDeviceText('a\u001b[2Jb')).toBe('a?[2Jb');
    expect(printableDeviceText('x'.repeat(100))).toHaveLength(61);
  });
});

describe('LineSplitter', () => {
  it('joins lines split across reads and accepts LF, CRLF and CR', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('MU'))).toEqual([]);
    expect(s.push(Buffer.from('TE\r'))).toEqual(['MUTE']);
    expect(s.push(Buffer.from('\nPTT_DOWN\nPTT'))).toEqual(['', 'PTT_DOWN']);
    expect(s.push(Buffer.from('_UP\n'))).toEqual(['PTT_UP']);
  });

  it('keeps a multi-byte character split between reads intact', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('héllo\n');
    expect(s.push(bytes.subarray(0, 2))).toEqual([]);
    expect(s.push(bytes.subarray(2))).toEqual(['héllo']);
  });

  it('does not grow without bound when a device never sends a newline', () => {
    const s = new LineSplitter();
    const lines = s.push('x'.repeat(MAX_LINE_CHARS + 10));
    expect(lines).toEqual(['x'.repeat(MAX_LINE_CHARS)]);
    // The rest of the long line, up to its end, is the same line: not a second warning.
    expect(s.push('x'.repeat(1000))).toEqual([]);
    expect(s.push('xxMUTE\nMUTE\n')).toEqual(['MUTE']);
  });

  it('a pause ends what cannot become a command, whatever its length; the next command is a line of its own', () => {
    for (const length of [1, 255, MAX_LINE_CHARS, MAX_LINE_CHARS + 1, 300, 5000]) {
      const s = new LineSplitter();
      const early = s.push(`MUTE_TOGGLE\n${'G'.repeat(length)}`);
      expect(s.endsOnPause).toBe(true);
      const late = s.pause();
      expect([...early, ...late].filter((l) => l.startsWith('G'))).toHaveLength(1);
      expect(s.push('MUTE_TOGGLE\n')).toEqual(['MUTE_TOGGLE']);
    }
  });

  it('a pause keeps the start of a command that is still being typed', () => {
    const s = new LineSplitter();
    for (const start of ['m', 'MUTE', '  mute_t', 'PTT_UP  ', '   ']) {
      s.push(start);
      expect(s.endsOnPause).toBe(false);
      expect(s.pause()).toEqual([]);
      s.push('\n');
    }
    s.push('MUTE ');
    s.pause();
    expect(s.push('_TOGGLE\n')).toEqual(['MUTE _TOGGLE']);
    s.push('MUTEX');
    expect(s.pause()).toEqual(['MUTEX']);
  });
});

describe('UnknownLineLimit', () => {
  it('shows three unknown lines a minute, then one notice, then drops the rest', () => {
    const limit = new UnknownLineLimit();
    const kinds = (lines: string[], now: number) => lines.map((l) => limit.take(l, now).kind);
    expect(kinds(['A', 'B', 'C', 'D', 'E'], 0)).toEqual([
      'show',
      'show',
      'show',
      'drop_notice',
      'drop',
    ]);
    expect(limit.take('F', 59_999).kind).toBe('drop');
    // A new window starts with the first unknown line after a minute.
    expect(kinds(['G', 'H', 'I', 'J'], 60_000)).toEqual(['show', 'show', 'show', 'drop_notice']);
  });

  it('says whether most of the lines were garbled (a wrong baud rate), not a protocol', () => {
    const noise = new UnknownLineLimit();
    const heard = ['\ufffdu8"\ufffd', 'VOLUME 1', '\u0001\ufffd', 'x\u0007'].map((l) =>
      noise.take(l, 0),
    );
    expect(heard[3]).toEqual({ kind: 'drop_notice', garbled: true });
    const words = new UnknownLineLimit();
    const verdicts = ['VOLUME 1', 'VOLUME 2', '\ufffd', 'VOLUME 4'].map((l) => words.take(l, 0));
    expect(verdicts[3]).toEqual({ kind: 'drop_notice', garbled: false });
  });

  it('takes text with bytes that are not UTF-8 or control characters as garbled', () => {
    expect(isGarbledDeviceText('\ufffdu8"\ufffd?')).toBe(true);
    expect(isGarbledDeviceText('boot\u0000')).toBe(true);
    expect(isGarbledDeviceText('VOLUME 11')).toBe(false);
    expect(isGarbledDeviceText('température 21°C\tok')).toBe(false);
  });
});

describe('state lines', () => {
  it('formats STATE, MUTED, PTT and LEVEL lines', () => {
    expect(formatStateLine('speaking')).toBe('STATE speaking\n');
    expect(formatMutedLine(true)).toBe('MUTED 1\n');
    expect(formatPttLine(false)).toBe('PTT 0\n');
    expect(formatLevelLine(-20.4, -3.6)).toBe('LEVEL -20 -4\n');
    expect(formatLevelLine(Number.NEGATIVE_INFINITY, 2)).toBe('LEVEL -96 0\n');
  });

  it('maps call phases onto the device states', () => {
    expect(deviceState({ phase: 'creating', agentState: 'idle', agentCutOff: false })).toBe(
      'connecting',
    );
    expect(deviceState({ phase: 'live', agentState: 'thinking', agentCutOff: false })).toBe(
      'thinking',
    );
    expect(deviceState({ phase: 'ending', agentState: 'speaking', agentCutOff: false })).toBe(
      'ended',
    );
    expect(deviceState({ phase: 'error', agentState: 'idle', agentCutOff: false })).toBe('error');
    // A reply cut off by INTERRUPT or `i` is not played: the device hears listening.
    expect(deviceState({ phase: 'live', agentState: 'speaking', agentCutOff: true })).toBe(
      'listening',
    );
  });

  it('sends everything first, then only what changed', () => {
    const a = { state: 'listening', muted: false, muteSwitch: false, pttDown: false } as const;
    expect(viewChangeLines(undefined, a)).toEqual([
      'STATE listening\n',
      'MUTED 0\n',
      'MUTE_SWITCH 0\n',
      'PTT 0\n',
    ]);
    expect(viewChangeLines(a, a)).toEqual([]);
    expect(viewChangeLines(a, { ...a, muted: true })).toEqual(['MUTED 1\n']);
    // --ptt, talk button up: the mic is closed either way; the mute still shows.
    const closed = { ...a, muted: true };
    expect(viewChangeLines(closed, { ...closed, muteSwitch: true })).toEqual(['MUTE_SWITCH 1\n']);
  });
});
