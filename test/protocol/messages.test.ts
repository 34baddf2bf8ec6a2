import { describe, expect, it } from 'vitest';
import {
  encodeClientMessage,
  MAX_TEXT_FRAME_BYTES,
  type ParsedMessage,
  parseClientMessage,
  parseServerMessage,
  type ServerMessage,
} from '../../source/protocol/messages.js';

function message(text: string): ServerMessage {
  const parsed = parseServerMessage(text);
  if (parsed.kind !== 'message')
    throw new Error(`expected a message, got ${JSON.stringify(parsed)}`);
  return parsed.message;
}

function reason(input: string | object): string {
  const parsed: ParsedMessage = parseServerMessage(
    typeof input === 'string' ? input : JSON.stringify(input),
  );
  if (parsed.kind !== 'invalid') throw new Error(`expected invalid, got ${JSON.stringify(parsed)}`);
  return parsed.reason;
}

describe('parseServerMessage: known messages', () => {
  it('call_started', () => {
    expect(message('{"type":"call_started","callId":"c-1"}')).toEqual({
      type: 'call_started',
      callId: 'c-1',
    });
  });

  it('state, for each of the four states', () => {
    for (const state of ['idle', 'listening', 'thinking', 'speaking']) {
      expect(message(JSON.stringify({ type: 'state', state }))).toEqual({ type: 'state', state });
    }
  });

  it('transcript with text, defaults medium to voice and final to false', () => {
    expect(message('{"type":"transcript","role":"agent","ordinal":3,"text":"Hi"}')).toEqual({
      type: 'transcript',
      role: 'agent',
      ordinal: 3,
      text: 'Hi',
      delta: undefined,
      medium: 'voice',
      final: false,
    });
  });

  it('transcript with delta, text medium, final, nulls and extra fields', () => {
    const msg = message(
      JSON.stringify({
        type: 'transcript',
        role: 'user',
        medium: 'text',
        ordinal: 0,
        delta: ' more',
        text: null,
        final: true,
        futureField: { x: 1 },
      }),
    );
    expect(msg).toMatchObject({
      role: 'user',
      medium: 'text',
      ordinal: 0,
      delta: ' more',
      final: true,
    });
    expect(msg).not.toHaveProperty('futureField');
  });

  it('playback_clear_buffer, pong, debug, error', () => {
    expect(message('{"type":"playback_clear_buffer"}')).toEqual({ type: 'playback_clear_buffer' });
    expect(message('{"type":"pong","timestamp":1712.25}')).toEqual({
      type: 'pong',
      timestamp: 1712.25,
    });
    expect(message('{"type":"debug","message":"tool ran"}')).toEqual({
      type: 'debug',
      message: 'tool ran',
    });
    expect(message('{"type":"error","message":"quota"}')).toEqual({
      type: 'error',
      message: 'quota',
    });
  });

  it('client_tool_invocation, with parameters defaulting to {}', () => {
    expect(
      message(
        '{"type":"client_tool_invocation","toolName":"t","invocationId":"i","parameters":{"a":1}}',
      ),
    ).toEqual({
      type: 'client_tool_invocation',
      toolName: 't',
      invocationId: 'i',
      parameters: { a: 1 },
    });
    expect(
      message('{"type":"client_tool_invocation","toolName":"t","invocationId":"i"}'),
    ).toMatchObject({
      parameters: {},
    });
  });
});

describe('parseServerMessage: tolerated and invalid frames', () => {
  it('tolerates unknown types and keeps the raw object', () => {
    const parsed = parseServerMessage('{"type":"call_event","x":1}');
    expect(parsed).toEqual({
      kind: 'unknown',
      type: 'call_event',
      raw: { type: 'call_event', x: 1 },
    });
  });

  it('sanitises the type name of unknown messages', () => {
    const parsed = parseServerMessage(JSON.stringify({ type: '\u001b[2Jwipe' }));
    expect(parsed).toMatchObject({ kind: 'unknown', type: 'wipe' });
  });

  it('rejects non-JSON, non-objects and missing or bad types', () => {
    expect(reason('hello')).toMatch(/not valid JSON/);
    expect(reason('')).toMatch(/not valid JSON/);
    expect(reason('[1,2]')).toBe('expected a JSON object, got an array');
    expect(reason('42')).toBe('expected a JSON object, got 42');
    expect(reason('null')).toBe('expected a JSON object, got null');
    expect(reason('"text"')).toBe('expected a JSON object, got a string');
    expect(reason({ callId: 'x' })).toBe('message has no "type"');
    expect(reason({ type: 7 })).toBe('"type" expected a string, got 7');
    expect(reason({ type: '' })).toBe('"type" is empty');
  });

  it('names the field for missing and wrongly typed fields', () => {
    expect(reason({ type: 'transcript', role: 'agent', ordinal: 'one', text: 'x' })).toBe(
      'transcript: "ordinal" expected a number, got a string',
    );
    expect(reason({ type: 'transcript', role: 'agent', text: 'x' })).toBe(
      'transcript: "ordinal" expected a number, it is missing',
    );
    expect(reason({ type: 'transcript', role: 'agent', ordinal: 1.5, text: 'x' })).toBe(
      'transcript: "ordinal" expected an integer, got 1.5',
    );
    expect(reason({ type: 'transcript', role: 'agent', ordinal: -1, text: 'x' })).toBe(
      'transcript: "ordinal" must be >= 0, got -1',
    );
    expect(reason({ type: 'transcript', role: 'bot', ordinal: 1, text: 'x' })).toMatch(
      /^transcript: "role" expected one of "user", "agent", got a string$/,
    );
    expect(reason({ type: 'transcript', role: 'agent', ordinal: 1 })).toBe(
      'transcript: message needs "text" or "delta" (a string)',
    );
    expect(reason({ type: 'transcript', role: 'agent', ordinal: 1, delta: 5 })).toBe(
      'transcript: "delta" expected a string, got 5',
    );
    expect(reason({ type: 'transcript', role: 'agent', ordinal: 1, text: 'x', final: 'yes' })).toBe(
      'transcript: "final" expected a boolean, got a string',
    );
    expect(
      reason({ type: 'transcript', role: 'agent', ordinal: 1, text: 'x', medium: 'video' }),
    ).toMatch(/"medium" expected one of "voice", "text"/);
  });

  it('says so when state is outside the four values', () => {
    expect(reason({ type: 'state', state: 'dancing' })).toBe(
      'state: "state" expected one of "idle", "listening", "thinking", "speaking", got a string',
    );
    expect(reason({ type: 'state' })).toMatch(/^state: "state" expected one of .*, it is missing$/);
  });

  it('names missing fields of every other known type', () => {
    expect(reason({ type: 'call_started' })).toBe(
      'call_started: "callId" expected a string, it is missing',
    );
    expect(reason({ type: 'pong', timestamp: 'now' })).toBe(
      'pong: "timestamp" expected a number, got a string',
    );
    expect(reason({ type: 'debug' })).toBe('debug: "message" expected a string, it is missing');
    expect(reason({ type: 'error', message: { a: 1 } })).toBe(
      'error: "message" expected a string, got an object',
    );
    expect(reason({ type: 'client_tool_invocation', toolName: 't' })).toBe(
      'client_tool_invocation: "invocationId" expected a string, it is missing',
    );
    expect(
      reason({ type: 'client_tool_invocation', toolName: 't', invocationId: 'i', parameters: [1] }),
    ).toBe('client_tool_invocation: "parameters" expected a record, got an array');
  });

  it('rejects oversized frames before parsing, saying the size', () => {
    const big = JSON.stringify({ type: 'debug', message: 'x'.repeat(MAX_TEXT_FRAME_BYTES) });
    expect(reason(big)).toMatch(/^text frame of 1\.0 MiB exceeds the 1\.0 MiB limit$/);
    // Multi-byte characters count as bytes, not UTF-16 units.
    const wide = JSON.stringify({ type: 'debug', message: 'é'.repeat(600_000) });
    expect(parseServerMessage(wide).kind).toBe('invalid');
    expect(parseServerMessage('{"type":"debug","message":"abc"}', 10)).toMatchObject({
      kind: 'invalid',
      reason: 'text frame of 32 bytes exceeds the 10 bytes limit',
    });
  });

  it('does not repeat untrusted content in reasons', () => {
    const r = reason(`{"type":"state","state":"\\u001b]0;pwned\\u0007"}`);
    expect(r).not.toContain('\u001b');
    expect(r).not.toContain('pwned');
  });
});

describe('client messages', () => {
  it('encodes each client message as one JSON object that parses back', () => {
    const all = [
      { type: 'ping', timestamp: 1712345678.123456 },
      { type: 'user_text_message', text: 'hi', urgency: 'immediate' },
      { type: 'set_output_medium', medium: 'text' },
      { type: 'hang_up', message: 'bye' },
      { type: 'hang_up' },
      { type: 'client_tool_result', invocationId: 'i', errorType: 'undefined', errorMessage: 'no' },
      {
        type: 'client_tool_result',
        invocationId: 'i',
        result: '{"ok":true}',
        agentReaction: 'speaks',
      },
      { type: 'forced_agent_message', content: 'Say this' },
    ] as const;
    for (const msg of all) {
      const text = encodeClientMessage(msg);
      expect(JSON.parse(text)).toEqual(msg);
      expect(parseClientMessage(text)).toEqual({ kind: 'message', message: msg });
    }
  });

  it('omits undefined optional fields', () => {
    expect(encodeClientMessage({ type: 'hang_up', message: undefined })).toBe('{"type":"hang_up"}');
  });

  it('validates client messages for the local server', () => {
    expect(parseClientMessage('{"type":"user_text_message"}')).toEqual({
      kind: 'invalid',
      reason: 'user_text_message: "text" expected a string, it is missing',
    });
    expect(parseClientMessage('{"type":"set_output_medium","medium":"smoke"}').kind).toBe(
      'invalid',
    );
    expect(parseClientMessage('{"type":"whatever"}').kind).toBe('unknown');
  });
});
