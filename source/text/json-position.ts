/**
 * Where a JSON text stops being JSON, in words a person can go to: ` (line 3, column 7)`, or
 * ` (it ends too soon, at line 4: a closing } or " is missing)`, else nothing. Only the place is
 * said, never the text around it: a config or tools file may hold a key or a bearer token, and
 * V8's own message quotes the text (`Unexpected token 'x', "{"a": x}" is not valid JSON`).
 */
export function whereJsonBreaks(text: string, message: string): string {
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) {
    const lines = text.slice(0, Number(position)).split('\n');
    return ` (line ${lines.length}, column ${(lines.at(-1)?.length ?? 0) + 1})`;
  }
  // V8 gives no position when the text stops mid-value: the end is the place.
  if (/unexpected end/i.test(message)) {
    const lines = text.replace(/\s+$/, '').split('\n');
    return ` (it ends too soon, at line ${lines.length}: a closing } or " is missing)`;
  }
  return '';
}
