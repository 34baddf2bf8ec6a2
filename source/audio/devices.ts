import { execFile } from 'node:child_process';
import { sanitizeLine } from '../protocol/sanitize.js';
import { findExecutable, findSox, soxNotInstalled } from './sox.js';

/** How long a listing tool may take. */
const LIST_TIMEOUT_MS = 5_000;

/** An audio device as the user can name it on the command line. */
export interface Device {
  /** What to pass after `mic:` / `speaker:` / `sox:` (ALSA PCM name, or the macOS device name). */
  id: string;
  /** Human description. */
  name: string;
  isDefault: boolean;
}

/** The result of {@link listDevices}. */
export interface DeviceList {
  inputs: Device[];
  outputs: Device[];
  /** What could not be listed and why (a missing tool, no sound card), one line each. */
  notes: string[];
}

/** Options for {@link listDevices}, mainly for tests. */
export interface ListDevicesOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
}

// ALSA's hint list repeats every card under a dozen plugin names (surround51:, iec958:, dmix:
// ...) that are useless for a voice call; these are dropped to keep the list readable.
const NOISY_ALSA_PREFIXES = [
  'null',
  'surround',
  'front:',
  'rear:',
  'center_lfe:',
  'side:',
  'iec958:',
  'spdif',
  'hdmi:',
  'dmix:',
  'dsnoop:',
  'usbstream:',
  'lavrate',
  'samplerate',
  'speexrate',
  'upmix',
  'vdownmix',
  'speex',
  'a52',
];

/** Parses `arecord -L` / `aplay -L`: a name at column 0, its description indented below. Pure. */
export function parseAlsaNames(text: string): Device[] {
  const devices: Device[] = [];
  let current: { id: string; lines: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const id = current.id;
    if (!NOISY_ALSA_PREFIXES.some((p) => id === p || id.startsWith(p))) {
      const name = current.lines.join(', ') || id;
      devices.push({ id, name, isDefault: id === 'default' });
    }
    current = undefined;
  };
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim().length === 0) continue;
    if (/^\s/.test(raw)) {
      current?.lines.push(clean(raw.trim()));
    } else {
      flush();
      current = { id: clean(raw.trim()), lines: [] };
    }
  }
  flush();
  return devices;
}

/**
 * Parses `arecord -l` / `aplay -l` ("card 1: USB [USB Audio], device 0: ...") into `plughw:`
 * ids, which convert rate and format so any card can take the call's s16 mono. Pure.
 */
export function parseAlsaCards(text: string): Device[] {
  const devices: Device[] = [];
  const re = /^card (\d+): (\S+) \[([^\]]*)\], device (\d+): ([^[]*?)\s*(?:\[([^\]]*)\])?\s*$/;
  for (const line of text.split(/\r?\n/)) {
    const m = re.exec(line);
    if (!m) continue;
    const [, card, cardId, cardName, device, devName, devLong] = m;
    devices.push({
      id: `plughw:CARD=${clean(cardId ?? '')},DEV=${device}`,
      name: clean(`${cardName} (card ${card}), ${devLong || devName}`),
      isDefault: false,
    });
  }
  return devices;
}

/**
 * Parses macOS `system_profiler SPAudioDataType`: device names are the `Name:` lines nested
 * under "Devices:", with `Input Channels` / `Output Channels` and `Default ... Device: Yes`
 * properties below each. Pure.
 */
export function parseSystemProfiler(text: string): { inputs: Device[]; outputs: Device[] } {
  const inputs: Device[] = [];
  const outputs: Device[] = [];
  let devicesIndent: number | undefined;
  let current: { name: string; props: Map<string, string> } | undefined;
  const flush = () => {
    if (!current) return;
    const { name, props } = current;
    if (props.has('Input Channels')) {
      inputs.push({ id: name, name, isDefault: props.get('Default Input Device') === 'Yes' });
    }
    if (props.has('Output Channels')) {
      outputs.push({ id: name, name, isDefault: props.get('Default Output Device') === 'Yes' });
    }
    current = undefined;
  };
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim().length === 0) continue;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (line === 'Devices:') {
      devicesIndent = indent;
      continue;
    }
    if (devicesIndent === undefined || indent <= devicesIndent) continue;
    const prop = /^([^:]+):\s+(.+)$/.exec(line);
    if (line.endsWith(':') && !prop) {
      flush();
      current = { name: clean(line.slice(0, -1)), props: new Map() };
    } else if (prop && current) {
      current.props.set(prop[1]!.trim(), prop[2]!.trim());
    }
  }
  flush();
  return { inputs, outputs };
}

/**
 * Lists capture and playback devices. Linux: `arecord -L`/`aplay -L` plus `-l` cards; macOS:
 * `system_profiler`. A missing tool gives an empty list and a note saying what to install;
 * this never throws.
 */
export async function listDevices(options: ListDevicesOptions = {}): Promise<DeviceList> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  if (platform === 'linux' || platform === 'freebsd') return listAlsa(env, platform);
  if (platform === 'darwin') return listMac(env);
  const notes = [`listing devices is not supported on ${platform}; the default devices are used`];
  if (!(await findSox(env))) notes.push(`${soxNotInstalled({ platform })}: the mic needs it`);
  return { inputs: [], outputs: [], notes };
}

async function listAlsa(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): Promise<DeviceList> {
  const notes: string[] = [];
  const side = async (tool: 'arecord' | 'aplay', kind: string): Promise<Device[]> => {
    const path = await findExecutable(tool, env);
    if (!path) {
      notes.push(`${tool} not found: install alsa-utils to list ${kind} devices`);
      return [];
    }
    const [names, cards] = await Promise.all([
      runTool(path, ['-L'], env),
      runTool(path, ['-l'], env),
    ]);
    const found = parseAlsaNames(names.stdout);
    const known = new Set(found.map((d) => d.id));
    for (const card of parseAlsaCards(cards.stdout)) {
      if (!known.has(card.id)) found.push(card);
    }
    if (/no soundcards found/i.test(cards.stderr)) {
      notes.push(`no ${kind} sound cards found (${tool} -l)`);
    } else if (names.failed && cards.failed) {
      notes.push(`${tool} failed: ${clean(names.stderr.split('\n')[0] ?? '')}`);
    }
    return found;
  };
  const [inputs, outputs] = await Promise.all([
    side('arecord', 'capture'),
    side('aplay', 'playback'),
  ]);
  if (!(await findSox(env))) notes.push(`${soxNotInstalled({ platform })}: the mic needs it`);
  return { inputs, outputs, notes };
}

async function listMac(env: NodeJS.ProcessEnv): Promise<DeviceList> {
  const notes: string[] = [];
  const path = await findExecutable('system_profiler', env);
  let lists: { inputs: Device[]; outputs: Device[] } = { inputs: [], outputs: [] };
  if (!path) {
    notes.push('system_profiler not found: devices cannot be listed; the default devices are used');
  } else {
    const result = await runTool(path, ['SPAudioDataType'], env);
    if (result.failed) notes.push('system_profiler SPAudioDataType failed');
    lists = parseSystemProfiler(result.stdout);
  }
  if (!(await findSox(env)))
    notes.push(`${soxNotInstalled({ platform: 'darwin' })}: the mic needs it`);
  return { ...lists, notes };
}

/** Runs a listing tool; never rejects: a failure, a time-out or a missing tool is `failed`. */
export function runTool(
  path: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = LIST_TIMEOUT_MS,
): Promise<{ stdout: string; stderr: string; failed: boolean }> {
  return new Promise((resolve) => {
    execFile(path, args, { timeout: timeoutMs, env }, (error, stdout, stderr) => {
      resolve({ stdout: String(stdout), stderr: String(stderr), failed: error !== null });
    });
  });
}

function clean(text: string): string {
  return sanitizeLine(text, 200);
}

/**
 * The `omnia-voice devices` listing: inputs, then outputs, default marked with `*`, ids
 * aligned, notes last.
 */
export function formatDevices(result: DeviceList): string {
  const lines: string[] = [];
  const section = (title: string, devices: Device[], flag: string) => {
    lines.push(`${title} (use ${flag}):`);
    if (devices.length === 0) {
      lines.push('  (none found)');
      return;
    }
    const width = Math.min(40, Math.max(...devices.map((d) => d.id.length)));
    for (const d of devices) {
      const mark = d.isDefault ? '*' : ' ';
      const desc = d.name && d.name !== d.id ? `  ${d.name}` : '';
      lines.push(`${mark} ${d.id.padEnd(width)}${desc}`.trimEnd());
    }
  };
  section('Input devices', result.inputs, '--input mic:<id>');
  section('Output devices', result.outputs, '--output speaker:<id> or sox:<id>');
  if (result.inputs.some((d) => d.isDefault) || result.outputs.some((d) => d.isDefault)) {
    lines.push('* = default');
  }
  if (result.notes.length > 0) {
    lines.push('Notes:');
    for (const note of result.notes) lines.push(`  ${note}`);
  }
  return lines.join('\n');
}
