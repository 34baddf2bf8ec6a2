/**
 * Runs client tools from a `--tools` file. A command gets the invocation's parameters as JSON on
 * stdin and its stdout is the result; a URL gets them as a JSON POST and its body is the result.
 * A non-zero exit, a timeout, a redirect, an HTTP error or a network error is a failure with the
 * reason in one sentence. Everything runs in a child process or a socket, never on the audio
 * path, and is bounded in time and size.
 */

import { spawn } from 'node:child_process';
import type { ClientRequest } from 'node:http';
import { nodeHttp, nodeHttps } from '../api/node-http.js';
import { sanitizeServerText } from '../api/sanitize.js';
import { secondsText } from '../text/durations.js';
import type { CommandTool, ToolSpec, UrlTool } from './config.js';
import { type ClientToolRunner, MAX_TOOL_OUTPUT_BYTES, type ToolOutcome } from './types.js';

export { MAX_TOOL_OUTPUT_BYTES } from './types.js';

/** How much of a failing command's stderr is kept for its reason. */
const STDERR_TAIL_CHARS = 300;
/** Environment variables a tool never sees: the API key is ours, not the tool's. */
const HIDDEN_ENV = /^OMNIA_API_KEY$/;

/**
 * Tool calls that may run at once. A server may ask for any number: 200 at once started 200
 * processes. Past this many, a call is answered at once with an error the agent can act on.
 */
export const MAX_RUNNING_TOOLS = 16;
/**
 * After a command's shell exits, how long its output may still take to arrive. A process it left
 * running in the background (`… &`) holds the pipes open: the answer does not wait for it.
 */
const OUTPUT_AFTER_EXIT_MS = 200;

/** The runner for the tools of a file (`file`: its path as given, for messages). */
export function createToolRunner(specs: readonly ToolSpec[], file?: string): ClientToolRunner {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  let running = 0;
  return {
    has: (name) => byName.has(name),
    names: specs.map((spec) => spec.name),
    ...(file !== undefined ? { file } : {}),
    run: async (name, invocation, signal) => {
      const spec = byName.get(name);
      if (!spec) return { ok: false, error: `no client tool named "${name}"` };
      if (running >= MAX_RUNNING_TOOLS) {
        return {
          ok: false,
          error: `not run: ${MAX_RUNNING_TOOLS} tool calls are running already; try again when they are answered`,
        };
      }
      running += 1;
      try {
        return spec.kind === 'command'
          ? await runCommand(spec, invocation, signal)
          : await runUrl(spec, invocation, signal);
      } catch (error) {
        return {
          ok: false,
          error: oneLine(error instanceof Error ? error.message : String(error)),
        };
      } finally {
        running -= 1;
      }
    },
  };
}

function oneLine(text: string): string {
  return sanitizeServerText(text, STDERR_TAIL_CHARS);
}

function toolEnv(spec: CommandTool, invocationId: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!HIDDEN_ENV.test(key)) env[key] = value;
  }
  env.OMNIA_TOOL_NAME = spec.name;
  env.OMNIA_INVOCATION_ID = invocationId;
  return env;
}

function runCommand(
  spec: CommandTool,
  invocation: { invocationId: string; parameters: Record<string, unknown> },
  signal: AbortSignal,
): Promise<ToolOutcome> {
  return new Promise((resolve) => {
    // Its own process group: a timeout kills the shell and whatever it started.
    const child = spawn('/bin/sh', ['-c', spec.command], {
      cwd: spec.cwd,
      env: toolEnv(spec, invocation.invocationId),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let errTail = '';
    let settled = false;
    const finish = (outcome: ToolOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const fail = (error: string): void => {
      kill();
      finish({ ok: false, error });
    };
    const onAbort = (): void => fail('the call ended before the tool finished');
    const timer = setTimeout(
      () => fail(`timed out after ${secondsText(spec.timeoutMs)}`),
      spec.timeoutMs,
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });

    child.once('error', (error) =>
      finish({ ok: false, error: `could not start: ${error.message}` }),
    );
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_TOOL_OUTPUT_BYTES) {
        fail(`printed more than ${MAX_TOOL_OUTPUT_BYTES / 1024} KiB`);
        return;
      }
      out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errTail = (errTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS * 2);
    });
    const done = (code: number | null, killedBy: NodeJS.Signals | null): void => {
      if (code === 0) {
        finish({
          ok: true,
          result: Buffer.concat(out)
            .toString('utf8')
            .replace(/\r?\n$/, ''),
        });
        return;
      }
      const why = killedBy ? `was killed by ${killedBy}` : `exited with code ${code}`;
      const lastLine = errTail.trim().split('\n').at(-1) ?? '';
      finish({ ok: false, error: oneLine(lastLine ? `${why}: ${lastLine}` : why) });
    };
    child.once('close', done);
    // A process left in the background keeps the pipes open, and `close` waits for it: the
    // shell's exit answers, once the output already written has had a moment to arrive.
    child.once('exit', (code, killedBy) => {
      setTimeout(() => {
        if (settled) return;
        child.stdout.destroy();
        child.stderr.destroy();
        done(code, killedBy);
        // What it left running is stopped with the call, as a running tool is.
        if (signal.aborted) kill();
        else signal.addEventListener('abort', kill, { once: true });
      }, OUTPUT_AFTER_EXIT_MS).unref();
    });
    child.stdin.on('error', () => {
      // A command that does not read its input closes the pipe early; its exit says the rest.
    });
    child.stdin.end(JSON.stringify(invocation.parameters));
  });
}

/** Redirect statuses: a tool URL must answer itself, so these are failures that say where to. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * POSTs the parameters with node:http/https, not fetch: fetch refuses ports browsers block (6000,
 * 6665-6669, 10080, …), which a tool server of the user's own may well use, and it would load
 * undici. One timer bounds the whole exchange, connect to the last byte of the body.
 */
function runUrl(
  spec: UrlTool,
  invocation: { invocationId: string; parameters: Record<string, unknown> },
  signal: AbortSignal,
): Promise<ToolOutcome> {
  return new Promise((resolve) => {
    const url = new URL(spec.url);
    const body = JSON.stringify(invocation.parameters);
    let request: ClientRequest | undefined;
    let answered = false;
    let settled = false;
    const finish = (outcome: ToolOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      request?.destroy();
      resolve(outcome);
    };
    const fail = (error: string): void => finish({ ok: false, error: oneLine(error) });
    const onAbort = (): void => fail('the call ended before the tool finished');
    const timer = setTimeout(
      () => fail(`timed out after ${secondsText(spec.timeoutMs)}`),
      spec.timeoutMs,
    );
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const transport = url.protocol === 'https:' ? nodeHttps() : nodeHttp();
    try {
      request = transport.request(url, {
        method: 'POST',
        // A socket of its own: nothing is kept open after the answer.
        agent: false,
        headers: {
          'content-type': 'application/json',
          'x-omnia-tool-name': spec.name,
          'x-omnia-invocation-id': invocation.invocationId,
          ...spec.headers,
          'content-length': String(Buffer.byteLength(body)),
        },
      });
    } catch (error) {
      fail(`the request to ${url.host} could not be made: ${messageOf(error)}`);
      return;
    }
    request.on('error', (error) => fail(networkFailure(error, url, answered)));
    request.on('response', (response) => {
      answered = true;
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_TOOL_OUTPUT_BYTES) {
          fail(`answered more than ${MAX_TOOL_OUTPUT_BYTES / 1024} KiB`);
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', (error) => fail(networkFailure(error, url, true)));
      response.on('close', () => {
        if (!response.complete) fail(`the answer from ${url.host} was cut off`);
      });
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const location = response.headers.location;
        if (REDIRECTS.has(status) && location) {
          fail(
            `the URL answered with a redirect (HTTP ${status} to ${resolved(location, url)}), ` +
              'which tool URLs do not follow: put the final URL in the tools file',
          );
        } else if (status < 200 || status > 299) {
          const said = oneLine(text);
          fail(`HTTP ${status}${said ? `: ${said}` : ''}`);
        } else {
          finish({ ok: true, result: text });
        }
      });
    });
    request.end(body);
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A redirect's target as an absolute URL (it may be relative to the tool's). */
function resolved(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

/** Why a request got no answer (or an answer cut short), in words. */
function networkFailure(error: Error, url: URL, answered: boolean): string {
  const code = (error as NodeJS.ErrnoException).code;
  const tag = code ? ` (${code})` : '';
  if (answered) return `the answer from ${url.host} was cut off${tag}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `could not connect to ${url.host}: connection refused (is the tool's server running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `could not find the host ${url.hostname}${tag}`;
    case 'ECONNRESET':
      return `${url.host} closed the connection without answering${tag}`;
    case 'ETIMEDOUT':
      return `could not connect to ${url.host}: the connection timed out${tag}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `could not reach ${url.host}: no route to it${tag}`;
  }
  if (code && /CERT|TLS|SSL|EPROTO/i.test(code)) {
    return `the secure connection to ${url.host} failed: ${error.message}${tag}`;
  }
  return `the request to ${url.host} failed: ${error.message}${tag}`;
}
