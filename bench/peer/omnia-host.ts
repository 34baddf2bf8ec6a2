/**
 * The vendor's example client hard-codes `https://dashboard.omnia-voice.com`. To run it unchanged
 * against the bench's own server, each client process gets a private mount namespace
 * (`unshare -m`) in which a hosts file mapping that name to a loopback address is bind-mounted
 * over /etc/hosts, and the bench serves TLS there with a certificate from a throwaway CA. The app
 * is given the same name (`--api-base https://dashboard.omnia-voice.com`) and the same CA, so
 * both clients make the same TLS call creation and open the same `wss://` socket.
 *
 * Needs root (mount namespace, port 443), `unshare` (util-linux) and `openssl`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The host name the example client calls. */
export const OMNIA_HOST = 'dashboard.omnia-voice.com';

export interface OmniaHost {
  /** Loopback address the bench server listens on (port 443). */
  readonly address: string;
  /** PEM of the server's key and certificate, for `startScriptedAgent({ tls })`. */
  readonly tls: { readonly key: string; readonly cert: string };
  /** The throwaway CA: NODE_EXTRA_CA_CERTS for the app, SSL_CERT_FILE for Python. */
  readonly caPath: string;
  /** `argv` run in its own mount namespace with the bench's hosts file. */
  isolate(argv: readonly string[]): string[];
}

/** Why the isolation cannot work on this machine, or undefined when it can. */
export function omniaHostUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (a mount namespace and port 443)';
  for (const tool of ['unshare', 'openssl', 'mount']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

/**
 * Certificates and a hosts file in `dir`. The address is a random one in 127/8, so two benches
 * on one machine (or a service on 127.0.0.1:443) do not collide.
 */
export function prepareOmniaHost(dir: string): OmniaHost {
  const address = `127.${10 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${
    1 + Math.floor(Math.random() * 250)
  }`;
  const at = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=omnia-voice bench CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl(
    'req',
    ...ec,
    '-keyout',
    at('server.key'),
    '-out',
    at('server.csr'),
    '-subj',
    `/CN=${OMNIA_HOST}`,
  );
  writeFileSync(
    at('server.ext'),
    `subjectAltName=DNS:${OMNIA_HOST}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-out',
    at('server.pem'),
    '-days',
    '2',
    '-extfile',
    at('server.ext'),
  );
  const hosts = at('hosts');
  writeFileSync(hosts, `${readFileSync('/etc/hosts', 'utf8')}\n${address} ${OMNIA_HOST}\n`);
  return {
    address,
    tls: {
      key: readFileSync(at('server.key'), 'utf8'),
      cert: readFileSync(at('server.pem'), 'utf8'),
    },
    caPath: at('ca.pem'),
    // unshare makes the new namespace's mounts private, so the bind mount stays in it.
    isolate: (argv) => [
      'unshare',
      '-m',
      'sh',
      '-c',
      'mount --bind "$0" /etc/hosts && exec "$@"',
      hosts,
      ...argv,
    ],
  };
}
