/**
 * The `--input` and `--output` spec forms, in one place for the audio code that opens them and
 * the settings that check them (a flag, the environment, `.env` or `config set`), so a typo is
 * refused where it was written, before any call.
 */

/** The input spec forms, for help text and error messages. */
export const SOURCE_SPEC_HELP = 'mic, mic:<device>, none, or a path to a .wav file';

/** The output spec forms, for help text and error messages. */
export const SINK_SPEC_HELP =
  'speaker, speaker:<device>, sox, sox:<device>, none or a file ending in .wav';

/** A parsed `--input` spec. */
export type SourceSpec =
  | { readonly kind: 'mic'; readonly device?: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'wav'; readonly path: string };

/**
 * Parse an input spec: `mic`, `mic:<device>`, `none` (or `silence`), or a WAV file (a name
 * ending in .wav, or any path with a separator). Anything else is undefined, so a typo like
 * `mick` is not taken for a file.
 */
export function parseSourceSpec(spec: string): SourceSpec | undefined {
  const trimmed = spec.trim();
  if (trimmed === 'mic') return { kind: 'mic' };
  if (trimmed.startsWith('mic:')) {
    // `mic:` names no device (often `mic:$DEV` with DEV unset): not taken for the default.
    const device = trimmed.slice('mic:'.length).trim();
    return device.length > 0 ? { kind: 'mic', device } : undefined;
  }
  if (trimmed === 'none' || trimmed === 'silence') return { kind: 'none' };
  if (/\.wav$/i.test(trimmed) || /[/\\]/.test(trimmed)) return { kind: 'wav', path: trimmed };
  return undefined;
}

/** A parsed `--output` spec. */
export type SinkSpec =
  | { readonly kind: 'speaker' | 'sox'; readonly device?: string }
  | { readonly kind: 'wav'; readonly path: string }
  | { readonly kind: 'none' };

/**
 * Parse an output spec: `speaker`, `speaker:<device>`, `sox`, `sox:<device>`, `none`, or a
 * path ending in `.wav`. Undefined for anything else.
 */
export function parseSinkSpecOrUndefined(spec: string): SinkSpec | undefined {
  const trimmed = spec.trim();
  if (/\.wav$/i.test(trimmed)) return { kind: 'wav', path: trimmed };
  const [head, ...rest] = trimmed.split(':');
  const device = rest.join(':');
  if (head === 'none' && rest.length === 0) return { kind: 'none' };
  if (head === 'speaker' || head === 'sox') {
    // `speaker:` names no device (an empty variable after the colon): not the default.
    if (rest.length > 0 && device.trim() === '') return undefined;
    return device ? { kind: head, device } : { kind: head };
  }
  return undefined;
}
