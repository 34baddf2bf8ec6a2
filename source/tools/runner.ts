/**
 * Runs client tools from a `--tools` file. A command gets the invocation's parameters as JSON on
 * stdin and its stdout is the result; a URL gets them as a JSON POST and its body is the result.
 * A non-zero exit, a timeout or an HTTP error is a failure with the reason. Everything runs in a
 * child process or a socket, never on the audio path, and is bounded in time and size.
 */
import { spawn } from 'node:child_process';
import { sanitizeServerText } from '../api/sanitize.js';
import type { CommandTool, ToolSpec, UrlTool } from './config.js';
import type { ClientToolRunner, ToolOutcome } from './types.js';

/** A result is text the agent reads; more than this is a runaway tool, not an answer. */
export const MAX_TOOL_OUTPUT_BYTES = 256 * 1024;
/** How much of a failing command's stderr is kept for its reason. */
const STDERR_TAIL_CHARS = 300;
/** Environment variables a tool never sees: the API key is ours, not the tool's. */
const HIDDEN_ENV = /^OMNIA_API_KEY$/;

/** The runner for the tools of a file. */
export function createToolRunner(specs: readonly ToolSpec[]): ClientToolRunner {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  return {
    has: (name) => byName.has(name),
    run: async (name, invocation, signal) => {
      const spec = byName.get(name);
      if (!spec) return { ok: false, error: `no client tool named "${name}"` };
      try {
        return spec.kind === 'command'
          ? await runCommand(spec, invocation, signal)
          : await runUrl(spec, invocation, signal);
      } catch (error) {
        return {
          ok: false,
          error: oneLine(error instanceof Error ? error.message : String(error)),
        };
      }
    },
  };
}

function oneLine(text: string): string {
  return sanitizeServerText(text, STDERR_TAIL_CHARS);
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
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
      () => fail(`timed out after ${seconds(spec.timeoutMs)}`),
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
    child.once('close', (code, killedBy) => {
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
    });
    child.stdin.on('error', () => {
      // A command that does not read its input closes the pipe early; its exit says the rest.
    });
    child.stdin.end(JSON.stringify(invocation.parameters));
  });
}

async function runUrl(
  spec: UrlTool,
  invocation: { invocationId: string; parameters: Record<string, unknown> },
  signal: AbortSignal,
): Promise<ToolOutcome> {
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  let response: Response;
  try {
    response = await fetch(spec.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-omnia-tool-name': spec.name,
        'x-omnia-invocation-id': invocation.invocationId,
        ...spec.headers,
      },
      body: JSON.stringify(invocation.parameters),
      signal: AbortSignal.any([signal, timeout]),
      redirect: 'error',
    });
  } catch (error) {
    if (timeout.aborted) return { ok: false, error: `timed out after ${seconds(spec.timeoutMs)}` };
    if (signal.aborted) return { ok: false, error: 'the call ended before the tool finished' };
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const detail = typeof cause?.code === 'string' ? cause.code : String((error as Error).message);
    return { ok: false, error: oneLine(`request failed (${detail})`) };
  }
  const body = await readCapped(response);
  if (body === undefined) {
    return { ok: false, error: `answered more than ${MAX_TOOL_OUTPUT_BYTES / 1024} KiB` };
  }
  if (!response.ok) {
    const said = oneLine(body);
    return { ok: false, error: `HTTP ${response.status}${said ? `: ${said}` : ''}` };
  }
  return { ok: true, result: body };
}

/** The body as text, or undefined when it is larger than a result may be. */
async function readCapped(response: Response): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (bytes > MAX_TOOL_OUTPUT_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
