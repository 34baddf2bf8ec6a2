/**
 * A result is text the agent reads; more than this is a runaway tool, not an answer. Here, not in
 * the runner, so the session can size what it keeps of a result without loading the runner.
 */
export const MAX_TOOL_OUTPUT_BYTES = 256 * 1024;

/** How a client tool invocation ended, as the agent will be told. */
export type ToolOutcome =
  | { readonly ok: true; readonly result: string }
  | { readonly ok: false; readonly error: string };

/**
 * Answers client tool invocations locally (`--tools FILE`). The session store asks `has` for
 * every invocation; tools it does not have are answered at once with "no such tool".
 */
export interface ClientToolRunner {
  has(name: string): boolean;
  /** The tools it has, as named in its file, and that file (for what the user reads). */
  readonly names?: readonly string[];
  readonly file?: string;
  /**
   * Runs one invocation. Never rejects and never blocks: the work happens in a child process or
   * an HTTP request. Aborting `signal` (the call ended) stops it and resolves with a failure.
   */
  run(
    name: string,
    invocation: { readonly invocationId: string; readonly parameters: Record<string, unknown> },
    signal: AbortSignal,
  ): Promise<ToolOutcome>;
}
