import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSerialBinding } from '../../source/serial/bindings.js';
import { SerialController } from '../../source/serial/controller.js';
import { FakeStore, waitFor } from '../transcript/fake-store.js';
import { FakeDevice, type PtyPair, startPtyPair } from './pty.js';

let dir: string;
let pty: PtyPair;
let device: FakeDevice;
let store: FakeStore;
let events: Array<[string, string]>;
let controller: SerialController;
/** The controller's clock, for the unknown lines' window. */
let clock: number;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnia-serial-'));
  pty = await startPtyPair(dir);
  device = await FakeDevice.open(pty.devicePath);
  store = new FakeStore();
  events = [];
  clock = 1_000_000;
  controller = new SerialController({
    path: pty.appPath,
    store,
    onEvent: (kind, message) => events.push([kind, message]),
    now: () => clock,
  });
});

afterEach(async () => {
  await controller.close();
  await device.close();
  await pty.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('SerialController over a real pty pair', () => {
  it('tells the device the state, mute, PTT and levels when it opens', async () => {
    await controller.open();
    await waitFor(() => device.lines.some((l) => l.startsWith('LEVEL')), 'a LEVEL line');
    expect(device.lines.slice(0, 5)).toEqual([
      'STATE listening',
      'MUTED 0',
      'MUTE_SWITCH 0',
      'PTT 0',
      'LEVEL -96 -96',
    ]);
  });

  it('maps device commands to store actions, across partial writes and line endings', async () => {
    await controller.open();
    await device.send('mute\r\n  UNMUTE  \nMUTE_TOG');
    await device.send('GLE\rPTT_DOWN\nptt_up\n\nINTERRUPT\n');
    await waitFor(() => store.calls.length >= 6, 'six commands');
    await device.send('HANGUP\n');
    await waitFor(() => store.calls.length >= 7, 'hang up');
    expect(store.calls).toEqual([
      ['mute', true],
      ['mute', false],
      ['mute', undefined],
      ['setPtt', true],
      ['setPtt', false],
      ['interrupt'],
      ['hangUp', 'you hung up (serial device)'],
    ]);
    expect(events).toEqual([]);
    // The store's reaction comes back to the device as state lines.
    await waitFor(() => device.lines.includes('STATE ended'), 'STATE ended');
    const stateLines = device.lines.filter((l) => !l.startsWith('LEVEL'));
    expect(stateLines).toEqual([
      'STATE listening',
      'MUTED 0',
      'MUTE_SWITCH 0',
      'PTT 0',
      'MUTED 1',
      'MUTE_SWITCH 1',
      'MUTED 0',
      'MUTE_SWITCH 0',
      'MUTED 1',
      'MUTE_SWITCH 1',
      'PTT 1',
      'PTT 0',
      'STATE ended',
    ]);
  });

  it('sends STATE on agent state changes and LEVEL about five times a second', async () => {
    await controller.open();
    store.update({ agentState: 'thinking' });
    store.update({
      agentState: 'speaking',
      micLevel: { rmsDb: -20.4, peakDb: -9, peakHoldDb: -9 },
    });
    store.update({ agentLevel: { rmsDb: -12.6, peakDb: -3, peakHoldDb: -3 } });
    await waitFor(() => device.lines.includes('LEVEL -20 -13'), 'the new levels');
    expect(device.lines).toContain('STATE thinking');
    expect(device.lines).toContain('STATE speaking');
    const levelCount = () => device.lines.filter((l) => l.startsWith('LEVEL')).length;
    const before = levelCount();
    await waitFor(() => levelCount() >= before + 3, 'LEVEL lines keep coming');
  });

  it('reports unknown lines as events, made safe to show, and keeps going', async () => {
    await controller.open();
    await device.send('VOLUME 11\n\u001b[2Jhello\nMUTE\n');
    await waitFor(() => store.calls.length === 1, 'the MUTE after the unknown lines');
    expect(events).toEqual([
      ['warning', `serial device ${pty.appPath} sent an unknown command: "VOLUME 11"`],
      ['warning', `serial device ${pty.appPath} sent an unknown command: "?[2Jhello"`],
    ]);
  });

  it('noise on the line (a wrong baud rate) shows a few lines and a baud rate hint, not a flood', async () => {
    await controller.open();
    // 3000 bytes of noise, as `head -c 3000 /dev/urandom` into the other end: ~25 junk lines.
    let seed = 12_345;
    const noise = Buffer.alloc(3000);
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      noise[i] = seed >>> 16;
    }
    await device.send(noise);
    await device.send('\nMUTE\n');
    await waitFor(() => store.calls.length === 1, 'the MUTE after the noise');
    const unknown = `serial device ${pty.appPath} sent an unknown command: "`;
    expect(events).toHaveLength(4);
    expect(events.slice(0, 3).every(([k, m]) => k === 'warning' && m.startsWith(unknown))).toBe(
      true,
    );
    expect(events[3]).toEqual([
      'warning',
      `serial device ${pty.appPath} keeps sending garbled text, not commands: the app reads it at 115200 baud; ` +
        'if the device sends at another rate, give that with --serial-baud (see docs/serial.md). ' +
        'More unknown lines from it are not shown for a minute',
    ]);
    // A minute on, unknown lines are shown again.
    clock += 60_000;
    await device.send('VOLUME 11\nMUTE\n');
    await waitFor(() => store.calls.length === 2, 'the MUTE a minute later');
    expect(events.slice(4)).toEqual([['warning', `${unknown}VOLUME 11"`]]);
  });

  it('a device sending many readable unknown commands gets no baud rate hint', async () => {
    await controller.open();
    await device.send('VOLUME 1\nVOLUME 2\nVOLUME 3\nVOLUME 4\nVOLUME 5\nMUTE\n');
    await waitFor(() => store.calls.length === 1, 'the MUTE after the unknown lines');
    expect(events.map(([, m]) => m)).toEqual([
      `serial device ${pty.appPath} sent an unknown command: "VOLUME 1"`,
      `serial device ${pty.appPath} sent an unknown command: "VOLUME 2"`,
      `serial device ${pty.appPath} sent an unknown command: "VOLUME 3"`,
      `serial device ${pty.appPath} keeps sending unknown commands; more unknown lines from it are not shown for a minute`,
    ]);
  });

  it('a device that disappears mid-call is reported once and the call goes on', async () => {
    await controller.open();
    await device.send('MUTE\n');
    await waitFor(() => store.calls.length === 1, 'MUTE');
    await pty.kill();
    const warning = await waitFor(
      () => events.find(([, m]) => m.includes('disconnected')),
      'the disconnect warning',
    );
    // An error: serial control is off, which the user must see on the banner.
    expect(warning[0]).toBe('error');
    // In words, not the binding's (`bad file descriptor`).
    expect(warning[1]).toBe(
      `serial device ${pty.appPath} disconnected: it went away (unplugged, or reset); serial control is off`,
    );
    expect(warning[1]).not.toContain('talk button');
    // The store is left alone and keeps working; the controller no longer listens.
    expect(store.listenerCount).toBe(0);
    store.update({ agentState: 'speaking' });
    store.actions.mute(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(events.filter(([, m]) => m.includes('disconnected'))).toHaveLength(1);
    await controller.close();
  });

  it('a device unplugged while its talk button is down releases it: the mic does not stay open', async () => {
    await controller.open();
    await device.send('PTT_DOWN\n');
    await waitFor(() => store.getSnapshot().pttDown, 'PTT_DOWN');
    await pty.kill();
    const [kind, message] = await waitFor(
      () => events.find(([, m]) => m.includes('disconnected')),
      'the disconnect',
    );
    expect(kind).toBe('error');
    expect(message).toMatch(/serial control is off \(its talk button released\)$/);
    expect(store.getSnapshot().pttDown).toBe(false);
    expect(store.calls.at(-1)).toEqual(['setPtt', false]);
  });

  it('close() stops following the store and sends nothing more', async () => {
    await controller.open();
    await waitFor(() => device.lines.length >= 5, 'the opening lines');
    await controller.close();
    expect(store.listenerCount).toBe(0);
    const count = device.lines.length;
    store.update({ agentState: 'speaking' });
    await new Promise((r) => setTimeout(r, 400));
    expect(device.lines).toHaveLength(count);
  });
});

describe('open errors', () => {
  it('names a path that does not exist', async () => {
    const missing = path.join(dir, 'ttyUSB9');
    const c = new SerialController({ path: missing, store, onEvent: () => undefined });
    await expect(c.open()).rejects.toThrow(`serial device ${missing} does not exist`);
  });

  it('says a device another program holds is busy', async () => {
    await controller.open();
    const second = new SerialController({ path: pty.appPath, store, onEvent: () => undefined });
    await expect(second.open()).rejects.toThrow(
      `cannot open serial device ${pty.appPath}: busy: another program has it open`,
    );
  });

  it('names a path that is not a serial device', async () => {
    const file = path.join(dir, 'plain-file');
    fs.writeFileSync(file, '');
    const c = new SerialController({ path: file, store, onEvent: () => undefined });
    await expect(c.open()).rejects.toThrow(
      `cannot open serial device ${file}: not a serial device (no terminal line: a file, or another kind of device)`,
    );
    const nul = new SerialController({ path: '/dev/null', store, onEvent: () => undefined });
    await expect(nul.open()).rejects.toThrow(/: not a serial device \(/);
  });

  it("says a folder is a folder, not in the driver's words", async () => {
    const c = new SerialController({ path: dir, store, onEvent: () => undefined });
    const error = await c.open().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(
      `cannot open serial device ${dir}: it is a folder, not a serial device (omnia-voice serial list shows the serial ports)`,
    );
  });

  it('explains a missing bindings package with an install hint', async () => {
    await expect(loadSerialBinding('@serialport/not-installed-here')).rejects.toThrow(
      /optional package @serialport\/not-installed-here.*npm install @serialport\/not-installed-here/,
    );
  });
});
