/**
 * Grapheme clusters: what a reader takes for one character (a letter with its accents, a ZWJ
 * family, a flag, an emoji with its skin tone). Text is cut, measured and edited by these, never
 * inside one. Pure.
 */

let segmenter: Intl.Segmenter | undefined;

/**
 * The one segmenter, for every caller (the locale only matters for word and sentence breaks).
 * Made when first asked for: a process's first `Intl.Segmenter` costs about 14 ms (ICU loads
 * its break rules), which a call's start need not pay before its socket opens.
 */
export function graphemes(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter;
}

/**
 * At most `max` UTF-16 code units of `text`, never ending inside a grapheme cluster. A cut is a
 * copy of its own ({@link detached}): kept, it does not keep the whole text alive.
 */
export function cutAtGrapheme(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = 0;
  // Whether a cluster ends at `max` depends on the code point there (up to 2 units), not on what
  // follows it: only that much of a long text is segmented.
  for (const { index, segment } of graphemes().segment(text.slice(0, max + 2))) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return detached(text.slice(0, end));
}

/**
 * `part` (a slice of a longer text) as a string of its own. V8 makes a slice a view into the
 * text it came from (the slice of a slice, into the first text), which then stays in memory as
 * long as the slice does: 600 events of 500 characters cut from 900 KB debug lines held 690 MB.
 * Copied through UTF-16, every code unit is kept (lone surrogates too).
 */
export function detached(part: string): string {
  return Buffer.from(part, 'utf16le').toString('utf16le');
}
