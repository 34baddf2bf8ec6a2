/**
 * What the local agent offers through its REST API: a few demo agents, each with its own
 * greeting, voice and language, and espeak-ng's languages and voices (its variants, which speak
 * every language) for inline calls.
 */
import { execFile } from 'node:child_process';
import { GREETING_TEXT } from './script.js';

/** One of the local agent's saved agents, in the shape `GET /agents` serves. */
export interface DemoAgent {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly status: 'ACTIVE' | 'INACTIVE' | 'SUSPENDED';
  /**
   * espeak-ng language code, one that `GET /languages` lists (with espeak-ng and in the
   * fallback list): Omnia's agents name a language its catalogue has.
   */
  readonly language: string;
  /** espeak-ng variant (a voice name). */
  readonly voice: string;
  /** Said first when the agent speaks first. */
  readonly greeting: string;
  readonly firstSpeaker: 'agent' | 'user';
}

/** The default demo agent: what `--local` and no key talk to. */
export const DEFAULT_DEMO_AGENT_ID = 'demo';

export const DEMO_AGENTS: readonly DemoAgent[] = [
  {
    id: DEFAULT_DEMO_AGENT_ID,
    name: 'Demo',
    description: 'Hears how long you speak, repeats what you type, knows the weather.',
    status: 'ACTIVE',
    language: 'en-us',
    voice: 'Alex',
    greeting: GREETING_TEXT,
    firstSpeaker: 'agent',
  },
  {
    id: 'concierge',
    name: 'Hotel Concierge',
    description: 'Greets guests of the Grand Hotel.',
    status: 'ACTIVE',
    language: 'en-gb',
    voice: 'Annie',
    greeting: 'Good evening, and welcome to the Grand Hotel. How may I help you tonight?',
    firstSpeaker: 'agent',
  },
  {
    id: 'support',
    name: 'Support Desk',
    description: 'Waits for the caller to speak first.',
    status: 'ACTIVE',
    language: 'en-us',
    voice: 'Andy',
    greeting: 'Support desk, how can I help?',
    firstSpeaker: 'user',
  },
  {
    id: 'tutor-fr',
    name: 'Tuteur de français',
    description: 'Practises French with you.',
    status: 'ACTIVE',
    language: 'fr-fr',
    voice: 'Antonio',
    greeting: 'Bonjour ! On pratique le français ensemble ?',
    firstSpeaker: 'agent',
  },
  {
    id: 'retired',
    name: 'Old Receptionist',
    description: 'Retired: inactive agents take no calls.',
    status: 'INACTIVE',
    language: 'en-us',
    voice: 'Alex',
    greeting: 'This agent is retired.',
    firstSpeaker: 'agent',
  },
];

/** Other names of the default demo agent (the CLI's own default is `local-demo`). */
const AGENT_ALIASES: Readonly<Record<string, string>> = { 'local-demo': DEFAULT_DEMO_AGENT_ID };

/** The demo agent with this id (or alias), if any. */
export function demoAgent(id: string): DemoAgent | undefined {
  const wanted = AGENT_ALIASES[id] ?? id;
  return DEMO_AGENTS.find((agent) => agent.id === wanted);
}

/** A language an inline call can use. */
export interface LocalLanguage {
  readonly code: string;
  readonly name: string;
}

/** A voice an inline call can use. */
export interface LocalVoiceInfo {
  readonly id: string;
  readonly name: string;
  readonly gender: 'male' | 'female' | 'unknown';
}

/**
 * What the local agent offers when espeak-ng is not installed (its voices fall back to beeps):
 * codes as espeak-ng spells them, so an agent's language is in the list either way.
 */
const FALLBACK: { languages: LocalLanguage[]; voices: LocalVoiceInfo[] } = {
  languages: [
    { code: 'en-us', name: 'English (America)' },
    { code: 'en-gb', name: 'English (Great Britain)' },
    { code: 'fr-fr', name: 'French (France)' },
    { code: 'de', name: 'German' },
    { code: 'es', name: 'Spanish (Spain)' },
  ],
  voices: [
    { id: 'Alex', name: 'Alex', gender: 'male' },
    { id: 'Andy', name: 'Andy', gender: 'male' },
    { id: 'Annie', name: 'Annie', gender: 'female' },
    { id: 'antonio', name: 'Antonio', gender: 'male' },
  ],
};

/** Only these characters reach espeak-ng's `-v` argument: nothing that reads as an option. */
const SAFE_ESPEAK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** One row of `espeak-ng --voices` output: `Pty Language Age/Gender VoiceName File …`. */
function parseVoiceLine(line: string): { code: string; gender: string; name: string } | undefined {
  const fields = line.trim().split(/\s+/);
  const [, code, ageGender, name] = fields;
  if (!code || !ageGender || !name || !/^\d+$/.test(fields[0] ?? '')) return undefined;
  return { code, gender: ageGender.split('/')[1] ?? '-', name: name.replace(/_/g, ' ') };
}

/** espeak-ng's language list, parsed. Pure. */
export function parseLanguages(output: string): LocalLanguage[] {
  const languages: LocalLanguage[] = [];
  for (const line of output.split('\n').slice(1)) {
    const row = parseVoiceLine(line);
    if (row && SAFE_ESPEAK_NAME.test(row.code)) languages.push({ code: row.code, name: row.name });
  }
  return languages;
}

/** espeak-ng's variants (`--voices=variant`), parsed. Pure. */
export function parseVariants(output: string): LocalVoiceInfo[] {
  const voices: LocalVoiceInfo[] = [];
  for (const line of output.split('\n').slice(1)) {
    const row = parseVoiceLine(line);
    if (!row) continue;
    const file = line.trim().split(/\s+/)[4] ?? '';
    const id = file.replace(/^!v\//, '');
    if (!SAFE_ESPEAK_NAME.test(id)) continue;
    const gender = row.gender === 'F' ? 'female' : row.gender === 'M' ? 'male' : 'unknown';
    // The id is espeak-ng's file name, whose case matters to it (`Alex`, `antonio`).
    voices.push({ id, name: row.name, gender });
  }
  return voices;
}

function run(args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('espeak-ng', args, { timeout: 5_000, maxBuffer: 1024 * 1024 }, (error, stdout) =>
      resolve(error ? undefined : stdout),
    );
  });
}

let catalog: Promise<{ languages: LocalLanguage[]; voices: LocalVoiceInfo[] }> | undefined;

/** espeak-ng's languages and voices, read once per process; a small list without espeak-ng. */
export function localCatalog(): Promise<{ languages: LocalLanguage[]; voices: LocalVoiceInfo[] }> {
  catalog ??= Promise.all([run(['--voices']), run(['--voices=variant'])]).then(
    ([languageText, variantText]) => {
      const languages = languageText ? parseLanguages(languageText) : [];
      const voices = variantText ? parseVariants(variantText) : [];
      return languages.length > 0 && voices.length > 0 ? { languages, voices } : FALLBACK;
    },
  );
  return catalog;
}

/** The voice named `nameOrId` (any case), if espeak-ng has it. */
export function findVoice(
  voices: readonly LocalVoiceInfo[],
  nameOrId: string,
): LocalVoiceInfo | undefined {
  const wanted = nameOrId.trim().toLowerCase();
  return voices.find((v) => v.name.toLowerCase() === wanted || v.id.toLowerCase() === wanted);
}

/** The language with this code (any case), if espeak-ng has it. */
export function findLanguage(
  languages: readonly LocalLanguage[],
  code: string,
): LocalLanguage | undefined {
  const wanted = code.trim().toLowerCase();
  return languages.find((l) => l.code.toLowerCase() === wanted);
}

/** The `-v` argument of espeak-ng for a language and a voice id: `en-us+Alex`. */
export function espeakVoice(language: string, voiceId: string): string | undefined {
  if (!SAFE_ESPEAK_NAME.test(language) || !SAFE_ESPEAK_NAME.test(voiceId)) return undefined;
  return `${language}+${voiceId}`;
}
