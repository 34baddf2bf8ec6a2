/** Omnia's API, where calls go unless `--api-base` or `OMNIA_API_BASE` says otherwise. */
export const DEFAULT_API_BASE = 'https://api.omnia-voice.com';
