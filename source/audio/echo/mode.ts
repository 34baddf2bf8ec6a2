import type { OutputForm } from '../output-form.js';

/** What `--echo` (config `echo`, env `OMNIA_ECHO`) asks for. */
export type EchoMode = 'cancel' | 'guard' | 'off';

/** Every mode, in the order shown to users. */
export const ECHO_MODES: readonly EchoMode[] = ['cancel', 'guard', 'off'];

/** The default: cancel when it can, else guard (see {@link decideEcho}). */
export const DEFAULT_ECHO_MODE: EchoMode = 'cancel';

/** What the call's devices are, as far as echo is concerned. */
export interface EchoDevices {
  /**
   * What the sound server says the loudspeaker is (`source/audio/output-form.ts`): headphones
   * turn the default `cancel` into `off`. Absent or `unknown`: a loudspeaker is assumed.
   */
  readonly outputForm?: OutputForm;
  /** `mic`, `file`, `none`. */
  readonly inputKind: string;
  /**
   * The output is a loudspeaker the mic can hear: a speaker or sox device that opened (not a
   * WAV file, not `none`, not the silent stand-in used when no device could be opened).
   */
  readonly loudspeaker: boolean;
  /** Why the output is not a loudspeaker, for the events ("the output is a WAV file"). */
  readonly outputNote?: string;
}

/** The mode a call runs with and, when it is not the one asked for, why. */
export interface EchoDecision {
  readonly mode: EchoMode;
  readonly reason?: string;
  /** The user asked for more than they got because something is missing: say so loudly. */
  readonly degraded: boolean;
}

/**
 * Picks the mode. Echo needs a mic and a loudspeaker; without them it is `off` whatever was
 * asked, and that is the reason given (it holds whatever is set). The default `cancel` (`asked`
 * false: no `--echo`, `echo` or `OMNIA_ECHO` set) is `off` on headphones; asked for, it is kept.
 * `asked` may name where the mode was set (`OMNIA_ECHO in the environment`): an `off` says so. `cancel` needs speexdsp: `loadError` (its one-line
 * reason) turns it into `guard`. Pure: the caller loads the library only when this says
 * `cancel` might be used ({@link wantsCanceller}).
 */
export function decideEcho(
  requested: EchoMode,
  devices: EchoDevices,
  loadError?: string,
  asked: boolean | string = true,
): EchoDecision {
  if (devices.inputKind !== 'mic') {
    return { mode: 'off', reason: 'the input is not a microphone', degraded: false };
  }
  if (!devices.loudspeaker) {
    return {
      mode: 'off',
      reason: devices.outputNote ?? 'the output is not a loudspeaker',
      degraded: false,
    };
  }
  if (requested === 'off') {
    const by = typeof asked === 'string' ? ` by ${asked}` : '';
    return { mode: 'off', reason: `turned off${by}`, degraded: false };
  }
  if (!asked && devices.outputForm?.kind === 'headphones') {
    return {
      mode: 'off',
      reason: `the output is headphones: ${devices.outputForm.what ?? 'the default sink'}; --echo cancel if the mic hears it`,
      degraded: false,
    };
  }
  if (requested === 'guard') return { mode: 'guard', degraded: false };
  if (loadError) return { mode: 'guard', reason: loadError, degraded: true };
  return { mode: 'cancel', degraded: false };
}

/** Whether {@link decideEcho} could pick `cancel`, so the library is worth loading. */
export function wantsCanceller(
  requested: EchoMode,
  devices: EchoDevices,
  asked: boolean | string = true,
): boolean {
  return decideEcho(requested, devices, undefined, asked).mode === 'cancel';
}

/** Parses a user's value; undefined when it is not a mode. */
export function parseEchoMode(raw: unknown): EchoMode | undefined {
  if (typeof raw !== 'string') return undefined;
  const value = raw.trim().toLowerCase();
  return (ECHO_MODES as readonly string[]).includes(value) ? (value as EchoMode) : undefined;
}
