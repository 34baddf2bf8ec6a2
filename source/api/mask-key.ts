/** Keys shorter than this reveal too much through their last characters, so nothing is shown. */
const MIN_MASKABLE_KEY_CHARS = 8;
/** How many trailing characters of a key a user sees to tell two keys apart. */
const VISIBLE_KEY_CHARS = 4;

/**
 * A safe stand-in for an API key in messages: only its last 4 characters, so a user can tell
 * which key was used without the key ever reaching a terminal, a log or a file.
 * `maskKey('sk_live_1234abcd') === '…abcd'`; short keys give `'…'`.
 */
export function maskKey(key: string): string {
  if (key.length < MIN_MASKABLE_KEY_CHARS) return '…';
  return `…${key.slice(-VISIBLE_KEY_CHARS)}`;
}

/** Replaces every occurrence of `key` in `text` with its mask (servers sometimes echo keys). */
export function redactKey(text: string, key: string | undefined): string {
  if (!key) return text;
  return text.split(key).join(maskKey(key));
}

/** Shorter spellings are too likely to be ordinary text to blank out. */
const MIN_SECRET_SPELLING_CHARS = 8;

/** Query parameters of the socket address that carry a credential, by their name. */
const CREDENTIAL_PARAM = /token|key|secret|auth|sig|pass|cred|jwt|session|access/i;
/** A query value this long, or a token-like path segment, is taken for a credential. */
const LONG_PARAM_CHARS = 16;
/** A path segment that could be a token: long, with letters and digits (not a word like `speech-to-speech`). */
const TOKEN_LIKE = /^(?=.*\d)(?=.*[a-z])[\w.~%+=-]+$/i;

/**
 * The ways a secret of 8 characters or more can come back from a server that echoes it: as given,
 * lower- and upper-case, percent-encoded and decoded, and for a URL (the call's socket address)
 * each credential-like query value on its own (the token in `?token=…`), raw and decoded.
 * Longest first, so a whole URL is blanked before its parts.
 *
 * With `ids` (the call's and the agent's, as the call's creation gave them), also each long,
 * token-like segment of the address's path (a token in `/ws/<token>`: Omnia does not document
 * the address's shape, and all of it is the credential), except those ids, which the address
 * may carry and the app shows (compared in any case). Without the call's id, a path segment
 * could be it, and is left alone.
 */
export function secretSpellings(
  secret: string | undefined,
  ids?: { readonly callId: string; readonly agentId?: string | undefined },
): string[] {
  const value = secret?.trim();
  // A key this short (`local`, `test`, what a local agent takes) is an ordinary word: blanked
  // out, it cut that word out of every transcript and line ("You are a [redacted] florist").
  // Omnia's keys are far longer, and a short one is never shown either (`maskKey`).
  if (!value || value.length < MIN_SECRET_SPELLING_CHARS) return [];
  const out = new Set<string>([value]);
  const add = (s: string) => {
    if (s.length < MIN_SECRET_SPELLING_CHARS) return;
    out.add(s);
    out.add(s.toLowerCase());
    out.add(s.toUpperCase());
    out.add(encodeURIComponent(s));
  };
  const decoded = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const keep = [ids?.callId, ids?.agentId]
    .filter((id): id is string => id !== undefined)
    .map((id) => id.toLowerCase());
  const part = (raw: string) => {
    if (keep.includes(raw.toLowerCase()) || keep.includes(decoded(raw).toLowerCase())) return;
    add(raw);
    add(decoded(raw));
  };
  add(value);
  add(decoded(value));
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)(?:\?([^#]*))?/i.exec(value);
  if (ids !== undefined) {
    for (const segment of url?.[1]?.split('/') ?? []) {
      if (segment.length >= LONG_PARAM_CHARS && TOKEN_LIKE.test(segment)) part(segment);
    }
  }
  for (const pair of url?.[2]?.split('&') ?? []) {
    const [name = '', raw = ''] = pair.split(/=(.*)/s);
    if (CREDENTIAL_PARAM.test(name) || raw.length >= LONG_PARAM_CHARS) part(raw);
  }
  return [...out].sort((a, b) => b.length - a.length);
}
