/** `omnia-voice voices [--language CODE]` and `omnia-voice languages`: what `--prompt` takes. */
import { findLanguage, listLanguages, listVoices } from '../../api/catalog.js';
import { terminalJson } from '../../api/sanitize.js';
import { type ApiFlags, commandApi } from './api-target.js';
import { droppedLine, layoutTable } from './table.js';

export interface CatalogFlags extends ApiFlags {
  json?: boolean;
}

/** `width`: the terminal's, to fit the table to (none for a pipe or a file: the table whole). */
export async function runVoicesCommand(
  flags: CatalogFlags & { language?: string },
  out: (line: string) => void,
  err: (line: string) => void,
  width?: number,
): Promise<number> {
  const { api } = await commandApi(flags, err);
  // A language that does not exist is a mistake to name, not an empty (or full) list.
  const code = flags.language
    ? findLanguage(await listLanguages(api), flags.language, api).code
    : undefined;
  const voices = await listVoices(api, code ? { languageCode: code } : {});
  if (flags.json) {
    // The server's values whole (see VoiceInfo), escaped where a terminal would act on them.
    out(terminalJson(voices));
    return 0;
  }
  let dropped: string[] = [];
  if (voices.length > 0) {
    const table = layoutTable(
      sortedByName(voices),
      [
        { heading: 'NAME', value: (v) => v.name, maxWidth: 40, minWidth: 12 },
        { heading: 'LANGUAGE', value: (v) => v.languageCode ?? 'any' },
        { heading: 'GENDER', value: (v) => v.gender ?? '-', dropOrder: 1 },
        { heading: 'ID', value: (v) => v.id },
      ],
      width,
    );
    for (const line of table.lines) out(line);
    dropped = table.dropped;
  }
  const where = code ? ` for ${code}` : '';
  const any = voices.some((v) => v.languageCode === undefined)
    ? ' Those marked "any" speak every language.'
    : '';
  err(
    `${voices.length} voice${voices.length === 1 ? '' : 's'}${where}. Use one with --voice.${any}`,
  );
  const left = droppedLine(dropped, width);
  if (left) err(left);
  return 0;
}

/**
 * Names in the order a person looks them up: case aside (`anika` before `Zac`), numbers by value
 * (`male2` before `male10`). Omnia documents no order of its own for `GET /voices`.
 */
const byName = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** The voices sorted by name ({@link byName}), then by id. Pure. */
export function sortedByName<T extends { name: string; id: string }>(voices: readonly T[]): T[] {
  return [...voices].sort((a, b) => byName.compare(a.name, b.name) || byName.compare(a.id, b.id));
}

export async function runLanguagesCommand(
  flags: CatalogFlags,
  out: (line: string) => void,
  err: (line: string) => void,
  width?: number,
): Promise<number> {
  const { api } = await commandApi(flags, err);
  const languages = await listLanguages(api);
  if (flags.json) {
    // The server's values whole (see LanguageInfo), escaped where a terminal would act on them.
    out(terminalJson(languages));
    return 0;
  }
  if (languages.length > 0) {
    const table = layoutTable(
      languages,
      [
        { heading: 'CODE', value: (l) => l.code },
        { heading: 'NAME', value: (l) => l.name ?? '-', maxWidth: 40, minWidth: 8 },
      ],
      width,
    );
    for (const line of table.lines) out(line);
  }
  err(
    `${languages.length} language${languages.length === 1 ? '' : 's'}. Use a code with --language.`,
  );
  return 0;
}
