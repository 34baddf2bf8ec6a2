import { readdirSync } from 'node:fs';
import { loadSerialBinding } from './bindings.js';
import { printableDeviceText } from './protocol.js';

/** A serial port the system knows about. */
export interface SerialPortInfo {
  readonly path: string;
  readonly manufacturer?: string;
}

/**
 * Lists serial ports; rejects with a one-line message when the system cannot list them.
 * `devDir` is where the Linux fallback looks for device nodes (tests give it a fixture).
 */
export async function listSerialPorts(devDir = '/dev'): Promise<SerialPortInfo[]> {
  const binding = await loadSerialBinding();
  let ports: Array<{ path: string; manufacturer?: string | undefined }>;
  try {
    ports = await binding.list();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // On Linux the binding asks udevadm; containers and minimal systems often lack it, but the
    // device nodes are still there to be found.
    if (process.platform === 'linux') return scanDevSerial(devDir);
    throw new Error(`could not list serial ports: ${reason}`);
  }
  return ports
    .map((p) =>
      p.manufacturer ? { path: p.path, manufacturer: p.manufacturer } : { path: p.path },
    )
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Text for `omnia-voice serial list`: one port per line, or a hint when there are none. */
export function formatPorts(ports: readonly SerialPortInfo[]): string {
  if (ports.length === 0) {
    return 'No serial ports found. Plug the device in, or pass its path with --serial <path>.';
  }
  const width = Math.max(...ports.map((p) => p.path.length));
  return ports
    .map((p) => {
      const path = printableDeviceText(p.path, 200);
      return p.manufacturer
        ? `${path.padEnd(width)}  ${printableDeviceText(p.manufacturer)}`
        : path;
    })
    .join('\n');
}

/** USB, ACM and on-board UART nodes, the serial devices a button box or MCU shows up as. */
const DEV_SERIAL_PATTERN = /^(ttyUSB|ttyACM|ttyAMA|rfcomm)\d+$/;

/** Linux without udevadm: list serial device nodes from /dev directly. */
export function scanDevSerial(devDir = '/dev'): SerialPortInfo[] {
  const found: SerialPortInfo[] = [];
  try {
    for (const name of readdirSync(devDir)) {
      if (DEV_SERIAL_PATTERN.test(name)) found.push({ path: `${devDir}/${name}` });
    }
  } catch {
    // No /dev to read: nothing to list.
  }
  try {
    for (const name of readdirSync(`${devDir}/serial/by-id`)) {
      found.push({ path: `${devDir}/serial/by-id/${name}` });
    }
  } catch {
    // No by-id links (no USB serial devices plugged in).
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}
