/**
 * The two clients the peer benchmarks compare, as commands: the built app and the vendor's
 * example, each in its own mount namespace where `dashboard.omnia-voice.com` is the bench's TLS
 * server (`omnia-host.ts`). Both get the same API key, agent id and CA.
 */
import { CLI_PATH } from '../result.js';
import type { ExampleClient, ExampleDevice } from './example-client.js';
import { OMNIA_HOST, type OmniaHost } from './omnia-host.js';

export const BENCH_API_KEY = 'bench-key-1f0e';
export const BENCH_AGENT_ID = 'bench';

/** A program to run, with the environment it needs beyond the bench's own. */
export interface ClientCommand {
  readonly label: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A shell command line that runs the client with its environment, exec'd (one pid). */
export function shellCommand(client: ClientCommand): string {
  const env = Object.entries(client.env).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return `exec env ${env.join(' ')} ${client.argv.map(shellQuote).join(' ')}`;
}

/** The built CLI against the bench server, with these devices and extra arguments. */
export function appClient(
  host: OmniaHost,
  o: {
    label: string;
    input: string;
    output: string;
    args?: readonly string[];
    env?: Record<string, string>;
  },
): ClientCommand {
  return {
    label: o.label,
    argv: host.isolate([
      process.execPath,
      CLI_PATH,
      '--api-base',
      `https://${OMNIA_HOST}`,
      '--agent',
      BENCH_AGENT_ID,
      '--input',
      o.input,
      '--output',
      o.output,
      ...(o.args ?? []),
    ]),
    env: {
      OMNIA_API_KEY: BENCH_API_KEY,
      NODE_EXTRA_CA_CERTS: host.caPath,
      TERM: 'xterm-256color',
      ...o.env,
    },
  };
}

/** The vendor's example with one of the `sounddevice` stand-ins. */
export function exampleClient(
  host: OmniaHost,
  example: ExampleClient,
  o: { label: string; device: ExampleDevice; env?: Record<string, string> },
): ClientCommand {
  return {
    label: o.label,
    argv: host.isolate(example.argv),
    env: example.env(o.device, {
      OMNIA_API_KEY: BENCH_API_KEY,
      OMNIA_AGENT_ID: BENCH_AGENT_ID,
      SSL_CERT_FILE: host.caPath,
      TERM: 'xterm-256color',
      ...o.env,
    }),
  };
}
