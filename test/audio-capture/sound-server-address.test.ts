import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { soundServerAnswers, tcpAddress } from '../../source/audio/sound-server.js';

// `PULSE_SERVER` as libpulse reads it: a listener on the address stands in for the server's
// port (all `soundServerAnswers` asks is whether something answers there before pactl runs).
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(host: string): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as { port: number }).port;
}

describe('a PULSE_SERVER over TCP', () => {
  it('reads IPv6 addresses in brackets, with and without a port, and bare', () => {
    expect(tcpAddress('[::1]:4714')).toEqual({ host: '::1', port: 4714 });
    expect(tcpAddress('[fe80::1]')).toEqual({ host: 'fe80::1', port: 4713 });
    expect(tcpAddress('::1')).toEqual({ host: '::1', port: 4713 });
    expect(tcpAddress('studio.lan:4800')).toEqual({ host: 'studio.lan', port: 4800 });
    expect(tcpAddress('studio.lan')).toEqual({ host: 'studio.lan', port: 4713 });
  });

  it('finds a server listening on an IPv6 address, and none once it is gone', async () => {
    const port = await listen('::1');
    for (const named of [
      `tcp6:[::1]:${port}`,
      `tcp:[::1]:${port}`,
      `{x}tcp6:[::1]:${port} unix:/nowhere`,
    ]) {
      expect(await soundServerAnswers({ PULSE_SERVER: named }), named).toBe(true);
    }
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    expect(await soundServerAnswers({ PULSE_SERVER: `tcp6:[::1]:${port}` })).toBe(false);
  });

  it('finds a server on an IPv4 address and port', async () => {
    const port = await listen('127.0.0.1');
    expect(await soundServerAnswers({ PULSE_SERVER: `tcp:127.0.0.1:${port}` })).toBe(true);
  });
});
