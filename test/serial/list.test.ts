import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPorts, listSerialPorts, scanDevSerial } from '../../source/serial/list.js';

const originalPath = process.env.PATH;
let dir: string | undefined;

afterEach(() => {
  process.env.PATH = originalPath;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** On Linux the binding reads the udev database through `udevadm info -e`. */
function fakeUdevadm(script: string): void {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-udev-'));
  const bin = path.join(dir, 'udevadm');
  fs.writeFileSync(bin, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  process.env.PATH = `${dir}:${originalPath}`;
}

describe.runIf(process.platform === 'linux')('listSerialPorts', () => {
  it('lists the serial ports udev knows, with manufacturer', async () => {
    fakeUdevadm(`cat <<'EOF'
P: /devices/pci0000:00/usb1/1-1/1-1:1.0/tty/ttyACM0
N: ttyACM0
E: DEVNAME=/dev/ttyACM0
E: ID_VENDOR_ENC=Arduino\\x20LLC
E: ID_VENDOR_ID=2341

P: /devices/virtual/input/input3
N: input/event3
E: DEVNAME=/dev/input/event3

P: /devices/pci0000:00/usb1/1-2/ttyUSB0
N: ttyUSB0
E: DEVNAME=/dev/ttyUSB0
EOF`);
    const ports = await listSerialPorts();
    expect(ports).toEqual([
      { path: '/dev/ttyACM0', manufacturer: 'Arduino LLC' },
      { path: '/dev/ttyUSB0' },
    ]);
    expect(formatPorts(ports).split('\n')).toEqual(['/dev/ttyACM0  Arduino LLC', '/dev/ttyUSB0']);
  });

  it('falls back to the device nodes in /dev when udevadm is missing', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-udev-'));
    process.env.PATH = dir;
    const ports = await listSerialPorts();
    const expected = fs
      .readdirSync('/dev')
      .filter((name) => /^(ttyUSB|ttyACM|ttyAMA|rfcomm)\d+$/.test(name));
    expect(ports.filter((p) => !p.path.includes('by-id')).map((p) => p.path)).toEqual(
      expected.map((name) => `/dev/${name}`).sort(),
    );
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
