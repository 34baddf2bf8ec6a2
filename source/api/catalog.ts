/**
 * What `POST /calls/inline` accepts: `GET /voices` and `GET /languages`, and the check that a
 * `--voice` / `--language` pair is one of them before a call is made.
 */
import * as z from 'zod';
import { commandFor, type HintTarget } from './command-hint.js';
import { idText, optionalText } from './fields.js';
import { type ApiTarget, apiRequest, serverOf } from './request.js';
import { sanitizeServerText, withWholeJson } from './sanitize.js';
import { closeMatches, MAX_SUGGESTIONS, normaliseName } from './suggest.js';

const text = optionalText;
const id = idText;

const voiceSchema = z.looseObject({
  id,
  name: z.string(),
  languageCode: text,
  gender: text,
  isActive: z.boolean().nullish(),
});
const languageSchema = z.looseObject({
  id: id.optional(),
  code: z.string(),
  name: text,
  isActive: z.boolean().nullish(),
});
const voicesSchema = z.looseObject({ data: z.array(voiceSchema) });
const languagesSchema = z.looseObject({ data: z.array(languageSchema) });

/**
 * A voice an inline call can use, as the CLI shows it: every text made safe for one line of a
 * terminal and cut to 120 characters. Its JSON (`JSON.stringify`, `voices --json`) is the
 * server's values whole instead: nothing cut, nothing removed (JSON escapes control characters).
 */
export interface VoiceInfo {
  readonly id: string;
  readonly name: string;
  readonly languageCode?: string;
  readonly gender?: string;
}

/**
 * A language an inline call can use, as the CLI shows it; as JSON (`languages --json`) the
 * server's values whole, as for {@link VoiceInfo}.
 */
export interface LanguageInfo {
  readonly id?: string;
  readonly code: string;
  readonly name?: string;
}

/** Longest catalog text shown; names are shown on one line. */
const MAX_NAME_CHARS = 120;
const clean = (value: string) => sanitizeServerText(value, MAX_NAME_CHARS);
const whole = (value: string) => value;

function voiceFields(
  voice: z.infer<typeof voiceSchema>,
  text: (value: string) => string,
): VoiceInfo {
  const info: { -readonly [K in keyof VoiceInfo]: VoiceInfo[K] } = {
    id: text(voice.id),
    name: text(voice.name),
  };
  if (voice.languageCode) info.languageCode = text(voice.languageCode);
  if (voice.gender) info.gender = text(voice.gender);
  return info;
}

function languageFields(
  language: z.infer<typeof languageSchema>,
  text: (value: string) => string,
): LanguageInfo {
  const info: { -readonly [K in keyof LanguageInfo]: LanguageInfo[K] } = {
    code: text(language.code),
  };
  if (language.id !== undefined) info.id = text(language.id);
  if (language.name) info.name = text(language.name);
  return info;
}

/** The active voices, for one language code when given. */
export async function listVoices(
  target: ApiTarget,
  options: { languageCode?: string; search?: string; signal?: AbortSignal } = {},
): Promise<VoiceInfo[]> {
  const { data } = await apiRequest(target, {
    path: '/voices',
    query: { languageCode: options.languageCode, search: options.search },
    schema: voicesSchema,
    action: 'list voices',
    signal: options.signal,
  });
  return data.data
    .filter((voice) => voice.isActive !== false)
    .map((voice) => withWholeJson(voiceFields(voice, clean), voiceFields(voice, whole)));
}

/** The active languages. */
export async function listLanguages(
  target: ApiTarget,
  options: { signal?: AbortSignal } = {},
): Promise<LanguageInfo[]> {
  const { data } = await apiRequest(target, {
    path: '/languages',
    schema: languagesSchema,
    action: 'list languages',
    signal: options.signal,
  });
  return data.data
    .filter((language) => language.isActive !== false)
    .map((language) =>
      withWholeJson(languageFields(language, clean), languageFields(language, whole)),
    );
}

/**
 * The language `wanted` names (its code, id or name, in any case). Throws a CatalogError naming
 * the closest ones, and the command that lists them on the server `target` is (Omnia when not
 * given), when there is none.
 */
export function findLanguage(
  languages: readonly LanguageInfo[],
  wanted: string,
  target?: HintTarget,
): LanguageInfo {
  const server = serverOf(target ?? {});
  const key = normaliseName(wanted);
  const language = languages.find(
    (l) =>
      normaliseName(l.code) === key ||
      (l.id !== undefined && normaliseName(l.id) === key) ||
      normaliseName(l.name ?? '') === key,
  );
  if (language) return language;
  const close = closeLanguages(languages, wanted);
  const list = close.map((l) => (l.name ? `${l.code} (${l.name})` : l.code)).join(', ');
  throw new CatalogError(
    `${server} has no language ${JSON.stringify(wanted)}.` +
      (list ? ` Closest: ${list}.` : '') +
      ` See them all with: ${commandFor(target, 'languages')}`,
  );
}

/**
 * The languages to offer for `wanted`, best first, at most {@link MAX_SUGGESTIONS}: the codes
 * that start with it, in any case (`EN`: `en-gb`, `en-us`, … before any other), those of its
 * subtags first (`en-…` before `eo`) and the shorter first; then the codes and names close to
 * it. When the language has codes of its own (`fr`: `fr-be`, `fr-fr`), only those. Pure.
 */
export function closeLanguages(languages: readonly LanguageInfo[], wanted: string): LanguageInfo[] {
  const key = normaliseName(wanted);
  const rank = (code: string) => {
    const c = normaliseName(code);
    if (key === '' || !c.startsWith(key)) return -1;
    return c === key || c.startsWith(`${key} `) ? 0 : 1;
  };
  const starting = languages
    .map((language, index) => ({ language, index, rank: rank(language.code) }))
    .filter((entry) => entry.rank >= 0)
    .sort(
      (a, b) =>
        a.rank - b.rank || a.language.code.length - b.language.code.length || a.index - b.index,
    )
    .map((entry) => entry.language);
  // The language's own codes (`fr`: fr-be, fr-ch, fr-fr) are the answer: codes merely spelt
  // alike (`af`, `lfn`) after them only mislead.
  const family = starting.filter((language) => rank(language.code) === 0);
  if (family.length > 0) return family.slice(0, MAX_SUGGESTIONS);
  const close = closeMatches(wanted, languages, (l) => [l.code, l.name ?? '']).filter(
    (language) => !starting.includes(language),
  );
  return [...starting, ...close].slice(0, MAX_SUGGESTIONS);
}

/** A voice or language that is not offered; the message names the closest valid ones. */
export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    // main.ts exits 2 for usage errors: a wrong --voice is the user's to fix.
    this.name = 'UsageError';
  }
}

/** Two language codes are the same language when they match or one is the other's region. */
function sameLanguage(a: string | undefined, b: string): boolean {
  if (a === undefined) return true;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || x.startsWith(`${y}-`) || y.startsWith(`${x}-`);
}

/**
 * The language and voice an inline call will use, checked against `GET /languages` and
 * `GET /voices` first, so a typo costs one line instead of a failed call. Throws
 * {@link CatalogError} with the closest valid names.
 */
export async function checkVoiceAndLanguage(
  target: ApiTarget,
  wanted: { voice: string; language: string },
  signal?: AbortSignal,
): Promise<{ voice: VoiceInfo; language: LanguageInfo }> {
  const [languages, voices] = await Promise.all([
    listLanguages(target, { signal }),
    listVoices(target, { signal }),
  ]);
  const language = findLanguage(languages, wanted.language, target);
  const voiceKey = normaliseName(wanted.voice);
  const named = voices.filter(
    (v) => normaliseName(v.name) === voiceKey || normaliseName(v.id) === voiceKey,
  );
  const voice =
    named.find((v) => sameLanguage(v.languageCode, language.code)) ??
    (named.length > 0 && named.every((v) => v.languageCode === undefined) ? named[0] : undefined);
  if (voice) return { voice, language };
  const forLanguage = voices.filter((v) => sameLanguage(v.languageCode, language.code));
  const hint = ` See them with: ${commandFor(target, `voices --language ${language.code}`)}`;
  if (named.length > 0) {
    const speaks = [...new Set(named.map((v) => v.languageCode).filter(Boolean))].join(', ');
    const others = forLanguage.slice(0, 5).map((v) => v.name);
    throw new CatalogError(
      `The voice ${JSON.stringify(wanted.voice)} speaks ${speaks}, not ${language.code}.` +
        (others.length > 0 ? ` Voices for ${language.code}: ${others.join(', ')}.` : '') +
        hint,
    );
  }
  const close = closeMatches(wanted.voice, forLanguage, (v) => [v.name, v.id]);
  const list = close.map((v) => v.name).join(', ');
  throw new CatalogError(
    `${serverOf(target)} has no voice ${JSON.stringify(wanted.voice)} for ${language.code}.` +
      (list ? ` Closest: ${list}.` : '') +
      hint,
  );
}
