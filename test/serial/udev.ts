/**
 * A stand-in for `udevadm`, which the serial binding asks for the ports on Linux: a script that
 * prints a small udev database (an Arduino with a vendor name, a USB serial port without one, and
 * a device that is not a serial port), so listing ports gives the same answer on every machine.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `udevadm info -e` prints for the devices above. */
export const UDEV_DB = `P: /devices/pci0000:00/usb1/1-1/1-1:1.0/tty/ttyACM0
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
`;

/** Writes an executable `udevadm` printing {@link UDEV_DB} into `dir`; returns `dir`. */
export function fakeUdevadm(dir: string, db = UDEV_DB): string {
  mkdirSync(dir, { recursive: true });
  const bin = join(dir, 'udevadm');
  writeFileSync(bin, `#!/bin/sh\ncat <<'EOF'\n${db}EOF\n`);
  chmodSync(bin, 0o755);
  return dir;
}
