/**
 * `POST /calls/inline`: a call with no saved agent, its whole configuration in the body. This is
 * how a prompt is tried without touching an agent in the dashboard.
 */
import { type CreatedCall, postCall, websocketOptions } from './create-call.js';
import { serverOf } from './errors.js';

/** Models Omnia's inline calls accept. */
export const INLINE_MODELS = ['llama', 'gemma', 'glm'] as const;
export type InlineModel = (typeof INLINE_MODELS)[number];

/** The agent an inline call creates for the length of the call. */
export interface InlineCallConfig {
  readonly systemPrompt: string;
  /** Voice name or id. */
  readonly voice: string;
  /** Language code. */
  readonly language: string;
  readonly model?: InlineModel;
  /** 0 to 1. */
  readonly temperature?: number;
  readonly greeting?: string;
  readonly firstSpeaker?: 'agent' | 'user';
  /** Seconds, 60 to 7200. */
  readonly maxDuration?: number;
}

export interface CreateInlineCallOptions {
  readonly apiBase: string;
  readonly apiKey?: string | undefined;
  /** Where the key came from, for messages (`ApiTarget.keyFrom`). */
  readonly keyFrom?: string | undefined;
  /** Where the API base came from, for messages (`ApiTarget.apiBaseFrom`). */
  readonly apiBaseFrom?: string | undefined;
  readonly config: InlineCallConfig;
  readonly inputSampleRate: number;
  readonly outputSampleRate: number;
  readonly connectTimeoutMs?: number | undefined;
  readonly responseTimeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Who answers, for messages (`ApiTarget.server`). */
  readonly server?: string | undefined;
}

/** The JSON body of an inline call: the config, and a WebSocket carrying raw PCM. */
export function inlineCallBody(options: CreateInlineCallOptions): Record<string, unknown> {
  const { config } = options;
  const body: Record<string, unknown> = {
    systemPrompt: config.systemPrompt,
    voice: config.voice,
    language: config.language,
  };
  if (config.model !== undefined) body.model = config.model;
  if (config.temperature !== undefined) body.temperature = config.temperature;
  if (config.greeting !== undefined) body.greeting = config.greeting;
  if (config.firstSpeaker !== undefined) body.firstSpeaker = config.firstSpeaker;
  if (config.maxDuration !== undefined) body.maxDuration = config.maxDuration;
  body.connectionType = 'websocket';
  body.websocket = websocketOptions(options);
  return body;
}

/** Creates an inline call. Rejects with ApiError only. */
export function createInlineCall(options: CreateInlineCallOptions): Promise<CreatedCall> {
  return postCall({
    apiBase: options.apiBase,
    apiKey: options.apiKey,
    keyFrom: options.keyFrom,
    apiBaseFrom: options.apiBaseFrom,
    path: '/calls/inline',
    body: JSON.stringify(inlineCallBody(options)),
    context: {
      ...(options.server === undefined ? {} : { server: options.server }),
      action: 'create a call with your prompt',
      notFound: `${serverOf(options)} does not offer inline calls at this address`,
    },
    connectTimeoutMs: options.connectTimeoutMs,
    responseTimeoutMs: options.responseTimeoutMs,
    signal: options.signal,
  });
}
