/**
 * A real pseudo-terminal pair from socat: the controller opens one end as its "serial
 * device", the test plays the device on the other end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSerialBinding, type SerialPortHandle } from '../../source/serial/bindings.js';
import { waitFor } from '../transcript/fake-store.js';

export interface PtyPair {
  /** The end the app opens. */
  readonly appPath: string;
  /** The end the test opens, playing the device. */
  readonly devicePath: string;
  readonly socat: ChildProcess;
  /** Kills socat (both ends go away) and waits for it to exit. */
  kill(): Promise<void>;
}

export async function startPtyPair(dir: string): Promise<PtyPair> {
  const appPath = path.join(dir, 'app');
  const devicePath = path.join(dir, 'device');
  const socat = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${appPath}`, `pty,raw,echo=0,link=${devicePath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  socat.stderr?.on('data', (d) => {
    log += d;
  });
  const exited = new Promise<void>((resolve) => socat.on('exit', () => resolve()));
  await waitFor(
    () => fs.existsSync(appPath) && fs.existsSync(devicePath),
    `socat pty links (${log})`,
  );
  // socat logs "starting data transfer loop" once both ends are ready.
  await waitFor(() => log.includes('starting data transfer loop'), `socat ready (${log})`);
  return {
    appPath,
    devicePath,
    socat,
    kill: async () => {
      if (socat.exitCode === null && socat.signalCode === null) socat.kill('SIGKILL');
      await exited;
    },
  };
}

/** The device side: records everything the app sends and can send lines back. */
export class FakeDevice {
  received = '';
  readError: unknown;
  private port: SerialPortHandle | undefined;
  private closed = false;

  static async open(devicePath: string): Promise<FakeDevice> {
    const device = new FakeDevice();
    const binding = await loadSerialBinding();
    device.port = await binding.open({ path: devicePath, baudRate: 115_200 });
    void device.readLoop();
    return device;
  }

  /** Lines received so far (complete ones only). */
  get lines(): string[] {
    const parts = this.received.split('\n');
    parts.pop();
    return parts;
  }

  async send(text: string | Buffer): Promise<void> {
    await this.port?.write(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.port?.isOpen) await this.port.close().catch(() => undefined);
  }

  private async readLoop(): Promise<void> {
    const buffer = Buffer.alloc(256);
    while (!this.closed && this.port) {
      try {
        const { bytesRead } = await this.port.read(buffer, 0, buffer.length);
        this.received += buffer.subarray(0, bytesRead).toString('utf8');
      } catch (error) {
        this.readError = error;
        return;
      }
    }
  }
}
