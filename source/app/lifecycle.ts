/**
 * One cleanup registry for the whole process. Every exit path (normal end, q, Ctrl+C, SIGTERM,
 * SIGHUP, an uncaught error) runs the registered steps once, in reverse order of registration,
 * so the terminal is restored and files are flushed whatever happens.
 */

type Cleanup = () => void | Promise<void>;

const steps: Cleanup[] = [];
let running: Promise<void> | undefined;

/** Register a cleanup step; returns a function that unregisters it. */
export function onCleanup(step: Cleanup): () => void {
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

/** Run every cleanup step once (later calls get the same promise). Never rejects. */
export function runCleanup(): Promise<void> {
  if (running) return running;
  running = (async () => {
    while (steps.length > 0) {
      const step = steps.pop();
      try {
        await step?.();
      } catch {
        // A failing step must not stop the others (the terminal must still be restored).
      }
    }
  })();
  return running;
}

/** Run the cleanup, then exit with `code`. A watchdog forces the exit if a step hangs. */
export async function exitAfterCleanup(code: number, watchdogMs = 3_000): Promise<never> {
  const watchdog = setTimeout(() => process.exit(code), watchdogMs);
  watchdog.unref();
  await runCleanup();
  process.exit(code);
}

const secrets = new Set<string>();

/** Register a secret (the API key) that must never reach the terminal or a file. */
export function addSecret(secret: string | undefined): void {
  const value = secret?.trim();
  if (value) secrets.add(value);
}

/** `text` with every registered secret replaced by `[redacted]`. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/**
 * Scrub registered secrets from everything written to `stream`, whoever writes it: the CLI's own
 * lines, Ink's frames, a library's warning, a crash handler. A last line of defence; the code
 * that builds messages redacts them too.
 */
export function guardOutput(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) =>
    write(scrubChunk(chunk), ...rest)) as NodeJS.WriteStream['write'];
}

function scrubChunk(chunk: unknown): unknown {
  if (secrets.size === 0) return chunk;
  if (typeof chunk === 'string') return scrubSecrets(chunk);
  if (chunk instanceof Uint8Array) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (const secret of secrets) {
      if (buf.includes(secret)) return Buffer.from(scrubSecrets(buf.toString('utf8')), 'utf8');
    }
  }
  return chunk;
}
