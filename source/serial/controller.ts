import * as fs from 'node:fs';
import type { Store } from '../session/types.js';
import { loadSerialBinding, type SerialPortHandle } from './bindings.js';
import {
  type DeviceLine,
  type DeviceView,
  deviceView,
  formatLevelLine,
  LINE_PAUSE_MS,
  LineSplitter,
  parseDeviceLine,
  printableDeviceText,
  UnknownLineLimit,
  viewChangeLines,
} from './protocol.js';

export const DEFAULT_BAUD_RATE = 115_200;
/** LEVEL lines go out about five times a second: enough for LEDs, cheap at 115200 baud. */
export const LEVEL_INTERVAL_MS = 200;
/** Output held while the device is not reading; beyond this, LEVEL lines are dropped. */
const MAX_PENDING_OUTPUT_CHARS = 4_096;
const READ_CHUNK_BYTES = 256;

/** Options for {@link SerialController}. */
export interface SerialControllerOptions {
  /** Device path, e.g. /dev/ttyACM0. */
  readonly path: string;
  readonly baudRate?: number;
  readonly store: Store;
  /**
   * Things to tell the user: unknown lines (warning, the events pane), the device gone (error:
   * serial control is off, which the user must see wherever they look).
   */
  readonly onEvent: (kind: 'info' | 'warning' | 'error', message: string) => void;
  /** The device went away (`reason` in words), before its `onEvent` error says so. */
  readonly onDisconnect?: (reason: string) => void;
  /** How often LEVEL lines are sent. */
  readonly levelIntervalMs?: number;
  /** The clock unknown lines are counted by (tests). */
  readonly now?: () => number;
}

/**
 * Hardware control over a serial line: buttons on a device send MUTE / PTT / INTERRUPT /
 * HANGUP lines; the device is told the call state, mute, PTT and levels so it can light LEDs.
 * A device that goes away is reported and dropped; the call itself carries on.
 */
export class SerialController {
  readonly path: string;
  readonly baudRate: number;
  private readonly store: Store;
  private readonly onEvent: SerialControllerOptions['onEvent'];
  private readonly onDisconnect: SerialControllerOptions['onDisconnect'];
  private readonly levelIntervalMs: number;
  private port: SerialPortHandle | undefined;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private levelTimer: NodeJS.Timeout | undefined;
  private view: DeviceView | undefined;
  private pendingOutput = '';
  private writing: Promise<void> | undefined;
  private readLoop: Promise<void> | undefined;
  /** Ends a line the device left unfinished when it goes quiet (see LineSplitter.pause). */
  private pauseTimer: NodeJS.Timeout | undefined;
  /** The device's talk button is down (PTT_DOWN, no PTT_UP yet): released if the device goes. */
  private pttHeld = false;
  /** Unknown lines beyond a few a minute are dropped: line noise would flood the events. */
  private readonly unknownLines = new UnknownLineLimit();
  private readonly now: () => number;

  constructor(options: SerialControllerOptions) {
    this.path = options.path;
    this.baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    this.store = options.store;
    this.onEvent = options.onEvent;
    this.onDisconnect = options.onDisconnect;
    this.levelIntervalMs = options.levelIntervalMs ?? LEVEL_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Opens the device and starts reading commands. Rejects with a message naming the path. */
  async open(): Promise<void> {
    if (this.port) return;
    if (!fs.existsSync(this.path)) {
      throw new Error(`serial device ${this.path} does not exist (is it plugged in?)`);
    }
    const binding = await loadSerialBinding();
    try {
      this.port = await binding.open({ path: this.path, baudRate: this.baudRate });
    } catch (error) {
      throw new Error(`cannot open serial device ${this.path}: ${openFailure(error)}`);
    }
    this.stopped = false;
    this.unsubscribe = this.store.subscribe(() => this.onStoreChange());
    this.onStoreChange();
    this.sendLevels();
    this.levelTimer = setInterval(() => this.sendLevels(), this.levelIntervalMs);
    // Levels are a courtesy to the device; they must not keep the process alive.
    this.levelTimer.unref();
    this.readLoop = this.runReadLoop(this.port);
  }

  /** Stops reading, sends nothing more and closes the device. Idempotent. */
  async close(): Promise<void> {
    if (this.stopped && !this.port) return;
    // Let whatever is already on its way reach the device (the final STATE, say).
    const inFlight = this.writing;
    this.stop();
    const port = this.port;
    this.port = undefined;
    if (inFlight) await Promise.race([inFlight, delay(200)]);
    if (port?.isOpen) await port.close().catch(() => undefined);
    // Closing cancels the pending read; do not hang if a binding fails to do that.
    if (this.readLoop) await Promise.race([this.readLoop, delay(500)]);
  }

  private stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.levelTimer) clearInterval(this.levelTimer);
    this.levelTimer = undefined;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    this.pendingOutput = '';
  }

  private async runReadLoop(port: SerialPortHandle): Promise<void> {
    const buffer = Buffer.alloc(READ_CHUNK_BYTES);
    const splitter = new LineSplitter();
    while (!this.stopped) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await port.read(buffer, 0, buffer.length));
      } catch (error) {
        if (!this.stopped) this.disconnected(error);
        return;
      }
      if (this.stopped) return;
      if (this.pauseTimer) clearTimeout(this.pauseTimer);
      this.pauseTimer = undefined;
      for (const line of splitter.push(buffer.subarray(0, bytesRead))) {
        this.handle(parseDeviceLine(line));
      }
      if (splitter.endsOnPause && !this.stopped) {
        this.pauseTimer = setTimeout(() => {
          this.pauseTimer = undefined;
          if (this.stopped) return;
          for (const line of splitter.pause()) this.handle(parseDeviceLine(line));
        }, LINE_PAUSE_MS);
        this.pauseTimer.unref();
      }
    }
  }

  private handle(line: DeviceLine): void {
    const actions = this.store.actions;
    try {
      switch (line.kind) {
        case 'empty':
          break;
        case 'mute':
          actions.mute(true);
          break;
        case 'unmute':
          actions.mute(false);
          break;
        case 'mute_toggle':
          actions.mute();
          break;
        case 'ptt_down':
          this.pttHeld = true;
          actions.setPtt(true);
          break;
        case 'ptt_up':
          this.pttHeld = false;
          actions.setPtt(false);
          break;
        case 'interrupt':
          actions.interrupt();
          break;
        case 'hangup':
          actions
            .hangUp('you hung up (serial device)')
            .catch((error: unknown) => this.warn(`hang up failed: ${error}`));
          break;
        case 'unknown':
          this.unknown(line.line);
          break;
      }
    } catch (error) {
      this.warn(`serial command failed: ${error instanceof Error ? error.message : error}`);
    }
  }

  private unknown(text: string): void {
    const verdict = this.unknownLines.take(text, this.now());
    if (verdict.kind === 'show') {
      this.onEvent(
        'warning',
        `serial device ${this.path} sent an unknown command: "${printableDeviceText(text)}"`,
      );
    } else if (verdict.kind === 'drop_notice') {
      // For the rest of UNKNOWN_LINE_WINDOW_MS (a minute).
      const rest = 'unknown lines from it are not shown for a minute';
      this.onEvent(
        'warning',
        verdict.garbled
          ? `serial device ${this.path} keeps sending garbled text, not commands: ` +
              `the app reads it at ${this.baudRate} baud; if the device sends at another rate, ` +
              `give that with --serial-baud (see docs/serial.md). More ${rest}`
          : `serial device ${this.path} keeps sending unknown commands; more ${rest}`,
      );
    }
  }

  private onStoreChange(): void {
    if (this.stopped) return;
    const next = deviceView(this.store.getSnapshot());
    const lines = viewChangeLines(this.view, next);
    this.view = next;
    if (lines.length > 0) this.send(lines.join(''), true);
  }

  private sendLevels(): void {
    if (this.stopped) return;
    const snap = this.store.getSnapshot();
    this.send(formatLevelLine(snap.micLevel.rmsDb, snap.agentLevel.rmsDb), false);
  }

  /**
   * Writes are serialised (the binding allows one at a time) and coalesced, so a slow device
   * gets fewer, larger writes instead of an ever-growing queue.
   */
  private send(text: string, important: boolean): void {
    if (this.stopped || !this.port) return;
    if (!important && this.pendingOutput.length + text.length > MAX_PENDING_OUTPUT_CHARS) return;
    this.pendingOutput += text;
    if (!this.writing) this.writing = this.drain(this.port);
  }

  private async drain(port: SerialPortHandle): Promise<void> {
    try {
      while (this.pendingOutput.length > 0 && !this.stopped) {
        const chunk = this.pendingOutput;
        this.pendingOutput = '';
        await port.write(Buffer.from(chunk, 'utf8'));
      }
    } catch (error) {
      if (!this.stopped) this.disconnected(error);
    } finally {
      this.writing = undefined;
    }
  }

  private disconnected(error: unknown): void {
    const reason = disconnectReason(error);
    this.stop();
    const port = this.port;
    this.port = undefined;
    if (port?.isOpen) port.close().catch(() => undefined);
    // A button that is gone is not held: a device unplugged mid-talk must not leave the mic open.
    const released = this.pttHeld;
    if (released) {
      this.pttHeld = false;
      try {
        this.store.actions.setPtt(false);
      } catch {
        // The store refusing must not hide the disconnect below.
      }
    }
    try {
      this.onDisconnect?.(reason);
    } catch {
      // Keeping it for the summary must not hide the disconnect below.
    }
    this.tell(
      'error',
      `serial device ${this.path} disconnected: ${reason}; serial control is off` +
        (released ? ' (its talk button released)' : ''),
    );
  }

  private warn(message: string): void {
    this.tell('warning', message);
  }

  private tell(kind: 'warning' | 'error', message: string): void {
    try {
      this.onEvent(kind, message);
    } catch {
      // The events pane failing must not break the call.
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Why a serial device would not open, in words: the binding's messages name ioctls and locks
 * (`Inappropriate ioctl for device setting custom baud rate of 115200` for a plain file).
 */
export function openFailure(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /^Error:?\s*/,
    '',
  );
  if (/Inappropriate ioctl|ENOTTY/i.test(message)) {
    return 'not a serial device (no terminal line: a file, or another kind of device)';
  }
  if (/Permission denied|EACCES|EPERM/i.test(message)) {
    return 'permission denied (on Linux, join the dialout group: sudo usermod -aG dialout $USER, then log in again)';
  }
  if (/Cannot lock port|Resource temporarily unavailable|EBUSY|EAGAIN/i.test(message)) {
    return 'busy: another program has it open';
  }
  if (/Is a directory|EISDIR/i.test(message)) {
    return 'it is a folder, not a serial device (omnia-voice serial list shows the serial ports)';
  }
  // The binding adds `, cannot open <path>`, which the caller's message already says.
  return message.replace(/, cannot open .*$/, '');
}

/**
 * Why a serial device stopped answering, in words: unplugged (or reset), the binding says
 * `bad file descriptor` (its poller) or `EIO: i/o error, read`, names no user would know.
 */
export function disconnectReason(error: unknown): string {
  const e = error as { code?: unknown; disconnect?: unknown } | undefined;
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /^Error:?\s*/,
    '',
  );
  const code = typeof e?.code === 'string' ? e.code : '';
  if (
    e?.disconnect === true ||
    /^(EBADF|EIO|ENXIO|ENODEV|EPIPE|ENOENT)$/.test(code) ||
    /bad file descriptor|i\/o error|input\/output error|no such device|broken pipe/i.test(message)
  ) {
    return 'it went away (unplugged, or reset)';
  }
  return message;
}
