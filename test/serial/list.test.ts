import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatPorts, listSerialPorts, scanDevSerial } from '../../source/serial/list.js';
import { skipWhenMissing } from '../helpers/requires.js';
import { fakeUdevadm } from './udev.js';

const originalPath = process.env.PATH;
let dir: string | undefined;

afterEach(() => {
  process.env.PATH = originalPath;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

// udevadm and the /dev fallback are Linux's; elsewhere the binding asks the OS directly.
const notLinux = process.platform === 'linux' ? undefined : `${process.platform} is not Linux`;

describe('listSerialPorts', () => {
  beforeEach((ctx) => skipWhenMissing(ctx, notLinux, { installable: false }));

  it('lists the serial ports udev knows, with manufacturer', async () => {
    // On Linux the binding reads the udev database through `udevadm info -e`.
    dir = fakeUdevadm(fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-udev-')));
    process.env.PATH = `${dir}:${originalPath}`;
    const ports = await listSerialPorts();
    expect(ports).toEqual([
      { path: '/dev/ttyACM0', manufacturer: 'Arduino LLC' },
      { path: '/dev/ttyUSB0' },
    ]);
    expect(formatPorts(ports).split('\n')).toEqual(['/dev/ttyACM0  Arduino LLC', '/dev/ttyUSB0']);
  });

  it('falls back to the device nodes in /dev when udevadm is missing', async () => {
    // A PATH without udevadm, and a /dev of our own: what a container shows, named by hand
    // (not with the code's own pattern) so a wrong pattern cannot agree with itself.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-udev-'));
    process.env.PATH = dir;
    const dev = path.join(dir, 'dev');
    fs.mkdirSync(path.join(dev, 'serial', 'by-id'), { recursive: true });
    for (const name of ['ttyUSB0', 'ttyUSB12', 'ttyACM1', 'ttyAMA0', 'rfcomm3']) {
      fs.writeFileSync(path.join(dev, name), '');
    }
    // Terminals and look-alikes that are not serial devices a button box shows up as.
    for (const name of ['tty1', 'ttyS0', 'ttyUSB', 'ttyACMx', 'xttyUSB0', 'ptmx', 'null']) {
      fs.writeFileSync(path.join(dev, name), '');
    }
    fs.writeFileSync(path.join(dev, 'serial', 'by-id', 'usb-Espressif_ESP32-if00'), '');
    const ports = await listSerialPorts(dev);
    expect(ports).toEqual([
      { path: `${dev}/rfcomm3` },
      { path: `${dev}/serial/by-id/usb-Espressif_ESP32-if00` },
      { path: `${dev}/ttyACM1` },
      { path: `${dev}/ttyAMA0` },
      { path: `${dev}/ttyUSB0` },
      { path: `${dev}/ttyUSB12` },
    ]);
  });

  it('scanDevSerial finds USB/ACM nodes and by-id links, not other ttys', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-dev-'));
    for (const name of ['ttyUSB0', 'ttyACM3', 'tty1', 'ttyS0', 'null']) {
      fs.writeFileSync(path.join(dir, name), '');
    }
    fs.mkdirSync(path.join(dir, 'serial', 'by-id'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'serial', 'by-id', 'usb-Arduino_Uno-if00'), '');
    expect(scanDevSerial(dir).map((p) => p.path)).toEqual([
      `${dir}/serial/by-id/usb-Arduino_Uno-if00`,
      `${dir}/ttyACM3`,
      `${dir}/ttyUSB0`,
    ]);
  });
});

describe('formatPorts', () => {
  it('hints at --serial when nothing is found', () => {
    expect(formatPorts([])).toMatch(/No serial ports found.*--serial <path>/);
  });
});
