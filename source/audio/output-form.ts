import { sanitizeLine } from '../protocol/sanitize.js';
import { pactl, pulseDeviceOf, soundServerAnswers } from './sound-server.js';
import { findExecutable } from './sox.js';

/**
 * What the output device is, as far as echo is concerned: headphones (the mic cannot hear the
 * agent: nothing to cancel) or a loudspeaker, as the sound server describes its sink. `unknown`
 * when nothing says (no sound server, a device named on the command line, macOS): the caller
 * then treats it as a loudspeaker, the case where doing nothing lets the agent hear itself.
 */
export interface OutputForm {
  readonly kind: 'headphones' | 'loudspeaker' | 'unknown';
  /** The sink and what marked it ("Headphones (port analog-output-headphones)"), for the events. */
  readonly what?: string;
}

/** The part of a sink in `pactl -f json list sinks` that tells headphones from loudspeakers. */
export interface PactlSink {
  readonly name?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, string>>;
  readonly ports?: ReadonlyArray<{ readonly name?: string; readonly type?: string }>;
  readonly active_port?: string | null;
}

/** Port types (pactl with LC_ALL=C) and form factors (`device.form_factor`) that sit on ears. */
const EAR_PORT_TYPES = new Set(['headphones', 'headset', 'earpiece', 'handset', 'handsfree']);
const EAR_FORM_FACTORS = new Set(['headphone', 'headset', 'hands-free', 'handset']);
const ROOM_PORT_TYPES = new Set(['speaker', 'line', 'hdmi', 'spdif', 'tv', 'aux']);
const ROOM_FORM_FACTORS = new Set(['speaker', 'internal', 'tv', 'car', 'hifi', 'computer']);

/**
 * Classifies one sink. The active port decides when the sink has ports (a laptop's card has
 * both a speaker and a headphone port, and says which plays); then the sink's form factor
 * (Bluetooth and USB headsets, and sinks without ports). Pure.
 */
export function classifySink(sink: PactlSink): OutputForm {
  const label = sanitizeLine(sink.description || sink.name || 'the default sink');
  const active = sink.active_port
    ? sink.ports?.find((port) => port.name === sink.active_port)
    : undefined;
  const portType = String(active?.type ?? '').toLowerCase();
  const portName = String(sink.active_port ?? '').toLowerCase();
  const port = sink.active_port ? `port ${sanitizeLine(sink.active_port)}` : '';
  if (EAR_PORT_TYPES.has(portType) || /head(phone|set)|earpiece/.test(portName)) {
    return { kind: 'headphones', what: `${label} (${port})` };
  }
  if (ROOM_PORT_TYPES.has(portType) || /speaker/.test(portName)) {
    return { kind: 'loudspeaker', what: `${label} (${port})` };
  }
  const form = String(sink.properties?.['device.form_factor'] ?? '').toLowerCase();
  const formNote = `device.form_factor ${sanitizeLine(form)}`;
  if (EAR_FORM_FACTORS.has(form)) return { kind: 'headphones', what: `${label} (${formNote})` };
  if (ROOM_FORM_FACTORS.has(form)) return { kind: 'loudspeaker', what: `${label} (${formNote})` };
  return { kind: 'unknown', what: label };
}

/** Picks the sink that plays (`PULSE_SINK`, else the server's default) and classifies it. Pure. */
export function formOfDefaultSink(listing: string, defaultSink: string): OutputForm {
  let sinks: unknown;
  try {
    sinks = JSON.parse(listing);
  } catch {
    return { kind: 'unknown' };
  }
  if (!Array.isArray(sinks)) return { kind: 'unknown' };
  try {
    const sink = (sinks as PactlSink[]).find((s) => s && s.name === defaultSink.trim());
    return sink ? classifySink(sink) : { kind: 'unknown' };
  } catch {
    // Fields of unexpected types (another server's idea of the format): nothing is known.
    return { kind: 'unknown' };
  }
}

/**
 * Asks the sound server (PulseAudio, or PipeWire's pulse server) what the default output is,
 * for an output on the default device (`speaker`, `sox`: ALSA's default goes to that server on
 * a desktop), or what the sink a `pulse:<sink>` device names is (`omnia-voice devices` lists
 * them so). Another named device, no pactl, no server or no answer in time: `unknown`.
 */
export async function detectOutputForm(
  device: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<OutputForm> {
  const sink = device ? pulseDeviceOf(device) : undefined;
  if (device && device !== 'default' && device !== 'pulse' && sink === undefined)
    return { kind: 'unknown' };
  if (process.platform !== 'linux' || !(await soundServerAnswers(env))) return { kind: 'unknown' };
  const path = await findExecutable('pactl', env);
  if (!path) return { kind: 'unknown' };
  const [listing, defaultSink] = await Promise.all([
    pactl(path, ['-f', 'json', 'list', 'sinks'], env),
    sink !== undefined
      ? Promise.resolve(sink)
      : env.PULSE_SINK
        ? Promise.resolve(env.PULSE_SINK)
        : pactl(path, ['get-default-sink'], env),
  ]);
  if (listing === undefined || defaultSink === undefined) return { kind: 'unknown' };
  return formOfDefaultSink(listing, defaultSink);
}
