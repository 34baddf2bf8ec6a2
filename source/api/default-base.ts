/** Omnia's API, where calls go unless `--api-base` or `OMNIA_API_BASE` says otherwise. */
export const DEFAULT_API_BASE = 'https://api.omnia-voice.com';

/** Where a workspace out of credits is topped up. */
export const TOP_UP_URL = 'https://dashboard.omnia-voice.com';

/** What to do about a workspace out of credits, after the server's own words. */
export const TOP_UP_HINT = `Top up in the Omnia dashboard (${TOP_UP_URL}, Billing), then try again.`;

/**
 * Whether a server's error text says the workspace ran out of credits (`Insufficient credits:
 * call terminated`, mid-call, where there is no HTTP 402 to go by).
 */
export function saysOutOfCredits(text: string): boolean {
  return /\b(insufficient|out of|no( more)?) credits?\b/i.test(text);
}
