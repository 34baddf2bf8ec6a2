import { oneLine } from './messages.js';

/**
 * What the demo agent says. Pure: text in, plan out, so the conversation class only does timing
 * and I/O.
 */

export const GREETING_TEXT =
  'Hello! I am the Omnia local demo agent. Say something, or type a message.';
/** What the agent says before it hangs up on a caller who said goodbye. */
export const AGENT_FAREWELL_TEXT = 'Goodbye! Thanks for calling. I am hanging up now.';
/** What the agent says when the call's maximum duration is reached. */
export const TIME_UP_TEXT = 'We are out of time. Goodbye!';

/**
 * The greeting of an inline call with no greeting of its own: the prompt's first sentence, so
 * a caller hears which prompt answered.
 */
export function promptGreeting(prompt: string): string {
  const first = oneLine(prompt, 400).split(/(?<=[.!?])\s/)[0] ?? '';
  return `Hello! I am trying your prompt: ${oneLine(first, 120)}`;
}

/** The user transcript for a spoken turn: there is no speech recognition, only its length. */
export function spokenTranscript(speechMs: number): string {
  return `(spoke ${(speechMs / 1000).toFixed(1)} s)`;
}

/** The agent's answer to a spoken turn. */
export function spokenReply(speechMs: number): string {
  return `I heard you speak for ${(speechMs / 1000).toFixed(1)} seconds. Sound check: this is how you sound to me.`;
}

/** How the agent will answer a typed message. */
export type TypedPlan =
  | { readonly kind: 'say'; readonly text: string }
  | {
      readonly kind: 'server_tool';
      readonly toolName: string;
      readonly args: Readonly<Record<string, string>>;
      readonly result: Readonly<Record<string, string | number>>;
      readonly answer: string;
    }
  | {
      readonly kind: 'client_tool';
      readonly toolName: string;
      readonly parameters: Record<string, unknown>;
    }
  /** The caller said goodbye: the agent says it too and hangs up. */
  | { readonly kind: 'hangup'; readonly text: string };

const DEFAULT_CITY = 'Lisbon';
/** Client tool the demo asks for; clients without it must answer errorType "undefined". */
export const CLIENT_TOOL_NAME = 'show_banner';

function cityIn(text: string): string {
  const match = /\b(?:in|for|at)\s+([A-Za-z][A-Za-z' -]{0,40}?)\s*(?:[?.!,]|$)/i.exec(text);
  const city = match?.[1]?.trim();
  if (!city) return DEFAULT_CITY;
  return city.replace(/\b\w/g, (c) => c.toUpperCase());
}

/** Decides the reply to a typed message (`user_text_message` or `forced_agent_message`). */
export function planTypedReply(rawText: string): TypedPlan {
  const text = oneLine(rawText, 200);
  const lower = text.toLowerCase();
  if (/\b(goodbye|bye|hang up)\b/.test(lower)) return { kind: 'hangup', text: AGENT_FAREWELL_TEXT };
  if (/\bclient tool\b/.test(lower)) {
    return {
      kind: 'client_tool',
      toolName: CLIENT_TOOL_NAME,
      parameters: { text: 'Hello from the local agent', style: 'info' },
    };
  }
  if (/\b(tool|weather)\b/.test(lower)) {
    const city = cityIn(text);
    // A fixed answer: the demo must behave the same on every run.
    const result = { city, temperatureC: 21, conditions: 'sunny' };
    return {
      kind: 'server_tool',
      toolName: 'get_weather',
      args: { city },
      result,
      answer: `The weather in ${city} is ${result.conditions} and ${result.temperatureC} degrees.`,
    };
  }
  return { kind: 'say', text: text.length > 0 ? `You typed: ${text}` : 'You typed nothing.' };
}

/**
 * The agent's answer once the client has answered a client tool invocation. A failure is one
 * with Omnia's `error` or Ultravox's `errorType`; its reason is what the client sent (`error`,
 * else `errorMessage`), repeated as given, so the caller hears the reason the app gave. The
 * error type only chooses the words: `undefined` (no such tool) is said as such, never as the
 * bare word.
 */
export function clientToolAnswer(
  toolName: string,
  outcome:
    | {
        result?: string | undefined;
        error?: string | undefined;
        errorType?: string | undefined;
        errorMessage?: string | undefined;
      }
    | undefined,
): string {
  if (!outcome) return `The client did not answer the ${toolName} tool in time.`;
  const { error, errorType, errorMessage } = outcome;
  if (error === undefined && errorType === undefined) {
    return `The ${toolName} tool returned: ${oneLine(outcome.result ?? '', 120)}.`;
  }
  const reason = oneLine(error ?? errorMessage ?? '', 120);
  const why = reason ? `: ${reason}` : '';
  if (errorType === 'undefined') return `The client has no ${toolName} tool${why}.`;
  const kind =
    errorType === undefined || errorType === 'implementation-error'
      ? ''
      : ` (${oneLine(errorType, 40)})`;
  return `The ${toolName} tool failed${kind}${why}.`;
}

/** Words as they are streamed in deltas: each keeps its leading space so deltas concatenate. */
export function wordDeltas(text: string): string[] {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  return words.map((w, i) => (i === 0 ? w : ` ${w}`));
}
