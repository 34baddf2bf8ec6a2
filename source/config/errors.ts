import { maskKey } from '../api/mask-key.js';
import { sanitizeServerText } from '../api/sanitize.js';
import type { SettingSpec } from './schema.js';

/**
 * A configuration problem the user fixes by editing a value or a file. The message says which
 * value or file and how; there is no stack trace, because the code is not at fault.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * `Invalid value for sampleRate: "abc". Allowed: an integer from 8000 to 48000.`
 * `label` names the thing the user typed (a key, a variable, a flag); secrets are masked.
 */
export function invalidValueMessage(label: string, raw: unknown, spec: SettingSpec): string {
  return `Invalid value for ${label}: ${showValue(raw, spec)}. Allowed: ${spec.allowed}.`;
}

function showValue(raw: unknown, spec: SettingSpec): string {
  if (spec.secret) return typeof raw === 'string' ? `"${maskKey(raw)}"` : 'a non-string value';
  if (typeof raw === 'string') return JSON.stringify(sanitizeServerText(raw, 80));
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return `a value of type ${raw === null ? 'null' : typeof raw}`;
}
