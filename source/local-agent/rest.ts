import { DEFAULT_SAMPLE_RATE } from '../audio/constants.js';

/** Sample rates the demo agent accepts, as common telephony and audio rates span. */
export const MIN_SAMPLE_RATE = 8_000;
export const MAX_SAMPLE_RATE = 48_000;

/** A valid call creation request. */
export interface CreateCallRequest {
  readonly agentId: string;
  readonly inputSampleRate: number;
  readonly outputSampleRate: number;
}

/** A request the server refuses: its status and one line. */
export interface Refusal {
  readonly ok: false;
  readonly status: 400 | 422;
  readonly message: string;
}

export type CreateCallValidation =
  | { readonly ok: true; readonly request: CreateCallRequest }
  | Refusal;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rate(value: unknown, name: string): number | string {
  if (value === undefined) return DEFAULT_SAMPLE_RATE;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return `${name} must be an integer`;
  }
  if (value < MIN_SAMPLE_RATE || value > MAX_SAMPLE_RATE) {
    return `${name} must be between ${MIN_SAMPLE_RATE} and ${MAX_SAMPLE_RATE}`;
  }
  return value;
}

/** The body as a JSON object, or why it is not one (400). Pure. */
export function parseBody(bodyText: string): { ok: true; body: Record<string, unknown> } | Refusal {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return { ok: false, status: 400, message: 'request body is not valid JSON' };
  }
  if (!isRecord(body)) {
    return { ok: false, status: 400, message: 'request body must be a JSON object' };
  }
  return { ok: true, body };
}

/** The connection type and `websocket` block of any call body (both call endpoints). Pure. */
export function validateSocketOptions(
  body: Record<string, unknown>,
): { ok: true; inputSampleRate: number; outputSampleRate: number } | Refusal {
  if (body.connectionType !== undefined && body.connectionType !== 'websocket') {
    return { ok: false, status: 422, message: 'connectionType must be "websocket"' };
  }
  const ws = body.websocket ?? {};
  if (!isRecord(ws)) return { ok: false, status: 400, message: 'websocket must be an object' };
  const input = rate(ws.inputSampleRate, 'websocket.inputSampleRate');
  if (typeof input === 'string') return { ok: false, status: 422, message: input };
  const output = rate(ws.outputSampleRate, 'websocket.outputSampleRate');
  if (typeof output === 'string') return { ok: false, status: 422, message: output };
  if (ws.codec !== undefined && ws.codec !== 'pcm') {
    return { ok: false, status: 422, message: 'unsupported codec (only "pcm")' };
  }
  return { ok: true, inputSampleRate: input, outputSampleRate: output };
}

/**
 * Validates the body of `POST /api/v1/calls/create`. Pure. 400 for a body that is not a call
 * request at all, 422 for a well-formed one asking for something unsupported.
 */
export function validateCreateCall(bodyText: string): CreateCallValidation {
  const parsed = parseBody(bodyText);
  if (!parsed.ok) return parsed;
  const record = parsed.body;
  if (typeof record.agentId !== 'string' || record.agentId.trim() === '') {
    return { ok: false, status: 400, message: 'agentId is required' };
  }
  const socket = validateSocketOptions(record);
  if (!socket.ok) return socket;
  return {
    ok: true,
    request: {
      agentId: record.agentId,
      inputSampleRate: socket.inputSampleRate,
      outputSampleRate: socket.outputSampleRate,
    },
  };
}
