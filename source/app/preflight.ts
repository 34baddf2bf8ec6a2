import {
  accessSync,
  closeSync,
  existsSync,
  constants as fsConstants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  type Stats,
  statSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isatty } from 'node:tty';
import { parseSinkSpecOrUndefined, parseSourceSpec } from '../audio/specs.js';
import { parseWav, wavReadFailure } from '../audio/wav.js';
import { sanitizeLine } from '../protocol/sanitize.js';
import { writeErrorReason } from '../text/file-errors.js';
import {
  formatForPath,
  linkTarget,
  lockedReason,
  makeFolders,
  sideName,
} from '../transcript/atomic.js';
import type { TranscriptFormat } from '../transcript/format.js';

/** How much of an input WAV is read to check it: its header, almost always. */
const HEAD_BYTES = 64 * 1024;

/** The files a call reads and writes, as far as they can be checked before it is created. */
export interface PreflightOptions {
  readonly input: string;
  readonly output: string;
  readonly transcriptPath?: string;
  /** The format of a transcript path that needs no extension (`/dev/stdout`, a FIFO). */
  readonly transcriptFormat?: TranscriptFormat;
  readonly recordPath?: string;
  /** `--prompt`'s file, read by every call of the run (a redial reads it again). */
  readonly promptPath?: string;
  /** `--tools`' file. */
  readonly toolsPath?: string;
  /** Plain mode: the terminal is not drawn on, so the transcript may go to it. */
  readonly plain?: boolean;
  /** Where `input` and `output` were set, as errors name it (`OMNIA_INPUT in the environment`). */
  readonly inputFrom?: string;
  readonly outputFrom?: string;
  /** Push-to-talk (`--ptt`): in plain mode the serial device's button is the only talk button. */
  readonly ptt?: boolean;
  /** `--serial`'s device. */
  readonly serialPath?: string;
  /** Where it was set, as errors name it (`OMNIA_SERIAL in the environment`); the flag's own. */
  readonly serialPathFrom?: string;
  /** `--save-transcripts`: the run's transcript is saved into `transcriptDir` at the end. */
  readonly saveTranscripts?: boolean;
  readonly transcriptDir?: string;
  /** Where transcriptDir was set, as errors name it (`transcriptDir in …/config.json`). */
  readonly transcriptDirFrom?: string;
}

/**
 * Whether `path` is the terminal the full-screen UI draws on (`/dev/stdout`, `/dev/tty`, the
 * pty's own path): a transcript written there is drawn over by the UI, and the final one left
 * in the shell's screen in pieces; a serial device there takes the user's typing as commands
 * and switches the terminal's output processing off. The device identity (rdev) decides, not
 * isatty: a real serial port is a terminal too.
 */
export function isTheScreen(path: string): boolean {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return false;
  }
  if (!stats.isCharacterDevice()) return false;
  if (resolve(path) === '/dev/tty') return true;
  // The app's own standard streams that are a terminal: /dev/null as stdin (a script's) is a
  // character device too, and `--serial /dev/null` is not the screen.
  for (const fd of [0, 1, 2]) {
    if (!isatty(fd)) continue;
    try {
      const own = fstatSync(fd);
      if (own.isCharacterDevice() && own.rdev === stats.rdev) return true;
    } catch {
      // Not open: not the screen.
    }
  }
  return false;
}

/**
 * A WAV path for call `number` of a run: the path itself for the first call, `name-2.wav` for
 * the second, so a redial does not overwrite what the first call recorded.
 */
export function numberedPath(path: string, number: number): string {
  if (number <= 1) return path;
  const ext = extname(path);
  return `${path.slice(0, path.length - ext.length)}-${number}${ext}`;
}

/**
 * What can be checked before a call is created, so a mistake costs no call and says so at once
 * (exit 2): the input WAV file is there and is a WAV this app plays; the transcript file's
 * format is known from its name, and the recording's name ends in .wav; the transcript, the
 * recording and an output WAV can be written where they were asked for (missing folders are
 * made, as the writers would). Throws an Error named `UsageError` with one line. Later failures
 * (a disk that fills mid-call) are the call's own, reported as they happen.
 */
export function preflight(o: PreflightOptions): void {
  const input = parseSourceSpec(o.input);
  const output = parseSinkSpecOrUndefined(o.output);
  checkCallFiles(o, 1);
  if (o.recordPath !== undefined) checkRecordName(o.recordPath);
  if (input?.kind === 'wav') checkWavInput(input.path);
  if (output?.kind === 'wav') checkWritable(output.path, "the agent's audio", true);
  if (o.transcriptPath !== undefined && !o.plain && isTheScreen(o.transcriptPath)) {
    throw usageError(
      `--transcript ${sanitizeLine(o.transcriptPath, 200)} is the terminal the full-screen UI draws on: the UI would draw over it; add --plain, or give a file`,
    );
  }
  if (o.serialPath !== undefined && isTheScreen(o.serialPath)) {
    throw usageError(
      `${serialNamed(o.serialPath, o.serialPathFrom)} is the terminal this app runs in, not a serial device: the app would read your typing as commands and write its state lines over the screen; give the device's path (omnia-voice serial list shows the ports)`,
    );
  }
  // Plain mode reads no keys: with --ptt a device that is not there leaves no talk button, and
  // the call would go on with the mic shut (a serial device that fails otherwise only costs its
  // buttons, and the call goes on as serial.md says).
  if (o.ptt && o.plain && o.serialPath !== undefined) {
    const why = !existsSync(o.serialPath)
      ? 'does not exist (is it plugged in?)'
      : cannotOpenReadWrite(o.serialPath);
    if (why !== undefined) {
      throw usageError(
        `${serialNamed(o.serialPath, o.serialPathFrom)} ${why}, and with --ptt in plain mode its PTT button is the only talk button: the mic would stay shut for the whole call. ${why.startsWith('does not') ? 'Plug it in' : 'Give a device this user may open'}, or leave out --ptt`,
      );
    }
  }
  if (o.transcriptPath !== undefined) {
    checkNotFolder(o.transcriptPath);
    try {
      formatForPath(o.transcriptPath, o.transcriptFormat ?? 'md');
    } catch (error) {
      throw usageError(error instanceof Error ? error.message : String(error));
    }
    checkWritable(o.transcriptPath, 'the transcript', false);
  }
  if (o.recordPath !== undefined) checkWritable(o.recordPath, 'the recording', true);
  if (o.saveTranscripts && o.transcriptDir !== undefined) {
    checkTranscriptDir(o.transcriptDir, o.transcriptDirFrom);
  }
}

/**
 * A device the user named (`mic:<name>`, `speaker:<name>`, `sox:<name>`) is there, before the
 * call is created: a typo otherwise cost a call on Omnia, held deaf or silent, and exit 0. ALSA
 * is asked to open it (`missingDevice`, 10-50 ms, both sides at once, only for a name: the
 * default devices and `none` cost nothing here); only its "no such device" refuses, anything
 * else is the call's to say, as before. Throws a `UsageError` naming each missing device.
 */
export async function checkNamedDevices(
  o: Pick<PreflightOptions, 'input' | 'output' | 'inputFrom' | 'outputFrom'>,
): Promise<void> {
  const input = parseSourceSpec(o.input);
  const output = parseSinkSpecOrUndefined(o.output);
  const named: NamedDevice[] = [];
  if (input?.kind === 'mic' && input.device) {
    named.push({ side: 'input', device: input.device, spec: o.input, from: o.inputFrom });
  }
  if ((output?.kind === 'speaker' || output?.kind === 'sox') && output.device) {
    named.push({ side: 'output', device: output.device, spec: o.output, from: o.outputFrom });
  }
  if (named.length === 0) return;
  const { missingDevice } = await import('../audio/devices.js');
  const reasons = await Promise.all(named.map((n) => missingDevice(n.device, n.side)));
  const missing = named.flatMap((n, i) => (reasons[i] ? [{ ...n, reason: reasons[i] }] : []));
  if (missing.length === 0) return;
  const said = missing.map((n) => {
    const what = n.side === 'input' ? 'capture' : 'playback';
    // A card ALSA cannot open may be there, with no permission for this user: not "no device".
    const is = n.reason.startsWith('ALSA cannot use') ? 'cannot use the' : 'there is no';
    return `${deviceSetting(n)}: ${is} ${what} device "${sanitizeLine(n.device, 200)}" (${n.reason})`;
  });
  const nones = missing.map((n) =>
    n.side === 'input'
      ? '--input none for a call without a mic'
      : '--output none for one without sound',
  );
  throw usageError(
    `${said.join(', and ')}; omnia-voice devices lists the ones there are: use one of them, or ${nones.join(' and ')}`,
  );
}

interface NamedDevice {
  readonly side: 'input' | 'output';
  readonly device: string;
  /** The whole setting, as given (`mic:nosuchdev`). */
  readonly spec: string;
  readonly from: string | undefined;
}

/** `--input mic:x`, or `the input mic:x (OMNIA_INPUT in the environment)` when not the flag. */
function deviceSetting(n: NamedDevice): string {
  const flag = n.side === 'input' ? '--input' : '--output';
  const shown = sanitizeLine(n.spec.trim(), 200);
  if (n.from === undefined || n.from === flag) return `${flag} ${shown}`;
  return `the ${n.side} ${shown} (${sanitizeLine(n.from, 300)})`;
}

/**
 * `--transcript` names one file: a folder (`--transcript .`, `--transcript notes/`) is said to be
 * one, with the way to save into a folder, not taken for a name with no extension.
 */
function checkNotFolder(path: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    // A part of the path is in the way: checkWritable says so.
  }
  if (!isDirectory && !path.endsWith('/')) return;
  const shown = sanitizeLine(path, 200);
  throw usageError(
    `cannot write the transcript to ${shown}: ${isDirectory ? 'it is a directory' : 'it names a folder (it ends in /)'}; ` +
      `--transcript takes a file (${sanitizeLine(join(path, 'call.md'), 200)}, say). ` +
      `To save each call into a folder, use --save-transcripts with that folder as transcriptDir ` +
      `(omnia-voice config set transcriptDir ${shown}, or OMNIA_TRANSCRIPT_DIR=${shown})`,
  );
}

/**
 * The way out of a transcript directory that cannot be written, said by every message about one:
 * this check, `s` failing to save there, the end's `Transcript: NOT saved: …`.
 */
export const ANOTHER_TRANSCRIPT_DIR =
  'set another folder (omnia-voice config set transcriptDir <folder>, or OMNIA_TRANSCRIPT_DIR)';

/**
 * `--save-transcripts` writes into the transcript directory when the run ends: one that cannot
 * be made or written in (a file on its path, /proc) would lose the transcript after the call.
 * Made now if missing, as the save would make it, and a probe file made in it and removed; the
 * reason in the words the save at the end would use (`writeErrorReason`).
 */
function checkTranscriptDir(dir: string, from: string | undefined): void {
  const fail = (reason: string) =>
    usageError(
      `--save-transcripts cannot save in ${sanitizeLine(dir, 200)}${from ? ` (${from})` : ''}: ${reason}; ${ANOTHER_TRANSCRIPT_DIR}`,
    );
  const stats = statSync(dir, { throwIfNoEntry: false });
  if (stats && !stats.isDirectory()) throw fail('it is a file, not a folder');
  try {
    makeFolders(dir);
    const probe = join(dir, `.omnia-voice.${process.pid}.probe`);
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (error) {
    throw fail(writeErrorReason(error));
  }
}

interface NamedFile {
  readonly flag: string;
  readonly path: string;
  /** Read by the call, not written: what it is (`the input file`, `the prompt file`). */
  readonly reads?: string;
}

/**
 * No file the run writes up to call `number` is a file it reads or another file it writes: the
 * first call's files before it is created, and a redial's numbered WAVs (`out-2.wav`) before the
 * call again, since they can meet a file given for another flag (`--input voice-2.wav --record
 * voice.wav`), or an earlier call's (`--output o.wav --record o-2.wav`). Throws a `UsageError`.
 */
export function checkCallFiles(o: PreflightOptions, number: number): void {
  const input = parseSourceSpec(o.input);
  const output = parseSinkSpecOrUndefined(o.output);
  const reads: NamedFile[] = [
    ...(input?.kind === 'wav'
      ? [{ flag: '--input', path: input.path, reads: 'the input file' }]
      : []),
    ...(o.promptPath !== undefined
      ? [{ flag: '--prompt', path: o.promptPath, reads: 'the prompt file' }]
      : []),
    ...(o.toolsPath !== undefined
      ? [{ flag: '--tools', path: o.toolsPath, reads: 'the tools file' }]
      : []),
  ];
  const writes: NamedFile[] = [];
  if (o.transcriptPath !== undefined) writes.push({ flag: '--transcript', path: o.transcriptPath });
  for (let call = 1; call <= number; call++) {
    // Named by their call once there are several: "--record and --output of call 2" read as
    // both of call 2 when --record was call 1's.
    const label = (flag: string, path: string) =>
      number === 1 ? flag : `${flag} of call ${call} (${basename(path)})`;
    if (output?.kind === 'wav') {
      const path = numberedPath(output.path, call);
      writes.push({ flag: label('--output', path), path });
    }
    if (o.recordPath !== undefined) {
      const path = numberedPath(o.recordPath, call);
      writes.push({ flag: label('--record', path), path });
    }
  }
  checkDistinct([...reads, ...writes]);
}

/**
 * No two of the call's files are one file: the recording written over the input WAV destroyed
 * the user's audio before the agent heard it, and two writers of one file leave only the last.
 * The same file is the same path once resolved, or, for files that exist, the same inode (a
 * link, `./a.wav` and `a.wav`). Anything but a regular file (`/dev/null`, a FIFO, a terminal)
 * may be named twice: writing it twice loses nothing.
 */
function checkDistinct(files: readonly NamedFile[]): void {
  const seen: { file: NamedFile; key: string }[] = [];
  for (const file of files) {
    let key = `path:${resolve(file.path)}`;
    try {
      const stats = statSync(file.path);
      if (!stats.isFile()) continue;
      key = `inode:${stats.dev}:${stats.ino}`;
    } catch {
      // Not there yet: its resolved path stands for it, or, for a link to a file not made
      // yet, the path the link leads to.
      try {
        key = `path:${resolve(linkTarget(file.path))}`;
      } catch {
        // A loop of links: checkWritable says so.
      }
    }
    // Two files read are nothing written over (`--prompt t.json --tools t.json` is odd, not harmful).
    const earlier = seen.find((s) => s.key === key && !(s.file.reads && file.reads));
    if (earlier) {
      const [first, second] = [earlier.file, file];
      const shown = sanitizeLine(second.path, 200);
      throw usageError(
        first.reads === 'the input file'
          ? `${second.flag} names the input file (${shown}): it would be written over before the agent heard it; pick another file`
          : first.reads
            ? `${second.flag} names ${first.reads} (${shown}): it would be written over; pick another file`
            : `${first.flag} and ${second.flag} name the same file (${shown}): one would be written over by the other; pick another file for one of them`,
      );
    }
    seen.push({ file, key });
  }
}

function usageError(message: string): Error {
  const error = new Error(message);
  error.name = 'UsageError';
  return error;
}

/**
 * Why a file cannot be written, in the words every file error uses (`writeErrorReason`: the
 * disk is full, the folder /proc takes no new files, the name is longer than the file system
 * allows), but for a path in the way, said as these checks always said it.
 */
function why(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return 'part of the path is a file, not a directory';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return writeErrorReason(error);
  }
}

/**
 * `--record` writes a WAV file, so a regular file it makes or replaces must be named as one
 * (`.wav` in any case, as `--output` takes): `rec.txt` would hide a WAV under a text file's name
 * (and replace the text file). Anything but a regular file or a folder (`/dev/null`, a FIFO, a
 * terminal, a link to one) keeps no name, and is written into as it is; a folder is left to
 * {@link checkWritable}, which says so.
 */
function checkRecordName(path: string): void {
  // `.wav` alone is a hidden file with no name, which nobody finds again.
  if (/^\.wav$/i.test(basename(path.trim()))) {
    const named = join(dirname(path.trim()), 'rec.wav');
    throw usageError(
      `cannot write the recording to ${sanitizeLine(path, 200)}: the name has nothing before .wav (${sanitizeLine(named, 200)}, say)`,
    );
  }
  if (/\.wav$/i.test(path.trim())) return;
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  if (stats && !stats.isFile()) return;
  const ext = extname(path);
  const stem = ext ? path.slice(0, -ext.length) : path;
  const wav = /\.wav$/i.test(stem) ? stem : `${stem}.wav`;
  throw usageError(
    `cannot write the recording to ${sanitizeLine(path, 200)}: a recording is a WAV file, ` +
      `so its name must end in .wav (${sanitizeLine(wav, 200)}, say)`,
  );
}

/** The input WAV opens and parses (the same parser the call streams it with). */
function checkWavInput(path: string): void {
  const shown = sanitizeLine(path, 200);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw usageError(wavReadFailure(path, error));
  }
  let size: number;
  let head: Buffer;
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    // A pipe or a device (`<(ffmpeg …)`, /dev/stdin) cannot be peeked at without taking what
    // it holds from the call: it is read when the call starts, as before.
    if (!stats.isFile()) return;
    size = stats.size;
    head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    readSync(fd, head, 0, head.length, 0);
  } catch (error) {
    throw usageError(wavReadFailure(path, error));
  } finally {
    closeSync(fd);
  }
  try {
    parseWav(head);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Metadata chunks can push the audio past the first bytes read: then read it all.
    if (size <= head.length || !/no (data|fmt) chunk/.test(message)) {
      throw usageError(`${shown}: ${message}`);
    }
    try {
      parseWav(readFileSync(path));
    } catch (whole) {
      throw usageError(`${shown}: ${whole instanceof Error ? whole.message : String(whole)}`);
    }
  }
}

/**
 * `path` can be written: not a directory, its folder made if missing, and the file openable
 * (`inPlace`: WAVs are written into the file itself) or the folder writable (a transcript is
 * replaced by a temporary file renamed over it). Anything but a regular file (a FIFO, a device)
 * is left alone: opening it to try would wait for, or disturb, whoever is at its other end.
 */
function checkWritable(path: string, what: string, inPlace: boolean): void {
  const fail = (reason: string) =>
    usageError(`cannot write ${what} to ${sanitizeLine(path, 200)}: ${reason}`);
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  if (stats?.isDirectory()) throw fail('it is a directory');
  // A WAV file is written where it stands, its header again as it grows: a pipe cannot take
  // that, and opening one nothing reads would hold the run before its call, deaf to Ctrl+C.
  if (inPlace && (stats?.isFIFO() || stats?.isSocket())) {
    throw fail(
      `it is a ${stats.isFIFO() ? 'pipe (FIFO)' : 'socket'}, and a WAV file's header is written again as it grows; give a file`,
    );
  }
  if (stats && !stats.isFile()) return;
  // A file kept read-only is not replaced (nor written into) behind its owner's back.
  const locked = stats ? lockedReason(path, stats) : undefined;
  if (locked) {
    throw fail(
      locked.startsWith('it is read-only')
        ? `${locked}; make it writable (chmod u+w ${sanitizeLine(path, 200)}) to have it replaced, or give another file`
        : locked,
    );
  }
  if (!stats && isLink(path)) {
    checkLinkTarget(path, fail);
    return;
  }
  const folder = dirname(path);
  try {
    makeFolders(folder);
    // Opened as the writer will open it (permissions, read-only mounts, root on /proc): an
    // existing file is left as it is, a probe file is removed again.
    if (inPlace && stats) closeSync(openSync(path, 'a'));
    else {
      const probe = stats ? join(folder, sideName(basename(path), `${process.pid}.probe`)) : path;
      closeSync(openSync(probe, 'wx'));
      unlinkSync(probe);
    }
  } catch (error) {
    throw fail(why(error));
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * `path` is a link to nothing yet: the link is followed (the writers open it, which makes its
 * target), so its target must be one that can be made: in a folder that exists (none is made
 * for it: the link names where the user wants the file), and at the end of a chain of links
 * that does not go round in a loop. A probe file is made there and removed again.
 */
function checkLinkTarget(path: string, fail: (reason: string) => Error): void {
  let target: string;
  try {
    target = linkTarget(path);
  } catch {
    throw fail('it is a link in a loop of links, which lead to no file');
  }
  const shown = sanitizeLine(target, 200);
  const folder = dirname(target);
  try {
    closeSync(openSync(target, 'wx'));
    unlinkSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !existsSync(folder)) {
      throw fail(`it is a link to ${shown}, and ${sanitizeLine(folder, 200)} does not exist`);
    }
    // ENOENT in a folder that is there: one that takes no new files (/proc), said by why().
    if (code === 'ENOTDIR' || (code === 'ENOENT' && !statSync(folder).isDirectory())) {
      throw fail(`it is a link to ${shown}, and part of that path is a file, not a directory`);
    }
    throw fail(`it is a link to ${shown}: ${why(error)}`);
  }
}

/** `--serial /dev/tty`, or `the serial device /dev/tty (OMNIA_SERIAL in the environment)`. */
/** Why this user may not read and write `path` (`cannot be opened: permission denied`), if so. */
function cannotOpenReadWrite(path: string): string | undefined {
  try {
    accessSync(path, fsConstants.R_OK | fsConstants.W_OK);
    return undefined;
  } catch (error) {
    return `cannot be opened: ${writeErrorReason(error)}`;
  }
}

function serialNamed(path: string, from: string | undefined): string {
  const shown = sanitizeLine(path, 200);
  if (from === undefined || from === '--serial') return `--serial ${shown}`;
  return `the serial device ${shown} (${sanitizeLine(from, 300)})`;
}
