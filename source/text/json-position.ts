/**
 * Where a JSON text stops being JSON, in words a person can go to: ` (line 3, column 7)`,
 * ` (it ends too soon, at line 4: a closing } or " is missing)`, or ` (it is empty)`, else
 * nothing. Only the place is said, never the text around it: a config or tools file may hold a
 * key or a bearer token, and V8's own message quotes the text (`Unexpected token 'x', "{"a":
 * x}" is not valid JSON`).
 */
export function whereJsonBreaks(text: string, message: string): string {
  if (text.trim() === '') return ' (it is empty)';
  const position = /position (\d+)/.exec(message)?.[1];
  // V8 names the place for most faults, not for a token that cannot start a value (an unquoted
  // word, the commonest slip of a hand edit): the text is read again here to find it.
  const at = position !== undefined ? Number(position) : firstFault(text);
  if (at !== undefined && at < text.length) {
    const lines = text.slice(0, at).split('\n');
    return ` (line ${lines.length}, column ${(lines.at(-1)?.length ?? 0) + 1})`;
  }
  // The text stops mid-value: the end is the place.
  if (at !== undefined || /unexpected end/i.test(message)) {
    const lines = text.replace(/\s+$/, '').split('\n');
    return ` (it ends too soon, at line ${lines.length}: a closing } or " is missing)`;
  }
  return '';
}

/** Thrown by the reader below at the offset where the text stops being JSON. */
class Fault {
  constructor(readonly at: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_CHARS = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

/** The offset of the first character that makes `text` not JSON (its length: it ends too soon). */
function firstFault(text: string): number | undefined {
  let i = 0;
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (char: string) => {
    if (text[i] !== char) throw new Fault(i);
    i++;
  };
  const match = (pattern: RegExp) => {
    pattern.lastIndex = i;
    if (!pattern.exec(text)) throw new Fault(i);
    i = pattern.lastIndex;
  };
  const string = () => {
    expect('"');
    match(STRING_CHARS);
    expect('"');
  };
  const value = (depth: number): void => {
    // Deeper than this, V8's own parser gives up first; stop reading rather than overflow.
    if (depth > 2_000) throw new Fault(i);
    space();
    const char = text[i];
    if (char === '{' || char === '[') {
      const close = char === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          space();
          string();
          space();
          expect(':');
        }
        value(depth + 1);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        expect(close);
        return;
      }
    }
    if (char === '"') {
      string();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    match(NUMBER);
  };
  try {
    value(0);
    space();
    return i < text.length ? i : undefined;
  } catch (error) {
    if (error instanceof Fault) return error.at;
    throw error;
  }
}
