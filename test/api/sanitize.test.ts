/**
 * sanitizeServerText keeps what writing needs (the joiners of emoji sequences and of Persian
 * and Indic words) and removes what hides or disguises text; terminalJson keeps data whole.
 */
import { describe, expect, it } from 'vitest';
import { sanitizeServerText, terminalJson } from '../../source/api/sanitize.js';

describe('sanitizeServerText', () => {
  it('keeps the zero-width joiner and non-joiner', () => {
    expect(sanitizeServerText('👨‍👩‍👧 family')).toBe('👨‍👩‍👧 family');
    expect(sanitizeServerText('من می‌خواهم')).toBe('من می‌خواهم');
    expect(sanitizeServerText('क्‍ष')).toBe('क्‍ष');
  });

  it('still removes the zero-width space, direction marks and the BOM; separators break as spaces', () => {
    expect(sanitizeServerText('a\u200bb\u200ec\u200fd\ufeffe\u2028f\u2029g')).toBe('abcde f g');
  });

  it('cuts between grapheme clusters, never inside an emoji sequence', () => {
    // 5 code points each: a cut at 7 keeps one family and the ellipsis, no stray joiner.
    expect(sanitizeServerText('👨‍👩‍👧👨‍👩‍👧', 7)).toBe('👨‍👩‍👧…');
  });
});

describe('terminalJson', () => {
  it('escapes what a terminal would act on, and parses back to the same data', () => {
    const value = { name: 'a\u009b31m\u202eb\u0007c\u007f\u2066d\u2028', ok: '東京 👨‍👩‍👧' };
    const json = terminalJson(value);
    expect(json).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202e\u2066]/);
    expect(json).toContain('\\u009b');
    expect(json).toContain('東京 👨‍👩‍👧');
    expect(JSON.parse(json)).toEqual(value);
  });
});
