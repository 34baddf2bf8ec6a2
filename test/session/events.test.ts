import { describe, expect, it } from 'vitest';
import { parseServerMessage } from '../../source/protocol/messages.js';
import {
  describeClose,
  eventForMessage,
  eventForParsed,
  eventForUnknown,
} from '../../source/session/events.js';

describe('events log lines', () => {
  it('shows debug, error, tool and call_started messages as one clean line', () => {
    expect(eventForMessage({ type: 'debug', message: 'tool\nresult \u001b[31mok' })).toEqual({
      kind: 'debug',
      message: 'tool result ok',
    });
    expect(eventForMessage({ type: 'error', message: 'quota exceeded' })).toEqual({
      kind: 'error',
      message: 'server: quota exceeded',
    });
    expect(
      eventForMessage({
        type: 'client_tool_invocation',
        toolName: 'x',
        invocationId: 'i',
        parameters: {},
      }),
    ).toEqual({ kind: 'tool', message: 'agent called client tool "x"' });
    expect(eventForMessage({ type: 'call_started', callId: 'abc' })?.message).toBe(
      'call started (abc)',
    );
  });

  it('leaves state, transcript and pong to the UI', () => {
    expect(eventForMessage({ type: 'state', state: 'idle' })).toBeUndefined();
    expect(eventForMessage({ type: 'pong', timestamp: 1 })).toBeUndefined();
  });

  it('reports unknown and invalid frames', () => {
    expect(eventForParsed(parseServerMessage('{"type":"call_event"}'))).toEqual({
      kind: 'unknown',
      message: 'ignored message of unknown type "call_event"',
    });
    expect(eventForParsed(parseServerMessage('{"type":"state","state":"x"}'))?.message).toMatch(
      /^ignored invalid message: state: "state" expected one of/,
    );
    expect(eventForUnknown('\u001b]0;x\u0007y').message).toBe(
      'ignored message of unknown type "y"',
    );
  });
});

describe('describeClose', () => {
  it('1000 and our own hang-up are normal ends', () => {
    expect(describeClose(1000, '', false)).toEqual({
      endReason: 'the agent ended the call',
      isError: false,
    });
    expect(describeClose(1000, 'bye', false).endReason).toBe('the agent ended the call: bye');
    expect(describeClose(1006, '', true)).toEqual({ endReason: 'call ended', isError: false });
  });

  it('every other code is an error with the code and the reason', () => {
    expect(describeClose(1006, 'no answer from the server for 10 s', false)).toEqual({
      endReason: 'call socket lost (code 1006): no answer from the server for 10 s',
      isError: true,
    });
    expect(describeClose(1011, '', false).endReason).toBe(
      'call socket closed: server error (code 1011)',
    );
    expect(describeClose(4003, 'agent gone\u001b[2J', false)).toEqual({
      endReason: 'call socket closed by the server (code 4003): agent gone',
      isError: true,
    });
  });
});
