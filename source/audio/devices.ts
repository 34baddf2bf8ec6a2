import { spawn } from 'node:child_process';
import { sanitizeLine } from '../protocol/sanitize.js';
import { pactl, pulsePcmName, runTool, soundServerAnswers } from './sound-server.js';
import { findExecutable, findSox, soxNotInstalled } from './sox.js';

/** How long a listing tool may take. */
const LIST_TIMEOUT_MS = 5_000;
/** How long the sound server may take to list its devices. */
/**
 * How long a probe of a device may take to fail. Opening fails within tens of ms (a server not
 * there, no /dev/dsp, an unknown PCM: 40-90 ms measured); a device still open by then opened.
 */
const PROBE_MS = 1_000;
/** How long stderr is read after a probe's tool exited: its last lines come within a ms or two. */
const STDERR_END_MS = 50;

/** An audio device as the user can name it on the command line. */
export interface Device {
  /** What to pass after `mic:` / `speaker:` / `sox:` (ALSA PCM name, or the macOS device name). */
  id: string;
  /** Human description. */
  name: string;
  isDefault: boolean;
  /** Why it cannot be opened now, when a probe said so (the default, which is listed anyway). */
  unavailable?: string;
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

/**
 * ALSA PCMs that are a way into something else, listed by ALSA whether or not that is there: a
 * JACK server, OSS's /dev/dsp, a sound server. Each is probed (or, for the sound servers, the
 * server asked) and left out of the list when nothing answers: `mic:jack` would only fail.
 */
const BRIDGE_PCMS = new Set(['jack', 'oss', 'pulse', 'pipewire']);
/** Those whose server a probe would start (PulseAudio's autospawn): asked first, never probed. */
const SOUND_SERVER_PCMS = new Set(['pulse', 'pipewire']);

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
  const side = async (
    tool: 'arecord' | 'aplay',
    kind: string,
  ): Promise<{ devices: Device[]; notes: string[] }> => {
    const notes: string[] = [];
    const path = await findExecutable(tool, env);
    if (!path) {
      notes.push(`${tool} not found: install alsa-utils to list ${kind} devices`);
      return { devices: [], notes };
    }
    const [names, cards] = await Promise.all([
      runTool(path, ['-L'], env, LIST_TIMEOUT_MS),
      runTool(path, ['-l'], env, LIST_TIMEOUT_MS),
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
    const direction = tool === 'arecord' ? 'input' : 'output';
    return { devices: await checked(found, path, direction, env, serverUp, notes), notes };
  };
  const serverUp = soundServerAnswers(env);
  const [capture, playback, server, sox] = await Promise.all([
    side('arecord', 'capture'),
    side('aplay', 'playback'),
    serverUp.then((up) => (up ? serverDevices(env) : undefined)),
    findSox(env),
  ]);
  const inputs = capture.devices;
  const outputs = playback.devices;
  const notes = [...capture.notes, ...playback.notes];
  if (server) {
    // Named through ALSA's pulse plugin: without it (libasound2-plugins) no name reaches them.
    const plugin = inputs.some((d) => d.id === 'pulse') || outputs.some((d) => d.id === 'pulse');
    if (!plugin) {
      notes.push(
        "the sound server's devices cannot be named here: ALSA's pulse plugin is not installed (libasound2-plugins on Debian/Ubuntu)",
      );
    } else {
      inputs.push(...server.inputs);
      outputs.push(...server.outputs);
    }
    notes.push(...server.notes);
  }
  const gone = [...new Set([...inputs, ...outputs].filter(isGone).map((d) => d.id))];
  if (gone.length > 0) {
    notes.push(`left out, as nothing answers them now: ${gone.join(', ')}`);
  }
  if (!sox) notes.push(`${soxNotInstalled({ platform })}: the mic needs it`);
  return {
    inputs: inputs.filter((d) => !isGone(d)),
    outputs: outputs.filter((d) => !isGone(d)),
    notes,
  };
}

/** A bridge PCM that a probe found nothing behind (see {@link checked}). */
const GONE = 'nothing answers it';
const isGone = (d: Device): boolean => d.unavailable === GONE;

/**
 * Probes what may not work although ALSA lists it: the bridge PCMs (`jack`, `oss`, …: marked
 * {@link GONE} when nothing answers, so they are left out) and `default` (kept, as it is what the
 * app opens when no device is named, with why it cannot be opened now, and a note). A sound
 * server's PCM is not probed, which could start a server: it is there when the server answers.
 */
async function checked(
  devices: Device[],
  tool: string,
  side: 'input' | 'output',
  env: NodeJS.ProcessEnv,
  serverUp: Promise<boolean>,
  notes: string[],
): Promise<Device[]> {
  return Promise.all(
    devices.map(async (device): Promise<Device> => {
      if (SOUND_SERVER_PCMS.has(device.id)) {
        return (await serverUp) ? device : { ...device, unavailable: GONE };
      }
      if (!BRIDGE_PCMS.has(device.id) && device.id !== 'default') return device;
      const failure = await probePcm(tool, device.id, side, env);
      if (failure === undefined) return device;
      if (device.id !== 'default') return { ...device, unavailable: GONE };
      const flag = side === 'input' ? '--input mic:<id>' : '--output speaker:<id>';
      notes.push(
        `the default ${side} cannot be opened now (${failure}): a call without ${flag} has ${side === 'input' ? 'no mic' : 'no sound'}`,
      );
      return { ...device, unavailable: failure };
    }),
  );
}

/**
 * Opens an ALSA PCM the way a call would (s16, mono, 48 kHz) and says why it failed, or
 * undefined when it opened (or was still open after {@link PROBE_MS}). `arecord` takes one
 * sample, `aplay` plays nothing (/dev/null). No JACK server is started for it.
 */
export async function probePcm(
  tool: string,
  pcm: string,
  side: 'input' | 'output',
  env: NodeJS.ProcessEnv,
  timeoutMs = PROBE_MS,
): Promise<string | undefined> {
  return (await openPcm(tool, pcm, side, env, timeoutMs)).failure;
}

/**
 * {@link probePcm}, with what the tool wrote to stderr (ALSA's own lines say why). `setUpIsEnough`:
 * the device counts as opened once the tool has set it up (`-v` prints `Its setup is:` then),
 * without waiting for it to finish: aplay drains into a sound server for 2 s (measured).
 */
function openPcm(
  tool: string,
  pcm: string,
  side: 'input' | 'output',
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  setUpIsEnough = false,
): Promise<{ failure?: string; stderr: string }> {
  const args = ['-q', '-D', pcm, '-t', 'raw', '-f', 'S16_LE', '-r', '48000', '-c', '1'];
  if (side === 'input') args.push('-s', '1');
  if (setUpIsEnough) args.push('-v');
  args.push('/dev/null');
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(tool, args, {
      env: { ...env, JACK_NO_START_SERVER: '1', PULSE_LATENCY_MSEC: '20' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let setUp = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ stderr });
    }, timeoutMs);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr = (stderr + text).slice(-2_000);
      if (setUpIsEnough && !setUp && stderr.includes('Its setup is:')) {
        // Told once it has gone (below): the call opens the device next.
        setUp = true;
        child.kill('SIGKILL');
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ failure: error.message, stderr });
    });
    child.once('exit', (code) => {
      const done = () => {
        clearTimeout(timer);
        if (code === 0 || setUp) resolve({ stderr });
        else resolve({ failure: probeReason(stderr) || `exit code ${code}`, stderr });
      };
      // ALSA's words may still be in the pipe when the process has exited (a missing device
      // then read as one that failed for another reason): read to its end, not for long, as a
      // process the tool started (a sound server) may hold it open.
      const pipe = child.stderr;
      if (!pipe || pipe.readableEnded) return done();
      pipe.once('end', done);
      setTimeout(done, STDERR_END_MS);
    });
  });
}

/**
 * How long the check of a named device before a call may take: a name ALSA does not know fails,
 * and one that is there is set up, within 10-50 ms (the spawn of aplay included, a sound
 * server's devices too); one still opening by then (a busy card waited for, a sound server
 * starting) exists, and the call opens it as before.
 */
const NAMED_CHECK_MS = 300;

/**
 * Why the device a call names (`mic:<name>`, `speaker:<name>`, `sox:<name>`) does not exist, in
 * ALSA's terms, so the call can be refused before it is created; undefined when it opened, when
 * it failed for another reason (busy, a sound server that does not answer, a format it does not
 * take: the call opens it and says so, as before), or when nothing can tell: not Linux, no
 * aplay/arecord, a mic that sox opens through another driver (the user's `AUDIODRIVER`).
 * `default` is the device a call without a name opens, and is let through as that one is.
 */
export async function missingDevice(
  name: string,
  side: 'input' | 'output',
  options: ListDevicesOptions = {},
): Promise<string | undefined> {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  if (platform !== 'linux' || name === 'default') return undefined;
  if (side === 'input' && env.AUDIODRIVER && env.AUDIODRIVER !== 'alsa') return undefined;
  const tool = await findExecutable(side === 'input' ? 'arecord' : 'aplay', env);
  if (!tool) return undefined;
  // In C's words whatever the user's language: they are read, not shown.
  const { failure, stderr } = await openPcm(
    tool,
    name,
    side,
    { ...env, LC_ALL: 'C' },
    NAMED_CHECK_MS,
    true,
  );
  return failure === undefined ? undefined : absentReason(name, side, stderr);
}

/**
 * What in aplay's or arecord's stderr says that the PCM `name` does not exist, in words, or
 * undefined when it failed for another reason. ALSA names the card it cannot find (`hw:3,0`, or
 * a PCM of the user's that leads to one), or the PCM it does not know (`nosuchdev`, or the one
 * a user's PCM leads to); a `hw:`/`plughw:` name whose card is there but not the device number
 * fails to open its /dev/snd node (ENOENT); a sound server that answers says it has no source
 * or sink of the name after `pulse:` (PulseAudio's "No such entity", PipeWire's the same). Pure.
 */
export function absentReason(
  name: string,
  side: 'input' | 'output',
  stderr: string,
): string | undefined {
  const card = /Cannot get card index for (.*)$|cannot find card '([^']*)'/m.exec(stderr);
  // alsa-lib says this for any failure to open the card's control too (no permission: a
  // session outside the audio group), not only for a card that is not there.
  if (card) {
    return `ALSA cannot use sound card ${clean((card[1] ?? card[2] ?? '').trim())}: it is not there, or this user may not open it`;
  }
  const unknown = /Unknown PCM (.*)$/m.exec(stderr)?.[1]?.trim();
  if (unknown !== undefined) {
    return unknown === name
      ? 'ALSA knows no device of that name'
      : `it leads to "${clean(unknown)}", which ALSA does not know`;
  }
  if (/PulseAudio: Unable to create stream: No such entity/.test(stderr)) {
    return `the sound server has no ${side === 'input' ? 'source' : 'sink'} of that name`;
  }
  if (
    /^(plug)?hw(:|$)/.test(name) &&
    /audio open error: No such file or directory\s*$/m.test(stderr)
  ) {
    return 'its sound card has no such device';
  }
  return undefined;
}

/** What `aplay`/`arecord` said about a device that did not open, without their prefixes. Pure. */
export function probeReason(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const open = lines.findLast((l) => /audio open error/.test(l)) ?? lines.at(-1) ?? '';
  return clean(open.replace(/^\S+: \S+:\d+: /, '').replace(/^audio open error: /, ''));
}

/** A source or sink in `pactl -f json list sources|sinks`. */
interface PactlDevice {
  readonly name?: unknown;
  readonly description?: unknown;
  readonly monitor_of_sink?: unknown;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/**
 * The sound server's sources (inputs, monitors left out: they are what a sink plays, not a
 * mic) or sinks (outputs), as the app names them: `pulse:<name>` (see `pulsePcmName`), the
 * server's default one marked in its description. `listing` is `pactl -f json list …`, or
 * `pactl list short …` (tab-separated: index, name, …) from a pactl without JSON. Pure.
 */
export function parsePactlDevices(
  listing: string,
  kind: 'sources' | 'sinks',
  serverDefault?: string,
): Device[] {
  let entries: Array<{ name: string; description: string; monitor: boolean }>;
  try {
    const parsed: unknown = JSON.parse(listing);
    if (!Array.isArray(parsed)) return [];
    entries = (parsed as PactlDevice[]).flatMap((d) => {
      if (!d || typeof d.name !== 'string' || d.name.length === 0) return [];
      const monitor =
        (typeof d.monitor_of_sink === 'string' && d.monitor_of_sink !== 'n/a') ||
        d.properties?.['device.class'] === 'monitor';
      const description = typeof d.description === 'string' ? d.description : '';
      return [{ name: d.name, description, monitor }];
    });
  } catch {
    entries = listing.split(/\r?\n/).flatMap((line) => {
      const name = line.split('\t')[1]?.trim();
      return name ? [{ name, description: '', monitor: name.endsWith('.monitor') }] : [];
    });
  }
  return entries
    .filter((e) => kind === 'sinks' || !e.monitor)
    .map((e) => {
      const id = clean(pulsePcmName(e.name));
      const about = clean(e.description).trim() || clean(e.name);
      const mark = e.name === serverDefault?.trim() ? " (the sound server's default)" : '';
      return { id, name: `${about}${mark}`, isDefault: false };
    });
}

/** The sound server's sources and sinks, with its defaults; notes for what it did not say. */
async function serverDevices(
  env: NodeJS.ProcessEnv,
): Promise<{ inputs: Device[]; outputs: Device[]; notes: string[] } | undefined> {
  const path = await findExecutable('pactl', env);
  if (!path) return undefined;
  const ask = (args: string[]) => pactl(path, args, env);
  const list = async (kind: 'sources' | 'sinks') =>
    (await ask(['-f', 'json', 'list', kind])) ?? (await ask(['list', 'short', kind]));
  const [sources, sinks, info] = await Promise.all([list('sources'), list('sinks'), ask(['info'])]);
  if (sources === undefined && sinks === undefined) {
    return {
      inputs: [],
      outputs: [],
      notes: ['the sound server did not list its devices in time (pactl)'],
    };
  }
  const field = (name: string) =>
    new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(info ?? '')?.[1]?.trim();
  return {
    inputs: parsePactlDevices(sources ?? '', 'sources', field('Default Source')),
    outputs: parsePactlDevices(sinks ?? '', 'sinks', field('Default Sink')),
    notes: [],
  };
}

async function listMac(env: NodeJS.ProcessEnv): Promise<DeviceList> {
  const notes: string[] = [];
  const path = await findExecutable('system_profiler', env);
  let lists: { inputs: Device[]; outputs: Device[] } = { inputs: [], outputs: [] };
  if (!path) {
    notes.push('system_profiler not found: devices cannot be listed; the default devices are used');
  } else {
    const result = await runTool(path, ['SPAudioDataType'], env, LIST_TIMEOUT_MS);
    if (result.failed) notes.push('system_profiler SPAudioDataType failed');
    lists = parseSystemProfiler(result.stdout);
  }
  if (!(await findSox(env)))
    notes.push(`${soxNotInstalled({ platform: 'darwin' })}: the mic needs it`);
  return { ...lists, notes };
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
      const about = d.name && d.name !== d.id ? d.name : '';
      const unavailable = d.unavailable ? `(cannot be opened now: ${d.unavailable})` : '';
      const desc = [about, unavailable].filter(Boolean).join(' ');
      lines.push(`${mark} ${d.id.padEnd(width)}${desc ? `  ${desc}` : ''}`.trimEnd());
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
