import { describe, expect, it } from 'vitest';
import { ELLIPSIS, sanitizeLine, sanitizeText, truncate } from '../../source/protocol/sanitize.js';

const ESC = '\u001b';

describe('sanitizeText', () => {
  it('keeps plain text, newlines and unicode untouched', () => {
    expect(sanitizeText('Hello, wörld 👋\nsecond line')).toBe('Hello, wörld 👋\nsecond line');
  });

  it('removes CSI sequences (colours, cursor moves, screen clears)', () => {
    expect(sanitizeText(`${ESC}[31mred${ESC}[0m ${ESC}[2J${ESC}[10;20Hmoved`)).toBe('red moved');
    expect(sanitizeText(`a${ESC}[?1049hb${ESC}[?25lc`)).toBe('abc');
  });

  it('removes OSC sequences terminated by BEL or ST, including hyperlinks', () => {
    expect(sanitizeText(`x${ESC}]0;evil title\u0007y`)).toBe('xy');
    expect(sanitizeText(`x${ESC}]2;title${ESC}\\y`)).toBe('xy');
    expect(sanitizeText(`${ESC}]8;;http://evil${ESC}\\click${ESC}]8;;${ESC}\\`)).toBe('click');
  });

  it('drops an unterminated OSC to the end rather than leaking it', () => {
    expect(sanitizeText(`safe${ESC}]0;never terminated`)).toBe('safe');
  });

  it('removes DCS/APC strings and other escapes (terminal reset, charset)', () => {
    expect(sanitizeText(`a${ESC}Pq#0;2;0;0;0${ESC}\\b`)).toBe('ab');
    expect(sanitizeText(`a${ESC}_apc${ESC}\\b`)).toBe('ab');
    expect(sanitizeText(`a${ESC}cb${ESC}(Bc${ESC}`)).toBe('abc');
  });

  it('removes C0 controls except newline, turns tabs into spaces, drops CR and DEL', () => {
    expect(sanitizeText('a\u0000b\u0007c\bd\te\r\nf\rg\u007fh')).toBe('abcd e\nf\ngh');
  });

  it("takes Unicode's line and paragraph separators for line breaks", () => {
    expect(sanitizeText('one\u2028two\u2029three')).toBe('one\ntwo\nthree');
    expect(sanitizeLine('one\u2028two\u2029three')).toBe('one two three');
  });

  it('removes C1 controls and bidi overrides/isolates', () => {
    expect(sanitizeText('a\u009bb\u0085c\u009dd')).toBe('abcd');
    expect(sanitizeText('abc\u202edcba\u202c \u2066x\u2069')).toBe('abcdcba x');
  });

  it('truncates with an ellipsis at the limit', () => {
    const out = sanitizeText('x'.repeat(50), 10);
    expect(out).toHaveLength(10);
    expect(out.endsWith(ELLIPSIS)).toBe(true);
    expect(sanitizeText('x'.repeat(10), 10)).toBe('x'.repeat(10));
    expect(sanitizeText('y'.repeat(20_000))).toHaveLength(10_000);
  });

  it('never splits a surrogate pair when truncating', () => {
    const out = truncate('ab😀😀😀', 4);
    expect(out).toBe(`ab${ELLIPSIS}`);
    expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
  });

  it('never cuts inside an emoji sequence, a flag or a letter with its accent', () => {
    const family = '👨\u200d👩\u200d👧';
    // Room for 9 units before the ellipsis: 'ab' and 7 of the family's 8 would fit.
    expect(truncate(`ab${family}xyz`, 10)).toBe(`ab${ELLIPSIS}`);
    expect(truncate(`ab${family}xyz`, 11)).toBe(`ab${family}${ELLIPSIS}`);
    // One regional indicator of the second flag would fit: it would show as a lone letter.
    expect(truncate('ab🇫🇷🇩🇪', 9)).toBe(`ab🇫🇷${ELLIPSIS}`);
    expect(truncate('abe\u0301f', 4)).toBe(`ab${ELLIPSIS}`);
  });
});

describe('sanitizeLine', () => {
  it('turns newlines into spaces and still strips escapes', () => {
    expect(sanitizeLine(`one\ntwo\r\nthree${ESC}[1m!`)).toBe('one two three!');
  });

  it('caps the one-line result', () => {
    expect(sanitizeLine('a\n'.repeat(100), 5)).toBe(`a a ${ELLIPSIS}`);
  });
});
